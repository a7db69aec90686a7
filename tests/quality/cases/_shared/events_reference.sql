CREATE TABLE staging.ref_event_classes AS SELECT * FROM (VALUES
    ('district_event', 1, 'district_events', 'Kaupunginosatapahtuma', 'District event', 'KULP'),
    ('large_sports_event', 2, 'large_sports_events', 'Liikunnan suurtapahtuma', 'Large sports event', 'LIIKU'),
    ('large_culture_event', 3, 'large_culture_events', 'Kulttuurin suurtapahtuma', 'Large culture event', 'KULP')
) t(class_id, class_order, meter, name_fi, name_en, service_area);
CREATE TABLE staging.ref_event_class_rules AS SELECT * FROM (VALUES
    ('district_event', 1, 0, ['kuva:kaupunginosatapahtuma'], NULL::VARCHAR[], NULL::VARCHAR[], NULL::VARCHAR),
    ('large_sports_event', 2, 0, NULL::VARCHAR[], ['kuva:suurtapahtuma'], ['ahjo:u48040020'], NULL),
    ('large_culture_event', 3, 0, NULL::VARCHAR[], NULL::VARCHAR[], ['ahjo:u48040010'], 'umbrella')
) t(class_id, class_order, rule_index, keywords_any, keywords_all, publishers_any, super_event_type);
CREATE TABLE staging.ref_event_class_ids AS SELECT * FROM (VALUES
    ('district_event', 1, 'helsinki:aaa', 'include'),
    ('large_culture_event', 3, 'helsinki:bbb', 'exclude')
) t(class_id, class_order, event_id, list);
CREATE TABLE staging.ref_event_publishers AS SELECT * FROM (VALUES
    ('ahjo:u480400', 'Kulttuurin ja vapaa-ajan toimiala', NULL),
    ('ahjo:u48040010', 'Kulttuuripalvelut', 'KULP'),
    ('ahjo:u48040020', 'Liikuntapalvelut', 'LIIKU')
) t(publisher_id, name, service_area);
