-- As the reference loader writes them (kuva_pipeline/defs/reference.py): ids as text.
CREATE TABLE staging.ref_nps_experience_points AS
SELECT * FROM (VALUES
    ('101', 'Oodi entrance', 'Oodi', 'KIR', 'floor', DATE '2019-01-01', NULL::DATE),
    ('102', 'Caisa lobby', 'Caisa', 'KULP', 'floor', DATE '2019-01-01', NULL::DATE),
    ('103', 'Kallio sports hall', 'Kallio', 'LIIKU', 'floor', DATE '2019-01-01', DATE '2022-12-31')
) t(experience_point_id, name, site, service_area, device_type, in_use_from, in_use_until);
CREATE TABLE staging.ref_nps_surveys AS
SELECT * FROM (VALUES
    ('9001', 'Recommend us (0-10)', 'true'),
    ('9002', 'How was your visit (smileys)', 'false')
) t(survey_id, name, is_nps);
