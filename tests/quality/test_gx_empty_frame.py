"""A frame with no rows: the row expectations pass as Great Expectations passes them, and GX
is not imported for it (a nightly run with nothing new has no device-days to judge)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from kuva_pipeline.quality.gx_runner import ROW_EXPECTATIONS, validate, validate_with_gx
from kuva_pipeline.quality.suites import Rule

EMPTY = pd.DataFrame({"device": pd.Series([], dtype="object"), "day": pd.Series([], dtype="object"),
                      "presses": pd.Series([], dtype="int64"), "other": pd.Series([], dtype="int64")})

ARGS = {
    "expect_column_values_to_not_be_null": {"column": "presses"},
    "expect_column_values_to_be_null": {"column": "presses"},
    "expect_column_values_to_be_unique": {"column": "presses"},
    "expect_column_values_to_be_in_set": {"column": "presses", "value_set": [1, 2]},
    "expect_column_values_to_be_between": {"column": "presses", "min_value": 1, "max_value": 2000},
    "expect_column_pair_values_to_be_equal": {"column_A": "presses", "column_B": "other"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A": "presses", "column_B": "other"},
    "expect_compound_columns_to_be_unique": {"column_list": ["device", "day"]},
}


def test_every_row_expectation_has_a_case():
    assert set(ARGS) == set(ROW_EXPECTATIONS)


@pytest.mark.parametrize("expect", sorted(ROW_EXPECTATIONS))
def test_no_rows_pass_as_gx_passes_them(expect):
    rule = Rule(name="r", expect=expect, severity="WARN", why="w", **ARGS[expect])
    shortcut = validate(EMPTY, [rule], ["device", "day"])["r"]
    judged = validate_with_gx(EMPTY, [rule], ["device", "day"])["r"]
    assert (shortcut.success, shortcut.element_count, shortcut.failed_rows, shortcut.examples) == (
        True, 0, 0, [])
    assert (judged.success, judged.element_count, judged.failed_rows or 0, judged.examples, judged.errors) == (
        True, 0, 0, [], [])


def test_a_table_expectation_still_goes_to_gx():
    # No rows is a failure for a row count of at least one: that takes GX's judgement.
    rule = Rule(name="r", expect="expect_table_row_count_to_be_between", severity="WARN", why="w", min_value=1)
    assert validate(EMPTY, [rule], ["device", "day"])["r"].success is False


def test_gx_is_not_imported_for_no_rows():
    code = textwrap.dedent(
        """
        import sys
        import pandas as pd
        from kuva_pipeline.quality.gx_runner import validate
        from kuva_pipeline.quality.suites import Rule
        rule = Rule(name="r", expect="expect_column_values_to_be_between", severity="WARN", why="w",
                    column="presses", min_value=1, max_value=2000)
        out = validate(pd.DataFrame({"presses": pd.Series([], dtype="int64")}), [rule], [])
        assert out["r"].success
        print("great_expectations" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
