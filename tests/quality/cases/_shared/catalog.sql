CREATE TABLE catalog.dim_scorecard AS
SELECT * FROM (VALUES
    ('plain_2021', 2021::BIGINT, 'Tavallinen', 'KUVA', false, NULL::DATE),
    ('weighted_2021', 2021::BIGINT, 'Painotettu', 'KUVA', true, DATE '2021-06-30')
) t(scorecard_id, year, title_fi, organisation, weighted, as_of_document);
CREATE TABLE catalog.dim_goal AS
SELECT * FROM (VALUES
    ('plain_2021.g1', 'plain_2021', NULL::DOUBLE),
    ('weighted_2021.g1', 'weighted_2021', 60.0::DOUBLE),
    ('weighted_2021.g2', 'weighted_2021', 40.0::DOUBLE)
) t(goal_id, scorecard_id, weight_pct);
CREATE TABLE catalog.dim_meter AS
SELECT * FROM (VALUES
    ('plain_2021.nps', 'plain_2021.g1', 'plain_2021', 2021::BIGINT, 'higher', 'KUVA', 'nps', 'nps_index', 'level'),
    ('plain_2021.plan', 'plain_2021.g1', 'plain_2021', 2021::BIGINT, 'higher', NULL, 'checkin', 'manual', 'milestone'),
    ('weighted_2021.hobbies', 'weighted_2021.g1', 'weighted_2021', 2021::BIGINT, 'higher', 'KUVA', 'hobihobi', 'listings', 'cumulative'),
    ('weighted_2021.cost', 'weighted_2021.g2', 'weighted_2021', 2021::BIGINT, 'lower', 'KUVA', 'finance', 'unit_cost', 'level')
) t(meter_id, goal_id, scorecard_id, year, direction, service_area, source, measure, accumulation);
CREATE TABLE catalog.dim_target AS
SELECT * FROM (VALUES
    ('plain_2021.nps', 'plain_2021', 2021::BIGINT, 'at_least', '{"kind": "at_least", "value": 40}', NULL::DOUBLE),
    ('plain_2021.plan', 'plain_2021', 2021::BIGINT, 'milestone', '{"kind": "milestone"}', NULL::DOUBLE),
    ('weighted_2021.hobbies', 'weighted_2021', 2021::BIGINT, 'relative_change', '{"kind": "relative_change", "pct": 200}', 60.0::DOUBLE),
    ('weighted_2021.cost', 'weighted_2021', 2021::BIGINT, 'tiers', '{"kind": "tiers"}', 40.0::DOUBLE)
) t(meter_id, scorecard_id, year, target_kind, target_json, weight_pct);
CREATE TABLE catalog.fact_checkin AS
SELECT * FROM (VALUES
    ('plain_2021.plan', DATE '2021-03-31', 'TEKEILLÄ', 40.0::DOUBLE, 'toteutuu'),
    ('plain_2021.plan', DATE '2021-06-30', 'TEHTY', 100.0::DOUBLE, NULL)
) t(meter_id, checkin_date, status, progress_pct, forecast);
CREATE TABLE catalog.as_of_dates AS
SELECT * FROM (VALUES
    ('plain_2021', 2021::BIGINT, DATE '2021-12-31', 'latest'),
    ('weighted_2021', 2021::BIGINT, DATE '2021-06-30', 'document'),
    ('weighted_2021', 2021::BIGINT, DATE '2021-12-31', 'latest')
) t(scorecard_id, year, as_of, as_of_kind);
