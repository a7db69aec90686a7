"""The examples of a failed check as the UI shows them: a Markdown table, NULL where a value is missing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from kuva_pipeline.quality.factory import _examples_md


def test_examples_are_a_pipe_table_with_null_for_missing_values():
    examples = [
        {"_source_file": "nps/2021/nps_2021-03.csv", "_record_index": 7, "feedbackId": None},
        {"_source_file": "nps/2021/nps_2021-03.csv", "_record_index": 8, "feedbackId": "f-7"},
    ]
    assert _examples_md(examples).splitlines() == [
        "| _source_file             |   _record_index | feedbackId   |",
        "|:-------------------------|----------------:|:-------------|",
        "| nps/2021/nps_2021-03.csv |               7 | NULL         |",
        "| nps/2021/nps_2021-03.csv |               8 | f-7          |",
    ]
    assert _examples_md([]) == "_none_"


def test_making_them_does_not_import_pandas():
    code = textwrap.dedent(
        """
        import sys
        from kuva_pipeline.quality.factory import _examples_md
        _examples_md([{"a": 1, "b": None}])
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
