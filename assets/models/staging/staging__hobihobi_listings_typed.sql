{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns', pre_hook="{{ replace_window() }}", tags=['feed']) }}
WITH src AS (
    SELECT *
    FROM {{ source('raw', 'hobihobi_listings') }}
    WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
typed AS (
    SELECT
        fi_integer(listing_id) AS listing_id,
        _partition_date AS snapshot_date,
        nullif(trim(title), '') AS title,
        nullif(trim(organiser), '') AS organiser,
        lower(nullif(trim(category), '')) AS category,
        upper(nullif(trim(service_area), '')) AS service_area,
        fi_date(visible_from) AS visible_from,
        fi_date(visible_until) AS visible_until,
        -- a count: 12.5 is not rounded to 13
        try_cast(fi_integer(participants) AS INTEGER) AS participants,
        listing_id AS _raw_listing_id,
        service_area AS _raw_service_area,
        visible_from AS _raw_visible_from,
        visible_until AS _raw_visible_until,
        participants AS _raw_participants,
        {{ control_reasons(['listing_id', 'title', 'organiser', 'category', 'service_area', 'visible_from', 'visible_until', 'participants']) }} AS _control,
        -- A listing twice in one snapshot: the first row in file order is kept.
        row_number() OVER (
            PARTITION BY _partition_date, trim(listing_id) ORDER BY _source_file, _record_index
        ) AS _nth,
        _source_file, _record_index, _partition_date
    FROM src
)
SELECT
    listing_id, snapshot_date, title, organiser, category, service_area,
    visible_from, visible_until, participants,
    _source_file, _record_index, _partition_date,
    CASE
        WHEN _control IS NOT NULL THEN _control
        WHEN snapshot_date > helsinki_today()
            THEN 'snapshot_date: ' || strftime(snapshot_date, '%-d.%-m.%Y')
                 || ' is after today (a future period is not data yet)'
        WHEN listing_id IS NULL THEN 'listing_id: not an integer: ' || coalesce(_raw_listing_id, 'empty')
        WHEN service_area IS NULL OR service_area NOT IN {{ service_area_codes(['service_area']) }}
            THEN 'service_area: ' || coalesce(_raw_service_area, 'empty') || ' is not '
                 || {{ service_area_list(['service_area']) }}
        WHEN visible_from IS NULL THEN 'visible_from: not a date: ' || coalesce(_raw_visible_from, 'empty')
        WHEN visible_until IS NULL THEN 'visible_until: not a date: ' || coalesce(_raw_visible_until, 'empty')
        WHEN visible_until < visible_from
            THEN 'visible_until: ' || _raw_visible_until || ' is before visible_from ' || _raw_visible_from
        WHEN participants IS NULL OR participants < 0
            THEN 'participants: not a count: ' || coalesce(_raw_participants, 'empty')
        WHEN _nth > 1
            THEN 'duplicate: listing_id ' || listing_id || ' appears earlier in the snapshot of '
                 || strftime(snapshot_date, '%-d.%-m.%Y')
    END AS _reject_reason
FROM typed
