/* ---
asset: meters.varaamo_measures
severity: ERROR
description: The bookings meter per month and year equals the confirmed normal reservations in staging, for the division and every service area.
why: A meter total that does not add up to the rows it comes from is a broken meter, whatever its colour.
requires: [staging.varaamo_reservations]
--- */
WITH staged AS (
    SELECT grain, period_start, coalesce(service_area, (SELECT code FROM staging.ref_service_areas WHERE kind = 'division')) AS service_area, count(*) AS bookings
    FROM (
        SELECT 'month' AS grain, date_trunc('month', begin_date)::DATE AS period_start, service_area
        FROM staging.varaamo_reservations WHERE is_booking
        UNION ALL
        SELECT 'year', date_trunc('year', begin_date)::DATE, service_area
        FROM staging.varaamo_reservations WHERE is_booking
    )
    GROUP BY GROUPING SETS ((grain, period_start, service_area), (grain, period_start))
),
metered AS (
    SELECT grain, period_start, service_area, value::BIGINT AS bookings
    FROM meters.varaamo_measures
    WHERE measure = 'bookings' AND grain IN ('month', 'year') AND value <> 0
)
SELECT coalesce(s.grain, m.grain) AS grain,
       coalesce(s.period_start, m.period_start) AS period_start,
       coalesce(s.service_area, m.service_area) AS service_area,
       s.bookings AS staging_bookings,
       m.bookings AS meter_bookings
FROM staged s
FULL JOIN metered m USING (grain, period_start, service_area)
WHERE s.bookings IS DISTINCT FROM m.bookings
ORDER BY 1, 2, 3
