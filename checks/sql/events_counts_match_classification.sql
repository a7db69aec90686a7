/* ---
asset: meters.events_measures
severity: ERROR
description: Each event meter's yearly count for the division equals the counted productions of its class in staging.event_classification.
why: A meter total that does not add up to the rows it comes from is a broken meter, whatever its colour.
requires: [staging.event_classification]
--- */
WITH staged AS (
    SELECT measure, date_trunc('year', start_date)::DATE AS period_start, count(DISTINCT event_id) AS events
    FROM staging.event_classification
    WHERE counts AND measure IS NOT NULL
    GROUP BY ALL
),
metered AS (
    SELECT measure, period_start, value::BIGINT AS events
    FROM meters.events_measures
    WHERE grain = 'year' AND service_area = (SELECT code FROM staging.ref_service_areas WHERE kind = 'division') AND value <> 0
)
SELECT coalesce(s.measure, m.measure) AS measure,
       coalesce(s.period_start, m.period_start) AS period_start,
       s.events AS staging_events,
       m.events AS meter_events
FROM staged s
FULL JOIN metered m USING (measure, period_start)
WHERE s.events IS DISTINCT FROM m.events
ORDER BY 1, 2
