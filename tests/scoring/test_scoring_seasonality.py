"""expected_fraction and the linear day fraction, computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kuva_pipeline.scoring import expected_fraction, is_year_complete, linear_fraction

PROFILE = {1: 10.0, 2: 30.0, **{month: 6.0 for month in range(3, 13)}}  # total 100


def test_profile_prorates_the_current_month():
    # (10 + 30 x 14/28) / 100 in a non-leap year.
    assert expected_fraction(PROFILE, date(2021, 2, 14), 2021) == pytest.approx(0.25)


def test_profile_uses_the_scored_years_month_lengths():
    # 2020 is a leap year: February has 29 days.
    assert expected_fraction(PROFILE, date(2020, 2, 14), 2020) == pytest.approx(
        (10 + 30 * 14 / 29) / 100
    )


def test_profile_counts_missing_months_as_zero():
    summer_only = {6: 10.0}
    assert expected_fraction(summer_only, date(2021, 5, 31), 2021) == 0.0
    assert expected_fraction(summer_only, date(2021, 6, 15), 2021) == pytest.approx(0.5)
    assert expected_fraction(summer_only, date(2021, 7, 1), 2021) == 1.0


def test_linear_when_there_is_no_usable_profile():
    assert expected_fraction(None, date(2021, 7, 2), 2021) == pytest.approx(183 / 365)
    assert expected_fraction({1: 0.0, 7: 0.0}, date(2021, 7, 2), 2021) == pytest.approx(183 / 365)
    assert expected_fraction({}, date(2021, 7, 2), 2021) == pytest.approx(183 / 365)


@pytest.mark.parametrize(
    ("as_of", "year", "fraction"),
    [
        (date(2021, 7, 2), 2021, 183 / 365),
        (date(2020, 7, 2), 2020, 184 / 366),
        (date(2021, 1, 1), 2021, 1 / 365),
        (date(2021, 12, 30), 2021, 364 / 365),
        (date(2021, 12, 31), 2021, 1.0),
        (date(2022, 3, 1), 2021, 1.0),
        (date(2020, 12, 31), 2021, 0.0),
    ],
)
def test_linear_fraction(as_of, year, fraction):
    assert linear_fraction(as_of, year) == pytest.approx(fraction)
    if fraction in (0.0, 1.0):  # outside the year a profile changes nothing
        assert expected_fraction(PROFILE, as_of, year) == fraction


def test_year_is_complete_from_31_december():
    assert not is_year_complete(date(2021, 12, 30), 2021)
    assert is_year_complete(date(2021, 12, 31), 2021)
    assert is_year_complete(date(2022, 1, 1), 2021)


@pytest.mark.parametrize("profile", [{13: 1.0}, {0: 1.0}, {1: -1.0}, {1: float("nan")}])
def test_malformed_profiles_raise(profile):
    with pytest.raises(ValueError):
        expected_fraction(profile, date(2021, 6, 1), 2021)
