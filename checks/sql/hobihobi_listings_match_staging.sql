/* ---
asset: meters.hobihobi_measures
severity: ERROR
description: The listings meter per year for the division equals the distinct listings in staging whose visibility overlaps the year, for the years holding the days the run refreshed (every year in a full refresh).
why: A meter total that does not add up to the rows it comes from is a broken meter, whatever its colour.
requires: [staging.hobihobi_listings]
--- */
-- Only the years holding the run's days are compared: a nightly run's snapshot changes the
-- listings of its own year, and the listings of the other years stay as they were checked
-- (a 3-year city warehouse: 0.12 s for every year, 0.01 s for one).
WITH years AS (
    SELECT DISTINCT date_trunc('year', snapshot_date)::DATE AS period_start FROM staging.hobihobi_listings
    WHERE snapshot_date BETWEEN date_trunc('year', $affected_start)::DATE AND make_date(year($affected_end), 12, 31)
),
staged AS (
    SELECT y.period_start, count(DISTINCT s.listing_id) AS listings
    FROM years y
    JOIN staging.hobihobi_listings s
      ON s.visible_from <= make_date(year(y.period_start), 12, 31) AND s.visible_until >= y.period_start
    WHERE s.visible_until >= date_trunc('year', $affected_start)::DATE
      AND s.visible_from <= make_date(year($affected_end), 12, 31)
    GROUP BY ALL
),
metered AS (
    SELECT period_start, value::BIGINT AS listings
    FROM meters.hobihobi_measures
    WHERE measure = 'listings' AND grain = 'year' AND service_area = (SELECT code FROM staging.ref_service_areas WHERE kind = 'division') AND value <> 0
      AND period_start BETWEEN date_trunc('year', $affected_start)::DATE AND make_date(year($affected_end), 12, 31)
)
SELECT coalesce(s.period_start, m.period_start) AS period_start,
       s.listings AS staging_listings,
       m.listings AS meter_listings
FROM staged s
FULL JOIN metered m USING (period_start)
WHERE s.listings IS DISTINCT FROM m.listings
ORDER BY 1
