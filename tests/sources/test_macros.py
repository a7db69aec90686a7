"""The fast paths of `fi_timestamp` and `fi_integer` read exactly what the general rules read.

The fast paths skip regular expressions for the shapes almost every feed value has
('2021-01-02T09:00:12', '8'). Here they are compared with values worked out by hand,
and, over generated near-misses, with the general rules alone (the macros' previous
definitions, written out below), which must give the same value for every text.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuva_pipeline import sqlmacros

# The general rules alone: what the macros were before they got their fast paths.
GENERAL_RULES = (
    r"""CREATE OR REPLACE TEMP MACRO general_integer(s) AS
        CASE WHEN regexp_full_match(fi_number_text(s), '[+\-]?\d+')
             THEN try_cast(fi_number_text(s) AS BIGINT) END""",
    r"""CREATE OR REPLACE TEMP MACRO general_timestamp(s) AS
        CASE
            WHEN has_zone(s) THEN helsinki_time(s)
            WHEN regexp_full_match(trim(s::VARCHAR), '\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?')
                THEN try_cast(trim(s::VARCHAR) AS TIMESTAMP)
            ELSE coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M'),
                          try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M:%S'))
        END""",
)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("SET TimeZone = 'Europe/Helsinki'")
    sqlmacros.install(c)
    for sql in GENERAL_RULES:
        c.execute(sql)
    yield c
    c.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-02T09:00:12", datetime(2021, 1, 2, 9, 0, 12)),
        (" 2021-01-02T09:00:12 ", datetime(2021, 1, 2, 9, 0, 12)),  # trimmed by the ISO rule
        ("2021-01-02 09:00:12", datetime(2021, 1, 2, 9, 0, 12)),
        ("2021-01-02T09:00:12.250", datetime(2021, 1, 2, 9, 0, 12, 250000)),
        ("2021-01-02T9:00:12", datetime(2021, 1, 2, 9, 0, 12)),  # a one-digit hour is ISO enough
        ("2021-1-02T09:00:12", None),  # a one-digit month is not ISO
        ("2021-+1-02T09:00:1", None),
        ("2021-02-30T10:00:00", None),  # no such day
        ("2021-01-02T24:00:00", datetime(2021, 1, 3)),  # ISO 8601: the end of the day
        ("2021-01-02T09:00:12Z", datetime(2021, 1, 2, 11, 0, 12)),  # UTC, winter: +2 h
        ("2021-07-02T09:00:12+00:00", datetime(2021, 7, 2, 12, 0, 12)),  # summer: +3 h
        ("1.3.2024 9:05", datetime(2024, 3, 1, 9, 5)),
        ("2021-01-02TAB:00:12", None),
        ("", None),
    ],
)
def test_fi_timestamp_by_hand(con, text, expected):
    assert con.execute("SELECT fi_timestamp(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8", 8), ("007", 7), ("123456789012345678", 123456789012345678), ("8.6", None),
     ("8,6", None), ("+3", 3), ("\u22123", -3), ("1 234", 1234), ("", None), ("n/a", None),
     ("1234567890123456789", 1234567890123456789)],
)
def test_fi_integer_by_hand(con, text, expected):
    assert con.execute("SELECT fi_integer(?)", [text]).fetchone()[0] == expected


_digits = st.text(alphabet="0123456789", min_size=0, max_size=5)
_sep = st.sampled_from(["-", ":", "T", " ", "+", ".", "/", ""])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_digits, _sep), min_size=1, max_size=12))
def test_fi_timestamp_agrees_with_the_general_rules(con, parts):
    text = "".join(parts)
    fast, general = con.execute("SELECT fi_timestamp(?), general_timestamp(?)", [text, text]).fetchone()
    assert fast == general, text


@settings(max_examples=400, deadline=None)
@given(
    st.builds(
        lambda y, mo, d, sep, h, mi, s: f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}",
        st.integers(0, 12000).map(str),
        st.integers(0, 13).map(lambda v: str(v).zfill(2) if v % 3 else str(v)),
        st.integers(0, 32).map(lambda v: str(v).zfill(2)),
        st.sampled_from(["T", " ", "t"]),
        st.integers(0, 25).map(lambda v: str(v).zfill(2) if v % 4 else str(v)),
        st.integers(0, 61).map(lambda v: str(v).zfill(2)),
        st.integers(0, 61).map(lambda v: str(v).zfill(2)),
    )
)
def test_iso_like_times_agree_with_the_general_rules(con, text):
    fast, general = con.execute("SELECT fi_timestamp(?), general_timestamp(?)", [text, text]).fetchone()
    assert fast == general, text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789 +-.,\u2212a", min_size=0, max_size=22))
def test_fi_integer_agrees_with_the_general_rules(con, text):
    fast, general = con.execute("SELECT fi_integer(?), general_integer(?)", [text, text]).fetchone()
    assert fast == general, text


def test_may_be_padded_holds_for_every_character_trim_removes(con):
    """DuckDB is the oracle of what its trim removes: every code point it trims, before or
    after a value, makes may_be_padded true (the NPS duplicate search trims only those)."""
    trimmed = [
        cp
        for (cp,) in con.execute(
            "SELECT cp FROM range(1, 1114112) t(cp) WHERE cp NOT BETWEEN 55296 AND 57343 "
            "AND trim(chr(cp::INTEGER) || 'x') <> chr(cp::INTEGER) || 'x' "
            "OR cp NOT BETWEEN 55296 AND 57343 AND trim('x' || chr(cp::INTEGER)) <> 'x' || chr(cp::INTEGER)"
        ).fetchall()
    ]
    assert 32 in trimmed and 160 in trimmed and 65 not in trimmed
    missed = con.execute(
        "SELECT cp FROM unnest(?::INTEGER[]) t(cp) WHERE NOT may_be_padded(chr(cp) || '183400010') "
        "OR NOT may_be_padded('183400010' || chr(cp)) OR NOT may_be_padded(chr(cp))",
        [trimmed],
    ).fetchall()
    assert missed == []


@pytest.mark.parametrize(
    ("text", "padded"),
    [
        ("183400010", False),
        ("abc-123_X", False),
        (" 183400010", True),
        ("183400010 ", True),
        ("183400010\u00a0", True),
        ("\u3000183400010", True),
    ],
)
def test_may_be_padded_by_hand(con, text, padded):
    assert con.execute("SELECT may_be_padded(?)", [text]).fetchone()[0] is padded


@given(st.text(alphabet=st.sampled_from([" ", "\u00a0", "\u3000", "\t", "1", "a", "-", "é", "\u2009"]), max_size=8))
@settings(max_examples=300, deadline=None)
def test_trimmed_is_trim(con, text):
    """trimmed skips the trim only where it would change nothing: DuckDB's trim is the oracle."""
    assert con.execute("SELECT trimmed(?) = trim(?)", [text, text]).fetchone()[0] is True
