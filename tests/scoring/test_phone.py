"""AAPOR outcome rates (methodology §3) against hand counts and published numbers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring.inputs import AAPOR_CLASSES
from scoring.phone import RATE_NAMES, aapor_counts, aapor_rates, disposition_class, phone_component


def rates_of(**counts: float) -> dict[str, float]:
    row = np.array([[counts.get(c, 0.0) for c in AAPOR_CLASSES]])
    fw = aapor_rates(row)
    return dict(zip(RATE_NAMES, fw.rates[0].tolist(), strict=True))


def test_rates_match_the_outcomerate_readme_example() -> None:
    # ropensci/outcomerate README (statistics-notes §1): I=4, P=2, R=1, NC=1, O=1,
    # UH=1, UO=1, NE=1 gives e = 9/10; by hand RR1 = 4/11, RR2 = 6/11,
    # RR3 = 4/(9 + .9·2) = 4/10.8, RR4 = 6/10.8, COOP1 = 4/8, REF1 = 1/11, CON1 = 8/11.
    r = rates_of(I=4, P=2, R=1, NC=1, O=1, UH=1, UO=1, NE=1)
    assert_allclose(r["e"], 0.9)
    assert_allclose(
        [r["RR1"], r["RR2"], r["RR3"], r["RR4"], r["COOP1"], r["REF1"], r["CON1"]],
        [4 / 11, 6 / 11, 4 / 10.8, 6 / 10.8, 0.5, 1 / 11, 8 / 11],
    )
    # and the rounded figures published there
    assert [round(r[k], 3) for k in ("RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1")] == [
        0.364, 0.545, 0.370, 0.556, 0.500, 0.091, 0.727,
    ]  # fmt: skip


def test_worked_example_caller_k2_by_hand() -> None:
    # shared/spec/example/README.md: I = 4, NC = 1, UO = 1, NE = 1; e = 5/6;
    # RR1 = 4/6; RR3 = 4/(5 + 5/6); COOP1 = 1; CON1 = 4/6.
    r = rates_of(I=4, NC=1, UO=1, NE=1)
    assert_allclose(
        [r["e"], r["RR1"], r["RR3"], r["COOP1"], r["CON1"]], [5 / 6, 4 / 6, 4 / (5 + 5 / 6), 1, 4 / 6]
    )


def test_e_is_one_when_no_case_has_known_eligibility() -> None:
    # Only unknown-eligibility cases: the e denominator I+P+R+NC+O+NE is 0.
    r = rates_of(UH=3, UO=1)
    assert r["e"] == 1.0
    assert r["RR1"] == 0.0 and r["RR3"] == 0.0
    assert np.isnan(r["COOP1"])  # (I+P)+R+O = 0


def test_every_rate_is_empty_without_cases() -> None:
    r = rates_of()
    assert r["e"] == 1.0
    assert all(np.isnan(r[k]) for k in RATE_NAMES[1:])


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("1.1", "I"), ("1.2", "P"), ("2.10", "R"), ("2.111", "R"), ("2.12", "R"), ("2.21", "NC"),
        ("2.221", "NC"), ("2.31", "O"), ("2.35", "O"), ("2.9", "O"), ("2.90", "O"), ("3.11", "UH"),
        ("3.13", "UH"), ("3.21", "UO"), ("3.9", "UO"), ("3.90", "UO"), ("4.31", "NE"), ("4.80", "NE"),
        (" 1.1 ", "I"),
    ],
)  # fmt: skip
def test_dispositions_are_counted_by_their_leading_digits(code: str, cls: str) -> None:
    found = disposition_class(code)
    assert found is not None and AAPOR_CLASSES[found] == cls


@pytest.mark.parametrize(
    "code", ["", "1", "1.3", "2.0", "2.4", "3.0", "3.3", "4", "5.1", "abc", "1.1a", "11"]
)
def test_codes_outside_the_aapor_scheme_are_rejected(code: str) -> None:
    assert disposition_class(code) is None


def test_counts_per_scope_leave_out_cases_without_a_scope() -> None:
    cls = np.array([0, 0, 2, 7, 0])
    scope = np.array([0, 1, 1, -1, 1])
    counts = aapor_counts(cls, scope, 2)
    assert counts[0].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert counts[1].tolist() == [2, 0, 1, 0, 0, 0, 0, 0]


def test_partial_interviews_and_unscored_completes_do_not_enter_the_phone_score() -> None:
    # case 0: complete, 100; case 1: partial (1.2), 0; case 2: complete but only "don't know"
    score = np.array([100.0, 0.0, np.nan])
    has = np.array([True, True, False])
    comp = phone_component(score, has, np.array([0, 1, 0]), np.array([0, 0, 0]), 1)
    assert comp.n.tolist() == [1]
    assert comp.score.tolist() == [100.0]
    assert comp.satisfaction.tolist() == [1.0]
