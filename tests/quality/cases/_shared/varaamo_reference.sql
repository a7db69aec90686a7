CREATE TABLE staging.ref_varaamo_resources AS SELECT * FROM (VALUES
    ('au4ersabpmnc', 'Oodi, Kuutio', 'Keskustakirjasto Oodi', 'room', 'KIR', false, NULL::DATE),
    ('aofd35xkq2qa', 'Caisa, sali', 'Caisa', 'room', 'KULP', true, DATE '2020-06-15')
) t(resource_id, name, unit, "type", service_area, for_sale, for_sale_from);
