-- Check-ins as the owners and the documents reported them, labelled; no comments, no
-- authors (they stay in raw) and no file names: only whether a document or a sheet said it.
SELECT
    c.meter_id,
    c.checkin_date,
    c.status,
    cs.label_fi AS status_fi,
    cs.label_en AS status_en,
    c.progress_pct,
    c.forecast,
    fo.label_fi AS forecast_fi,
    fo.label_en AS forecast_en,
    c.forecast_round,
    c.value,
    CASE WHEN c.origin = 'catalog' THEN 'catalog' ELSE 'sheet' END AS origin
FROM {{ ref('meters__checkins') }} c
LEFT JOIN {{ source('catalog', 'dim_label') }} cs ON cs.vocabulary = 'checkin_status' AND cs.code = c.status
LEFT JOIN {{ source('catalog', 'dim_label') }} fo ON fo.vocabulary = 'forecast' AND fo.code = c.forecast
ORDER BY c.meter_id, c.checkin_date
