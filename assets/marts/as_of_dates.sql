/* ---
description: The days each scorecard is scored on - its document's own date and the latest known day of its year.
deps: [marts.dim_scorecard]
materialize: table
columns:
  scorecard_id: Scorecard.
  year: The scorecard's year.
  as_of: A day the scorecard is scored on.
  as_of_kind: document (the date of the source document) or latest (year end, or yesterday for the running year).
--- */
SELECT DISTINCT scorecard_id, year, as_of, as_of_kind
FROM (
    SELECT scorecard_id, year, as_of_document::DATE AS as_of, 'document' AS as_of_kind
    FROM marts.dim_scorecard
    WHERE as_of_document IS NOT NULL
    UNION ALL
    -- current_date is the Helsinki day: every warehouse connection runs in Europe/Helsinki.
    SELECT scorecard_id, year, least(make_date(year, 12, 31), current_date - 1), 'latest'
    FROM marts.dim_scorecard
)
ORDER BY scorecard_id, as_of
