{{ config(materialized='table') }}
WITH src AS (
    SELECT * FROM {{ source('raw', 'checkins') }}
),
typed AS (
    SELECT
        nullif(trim(meter), '') AS meter_id,
        fi_date("date") AS checkin_date,
        try_cast(regexp_extract(_source_file, 'checkins_(\d{4})', 1) AS INTEGER) AS scorecard_year,
        nullif(regexp_replace(upper(nfc_normalize(trim(status))), '\s+', ' ', 'g'), '') AS _status,
        fi_number(progress_pct) AS progress_pct,
        nullif(regexp_replace(lower(nfc_normalize(trim(forecast))), '\s+', ' ', 'g'), '') AS _forecast,
        fi_number("value") AS value,
        "date" AS _raw_date, status AS _raw_status, progress_pct AS _raw_progress,
        forecast AS _raw_forecast, "value" AS _raw_value,
        {{ control_reasons(['meter', 'date', 'status', 'progress_pct', 'forecast', 'value', 'comment', 'author']) }} AS _control,
        _source_file, _record_index, _partition_date
    FROM src
),
checked AS (
    SELECT
        t.*,
        CASE WHEN t._status IN ('TEKEMÄTTÄ', 'TEKEILLÄ', 'TEHTY') THEN t._status END AS status,
        CASE WHEN t._forecast IN ('toteutuu', 'toteutumassa', 'epävarma', 'ei toteudu') THEN t._forecast END AS forecast,
        m.meter_id IS NOT NULL AS _known_meter,
        m."year" AS _meter_year
    FROM typed t
    LEFT JOIN {{ source('catalog', 'dim_meter') }} m ON m.meter_id = t.meter_id
),
reasoned AS (
    SELECT
        *,
        CASE
            WHEN _control IS NOT NULL THEN _control
            WHEN meter_id IS NULL THEN 'meter: empty'
            WHEN NOT _known_meter THEN 'meter: unknown meter id ' || meter_id || ' (not in the catalog)'
            WHEN scorecard_year IS NOT NULL AND _meter_year <> scorecard_year
                THEN 'meter: ' || meter_id || ' is on the ' || _meter_year || ' scorecard, the file on ' || scorecard_year
            WHEN checkin_date IS NULL THEN 'date: not a date: ' || coalesce(_raw_date, 'empty')
            WHEN checkin_date > helsinki_today()
                THEN 'date: ' || _raw_date || ' is after today (a check-in reports on a day that has come)'
            WHEN _status IS NOT NULL AND status IS NULL
                THEN 'status: ' || _raw_status || ' is not TEKEMÄTTÄ, TEKEILLÄ or TEHTY'
            WHEN _raw_progress IS NOT NULL AND trim(_raw_progress) <> '' AND progress_pct IS NULL
                THEN 'progress_pct: not a number: ' || _raw_progress
            WHEN progress_pct NOT BETWEEN 0 AND 100 THEN 'progress_pct: ' || _raw_progress || ' is outside 0-100'
            WHEN _forecast IS NOT NULL AND forecast IS NULL
                THEN 'forecast: ' || _raw_forecast || ' is not toteutuu, toteutumassa, epävarma or ei toteudu'
            WHEN _raw_value IS NOT NULL AND trim(_raw_value) <> '' AND value IS NULL
                THEN 'value: not a number: ' || _raw_value
        END AS _invalid
    FROM checked
),
ranked AS (
    SELECT
        *,
        -- One check-in per meter and day: among valid rows, a later one (file name order,
        -- then row) replaces an earlier one.
        row_number() OVER w AS _nth,
        first_value(_source_file || ':' || _record_index) OVER w AS _kept
    FROM reasoned
    WHERE _invalid IS NULL
    WINDOW w AS (PARTITION BY meter_id, checkin_date ORDER BY _source_file DESC, _record_index DESC)
)
SELECT
    r.meter_id, r.checkin_date, r.scorecard_year, r.status, r.progress_pct, r.forecast, r.value,
    r._source_file, r._record_index, r._partition_date,
    coalesce(
        r._invalid,
        CASE WHEN k._nth > 1
             THEN 'duplicate: a later check-in on the same meter and day replaces this one (' || k._kept || ')'
        END
    ) AS _reject_reason
FROM reasoned r
LEFT JOIN ranked k USING (_source_file, _record_index)
