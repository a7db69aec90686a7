/* ---
description: Published data-quality history - every check evaluation with its verdict, severity, failing rows and any waiver.
deps: [quality.check_results]
materialize: view
columns:
  checked_at: When the check was evaluated (UTC).
  asset: Asset checked, as its key in the Dagster UI (e.g. staging/nps_responses).
  check_name: The check, as named in checks/ and in the Dagster UI.
  partition: Helsinki days checked, start..end; null for an unpartitioned table.
  passed: The data met the rule; a waived failure is still false.
  severity: ERROR (stops what is downstream) or WARN (reported only).
  failed_rows: Rows (or columns, periods, meters) that broke the rule.
  detail: What was found, in one sentence, with examples.
  waived_by: Author of the waiver that accepted this failure, if any.
  waiver_reason: Why the failure was accepted.
  source: Source system behind the checked table (nps, varaamo, ...), if one.
  run_id: Dagster run that evaluated the check.
--- */
SELECT checked_at, asset, check_name, "partition", passed, severity, failed_rows, detail,
       waived_by, waiver_reason, source, run_id
FROM quality.check_results
ORDER BY checked_at, asset, check_name
