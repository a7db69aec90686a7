{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns', pre_hook="{{ replace_window() }}", tags=['feed']) }}
WITH src AS (
    SELECT *
    FROM {{ source('raw', 'linked_events') }}
    WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
typed AS (
    SELECT
        nullif(trim(id), '') AS event_id,
        nullif(trim(data_source), '') AS data_source,
        nullif(trim(publisher), '') AS publisher,
        CASE WHEN json_valid(name) THEN json_extract_string(name, '$.fi') END AS name_fi,
        CASE WHEN json_valid(name) THEN json_extract_string(name, '$.en') END AS name_en,
        helsinki_instant(start_time) AS start_time_utc,
        helsinki_time(start_time) AS start_local,
        helsinki_time(end_time) AS end_local,
        nullif(trim(event_status), '') AS event_status,
        CASE WHEN json_valid(super_event)
             THEN nullif(regexp_extract(json_extract_string(super_event, '$."@id"'), '/event/([^/]+)/?$', 1), '')
        END AS super_event_id,
        nullif(trim(super_event_type), '') AS super_event_type,
        CASE WHEN json_valid(sub_events) AND json_type(sub_events) = 'ARRAY'
             THEN json_array_length(sub_events) ELSE 0 END AS sub_event_count,
        CASE WHEN keywords IS NULL THEN []::VARCHAR[]
             WHEN json_valid(keywords) AND json_type(keywords) = 'ARRAY'
             THEN list_filter(
                      list_transform(CAST(json_extract_string(keywords, '$[*]."@id"') AS VARCHAR[]),
                                     lambda k: regexp_extract(k, '/keyword/([^/]+)/?$', 1)),
                      lambda k: k <> '')
        END AS keywords,
        CASE WHEN json_valid(location)
             THEN nullif(regexp_extract(json_extract_string(location, '$."@id"'), '/place/([^/]+)/?$', 1), '')
        END AS location_id,
        CASE lower(trim(deleted)) WHEN 'true' THEN true WHEN 'false' THEN false END AS is_deleted,
        deleted IS NULL AS _deleted_missing,
        nullif(trim(replaced_by), '') AS replaced_by,
        helsinki_instant(last_modified_time) AS last_modified_time,
        start_time AS _raw_start_time,
        end_time AS _raw_end_time,
        -- The contract's times are UTC instants: one without Z or an offset is not guessed.
        zoneless_time(start_time) AS _start_zoneless,
        zoneless_time(end_time) AS _end_zoneless,
        {{ control_reasons(['id', 'publisher', 'name', 'start_time', 'end_time', 'event_status', 'super_event', 'super_event_type', 'keywords', 'deleted', 'replaced_by']) }} AS _control,
        deleted AS _raw_deleted,
        super_event AS _raw_super_event,
        _source_file, _record_index, _partition_date
    FROM src
),
copies AS (
    -- Every copy of the run's ids, in this run's months or any other month already in raw, so a
    -- duplicate is judged the same way however the months are run. The API lists an event in
    -- every month it runs in: a copy is in its file's window when its run [start, end] overlaps
    -- the file's month (the month of its raw partition day, which is inside the file's period).
    SELECT
        nullif(trim(r.id), '') AS event_id,
        helsinki_instant(r.last_modified_time) AS modified,
        r._source_file, r._record_index,
        r.start_time IS NULL OR (
            helsinki_time(r.start_time)::DATE <= last_day(r._partition_date)
            AND coalesce(helsinki_time(r.end_time), helsinki_time(r.start_time))::DATE
                >= date_trunc('month', r._partition_date)
        ) AS _in_window,
        -- a copy that could stand for the event: its own fields read
        coalesce((r.start_time IS NULL OR helsinki_time(r.start_time) IS NOT NULL)
            AND (r.end_time IS NULL OR helsinki_time(r.end_time) IS NOT NULL)
            AND (r.deleted IS NULL OR lower(trim(r.deleted)) IN ('true', 'false'))
            AND (lower(trim(r.deleted)) = 'true'
                 OR trim(r.event_status) IN ('EventScheduled', 'EventCancelled', 'EventPostponed', 'EventRescheduled')),
            false) AS _readable
    FROM {{ source('raw', 'linked_events') }} r
    WHERE r._partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
       OR nullif(trim(r.id), '') IN (SELECT event_id FROM typed)
),
ranked AS (
    -- The same event in several files (a multi-month event or series on each month's pages, a
    -- later fetch, overlapping pages): the most recently modified readable copy stays, wherever
    -- it was listed, then the first in file order; it carries the event's status, time and keywords.
    SELECT
        _source_file, _record_index,
        row_number() OVER w AS _nth,
        first_value(_source_file || ':' || _record_index) OVER w AS _kept,
        bool_or(_in_window AND _readable) OVER (PARTITION BY event_id) AS _id_in_window
    FROM copies
    WHERE event_id IS NOT NULL
    WINDOW w AS (PARTITION BY event_id
                 ORDER BY _readable DESC, modified DESC NULLS LAST, _source_file, _record_index)
),
joined AS (
    SELECT t.*, k._nth, k._kept, k._id_in_window
    FROM typed t
    LEFT JOIN ranked k USING (_source_file, _record_index)
)
SELECT
    event_id, data_source, publisher, name_fi, name_en,
    start_time_utc, start_local, start_local::DATE AS start_date, end_local,
    event_status, super_event_id, super_event_type, sub_event_count, keywords, location_id,
    coalesce(is_deleted, false) AS is_deleted, replaced_by, last_modified_time,
    _source_file, _record_index, _partition_date,
    CASE
        WHEN _control IS NOT NULL THEN _control
        WHEN event_id IS NULL THEN 'id: empty'
        WHEN _start_zoneless
            THEN 'start_time: ' || _raw_start_time || ' has no time zone (the contract says UTC, e.g. '
                 || '2021-04-01T07:15:30Z; a time without Z or an offset is not guessed)'
        WHEN _raw_start_time IS NOT NULL AND start_local IS NULL
            THEN 'start_time: not an ISO 8601 instant: ' || _raw_start_time
        WHEN _end_zoneless
            THEN 'end_time: ' || _raw_end_time || ' has no time zone (the contract says UTC, e.g. '
                 || '2021-04-01T07:15:30Z; a time without Z or an offset is not guessed)'
        WHEN _raw_end_time IS NOT NULL AND end_local IS NULL
            THEN 'end_time: not an ISO 8601 instant: ' || _raw_end_time
        WHEN start_local::DATE > helsinki_today()
            THEN 'start_time: ' || _raw_start_time || ' is after today (a future period is not data yet)'
        -- A copy outside its file's window is a reject only when no copy of its id is in its own
        -- file's window; otherwise it is one more copy of the event, resolved below.
        WHEN start_local IS NOT NULL AND NOT coalesce(_id_in_window, false)
            THEN 'start_time: ' || _raw_start_time || ' (' || strftime(start_local, '%-d.%-m.%Y %H:%M')
                 || ' in Helsinki) is outside the period of its file'
        WHEN is_deleted IS NULL AND NOT _deleted_missing THEN 'deleted: not true/false: ' || _raw_deleted
        WHEN event_status IS NULL AND NOT coalesce(is_deleted, false) THEN 'event_status: empty'
        WHEN event_status NOT IN ('EventScheduled', 'EventCancelled', 'EventPostponed', 'EventRescheduled')
            THEN 'event_status: unknown status ' || event_status
        WHEN start_local IS NULL AND event_status IN ('EventScheduled', 'EventRescheduled')
             AND NOT coalesce(is_deleted, false)
            THEN 'start_time: empty on an ' || event_status || ' event (only postponed events have no start)'
        WHEN super_event_type IS NOT NULL AND super_event_type NOT IN ('recurring', 'umbrella')
            THEN 'super_event_type: ' || super_event_type || ' is not recurring or umbrella'
        WHEN _raw_super_event IS NOT NULL AND super_event_id IS NULL
            THEN 'super_event: no event id in ' || _raw_super_event
        WHEN keywords IS NULL THEN 'keywords: not a list of {"@id": url}'
        WHEN _nth > 1 THEN 'duplicate: id ' || event_id || ' is kept from ' || _kept
    END AS _reject_reason
FROM joined
