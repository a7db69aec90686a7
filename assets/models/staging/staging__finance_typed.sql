{{ config(materialized='table') }}
WITH src AS (
    SELECT * FROM {{ source('raw', 'finance') }}
),
typed AS (
    SELECT
        try_cast(fi_integer(vuosi) AS INTEGER) AS "year",
        try_cast(regexp_extract(_source_file, 'finance_(\d{4})', 1) AS INTEGER) AS _file_year,
        -- The service areas and administration (kind common) of reference/service_areas.csv.
        CASE WHEN upper(trim(palvelualue)) IN {{ service_area_codes(['service_area', 'common']) }}
             THEN upper(trim(palvelualue)) END AS service_area,
        -- Finnish decimal (comma; spaces or dots as thousands separators, 95.497.532,44; maybe a
        -- U+2212 minus) read by the shared fi_number_text; DECIMAL keeps cents exact.
        try_cast(fi_number_text(kustannukset_eur) AS DECIMAL(18, 2)) AS cost_eur,
        fi_integer(suoritteet) AS outputs,
        try_cast(fi_number_text(talousarvio_eur) AS DECIMAL(18, 2)) AS budget_eur,
        nullif(trim(suoritteen_laji), '') AS output_kind,
        coalesce(lower(trim(suoritteen_laji)) LIKE 'oikaisu%', false) AS is_correction,
        vuosi AS _raw_year, palvelualue AS _raw_area, kustannukset_eur AS _raw_cost,
        suoritteet AS _raw_outputs, talousarvio_eur AS _raw_budget, suoritteen_laji AS _raw_kind,
        {{ control_reasons(['vuosi', 'palvelualue', 'kustannukset_eur', 'suoritteet', 'talousarvio_eur', 'suoritteen_laji']) }} AS _control,
        _source_file, _record_index, _partition_date
    FROM src
),
checked AS (
    SELECT
        *,
        -- A year delivered in two files (a corrected file beside the old one): the last file wins.
        max(CASE WHEN "year" = _file_year THEN _source_file END) OVER (PARTITION BY "year") AS _last_file
    FROM typed
)
SELECT
    "year", service_area, cost_eur, outputs, budget_eur, output_kind, is_correction,
    _source_file, _record_index, _partition_date,
    CASE
        WHEN _control IS NOT NULL THEN _control
        WHEN "year" IS NULL THEN 'vuosi: not a year: ' || coalesce(_raw_year, 'empty')
        WHEN "year" > year(helsinki_today())
            THEN 'vuosi: ' || "year" || ' is after the current year (a future period is not data yet)'
        WHEN _file_year IS NOT NULL AND "year" <> _file_year
            THEN 'vuosi: ' || "year" || ' in the file of ' || _file_year
        WHEN service_area IS NULL
            THEN 'palvelualue: ' || coalesce(_raw_area, 'empty') || ' is not '
                 || {{ service_area_list(['service_area', 'common']) }}
        WHEN cost_eur IS NULL THEN 'kustannukset_eur: not a number: ' || coalesce(_raw_cost, 'empty')
        WHEN outputs IS NULL OR outputs < 0 THEN 'suoritteet: not a count: ' || coalesce(_raw_outputs, 'empty')
        WHEN _raw_budget IS NOT NULL AND trim(_raw_budget) <> '' AND budget_eur IS NULL
            THEN 'talousarvio_eur: not a number: ' || _raw_budget
        -- Only a correction (suoritteen_laji 'oikaisu: ...') may lower a year's figures.
        WHEN cost_eur < 0 AND NOT is_correction
            THEN 'kustannukset_eur: ' || trim(_raw_cost) || ' is negative on a row that is not a correction '
                 || '(suoritteen_laji ' || coalesce(_raw_kind, 'empty') || ')'
        WHEN budget_eur < 0 AND NOT is_correction
            THEN 'talousarvio_eur: ' || trim(_raw_budget) || ' is negative on a row that is not a correction '
                 || '(suoritteen_laji ' || coalesce(_raw_kind, 'empty') || ')'
        WHEN _source_file <> _last_file
            THEN 'duplicate: year ' || "year" || ' is delivered again in ' || _last_file || ' (the last file wins)'
    END AS _reject_reason
FROM checked
