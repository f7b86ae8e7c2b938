"""The caller-outlier test's chi-square (survey/assurance.py: the statistic written out, the
tail from ``scipy.special`` so the fieldwork page needs no ``scipy.stats``) gives what
``scipy.stats`` gives: the same statistic and degrees of freedom as
``scipy.stats.chi2_contingency(table, correction=False)`` and the same tail probability as
``scipy.stats.chi2.sf``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from survey.assurance import _chi2_contingency, caller_outliers, chi2_sf


@settings(max_examples=300, deadline=None)
@given(
    x=st.one_of(st.floats(0, 60), st.floats(0, 3000)),
    dof=st.integers(1, 60),
)
def test_the_chi_square_tail_is_scipy_s(x: float, dof: int) -> None:
    expected = float(stats.chi2.sf(x, dof))
    assert chi2_sf(x, dof) == pytest.approx(expected, rel=1e-11, abs=1e-300)


def test_the_tail_of_nothing_is_one_and_of_infinity_zero() -> None:
    assert chi2_sf(0.0, 3) == 1.0
    assert chi2_sf(math.inf, 3) == 0.0
    assert math.isnan(chi2_sf(math.nan, 2))
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 8).flatmap(
        lambda k: st.lists(st.lists(st.integers(1, 500), min_size=k, max_size=k), min_size=2, max_size=2)
    )
)
def test_the_statistic_is_scipy_s_to_the_last_bit(rows: list[list[int]]) -> None:
    table = np.array(rows)
    chi2, _p, dof, _expected = stats.chi2_contingency(table, correction=False)
    assert _chi2_contingency(table) == (chi2, dof)


def test_caller_flags_are_those_scipy_would_give() -> None:
    rng = np.random.default_rng(7)
    table = rng.integers(5, 60, size=(9, 4))
    table[2] = [150, 3, 2, 1]  # one caller whose interviews are all "very satisfied"
    out = caller_outliers(table)
    others = table.sum(axis=0) - table
    for i in range(len(table)):
        pair = np.vstack([table[i], others[i]])
        chi2, _p, dof, _e = stats.chi2_contingency(pair, correction=False)
        assert out.statistic[i] == chi2
        assert out.pvalue[i] == pytest.approx(float(stats.chi2.sf(chi2, dof)), rel=1e-11, abs=1e-300)
    assert out.flagged[2]
