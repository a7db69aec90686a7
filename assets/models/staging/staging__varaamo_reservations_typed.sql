{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns', pre_hook="{{ replace_window() }}", tags=['feed']) }}
WITH old_backend AS (
    SELECT
        'old_backend' AS origin,
        nullif(trim(id), '') AS reservation_id,
        nullif(trim(resource), '') AS resource_id,
        helsinki_time("begin") AS begin_time,
        helsinki_time("end") AS end_time,
        CASE WHEN lower(trim(state)) IN ('created', 'requested', 'confirmed', 'denied', 'cancelled',
                                         'waiting_for_payment') THEN lower(trim(state)) END AS state,
        CASE WHEN lower(trim("type")) IN ('normal', 'blocked') THEN lower(trim("type")) END AS reservation_type,
        helsinki_time(created_at) AS created_at,
        -- source field names and texts, for the reject reasons
        'id' AS _f_id, 'resource' AS _f_resource, 'begin' AS _f_begin, 'end' AS _f_end,
        'state' AS _f_state, 'type' AS _f_type,
        "begin" AS _raw_begin, "end" AS _raw_end, state AS _raw_state, "type" AS _raw_type,
        -- the contract's times carry an offset: one without a zone is not read as any zone
        zoneless_time("begin") AS _begin_zoneless, zoneless_time("end") AS _end_zoneless,
        {{ control_reasons(['id', 'url', 'resource', 'begin', 'end', 'state', 'type', 'created_at']) }} AS _control,
        _source_file, _record_index, _partition_date
    FROM {{ source('raw', 'varaamo_reservations') }}
    WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
statistics AS (
    SELECT
        'statistics',
        nullif(trim("Varaus ID"), ''),
        nullif(trim("Resurssi ID"), ''),
        fi_timestamp("Alkaa"),
        fi_timestamp("Päättyy"),
        CASE lower(trim("Tila"))
            WHEN 'vahvistettu' THEN 'confirmed'
            WHEN 'peruttu' THEN 'cancelled'
            WHEN 'hylätty' THEN 'denied'
            WHEN 'käsiteltävänä' THEN 'requested'
            WHEN 'luonnos' THEN 'created'
            WHEN 'odottaa maksua' THEN 'waiting_for_payment'
        END,
        CASE lower(trim("Tyyppi")) WHEN 'varaus' THEN 'normal' WHEN 'esto' THEN 'blocked' END,
        fi_timestamp("Luontiaika"),
        'Varaus ID', 'Resurssi ID', 'Alkaa', 'Päättyy', 'Tila', 'Tyyppi',
        "Alkaa", "Päättyy", "Tila", "Tyyppi",
        false, false,
        {{ control_reasons(['Varaus ID', 'Resurssi ID', 'Resurssi', 'Yksikkö', 'Tyyppi', 'Tila', 'Alkaa', 'Päättyy', 'Luontiaika']) }},
        _source_file, _record_index, _partition_date
    FROM {{ source('raw', 'varaamo_statistics') }}
    WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
unioned AS (
    SELECT * FROM old_backend
    UNION ALL
    SELECT * FROM statistics
),
occurrences AS (
    -- Every copy of the run's ids, in this run's months or any other month already in raw,
    -- so a duplicate is judged the same way however the months are run.
    SELECT origin, reservation_id, _source_file, _record_index FROM unioned
    UNION ALL
    SELECT 'old_backend', nullif(trim(id), ''), _source_file, _record_index
    FROM {{ source('raw', 'varaamo_reservations') }}
    WHERE _partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND nullif(trim(id), '') IN (SELECT reservation_id FROM unioned WHERE origin = 'old_backend')
    UNION ALL
    SELECT 'statistics', nullif(trim("Varaus ID"), ''), _source_file, _record_index
    FROM {{ source('raw', 'varaamo_statistics') }}
    WHERE _partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND nullif(trim("Varaus ID"), '') IN (SELECT reservation_id FROM unioned WHERE origin = 'statistics')
),
repeated AS MATERIALIZED (
    -- Ids seen more than once. Almost every reservation is seen once, so only these are
    -- ranked: a window over every copy sorted the whole range (half the model's query).
    SELECT origin, reservation_id FROM occurrences
    WHERE reservation_id IS NOT NULL
    GROUP BY origin, reservation_id HAVING count(*) > 1
),
ranked AS (
    -- The same reservation twice (overlapping pages, a repeated export): the first in file order stays.
    SELECT
        o._source_file, o._record_index,
        row_number() OVER w AS _nth,
        first_value(o._source_file || ':' || o._record_index) OVER w AS _first
    FROM occurrences o
    SEMI JOIN repeated r ON r.origin = o.origin AND r.reservation_id = o.reservation_id
    WINDOW w AS (PARTITION BY o.origin, o.reservation_id ORDER BY o._source_file, o._record_index)
),
joined AS (
    SELECT
        u.*,
        r.resource_id IS NOT NULL AS _known_resource,
        r.name AS resource_name,
        r.unit,
        r."type" AS resource_type,
        r.service_area,
        k._nth,
        k._first
    FROM unioned u
    LEFT JOIN ranked k USING (_source_file, _record_index)
    LEFT JOIN {{ source('reference', 'ref_varaamo_resources') }} r ON r.resource_id = u.resource_id
)
SELECT
    origin,
    reservation_id,
    resource_id,
    resource_name,
    unit,
    resource_type,
    service_area,
    begin_time,
    end_time,
    begin_time::DATE AS begin_date,
    state,
    reservation_type,
    CASE
        WHEN reservation_type = 'blocked' THEN 'closure'
        WHEN state = 'confirmed' THEN 'booking'
        WHEN state = 'created' THEN 'expired_draft'
        WHEN state IN ('requested', 'waiting_for_payment') THEN 'pending'
        ELSE state
    END AS outcome,
    coalesce(reservation_type = 'normal' AND state = 'confirmed', false) AS is_booking,
    created_at,
    _source_file,
    _record_index,
    _partition_date,
    CASE
        WHEN _control IS NOT NULL THEN _control
        WHEN reservation_id IS NULL THEN _f_id || ': empty'
        WHEN _begin_zoneless
            THEN _f_begin || ': ' || _raw_begin || ' has no time zone (the contract says an offset, +02:00 or +03:00)'
        WHEN begin_time IS NULL THEN _f_begin || ': not a date and time: ' || coalesce(_raw_begin, 'empty')
        WHEN begin_time::DATE <> _partition_date
            THEN _f_begin || ': ' || _raw_begin || ' is outside the period of its file'
        WHEN begin_time::DATE > helsinki_today()
            THEN _f_begin || ': ' || _raw_begin || ' is after today (a future period is not data yet)'
        WHEN _end_zoneless
            THEN _f_end || ': ' || _raw_end || ' has no time zone (the contract says an offset, +02:00 or +03:00)'
        WHEN end_time IS NULL THEN _f_end || ': not a date and time: ' || coalesce(_raw_end, 'empty')
        WHEN end_time < begin_time THEN _f_end || ': ' || _raw_end || ' is before ' || _f_begin || ' ' || _raw_begin
        WHEN state IS NULL THEN _f_state || ': unknown state ' || coalesce(_raw_state, 'empty')
        WHEN reservation_type IS NULL THEN _f_type || ': unknown type ' || coalesce(_raw_type, 'empty')
        WHEN resource_id IS NULL THEN _f_resource || ': empty'
        WHEN NOT _known_resource
            THEN _f_resource || ': unknown resource ' || resource_id || ' (not in reference/varaamo_resources.csv)'
        WHEN _nth > 1
            THEN 'duplicate: ' || _f_id || ' ' || reservation_id || ' already read from ' || _first
    END AS _reject_reason
FROM joined
