/* ---
asset: meters.hobihobi_measures
severity: ERROR
description: The listings meter per year for the division equals the distinct listings in staging whose visibility overlaps the year.
why: A meter total that does not add up to the rows it comes from is a broken meter, whatever its colour.
requires: [staging.hobihobi_listings]
--- */
WITH years AS (
    SELECT DISTINCT date_trunc('year', snapshot_date)::DATE AS period_start FROM staging.hobihobi_listings
),
staged AS (
    SELECT y.period_start, count(DISTINCT s.listing_id) AS listings
    FROM years y
    JOIN staging.hobihobi_listings s
      ON s.visible_from <= make_date(year(y.period_start), 12, 31) AND s.visible_until >= y.period_start
    GROUP BY ALL
),
metered AS (
    SELECT period_start, value::BIGINT AS listings
    FROM meters.hobihobi_measures
    WHERE measure = 'listings' AND grain = 'year' AND service_area = (SELECT code FROM staging.ref_service_areas WHERE kind = 'division') AND value <> 0
)
SELECT coalesce(s.period_start, m.period_start) AS period_start,
       s.listings AS staging_listings,
       m.listings AS meter_listings
FROM staged s
FULL JOIN metered m USING (period_start)
WHERE s.listings IS DISTINCT FROM m.listings
ORDER BY 1
