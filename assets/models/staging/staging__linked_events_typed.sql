{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ replace_window() }}", tags=['feed']) }}
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
        try_cast(trim(start_time) AS TIMESTAMPTZ) AS start_time_utc,
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
        try_cast(trim(last_modified_time) AS TIMESTAMPTZ) AS last_modified_time,
        start_time AS _raw_start_time,
        deleted AS _raw_deleted,
        super_event AS _raw_super_event,
        _source_file, _record_index, _row_hash, _partition_date
    FROM src
),
occurrences AS (
    -- Every copy of the run's ids, in this run's months or any other month already in raw,
    -- so a duplicate is judged the same way however the months are run.
    SELECT event_id, last_modified_time, _source_file, _record_index FROM typed
    UNION ALL
    SELECT nullif(trim(r.id), ''), try_cast(trim(r.last_modified_time) AS TIMESTAMPTZ),
           r._source_file, r._record_index
    FROM {{ source('raw', 'linked_events') }} r
    WHERE r._partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND nullif(trim(r.id), '') IN (SELECT event_id FROM typed)
),
ranked AS (
    -- The same event twice (pages that overlap while the API is paged, a later fetch):
    -- the most recently modified copy stays, then the first in file order.
    SELECT
        _source_file, _record_index,
        row_number() OVER w AS _nth,
        first_value(_source_file || ':' || _record_index) OVER w AS _kept
    FROM occurrences
    WHERE event_id IS NOT NULL
    WINDOW w AS (PARTITION BY event_id ORDER BY last_modified_time DESC NULLS LAST, _source_file, _record_index)
),
joined AS (
    SELECT t.*, k._nth, k._kept
    FROM typed t
    LEFT JOIN ranked k USING (_source_file, _record_index)
)
SELECT
    event_id, data_source, publisher, name_fi, name_en,
    start_time_utc, start_local, start_local::DATE AS start_date, end_local,
    event_status, super_event_id, super_event_type, sub_event_count, keywords, location_id,
    coalesce(is_deleted, false) AS is_deleted, replaced_by, last_modified_time,
    _source_file, _record_index, _row_hash, _partition_date,
    CASE
        WHEN event_id IS NULL THEN 'id: empty'
        WHEN _raw_start_time IS NOT NULL AND start_local IS NULL
            THEN 'start_time: not an ISO 8601 instant: ' || _raw_start_time
        WHEN start_local IS NOT NULL AND start_local::DATE <> _partition_date
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
