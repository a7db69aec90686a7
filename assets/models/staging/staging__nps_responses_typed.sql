{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns', pre_hook="{{ replace_window() }}", tags=['feed']) }}
{%- set fields = ['feedbackId', 'localTime', 'experiencePointId', 'surveyId', 'buttonIndex', 'misuse', 'ui', 'smileyType'] %}
-- Text is trimmed with `trimmed` (kuva_pipeline/sqlmacros.py): trim's own result, worked out
-- only for the values that may have spaces around them (the model's query 4.3 s -> 2.8 s at
-- city volume, three of its columns and the duplicate search trimming ten million ids each).
-- The raw table is read several times below rather than through one shared CTE: DuckDB
-- materializes a CTE read by several parts. For every raw column of the range that spilled
-- gigabytes to disk at city volume (the model took three times as long); for the narrow id
-- CTEs, marked NOT MATERIALIZED, a copy of ten million rows cost more than scanning the run's
-- days of raw again (a city backfill's model: 14.6 s -> about 9.5 s, with the row hash no
-- longer copied). Only the search of the other months is kept (`elsewhere`): it scans them all.
WITH typed AS (
    SELECT
        nullif(trimmed(s.feedbackId), '') AS feedback_id,
        -- Helsinki wall clock: as written, or the instant of an ISO time with Z or an offset.
        fi_timestamp(s.localTime) AS local_time,
        nullif(trimmed(s.experiencePointId), '') AS experience_point_id,
        nullif(trimmed(s.surveyId), '') AS survey_id,
        try_cast(fi_integer(s.buttonIndex) AS INTEGER) AS button_index,  -- 8.6 is not rounded to 9
        CASE lower(trimmed(s.misuse)) WHEN 'true' THEN true WHEN 'false' THEN false
             WHEN '1' THEN true WHEN '0' THEN false END AS is_misuse,
        s.localTime AS _raw_local_time,
        s.buttonIndex AS _raw_button_index,
        s.misuse AS _raw_misuse,
        {{ control_reasons(fields, 's.') }} AS _control,
        s._source_file, s._record_index, s._partition_date
    FROM {{ source('raw', 'nps_feedback') }} s
    WHERE s._partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
run_ids AS NOT MATERIALIZED (
    -- The run's presses by id: three narrow columns, read from raw again. The id is trimmed
    -- but may be empty: in a filter DuckDB works out `nullif(trim(x), '')` with two trims, and
    -- each filter below ran a tenth slower for it; those that need it leave '' out themselves.
    SELECT trimmed(feedbackId) AS feedback_id, _source_file, _record_index
    FROM {{ source('raw', 'nps_feedback') }}
    WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
),
others AS (
    -- Whether raw holds any other month at all: a full backfill's run holds every month, and
    -- without this test DuckDB built the search below its table of the run's ten million ids
    -- for nothing (a fifth of the model's time, and it spilled to disk).
    SELECT 1 FROM {{ source('raw', 'nps_feedback') }}
    WHERE _partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
    LIMIT 1
),
elsewhere AS MATERIALIZED (
    -- The presses of other months already in raw that share an id with the run's: almost
    -- always none. Kept once, as they are searched for in every other month (a nightly run's
    -- whole history); read twice below, they would be searched for twice.
    -- In two parts, so that the search costs what the run's ids need rather than a trim of
    -- every id in history (0.53 s of a one-day run on a 3-year city warehouse, 0.004 s):
    -- an id landed as it is trims to itself and is found by its value, which DuckDB looks up
    -- only in the row groups whose range of ids holds the run's; an id landed with spaces
    -- around it is trimmed, among the few that `may_be_padded` leaves (kuva_pipeline/sqlmacros.py).
    SELECT r.feedbackId AS feedback_id, r._source_file, r._record_index,
           {{ row_hash(fields, 'r.') }} AS _row_hash
    FROM {{ source('raw', 'nps_feedback') }} r
    WHERE r._partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND r.feedbackId IN (SELECT feedback_id FROM run_ids WHERE feedback_id <> '' AND EXISTS (SELECT * FROM others))
    UNION ALL
    SELECT trim(r.feedbackId) AS feedback_id, r._source_file, r._record_index,
           {{ row_hash(fields, 'r.') }} AS _row_hash
    FROM {{ source('raw', 'nps_feedback') }} r
    WHERE r._partition_date NOT BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND may_be_padded(r.feedbackId) AND trim(r.feedbackId) <> r.feedbackId
      AND nullif(trim(r.feedbackId), '') IN (SELECT feedback_id FROM run_ids WHERE EXISTS (SELECT * FROM others))
),
grouped AS MATERIALIZED (
    -- Ids pressed more than once, in this run's months or any other month already in raw,
    -- so a duplicate is judged the same way however the months are run. Almost every id is
    -- unique, so only these are ranked: a window over every press sorted millions of rows
    -- to find a few hundred. Sorted, a repeated id's second copy follows its first: finding
    -- them so cost less than grouping ten million ids into a hash table (0.8 s against 1.1 s
    -- in a city backfill). A missing id never equals the one before it.
    SELECT DISTINCT feedback_id FROM (
        SELECT feedback_id, feedback_id = lag(feedback_id) OVER (ORDER BY feedback_id) AS _repeat
        FROM (
            SELECT feedback_id FROM run_ids
            UNION ALL
            SELECT feedback_id FROM elsewhere
        )
    )
    WHERE _repeat
),
repeated AS (
    -- A missing id ('') is not a repeat. Written here rather than before the grouping: there
    -- DuckDB moved the test into the scan of raw, which trimmed every id once for it and once
    -- more for the grouping (the model's query 3.6-3.9 s -> 3.3 s at city volume). With the
    -- grouping MATERIALIZED, DuckDB tests the id the grouping has already trimmed.
    SELECT feedback_id FROM grouped WHERE feedback_id <> ''
),
copies AS (
    -- Every press of a repeated id with the hash of its fields, worked out for these few
    -- only: for every press of the run it took seconds at city volume.
    SELECT trimmed(r.feedbackId) AS feedback_id, r._source_file, r._record_index,
           {{ row_hash(fields, 'r.') }} AS _row_hash
    FROM {{ source('raw', 'nps_feedback') }} r
    WHERE r._partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
      AND trimmed(r.feedbackId) IN (SELECT feedback_id FROM repeated)
    UNION ALL
    SELECT feedback_id, _source_file, _record_index, _row_hash FROM elsewhere
    WHERE feedback_id IN (SELECT feedback_id FROM repeated)
),
ranked AS (
    -- Presses of the same id: the first in file order is kept, later ones are duplicates.
    SELECT
        _source_file, _record_index,
        row_number() OVER w AS _nth,
        _row_hash = first_value(_row_hash) OVER w AS _same_as_first
    FROM copies
    WINDOW w AS (PARTITION BY feedback_id ORDER BY _source_file, _record_index)
),
joined AS (
    SELECT
        t.*,
        ep.experience_point_id IS NOT NULL AS _known_point,
        sv.survey_id IS NOT NULL AS _known_survey,
        coalesce(lower(sv.is_nps::VARCHAR) IN ('true', '1', 'yes'), false) AS is_nps_survey,
        sv.buttons AS _buttons,
        k._nth,
        k._same_as_first
    FROM typed t
    LEFT JOIN ranked k USING (_source_file, _record_index)
    LEFT JOIN {{ source('reference', 'ref_nps_experience_points') }} ep
        ON ep.experience_point_id::VARCHAR = t.experience_point_id
    LEFT JOIN {{ source('reference', 'ref_nps_surveys') }} sv
        ON sv.survey_id::VARCHAR = t.survey_id
)
-- The device's `ui` and `smileyType` stay in raw: no meter or check reads them, and each
-- stored column of ten million presses is written again on every backfill. The device's site
-- and service area are the reference's, joined where the rows are read (the macro
-- `with_device_site`): two more text columns of ten million presses cost the model 1.4 s of
-- a 5.8 s write at city volume, where the join costs a reader under 0.1 s.
SELECT
    feedback_id,
    local_time,
    local_time::DATE AS local_date,
    experience_point_id,
    survey_id,
    is_nps_survey,
    _buttons AS survey_buttons,
    button_index,
    is_misuse,
    _source_file,
    _record_index,
    _partition_date,
    CASE
        WHEN _control IS NOT NULL THEN _control
        WHEN feedback_id IS NULL THEN 'feedbackId: missing'
        WHEN local_time IS NULL THEN 'localTime: not a timestamp: ' || coalesce(_raw_local_time, 'NULL')
        WHEN local_time::DATE > helsinki_today()
            THEN 'localTime: ' || _raw_local_time || ' is after today (a future period is not data yet)'
        WHEN local_time::DATE <> _partition_date THEN 'localTime: ' || _raw_local_time || ' is outside the period of its file'
        WHEN NOT _known_point THEN 'experiencePointId: unknown device ' || experience_point_id
        WHEN NOT _known_survey THEN 'surveyId: unknown survey ' || coalesce(survey_id, 'NULL')
        WHEN button_index IS NULL THEN 'buttonIndex: not an integer: ' || coalesce(_raw_button_index, 'NULL')
        WHEN is_nps_survey AND button_index NOT BETWEEN 0 AND 10 THEN 'buttonIndex: ' || button_index || ' outside 0-10 on an NPS survey'
        WHEN NOT is_nps_survey AND button_index NOT BETWEEN 0 AND _buttons - 1
            THEN 'buttonIndex: ' || button_index || ' outside 0-' || (_buttons - 1) || ' on a ' || _buttons || '-button smiley survey'
        WHEN is_misuse IS NULL THEN 'misuse: not true/false: ' || coalesce(_raw_misuse, 'NULL')
        WHEN _nth > 1 AND _same_as_first THEN 'duplicate: identical to an earlier record of feedbackId ' || feedback_id
        WHEN _nth > 1 THEN 'duplicate: feedbackId ' || feedback_id || ' seen earlier with different content'
    END AS _reject_reason
FROM joined
