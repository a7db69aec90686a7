{{ config(materialized='table') }}
WITH ev AS (
    SELECT * FROM {{ ref('staging__linked_events') }}
),
latest AS (
    -- An id staged in two months (moved between fetches): only its most recently modified copy
    -- counts (ties: the first in file order, as in staging).
    SELECT
        *,
        row_number() OVER (
            PARTITION BY event_id
            ORDER BY last_modified_time DESC NULLS LAST, _source_file, _record_index
        ) AS _copy,
        first_value(_source_file) OVER (
            PARTITION BY event_id
            ORDER BY last_modified_time DESC NULLS LAST, _source_file, _record_index
        ) AS _latest_file
    FROM ev
),
parts AS (
    -- The keywords of each super event's parts (their latest copies, deleted ones left out).
    SELECT super_event_id AS event_id, list_distinct(flatten(list(keywords))) AS part_keywords
    FROM latest
    WHERE _copy = 1 AND super_event_id IS NOT NULL AND NOT is_deleted
    GROUP BY 1
),
candidates AS (
    -- Every event with its own keywords; an umbrella also with its parts' keywords, for the
    -- classes that say umbrella_from_parts (docs/sources.md: district events).
    SELECT e.event_id, e.keywords, e.publisher, e.super_event_type, false AS _from_parts
    FROM latest e
    WHERE e._copy = 1
    UNION ALL
    SELECT e.event_id, list_distinct(list_concat(e.keywords, p.part_keywords)), e.publisher, e.super_event_type, true
    FROM latest e
    JOIN parts p USING (event_id)
    WHERE e._copy = 1 AND e.super_event_type = 'umbrella'
),
rule_hits AS (
    -- Within a rule every condition must hold; a NULL condition does not apply.
    SELECT DISTINCT e.event_id, r.class_id
    FROM candidates e
    JOIN {{ source('reference', 'ref_event_class_rules') }} r
      ON (r.keywords_any IS NULL OR list_has_any(e.keywords, r.keywords_any))
     AND (r.keywords_all IS NULL OR list_has_all(e.keywords, r.keywords_all))
     AND (r.publishers_any IS NULL OR list_contains(r.publishers_any, e.publisher))
     AND (r.super_event_type IS NULL OR e.super_event_type = r.super_event_type)
    JOIN {{ source('reference', 'ref_event_classes') }} c ON c.class_id = r.class_id
    WHERE NOT e._from_parts OR coalesce(c.umbrella_from_parts, false)
),
matches AS (
    -- A class matches by include_ids, or, unless its exclude_ids list the event, by any rule.
    SELECT e.event_id, c.class_id, c.class_order, c.meter,
           CASE WHEN inc.event_id IS NOT NULL THEN 'include_ids' ELSE 'rule' END AS matched_by
    FROM latest e
    CROSS JOIN {{ source('reference', 'ref_event_classes') }} c
    LEFT JOIN {{ source('reference', 'ref_event_class_ids') }} inc
      ON inc.class_id = c.class_id AND inc.list = 'include' AND inc.event_id = e.event_id
    LEFT JOIN {{ source('reference', 'ref_event_class_ids') }} exc
      ON exc.class_id = c.class_id AND exc.list = 'exclude' AND exc.event_id = e.event_id
    LEFT JOIN rule_hits h
      ON h.class_id = c.class_id AND h.event_id = e.event_id
    WHERE e._copy = 1
      AND (inc.event_id IS NOT NULL OR (exc.event_id IS NULL AND h.event_id IS NOT NULL))
),
first_class AS (
    -- Classes are tried in their order in the file; the first that matches wins.
    SELECT * FROM matches
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY class_order) = 1
),
decided AS (
    SELECT
        e.event_id, e.name_fi, e.publisher, e.start_date, year(e.start_date) AS event_year,
        e.event_status, e.super_event_id, e.super_event_type,
        f.class_id AS event_class, f.meter AS measure, f.matched_by,
        CASE
            WHEN e._copy > 1 THEN 'superseded by the copy in ' || e._latest_file
            WHEN e.super_event_id IS NOT NULL THEN 'sub-event of ' || e.super_event_id || ' (counts through it)'
            WHEN e.is_deleted THEN 'deleted'
            WHEN e.replaced_by IS NOT NULL THEN 'replaced by ' || e.replaced_by
            WHEN e.event_status = 'EventCancelled' THEN 'cancelled'
            WHEN e.event_status = 'EventPostponed' OR e.start_date IS NULL THEN 'postponed (no start)'
            WHEN e.event_status NOT IN ('EventScheduled', 'EventRescheduled') THEN 'status ' || e.event_status
            WHEN f.class_id IS NULL THEN 'no class matches'
        END AS not_counted_reason,
        e._source_file, e._record_index
    FROM latest e
    LEFT JOIN first_class f ON f.event_id = e.event_id AND e._copy = 1
)
SELECT
    event_id, name_fi, publisher, start_date, event_year, event_status, super_event_id,
    super_event_type, event_class, measure, matched_by,
    not_counted_reason IS NULL AS counts,
    not_counted_reason,
    _source_file, _record_index
FROM decided
ORDER BY start_date NULLS LAST, event_id
