-- As the reference loader writes data/reference/service_areas.csv (kuva_pipeline/defs/reference.py).
CREATE TABLE staging.ref_service_areas AS SELECT * FROM (VALUES
    ('KUVA', 'Kulttuurin ja vapaa-ajan toimiala', 'Culture and Leisure Division', 'division'),
    ('KIR', 'Kirjastopalvelut', 'Library services', 'service_area'),
    ('KULP', 'Kulttuuripalvelut', 'Culture services', 'service_area'),
    ('LIIKU', 'Liikuntapalvelut', 'Sports services', 'service_area'),
    ('NUP', 'Nuorisopalvelut', 'Youth services', 'service_area'),
    ('HALLINTO', 'Hallinto ja yhteiset palvelut', 'Administration and common services', 'common'),
    ('KAUPUNKIKULTTUURI', 'Kaupunkikulttuuri', 'Urban Culture', 'unit')
) t(code, name_fi, name_en, kind);
