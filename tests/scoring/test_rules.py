"""Methodology v1 (shared/spec/methodology.md), one test per rule, on tiny bundles.

Every expected number is derived by hand in the comments beside it, from the spec alone,
so a failure points at either the engine or the derivation, never at a snapshot. Unless
a test says otherwise the campaign is ``bundlekit.base_campaign()``: only the survey
component weighs (so F = S = the response score) and one valid response makes a unit
eligible. ``scored_response(u, x)`` adds a response answering one item of weight 1 whose
option scores exactly x, so r = S = C = F = x with no floating-point detour.
"""

from __future__ import annotations

import csv
import hashlib
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.scoring.bundlekit import (
    RESULT_COLUMNS,
    UNCERTAINTY_COLUMNS,
    Bundle,
    assert_num,
    has_list,
    linked,
    num,
    order_by_rank,
    results_header,
    run,
    score_bundle,
    walk,
)

# The worked example of the spec, vendored with the published method under docs/.
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example"

TOL = 1e-6
BOOLEAN_COLUMNS = [
    "veto",
    "eligible",
    "unsatisfactory",
    "consecutive_unsatisfactory",
    "robust_worst",
    "raking_failed",
]


def _write(bundle: Bundle, tmp_path: Path, name: str = "bundle") -> Path:
    return bundle.write(tmp_path / name)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _assert_cell(actual: str, expected: str, where: str) -> None:
    """Numbers to 1e-6; booleans, strings and empty cells exactly."""
    if expected == "" or expected in ("true", "false"):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        return
    try:
        want = float(expected)
    except ValueError:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        return
    assert actual != "", f"{where}: empty, expected {expected}"
    assert abs(float(actual) - want) <= TOL, f"{where}: {actual} != {expected}"


def _copy_example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE / "bundle", tmp_path / "example"))


# ---------------------------------------------------------------------------------------
# The worked example
# ---------------------------------------------------------------------------------------


def test_worked_example_reproduces_every_expected_result(tmp_path: Path) -> None:
    results = run(_copy_example(tmp_path), tmp_path).results
    expected = _read_csv(EXAMPLE / "expected_results.csv")
    assert list(results) == [row["unit_id"] for row in expected]
    for row in expected:
        for column, want in row.items():
            _assert_cell(results[row["unit_id"]][column], want, f"{row['unit_id']}.{column}")


def test_worked_example_reproduces_every_expected_fieldwork_rate(tmp_path: Path) -> None:
    fieldwork = run(_copy_example(tmp_path), tmp_path).fieldwork
    expected = _read_csv(EXAMPLE / "expected_fieldwork.csv")
    assert set(fieldwork) == {(row["scope"], row["id"]) for row in expected}
    for row in expected:
        got = fieldwork[(row["scope"], row["id"])]
        for column, want in row.items():
            _assert_cell(got[column], want, f"{row['scope']} {row['id']}.{column}")


def test_worked_example_summary_lists_each_group_and_names_the_red_card_head(tmp_path: Path) -> None:
    # README: A1 and W1 best, A3 and W3 worst (N = 1 in both groups); A3 consecutive, head 张伟.
    doc = run(_copy_example(tmp_path), tmp_path).summary
    assert has_list(doc, "best", "grassroots", ["A1"])
    assert has_list(doc, "worst", "grassroots", ["A3"])
    assert has_list(doc, "best", "window", ["W1"])
    assert has_list(doc, "worst", "window", ["W3"])
    assert linked(doc, "A3", "red") and linked(doc, "W3", "red")
    assert linked(doc, "A3", "张伟")


# ---------------------------------------------------------------------------------------
# Results file format (bundle.md "Results")
# ---------------------------------------------------------------------------------------


def test_results_have_the_bundle_md_columns_and_follow_units_csv_order(tmp_path: Path) -> None:
    b = Bundle()
    for uid in ("U2", "U10", "U1"):  # deliberately not sorted
        b.unit(uid)
        b.scored_response(uid, 70)
    scored = run(_write(b, tmp_path), tmp_path)
    assert results_header(scored.out_dir) == RESULT_COLUMNS
    assert list(scored.results) == ["U2", "U10", "U1"]


def test_numbers_carry_ten_significant_digits_and_booleans_are_words(tmp_path: Path) -> None:
    # S = (100 + 100 + 0) / 3 = 66.666…: a short rendering would lose digits.
    b = Bundle()
    b.unit("U1")
    for code in ("satisfied", "satisfied", "dissatisfied"):
        b.response("U1", code)
    row = score_bundle(b, tmp_path)["U1"]
    digits = row["survey_score"].replace(".", "").lstrip("0")
    assert len(digits.split("e")[0].split("E")[0]) >= 10, row["survey_score"]
    assert_num(row, "survey_score", 200 / 3)
    for column in BOOLEAN_COLUMNS:
        assert row[column] in ("true", "false"), column


# ---------------------------------------------------------------------------------------
# §1 Item and response scores
# ---------------------------------------------------------------------------------------


def test_response_score_weighs_items_and_skips_dont_know(tmp_path: Path) -> None:
    b = Bundle()
    b.item("survey", "q2", weight=3)  # q1 has weight 1
    for uid in ("U1", "U2", "U3"):
        b.unit(uid)
    # U1: (1·100 + 3·60) / (1 + 3) = 280 / 4 = 70
    b.response("U1", {"q1": "satisfied", "q2": "basically_satisfied"})
    # U2: q1 "don't know" is unanswered: 3·100 / 3 = 100 (as a 0 it would give 75)
    b.response("U2", {"q1": "dont_know", "q2": "satisfied"})
    # U3: 1·0 / 1 = 0; still valid, it has a scored answer
    b.response("U3", {"q1": "dissatisfied", "q2": "dont_know"})
    res = score_bundle(b, tmp_path)
    assert_num(res["U1"], "survey_score", 70.0)
    assert_num(res["U2"], "survey_score", 100.0)
    assert_num(res["U3"], "survey_score", 0.0)
    assert_num(res["U3"], "n_survey", 1)


def test_response_score_uses_a_custom_scale_with_more_levels(tmp_path: Path) -> None:
    b = Bundle()
    b.scale("sat5", {"vs": 100, "s": 75, "n": 50, "d": 25, "vd": 0, "na": None})
    b.item("survey", "q5", scale_id="sat5", weight=2)
    b.unit("U1")
    # r1: (2·75 + 1·60) / 3 = 70; r2: q5 "na" has no score: 1·100 / 1 = 100
    b.response("U1", {"q5": "s", "q1": "basically_satisfied"})
    b.response("U1", {"q5": "na", "q1": "satisfied"})
    row = score_bundle(b, tmp_path)["U1"]
    # one group: S = (70 + 100) / 2 = 85
    assert_num(row, "survey_score", 85.0)


def test_only_valid_responses_with_a_scored_answer_are_counted(tmp_path: Path) -> None:
    b = Bundle()
    b.unit("U1")
    b.response("U1", "satisfied", status="valid")  # 100, counted
    b.response("U1", "basically_satisfied", status=None)  # empty status = valid: 60, counted
    b.response("U1", "dissatisfied", status="duplicate")
    b.response("U1", "dissatisfied", status="quarantined")
    b.response("U1", "dissatisfied", status="withdrawn")
    b.response("U1", "dont_know", status="valid")  # no scored answer: not valid
    b.response("U1", None, status="valid")  # no answer at all: not valid
    row = score_bundle(b, tmp_path)["U1"]
    # n_S = 2; S = (100 + 60) / 2 = 80; both ≥ 60; Kish with weights 1: 2² / 2 = 2
    assert_num(row, "n_survey", 2)
    assert_num(row, "survey_score", 80.0)
    assert_num(row, "survey_satisfaction", 1.0)
    assert_num(row, "n_survey_eff", 2.0)


def _threshold_bundle() -> Bundle:
    b = Bundle()
    b.item("survey", "q2", weight=2)
    b.unit("U1")
    # r1: (1·60 + 2·60) / 3 = 60 exactly; r2: (1·100 + 2·0) / 3 = 33.33
    b.response("U1", {"q1": "basically_satisfied", "q2": "basically_satisfied"})
    b.response("U1", {"q1": "satisfied", "q2": "dissatisfied"})
    # phone: 60 and 0
    b.case("U1", "1.1", "basically_satisfied")
    b.case("U1", "1.1", "dissatisfied")
    return b


@pytest.mark.parametrize(
    ("satisfied_at", "survey_rate", "phone_rate"),
    [
        (None, 0.5, 0.5),  # default 60: r1 = 60 ≥ 60 is satisfied, 33.3 is not; phone 60 yes, 0 no
        (30.0, 1.0, 0.5),  # 33.3 ≥ 30 now satisfied too; phone 0 still not
        (61.0, 0.0, 0.0),  # 60 < 61: nothing is satisfied
    ],
)
def test_satisfied_at_threshold_counts_a_score_equal_to_it_as_satisfied(
    tmp_path: Path, satisfied_at: float | None, survey_rate: float, phone_rate: float
) -> None:
    b = _threshold_bundle()
    if satisfied_at is not None:
        b.set("scoring.satisfied_at", satisfied_at)
    row = score_bundle(b, tmp_path)["U1"]
    assert_num(row, "survey_satisfaction", survey_rate)
    assert_num(row, "phone_satisfaction", phone_rate)


# ---------------------------------------------------------------------------------------
# §2 Survey component
# ---------------------------------------------------------------------------------------


def test_group_means_combine_with_gamma_over_present_groups_and_unlisted_groups_weigh_zero(
    tmp_path: Path,
) -> None:
    b = Bundle()
    b.set("weights.groups", {"citizen": 0.6, "service_recipient": 0.4, "deputy": 0.0})  # "expert" absent
    for uid in ("U1", "U2", "U3"):
        b.unit(uid)
    b.scored_response("U1", 100, group="citizen")
    b.scored_response("U1", 60, group="citizen")  # m_citizen = 80
    b.scored_response("U1", 0, group="service_recipient")  # m_service = 0
    b.scored_response("U1", 100, group="deputy")  # γ = 0
    b.scored_response("U1", 100, group="expert", n=2)  # absent from [weights.groups]: γ = 0
    b.scored_response("U2", 60, group="citizen")  # only group present
    b.scored_response("U3", 100, group="service_recipient")
    b.scored_response("U3", 0, group="deputy")
    res = score_bundle(b, tmp_path)
    # U1: S = (0.6·80 + 0.4·0) / (0.6 + 0.4) = 48; all 6 valid responses count in n_S;
    # satisfaction pooled over all groups: 5 of 6 are ≥ 60 (only the 0 is not)
    assert_num(res["U1"], "survey_score", 48.0)
    assert_num(res["U1"], "n_survey", 6)
    assert_num(res["U1"], "survey_satisfaction", 5 / 6)
    # U2: S = 0.6·60 / 0.6 = 60 (not 0.6·60 / 1 = 36)
    assert_num(res["U2"], "survey_score", 60.0)
    # U3: deputy weighs 0: S = 0.4·100 / 0.4 = 100
    assert_num(res["U3"], "survey_score", 100.0)


def test_survey_score_is_empty_when_the_present_groups_weigh_zero(tmp_path: Path) -> None:
    b = Bundle().components(0.5, 0.5, 0.0)
    b.unit("U1")
    # default [weights.groups] lists citizen and service_recipient only: deputy and expert weigh 0
    b.scored_response("U1", 100, group="deputy")
    b.scored_response("U1", 60, group="expert")
    b.case("U1", "1.1", "basically_satisfied")  # P = 60
    row = score_bundle(b, tmp_path)["U1"]
    assert row["survey_score"] == ""
    assert_num(row, "n_survey", 2)
    assert_num(row, "n_survey_eff", 2.0)
    # satisfaction is over all valid responses, pooled: 100 and 60 are both ≥ 60
    assert_num(row, "survey_satisfaction", 1.0)
    # C over the available components only: 0.5·60 / 0.5 = 60
    assert_num(row, "composite", 60.0)
    assert_num(row, "final_score", 60.0)


def test_kish_effective_size_is_the_count_with_unit_weights_and_zero_without_responses(
    tmp_path: Path,
) -> None:
    b = Bundle().set("eligibility.min_survey", 0)
    b.unit("U1")
    b.unit("U2")
    b.scored_response("U1", 80, n=3)  # weights 1: 3² / 3 = 3
    res = score_bundle(b, tmp_path)
    assert_num(res["U1"], "n_survey_eff", 3.0)
    assert_num(res["U2"], "n_survey", 0)
    assert_num(res["U2"], "n_survey_eff", 0.0)  # "0 when n_S = 0"
    assert res["U2"]["survey_score"] == ""


# ---------------------------------------------------------------------------------------
# §2 Raking
# ---------------------------------------------------------------------------------------


def test_raking_two_variables_pooled_across_groups_matches_the_hand_derivation(tmp_path: Path) -> None:
    b = Bundle()
    b.set("weighting.margins.sex", {"m": 0.5, "f": 0.5})
    b.set("weighting.margins.age_band", {"y": 0.25, "o": 0.75})
    b.unit("U1")
    b.scored_response("U1", 100, group="citizen", sex="m", age_band="y")  # r1
    b.scored_response("U1", 0, group="citizen", sex="m", age_band="o")  # r2
    b.scored_response("U1", 100, group="citizen", sex="f", age_band="y")  # r3
    b.scored_response("U1", 60, group="service_recipient", sex="f", age_band="y")  # r4
    b.scored_response("U1", 0, group="service_recipient", sex="f", age_band="o")  # r5
    b.scored_response("U1", 60, group="service_recipient", sex="f", age_band="o")  # r6
    b.scored_response("U1", 100, group="service_recipient", sex="x", age_band="y")  # r7: "x" not listed
    row = score_bundle(b, tmp_path)["U1"]
    # Raking is pooled across groups: r1..r6 take part, n_p = 6; r7 keeps weight 1.
    # Sweep 1, sex: m = r1+r2 = 2 → ×(0.5·6)/2 = ×1.5 → 1.5, 1.5;
    #               f = r3..r6 = 4 → ×3/4 → 0.75 each.
    #          age: y = r1 + r3 + r4 = 1.5 + 0.75 + 0.75 = 3 → ×(0.25·6)/3 = ×0.5 → r1 .75, r3 .375, r4 .375;
    #               o = r2 + r5 + r6 = 3 → ×4.5/3 = ×1.5 → r2 2.25, r5 1.125, r6 1.125.
    # End of sweep 1: m = .75 + 2.25 = 3 ✓, f = .375·2 + 1.125·2 = 3 ✓, y = 1.5 ✓, o = 4.5 ✓ → stop.
    # w = (.75, 2.25, .375, .375, 1.125, 1.125, 1): sum 7, mean 1; nothing outside [0.2, 5].
    # m_citizen = (.75·100 + 2.25·0 + .375·100) / 3.375 = 112.5 / 3.375 = 100/3
    # m_service = (.375·60 + 1.125·0 + 1.125·60 + 1·100) / 3.625 = 190 / 3.625 = 1520/29
    # S = 0.5·100/3 + 0.5·1520/29 = 3730/87
    assert_num(row, "survey_score", 3730 / 87)
    # Kish: Σw = 7, Σw² = .5625 + 5.0625 + 2·.140625 + 2·1.265625 + 1 = 9.4375 → 49 / 9.4375
    assert_num(row, "n_survey_eff", 49 / 9.4375)
    assert_num(row, "n_survey", 7)
    # satisfied: r1, r3, r4, r6, r7 → (.75 + .375 + .375 + 1.125 + 1) / 7 = 3.625 / 7
    assert_num(row, "survey_satisfaction", 3.625 / 7)
    assert row["raking_failed"] == "false"


@pytest.mark.parametrize(
    ("trim", "expected_s", "expected_eff"),
    [
        # Default [0.2, 5]: raked w = 9 (m) and 1/9 (nine f), mean 1; clipped to 5 and 0.2
        # (sum 6.8), divided by the mean 0.68. S = 5·100 / 6.8; Kish 6.8² / (25 + 9·0.04).
        (None, 500 / 6.8, 6.8**2 / 25.36),
        # [0.5, 2]: clipped to 2 and 0.5 (sum 6.5). S = 2·100 / 6.5; Kish 6.5² / (4 + 9·0.25).
        ((0.5, 2.0), 200 / 6.5, 6.5**2 / 6.25),
    ],
)
def test_raking_trims_weights_and_divides_by_their_mean_again(
    tmp_path: Path, trim: tuple[float, float] | None, expected_s: float, expected_eff: float
) -> None:
    b = Bundle()
    b.set("weighting.margins.sex", {"m": 0.9, "f": 0.1})
    if trim is not None:
        b.set("weighting.trim_low", trim[0])
        b.set("weighting.trim_high", trim[1])
    b.unit("U1")
    # n_p = 10: m has 1 response, target 0.9·10 = 9 → w = 9; f has 9, target 1 → w = 1/9 each.
    b.scored_response("U1", 100, sex="m")
    b.scored_response("U1", 0, sex="f", n=9)
    row = score_bundle(b, tmp_path)["U1"]
    # the final division by the mean scales every weight alike, so S and Kish are as derived
    assert_num(row, "survey_score", expected_s)
    assert_num(row, "n_survey_eff", expected_eff)
    # only the m response (score 100) is satisfied: its share of the weight is S/100
    assert_num(row, "survey_satisfaction", expected_s / 100)


def _oracle_weights(people: list[dict[str, str]], margins: dict[str, dict[str, float]]) -> np.ndarray:
    """Methodology §2 raking written independently: IPF, then mean / clip [0.2, 5] / mean."""
    w = np.ones(len(people))
    takes_part = np.array([all(p[v] in cats for v, cats in margins.items()) for p in people])
    n_p = int(takes_part.sum())
    members = {
        (v, c): np.array([takes_part[i] and p[v] == c for i, p in enumerate(people)])
        for v, cats in margins.items()
        for c in cats
    }
    if n_p > 0:
        assert all(members[(v, c)].any() for v, cats in margins.items() for c, s in cats.items() if s > 0)
        for _ in range(100):
            for v, cats in margins.items():
                for c, share in cats.items():
                    m = members[(v, c)]
                    if m.any():
                        w[m] *= share * n_p / w[m].sum()
            if all(
                abs(w[members[(v, c)]].sum() - share * n_p) <= 1e-9 * n_p
                for v, cats in margins.items()
                for c, share in cats.items()
            ):
                break
    w = w / w.mean()
    w = np.clip(w, 0.2, 5.0)
    return w / w.mean()


def test_raking_agrees_with_an_independent_numpy_ipf(tmp_path: Path) -> None:
    margins = {"age_band": {"a": 0.3, "b": 0.45, "c": 0.25}, "sex": {"m": 0.48, "f": 0.52}}
    # Irregular samples that need several sweeps; "" and "z" do not take part.
    samples = {
        "U1": [("a", "m", 100), ("a", "f", 60), ("a", "f", 0), ("b", "m", 100), ("b", "m", 60),
               ("b", "m", 0), ("b", "f", 100), ("c", "m", 60), ("c", "f", 100), ("c", "f", 0),
               ("z", "m", 100), ("", "f", 0)],
        "U2": [("a", "m", 0), ("b", "f", 100), ("b", "f", 100), ("b", "m", 60), ("c", "m", 100),
               ("c", "f", 60), ("a", "f", 100), ("b", "f", 0)],
    }  # fmt: skip
    b = Bundle()
    for var, cats in margins.items():
        b.set(f"weighting.margins.{var}", cats)
    for uid, rows in samples.items():
        b.unit(uid)
        for k, (age, sex, s) in enumerate(rows):
            b.scored_response(uid, s, group=("citizen", "service_recipient")[k % 2], age_band=age, sex=sex)
        # not valid: must not change anyone's weight
        b.response(uid, "satisfied", status="duplicate", age_band="a", sex="m")
    res = score_bundle(b, tmp_path)
    for uid, rows in samples.items():
        people = [{"age_band": a, "sex": s} for a, s, _ in rows]
        w = _oracle_weights(people, margins)
        r = np.array([s for _, _, s in rows], dtype=float)
        groups = np.array([k % 2 for k in range(len(rows))])
        means = [(w[groups == g] * r[groups == g]).sum() / w[groups == g].sum() for g in (0, 1)]
        assert_num(res[uid], "survey_score", 0.5 * means[0] + 0.5 * means[1])
        assert_num(res[uid], "n_survey_eff", w.sum() ** 2 / (w**2).sum())
        assert_num(res[uid], "survey_satisfaction", w[r >= 60].sum() / w.sum())
        assert res[uid]["raking_failed"] == "false"


def test_raking_that_cannot_reach_the_margins_stops_after_100_sweeps(tmp_path: Path) -> None:
    # Margins sex m/f 0.5/0.5 and age y/o 0.5/0.5 are met only with w(m, o) = 0: IPF creeps
    # towards it (w(m, o) ≈ 1.25/k after k sweeps) and never gets within 1e-9·n_p, so exactly
    # 100 sweeps run. S after 99, 100 and 101 sweeps differs by ~7e-5, far above 1e-6.
    margins = {"sex": {"m": 0.5, "f": 0.5}, "age_band": {"y": 0.5, "o": 0.5}}
    sample = [("m", "y", 100), ("m", "o", 0), ("f", "o", 60), ("m", "y", 60), ("f", "o", 100)]
    b = Bundle()
    for var, cats in margins.items():
        b.set(f"weighting.margins.{var}", cats)
    b.unit("U1")
    for sex, age, s in sample:
        b.scored_response("U1", s, sex=sex, age_band=age)
    row = score_bundle(b, tmp_path)["U1"]
    w = _oracle_weights([{"sex": sx, "age_band": a} for sx, a, _ in sample], margins)
    r = np.array([s for _, _, s in sample], dtype=float)
    assert_num(row, "survey_score", (w * r).sum() / w.sum())  # 76.91573623…
    assert_num(row, "n_survey_eff", w.sum() ** 2 / (w**2).sum())
    assert row["raking_failed"] == "false"


def test_raking_fails_when_a_listed_category_with_positive_share_has_no_respondent(tmp_path: Path) -> None:
    b = Bundle()
    b.set("weighting.margins.sex", {"m": 0.5, "f": 0.5})
    b.set("weighting.margins.age_band", {"y": 0.5, "o": 0.5, "z": 0.0})  # "z": share 0, nobody
    b.unit("U1")
    b.unit("U2")
    # U1: nobody is f (share 0.5) → not raked, weights 1, raking_failed.
    b.scored_response("U1", 100, sex="m", age_band="y")
    b.scored_response("U1", 0, sex="m", age_band="o")
    b.scored_response("U1", 60, sex="m", age_band="y")
    # U2: one response per (sex, age) cell, margins already met at weight 1; the empty
    # zero-share category "z" is no failure.
    b.scored_response("U2", 100, sex="m", age_band="y")
    b.scored_response("U2", 0, sex="m", age_band="o")
    b.scored_response("U2", 60, sex="f", age_band="y")
    b.scored_response("U2", 60, sex="f", age_band="o")
    res = score_bundle(b, tmp_path)
    assert res["U1"]["raking_failed"] == "true"
    assert_num(res["U1"], "survey_score", 160 / 3)  # (100 + 0 + 60) / 3
    assert_num(res["U1"], "n_survey_eff", 3.0)
    assert res["U2"]["raking_failed"] == "false"
    assert_num(res["U2"], "survey_score", 55.0)  # (100 + 0 + 60 + 60) / 4
    assert_num(res["U2"], "n_survey_eff", 4.0)


def test_responses_with_a_value_not_in_the_margins_keep_weight_one(tmp_path: Path) -> None:
    b = Bundle()
    b.set("weighting.margins.sex", {"m": 0.5, "f": 0.5})
    b.unit("U1")
    b.scored_response("U1", 100, sex="m", n=2)
    b.scored_response("U1", 0, sex="f")
    b.scored_response("U1", 60, sex="x")  # value not listed
    b.scored_response("U1", 100, sex="")  # no value
    row = score_bundle(b, tmp_path)["U1"]
    # n_p = 3: m 2 → ×1.5/2 → .75 each; f 1 → ×1.5 → 1.5; converged after one sweep.
    # w = (.75, .75, 1.5, 1, 1): sum 5, mean 1.
    # S = (75 + 75 + 0 + 60 + 100) / 5 = 62 (unweighted 72; dropping the two would give 50)
    assert_num(row, "survey_score", 62.0)
    # Kish: 5² / (2·.5625 + 2.25 + 1 + 1) = 25 / 5.375
    assert_num(row, "n_survey_eff", 25 / 5.375)
    assert row["raking_failed"] == "false"


def test_unit_without_any_raking_participant_is_not_raked_and_not_failed(tmp_path: Path) -> None:
    # "if n_p = 0 nothing is raked" — a rule of its own, before the raking_failed rule.
    b = Bundle()
    b.set("weighting.margins.sex", {"m": 0.5, "f": 0.5})
    b.unit("U1")
    b.scored_response("U1", 100, sex="x")
    b.scored_response("U1", 0, sex="")
    row = score_bundle(b, tmp_path)["U1"]
    assert_num(row, "survey_score", 50.0)
    assert_num(row, "n_survey_eff", 2.0)
    assert row["raking_failed"] == "false"


# ---------------------------------------------------------------------------------------
# §3 Phone component and fieldwork
# ---------------------------------------------------------------------------------------


def test_phone_score_is_the_plain_mean_of_complete_cases(tmp_path: Path) -> None:
    b = Bundle().components(0.5, 0.5, 0.0)
    b.item("phone", "p2", weight=3)
    b.unit("U1")
    b.response("U1", "satisfied")  # S = 100
    b.case("U1", "1.1", {"p1": "satisfied", "p2": "basically_satisfied"})  # (100 + 3·60) / 4 = 70
    b.case("U1", "1.1", {"p1": "dissatisfied"})  # 0
    b.case("U1", "1.1", {"p1": "dont_know", "p2": "satisfied"})  # 3·100 / 3 = 100
    b.case("U1", "1.2", {"p1": "satisfied"})  # partial interview: not complete
    b.case("U1", "1.1", {"p1": "dont_know"})  # no scored answer: not complete
    b.case("U1", "1.1", None)  # no answer: not complete
    b.case("U1", "2.11", None)  # refusal
    row = score_bundle(b, tmp_path)["U1"]
    # n_P = 3; P = (70 + 0 + 100) / 3; satisfied 70 and 100 → 2/3
    assert_num(row, "n_phone", 3)
    assert_num(row, "phone_score", 170 / 3)
    assert_num(row, "phone_satisfaction", 2 / 3)
    # C = 0.5·100 + 0.5·170/3
    assert_num(row, "composite", 50 + 85 / 3)


def test_fieldwork_counts_aapor_dispositions_per_unit_and_per_caller(tmp_path: Path) -> None:
    b = Bundle()
    for uid in ("U1", "U2", "U3", "U4"):
        b.unit(uid)
        b.scored_response(uid, 80)
    b.case("U1", "1.1", "satisfied", caller_id="k1")
    b.case("U1", "1.2", None, caller_id="k1")
    b.case("U1", "2.11", None, caller_id="k1")
    for disposition in ("2.12", "2.21", "2.31", "2.9", "3.11", "3.21", "3.9", "4.31", "4.1"):
        b.case("U1", disposition, None, caller_id="k2")
    b.case("U2", "4.31", None, caller_id="k3")
    b.case("U4", "3.11", None, caller_id="k3")
    fw = run(_write(b, tmp_path), tmp_path).fieldwork

    def check(key: tuple[str, str], counts: list[float], rates: dict[str, float | None]) -> None:
        row = fw[key]
        for column, want in zip(["I", "P", "R", "NC", "O", "UH", "UO", "NE"], counts, strict=True):
            assert_num(row, column, want)
        for column, want_rate in rates.items():
            assert_num(row, column, want_rate)

    # U1: I 1, P 1, R 2 (2.11, 2.12), NC 1, O 2 (2.31, 2.9), UH 1, UO 2 (3.21, 3.9), NE 2 (4.31, 4.1)
    # e = (1+1+2+1+2) / (7+2) = 7/9; base (I+P)+(R+NC+O)+(UH+UO) = 2 + 5 + 3 = 10
    # RR3 = 1 / (2 + 5 + 7/9·3) = 1 / (28/3) = 3/28; COOP1 = 1 / (2 + 2 + 2); CON1 = 6/10
    check(("unit", "U1"), [1, 1, 2, 1, 2, 1, 2, 2],
          {"e": 7 / 9, "RR1": 0.1, "RR2": 0.2, "RR3": 3 / 28, "RR4": 6 / 28, "COOP1": 1 / 6, "REF1": 0.2,
           "CON1": 0.6})  # fmt: skip
    # U2: only NE. e = 0 / (0 + 1) = 0; every rate's denominator is 0 → empty
    check(("unit", "U2"), [0, 0, 0, 0, 0, 0, 0, 1],
          {"e": 0.0, "RR1": None, "RR2": None, "RR3": None, "RR4": None, "COOP1": None, "REF1": None,
           "CON1": None})  # fmt: skip
    # U3: no case at all: e's denominator is 0 → e = 1; every rate empty
    check(("unit", "U3"), [0] * 8,
          {"e": 1.0, "RR1": None, "RR2": None, "RR3": None, "RR4": None, "COOP1": None, "REF1": None,
           "CON1": None})  # fmt: skip
    # U4: only UH. e = 0/0 → 1; base 1: RR1..RR4 = 0, REF1 = 0, CON1 = 0; COOP1 = 0/0 → empty
    check(("unit", "U4"), [0, 0, 0, 0, 0, 1, 0, 0],
          {"e": 1.0, "RR1": 0.0, "RR2": 0.0, "RR3": 0.0, "RR4": 0.0, "COOP1": None, "REF1": 0.0,
           "CON1": 0.0})  # fmt: skip
    # k1: I 1, P 1, R 1. e = 3/3 = 1; base 3: RR1 1/3, RR2 2/3, COOP1 1/(2+1), REF1 1/3, CON1 3/3
    check(("caller", "k1"), [1, 1, 1, 0, 0, 0, 0, 0],
          {"e": 1.0, "RR1": 1 / 3, "RR2": 2 / 3, "RR3": 1 / 3, "RR4": 2 / 3, "COOP1": 1 / 3, "REF1": 1 / 3,
           "CON1": 1.0})  # fmt: skip
    # k2: R 1, NC 1, O 2, UH 1, UO 2, NE 2. e = 4/6; base 0 + 4 + 3 = 7;
    # RR3 = 0 / (4 + 2/3·3) = 0; COOP1 = 0 / (0 + 1 + 2) = 0; REF1 = 1/7; CON1 = (0 + 1 + 2)/7
    check(("caller", "k2"), [0, 0, 1, 1, 2, 1, 2, 2],
          {"e": 4 / 6, "RR1": 0.0, "RR2": 0.0, "RR3": 0.0, "RR4": 0.0, "COOP1": 0.0, "REF1": 1 / 7,
           "CON1": 3 / 7})  # fmt: skip
    # k3: UH 1, NE 1. e = 0 / (0 + 1) = 0; base 1: RR1 = 0; RR3 = 0 / (0 + 0·1) → empty;
    # COOP1 = 0/0 → empty; REF1 = 0; CON1 = 0
    check(("caller", "k3"), [0, 0, 0, 0, 0, 1, 0, 1],
          {"e": 0.0, "RR1": 0.0, "RR2": 0.0, "RR3": None, "RR4": None, "COOP1": None, "REF1": 0.0,
           "CON1": 0.0})  # fmt: skip
    assert {k for k in fw if k[0] == "caller"} == {("caller", "k1"), ("caller", "k2"), ("caller", "k3")}


# ---------------------------------------------------------------------------------------
# §4 Big-data component
# ---------------------------------------------------------------------------------------


def _minmax_bundle(group_by: str | None) -> Bundle:
    b = Bundle().components(0.0, 0.0, 1.0)
    if group_by is not None:
        b.set("ranking.group_by", group_by)
    b.indicator("k1", "higher")
    b.indicator("k2", "lower")
    data = {"U1": ("A", 10, 4), "U2": ("A", 20, 0), "U3": ("A", 15, 2), "X": ("A", 30, 8),
            "V1": ("B", 5, 7), "V2": ("B", 5, 9)}  # fmt: skip
    for uid, (category, k1, k2) in data.items():
        b.unit(uid, category=category)
        if uid != "X":  # X has no response: ineligible (few_survey), yet normalises its group
            b.scored_response(uid, 50)
        b.value(uid, "k1", k1)
        b.value(uid, "k2", k2)
    return b


def test_minmax_normalises_within_the_category_with_ineligible_units_lower_is_better_and_equal_values(
    tmp_path: Path,
) -> None:
    res = score_bundle(_minmax_bundle(None), tmp_path)  # group_by default: category
    # Category A (U1, U2, U3, X ineligible but with values):
    #   k1 higher, lo 10 hi 30: U1 0, U2 50, U3 25, X 100
    #   k2 lower,  lo 0  hi 8, z = (8 − x)/8: U1 50, U2 100, U3 75, X 0
    #   B = mean: U1 25, U2 75, U3 50, X 50
    # Category B: k1 hi = lo = 5 → 100 both; k2 lower lo 7 hi 9: V1 100, V2 0 → B: V1 100, V2 50
    for uid, want in {"U1": 25, "U2": 75, "U3": 50, "X": 50, "V1": 100, "V2": 50}.items():
        assert_num(res[uid], "bigdata_score", want)
    assert res["X"]["eligible"] == "false" and res["X"]["ineligible_reason"] == "few_survey"
    assert order_by_rank(res, "A") == ["U2", "U3", "U1"]
    assert order_by_rank(res, "B") == ["V1", "V2"]
    assert res["U1"]["group"] == "A" and res["X"]["group"] == "A" and res["V1"]["group"] == "B"
    assert_num(res["U1"], "group_size", 3)


def test_group_by_all_normalises_and_ranks_every_unit_together(tmp_path: Path) -> None:
    res = score_bundle(_minmax_bundle("all"), tmp_path)
    # k1 over all, lo 5 hi 30 (range 25): U1 20, U2 60, U3 40, X 100, V1 0, V2 0
    # k2 lower over all, lo 0 hi 9, z = (9 − x)/9: U1 500/9, U2 100, U3 700/9, X 100/9, V1 200/9, V2 0
    expected = {"U1": (20 + 500 / 9) / 2, "U2": 80.0, "U3": (40 + 700 / 9) / 2, "X": (100 + 100 / 9) / 2,
                "V1": (200 / 9) / 2, "V2": 0.0}  # fmt: skip
    for uid, want in expected.items():
        assert_num(res[uid], "bigdata_score", want)
    assert all(row["group"] == "all" for row in res.values())
    # F = B: U2 80, U3 58.9, U1 37.8, V1 11.1, V2 0; n = 5, N = 2
    assert order_by_rank(res) == ["U2", "U3", "U1", "V1", "V2"]
    assert_num(res["V2"], "group_size", 5)
    assert [res[u]["list"] for u in ("U2", "U3", "U1", "V1", "V2")] == ["best", "best", "", "worst", "worst"]


def test_target_method_clips_to_0_100_and_handles_lower_is_better(tmp_path: Path) -> None:
    b = Bundle().components(0.0, 0.0, 1.0)
    b.indicator("kt", "higher", weight=0.6, method="target", floor=0.6, target=0.9)
    b.indicator("kl", "lower", weight=0.4, method="target", floor=10, target=2)  # floor > target
    values = {"U1": (0.5, 6), "U2": (0.75, 12), "U3": (1.0, 1)}
    for uid, (kt, kl) in values.items():
        b.unit(uid)
        b.scored_response(uid, 50)
        b.value(uid, "kt", kt)
        b.value(uid, "kl", kl)
    res = score_bundle(b, tmp_path)
    # U1: kt (0.5 − 0.6)/0.3 < 0 → 0; kl (6 − 10)/(2 − 10) = 0.5 → 50.  B = 0.6·0 + 0.4·50 = 20
    # U2: kt (0.75 − 0.6)/0.3 = 0.5 → 50; kl (12 − 10)/(−8) < 0 → 0.  B = 30
    # U3: kt 0.4/0.3 > 1 → 100; kl (1 − 10)/(−8) = 1.125 → 100.       B = 100
    assert_num(res["U1"], "bigdata_score", 20.0)
    assert_num(res["U2"], "bigdata_score", 30.0)
    assert_num(res["U3"], "bigdata_score", 100.0)


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        # Σv = 4. U1 has k1 (2/4 = 0.5, not below 0.5): B = 80. U2 has k2 only (1/4): missing.
        # U3 has k2, k3 (2/4): B = (40 + 70)/2 = 55. U4 all: (2·100 + 0 + 50)/4 = 62.5.
        (None, {"U1": 80.0, "U2": None, "U3": 55.0, "U4": 62.5}),
        # min_indicator_share 0.75: only U4 (4/4) keeps B.
        (0.75, {"U1": None, "U2": None, "U3": None, "U4": 62.5}),
    ],
)
def test_bigdata_is_missing_when_its_indicators_weigh_less_than_the_minimum_share(
    tmp_path: Path, share: float | None, expected: dict[str, float | None]
) -> None:
    b = Bundle().components(0.5, 0.0, 0.5)
    if share is not None:
        b.set("scoring.min_indicator_share", share)
    for kid, weight in (("k1", 2), ("k2", 1), ("k3", 1)):
        # target 0 → 100: the score equals the value
        b.indicator(kid, "higher", weight=weight, method="target", floor=0, target=100)
    values = {
        "U1": {"k1": 80},
        "U2": {"k2": 50},
        "U3": {"k2": 40, "k3": 70},
        "U4": {"k1": 100, "k2": 0, "k3": 50},
    }
    for uid, vals in values.items():
        b.unit(uid)
        b.scored_response(uid, 100)
        for kid, x in vals.items():
            b.value(uid, kid, x)
    res = score_bundle(b, tmp_path)
    for uid, want in expected.items():
        assert_num(res[uid], "bigdata_score", want)
        if want is None:
            # W_bigdata > 0 and B missing: not ranked; C over the survey alone = 100
            assert res[uid]["ineligible_reason"] == "no_bigdata"
            assert_num(res[uid], "composite", 100.0)
        else:
            assert_num(res[uid], "composite", 0.5 * 100 + 0.5 * want)


# ---------------------------------------------------------------------------------------
# §5 Composite, adjustments, eligibility
# ---------------------------------------------------------------------------------------


def test_composite_is_over_the_available_components(tmp_path: Path) -> None:
    b = Bundle().components(0.55, 0.25, 0.20)
    b.set("eligibility.min_phone", 1)
    b.indicator("k", "higher", method="target", floor=0, target=1)
    for uid in ("U1", "U2", "U3", "U4"):
        b.unit(uid)
    b.response("U1", "satisfied")  # S 100
    b.case("U1", "1.1", "basically_satisfied")  # P 60; no value: B missing
    b.response("U2", "basically_satisfied")  # S 60
    b.case("U2", "1.1", "dissatisfied")  # P 0
    b.value("U2", "k", 1)  # B 100
    b.value("U4", "k", 1)  # U4: B only
    res = score_bundle(b, tmp_path)
    # U1: (0.55·100 + 0.25·60) / 0.8 = 70 / 0.8 = 87.5 (ineligible: no_bigdata, but scored)
    assert_num(res["U1"], "composite", 87.5)
    assert_num(res["U1"], "final_score", 87.5)
    # U2: 0.55·60 + 0.25·0 + 0.20·100 = 53
    assert_num(res["U2"], "composite", 53.0)
    # U3: nothing at all: C and F empty
    assert res["U3"]["composite"] == "" and res["U3"]["final_score"] == ""
    # U4: 0.2·100 / 0.2 = 100
    assert_num(res["U4"], "composite", 100.0)


def test_composite_is_empty_when_available_components_weigh_zero(tmp_path: Path) -> None:
    # W_phone = 0 and the unit has only phone data: "C_u is empty when those W_c add up to 0".
    b = Bundle().components(1.0, 0.0, 0.0).set("eligibility.min_survey", 0)
    b.unit("U1")
    b.case("U1", "1.1", "satisfied")
    row = score_bundle(b, tmp_path)["U1"]
    assert_num(row, "phone_score", 100.0)
    assert row["composite"] == "" and row["final_score"] == ""


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        # defaults bonus_cap 5, deduction_cap 10:
        # U1: 100 + 3 = 103 → clipped 100 | U2: 0 − min(4 + 8, 10) = −10 → 0
        # U3: 60 + min(4 + 4, 5) − 3 = 62  | U4: 70, no adjustment
        (None, {"U1": (3, 0, 100), "U2": (0, 10, 0), "U3": (5, 3, 62), "U4": (0, 0, 70)}),
        # bonus_cap 2, deduction_cap 1: U1 100 + 2 → 100 | U2 0 − 1 → 0 | U3 60 + 2 − 1 = 61
        ((2.0, 1.0), {"U1": (2, 0, 100), "U2": (0, 1, 0), "U3": (2, 1, 61), "U4": (0, 0, 70)}),
    ],
)
def test_bonus_and_deduction_are_capped_and_final_score_is_clipped_to_0_100(
    tmp_path: Path, caps: tuple[float, float] | None, expected: dict[str, tuple[float, float, float]]
) -> None:
    b = Bundle()
    if caps is not None:
        b.set("adjustments.bonus_cap", caps[0])
        b.set("adjustments.deduction_cap", caps[1])
    for uid, s in (("U1", 100), ("U2", 0), ("U3", 60), ("U4", 70)):
        b.unit(uid)
        b.scored_response(uid, s)
    b.adjustment("U1", "bonus", 3)
    b.adjustment("U2", "deduction", 4)
    b.adjustment("U2", "deduction", 8)
    b.adjustment("U3", "bonus", 4)
    b.adjustment("U3", "bonus", 4)
    b.adjustment("U3", "deduction", 3)
    res = score_bundle(b, tmp_path)
    for uid, (bonus, deduction, final) in expected.items():
        assert_num(res[uid], "bonus", bonus)  # the capped amount applied
        assert_num(res[uid], "deduction", deduction)
        assert_num(res[uid], "final_score", final)


def _eligibility_bundle(components: tuple[float, float, float]) -> Bundle:
    b = Bundle().components(*components)
    b.set("eligibility.min_survey", 2)
    b.set("eligibility.min_phone", 2)
    b.indicator("k", "higher", method="target", floor=0, target=1)
    # unit: (responses, complete cases, has a value)
    data = {
        "U1": (1, 1, False),
        "U2": (2, 1, True),
        "U3": (2, 2, True),
        "U4": (1, 2, True),
        "U5": (2, 2, False),
    }
    for uid, (n_s, n_p, has_value) in data.items():
        b.unit(uid)
        b.scored_response(uid, 70, n=n_s)
        b.scored_case(uid, 70, n=n_p)
        if has_value:
            b.value(uid, "k", 0.7)
    return b


@pytest.mark.parametrize(
    ("components", "reasons"),
    [
        ((0.55, 0.25, 0.20),
         {"U1": "few_survey;few_phone;no_bigdata", "U2": "few_phone", "U3": "", "U4": "few_survey",
          "U5": "no_bigdata"}),
        # W_phone = 0: too few phone cases no longer matter
        ((0.8, 0.0, 0.2), {"U1": "few_survey;no_bigdata", "U2": "", "U3": "", "U4": "few_survey",
                           "U5": "no_bigdata"}),
        # W_bigdata = 0: a missing B no longer matters
        ((0.75, 0.25, 0.0), {"U1": "few_survey;few_phone", "U2": "few_phone", "U3": "", "U4": "few_survey",
                             "U5": ""}),
    ],
)  # fmt: skip
def test_ineligible_units_give_their_reasons_in_order_and_zero_weights_drop_a_condition(
    tmp_path: Path, components: tuple[float, float, float], reasons: dict[str, str]
) -> None:
    res = score_bundle(_eligibility_bundle(components), tmp_path)
    for uid, reason in reasons.items():
        row = res[uid]
        assert row["ineligible_reason"] == reason, uid
        assert row["eligible"] == ("true" if reason == "" else "false"), uid
        assert row["group"] == "cat"
        if reason:
            # "An ineligible unit gets no rank, list or card"; rank, group_size, grade empty
            assert [row[c] for c in ("rank", "group_size", "list", "grade", "card")] == [""] * 5, uid
            assert row["unsatisfactory"] == "false"
        else:
            assert row["rank"] != "" and row["grade"] != ""


# ---------------------------------------------------------------------------------------
# §5/§6 Veto
# ---------------------------------------------------------------------------------------


def _veto_bundle() -> Bundle:
    b = Bundle()  # min_survey 1, top_n 10
    for uid, s in (("U1", 100), ("U2", 95), ("U3", 90), ("U4", 50)):
        b.unit(uid)
        b.scored_response(uid, s)
    b.unit("U5")  # no data at all
    for uid in ("U1", "U2", "U3", "U5"):
        b.adjustment(uid, "veto")
    # n = 5 ranked (vetoed units are always eligible), N = min(10, ⌊5/2⌋) = 2.
    # Order: non-vetoed U4 first, then the vetoed by F desc: U1 100, U2 95, U3 90, U5 (F empty).
    return b


def test_vetoed_unit_ranks_last_even_with_best_score(tmp_path: Path) -> None:
    res = score_bundle(_veto_bundle(), tmp_path)
    assert order_by_rank(res) == ["U4", "U1", "U2", "U3", "U5"]
    assert_num(res["U1"], "final_score", 100.0)
    assert res["U1"]["veto"] == "true" and res["U4"]["veto"] == "false"


def test_vetoed_unit_is_always_eligible_whatever_its_data(tmp_path: Path) -> None:
    row = score_bundle(_veto_bundle(), tmp_path)["U5"]  # n_S = 0 < min_survey 1
    assert row["eligible"] == "true" and row["ineligible_reason"] == ""
    assert_num(row, "rank", 5)
    assert_num(row, "group_size", 5)


def test_vetoed_units_are_in_the_worst_list_beyond_n_and_never_in_the_best(tmp_path: Path) -> None:
    res = score_bundle(_veto_bundle(), tmp_path)
    # ranks 1..2 → best, but rank 2 (U1) is vetoed: only U4. Ranks 4..5 → worst, plus U1, U2 (vetoed).
    assert {u: res[u]["list"] for u in res} == {"U4": "best", "U1": "worst", "U2": "worst", "U3": "worst",
                                              "U5": "worst"}  # fmt: skip
    assert all(res[u]["unsatisfactory"] == "true" for u in ("U1", "U2", "U3", "U5"))


def test_vetoed_units_are_graded_dissatisfied_and_take_a_red_card(tmp_path: Path) -> None:
    res = score_bundle(_veto_bundle(), tmp_path)
    for uid in ("U1", "U2", "U3", "U5"):
        assert res[uid]["grade"] == "dissatisfied", uid  # U1's F = 100 would be "satisfied"
        assert res[uid]["card"] == "red", uid
    assert res["U4"]["card"] == ""


# ---------------------------------------------------------------------------------------
# §6 Ranking, lists, grades
# ---------------------------------------------------------------------------------------


def test_ties_are_broken_by_survey_then_phone_then_unit_id_in_code_point_order(tmp_path: Path) -> None:
    b = Bundle().components(0.5, 0.25, 0.25)
    b.set("eligibility.min_survey", 0)
    b.indicator("k", "higher", method="target", floor=0, target=100)  # score = value
    # Every unit has F = 80 exactly (all terms are exact binary fractions):
    #   K   S 100, P 60,  B 60:  50 + 15 + 15 = 80
    #   J   S 80,  P 100, B 60:  40 + 25 + 15
    #   H   S 80,  P 80,  B 80:  40 + 20 + 20
    #   G   S 80,  P 60,  B 100: 40 + 15 + 25
    #   F   S 80,  P —,   B 80:  (40 + 20) / 0.75
    #   U10, U9, a9  S 60, P 100, B 100: 30 + 25 + 25
    #   A   S —,   P 80,  B 80:  (20 + 20) / 0.5
    data: dict[str, tuple[float | None, float | None, float]] = {
        "A": (None, 80, 80), "F": (80, None, 80), "G": (80, 60, 100), "H": (80, 80, 80), "J": (80, 100, 60),
        "K": (100, 60, 60), "a9": (60, 100, 100), "U9": (60, 100, 100), "U10": (60, 100, 100),
    }  # fmt: skip
    for uid, (s, p, bd) in data.items():
        b.unit(uid)
        if s is not None:
            b.scored_response(uid, s)
        if p is not None:
            b.scored_case(uid, p)
        b.value(uid, "k", bd)
    res = score_bundle(b, tmp_path)
    assert all(num(row, "final_score") == pytest.approx(80.0, abs=TOL) for row in res.values())
    # S desc (empty last): K; J H G F; U10 U9 a9; A. Within S = 80, P desc (empty last): J H G F.
    # Within equal S and P, unit_id by code point: "U10" < "U9" ('1' < '9'), "U9" < "a9" ('U' < 'a').
    assert order_by_rank(res) == ["K", "J", "H", "G", "F", "U10", "U9", "a9", "A"]


def test_ranked_unit_with_an_empty_final_score_sorts_last_and_is_graded_dissatisfied(tmp_path: Path) -> None:
    b = Bundle()
    b.unit("U1")
    b.unit("U2")
    # U1's only response is from a group of weight 0: n_S = 1 ≥ 1 (eligible) but S, C and F are empty.
    b.scored_response("U1", 100, group="deputy")
    b.scored_response("U2", 30)
    res = score_bundle(b, tmp_path)
    assert res["U1"]["eligible"] == "true" and res["U1"]["final_score"] == ""
    # "an empty value sorts after every number": U2 (F 30) ranks before U1; n = 2, N = 1
    assert order_by_rank(res) == ["U2", "U1"]
    assert res["U1"]["grade"] == "dissatisfied" and res["U1"]["list"] == "worst"
    assert res["U2"]["list"] == "best"


def test_list_size_is_half_the_ranked_units_capped_at_top_n_and_zero_for_one_unit(tmp_path: Path) -> None:
    b = Bundle().set("ranking.top_n", 2)
    groups = {"big": [90, 80, 70, 60, 50, 40, 30], "mid": [90, 80, 70], "one": [10]}
    for category, scores in groups.items():
        for k, s in enumerate(scores, start=1):
            b.unit(f"{category}{k}", category=category)
            b.scored_response(f"{category}{k}", s)
    res = score_bundle(b, tmp_path)
    # big: n = 7, N = min(2, 3) = 2 | mid: n = 3, N = min(2, 1) = 1 | one: n = 1, N = 0
    assert [res[f"big{k}"]["list"] for k in range(1, 8)] == ["best", "best", "", "", "", "worst", "worst"]
    assert [res[f"mid{k}"]["list"] for k in range(1, 4)] == ["best", "", "worst"]
    one = res["one1"]
    assert one["list"] == "" and one["card"] == "" and one["unsatisfactory"] == "false"
    assert_num(one, "rank", 1)
    assert_num(one, "group_size", 1)
    assert one["grade"] == "dissatisfied"  # F = 10 < 60


def test_category_with_one_ranked_unit_has_no_lists(tmp_path: Path) -> None:
    b = Bundle()
    b.unit("P1", category="pair")
    b.scored_response("P1", 20)
    b.unit("P2", category="pair")  # no response: ineligible, so only P1 is ranked
    for k, s in enumerate((90, 80, 70, 60), start=1):
        b.unit(f"Q{k}", category="quad")
        b.scored_response(f"Q{k}", s)
    res = score_bundle(b, tmp_path)
    assert_num(res["P1"], "rank", 1)
    assert_num(res["P1"], "group_size", 1)
    assert res["P1"]["list"] == "" and res["P1"]["card"] == ""
    assert res["P2"]["rank"] == "" and res["P2"]["group"] == "pair"
    # the other category is unaffected: n = 4, N = 2
    assert [res[f"Q{k}"]["list"] for k in range(1, 5)] == ["best", "best", "worst", "worst"]


def test_worst_only_below_keeps_units_at_or_above_it_off_the_worst_list(tmp_path: Path) -> None:
    b = Bundle().set("ranking.worst_only_below", 75.0)
    for uid, s in (("U1", 90), ("U2", 85), ("U3", 80), ("U4", 75), ("U5", 70), ("V", 95)):
        b.unit(uid)
        b.scored_response(uid, s)
    b.adjustment("V", "veto")
    res = score_bundle(b, tmp_path)
    # n = 6, N = 3; order U1 U2 U3 U4 U5 V. Best: U1 U2 U3. Worst candidates ranks 4..6:
    # U4 (75, not below 75) stays off; U5 (70) is in; V is vetoed, in the worst list anyway.
    assert order_by_rank(res) == ["U1", "U2", "U3", "U4", "U5", "V"]
    assert [res[u]["list"] for u in ("U1", "U2", "U3", "U4", "U5", "V")] == [
        "best", "best", "best", "", "worst", "worst"
    ]  # fmt: skip
    assert res["U4"]["unsatisfactory"] == "false" and res["U4"]["card"] == ""
    assert res["U5"]["card"] == "yellow"


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (None, {100: "satisfied", 85: "satisfied", 84.99: "fairly_satisfied", 75: "fairly_satisfied",
                74.99: "basically_satisfied", 60: "basically_satisfied", 59.99: "dissatisfied",
                0: "dissatisfied"}),
        ((90.0, 80.0, 70.0), {100: "satisfied", 85: "fairly_satisfied", 84.99: "fairly_satisfied",
                              75: "basically_satisfied", 74.99: "basically_satisfied", 60: "dissatisfied",
                              59.99: "dissatisfied", 0: "dissatisfied"}),
    ],
)  # fmt: skip
def test_grades_use_inclusive_lower_bounds(
    tmp_path: Path, bands: tuple[float, float, float] | None, expected: dict[float, str]
) -> None:
    b = Bundle()
    if bands is not None:
        b.set(
            "grades", {"satisfied": bands[0], "fairly_satisfied": bands[1], "basically_satisfied": bands[2]}
        )
    ids = {}
    for k, s in enumerate(expected):
        ids[s] = f"U{k}"
        b.unit(ids[s])
        b.scored_response(ids[s], s)  # F = s exactly
    res = score_bundle(b, tmp_path)
    assert {s: res[uid]["grade"] for s, uid in ids.items()} == expected


# ---------------------------------------------------------------------------------------
# §6 Unsatisfactory, consecutive, cards
# ---------------------------------------------------------------------------------------

HEADS = {
    "B1": "赵一",
    "B2": "钱二",
    "B3": "孙三",
    "B4": "李四",
    "W1": "王一",
    "W2": "李二",
    "W3": "张三",
    "W4": "刘四",
}


def _consecutive_bundle(years: int | None) -> Bundle:
    b = Bundle()
    if years is not None:
        b.set("consecutive.years", years)
    for uid, s in (
        ("B1", 90),
        ("B2", 85),
        ("B3", 80),
        ("B4", 75),
        ("W1", 40),
        ("W2", 30),
        ("W3", 20),
        ("W4", 10),
    ):
        b.unit(uid, head_name=HEADS[uid])
        b.scored_response(uid, s)
    # n = 8, N = 4: worst list W1..W4 (unsatisfactory in 2017).
    b.past("W1", 2016, True)
    b.past("W1", 2015, True)
    b.past("W2", 2016, True)  # 2015 not recorded
    b.past("W3", 2016, False)
    b.past("W3", 2015, True)
    b.past("W4", 2015, True)  # 2016 not recorded
    b.past("B1", 2016, True)  # not unsatisfactory now
    b.past("B1", 2015, True)
    return b


@pytest.mark.parametrize(
    ("years", "consecutive"),
    [
        # years 2 (default): 2016 only. W1 ✓, W2 ✓, W3 (2016 false) ✗, W4 (2016 missing) ✗
        (None, {"W1", "W2"}),
        # years 3: 2016 and 2015. W1 ✓; W2's 2015 is missing → ✗; W3, W4 ✗
        (3, {"W1"}),
    ],
)
def test_consecutive_needs_every_previous_year_unsatisfactory_and_a_missing_year_is_not(
    tmp_path: Path, years: int | None, consecutive: set[str]
) -> None:
    res = score_bundle(_consecutive_bundle(years), tmp_path)
    assert {u for u, row in res.items() if row["consecutive_unsatisfactory"] == "true"} == consecutive
    assert {u for u, row in res.items() if row["unsatisfactory"] == "true"} == {"W1", "W2", "W3", "W4"}
    # red for a consecutive worst-list unit, yellow for the other worst-list units, none for the rest
    for uid, row in res.items():
        want = "red" if uid in consecutive else "yellow" if uid.startswith("W") else ""
        assert row["card"] == want, uid
        assert row["head_name"] == HEADS[uid]


def test_red_below_turns_low_scoring_worst_list_units_red(tmp_path: Path) -> None:
    def bundle(red_below: float | None) -> Bundle:
        b = Bundle().set("eligibility.min_survey", 2)
        if red_below is not None:
            b.set("cards.red_below", red_below)
        for uid, s in (("U1", 90), ("U2", 80), ("U3", 70), ("U4", 55), ("U5", 45)):
            b.unit(uid)
            b.scored_response(uid, s, n=2)
        b.unit("X")
        b.scored_response("X", 10)  # one response < 2: ineligible, so no card despite F = 10
        return b

    # n = 5, N = 2: worst list U4 (55), U5 (45)
    off = score_bundle(bundle(None), tmp_path)
    assert [off[u]["card"] for u in ("U1", "U2", "U3", "U4", "U5", "X")] == [
        "",
        "",
        "",
        "yellow",
        "yellow",
        "",
    ]
    on = score_bundle(bundle(50.0), tmp_path)
    # red_below 50: U5 (45 < 50) red, U4 (55) stays yellow; X is not in any list
    assert [on[u]["card"] for u in ("U1", "U2", "U3", "U4", "U5", "X")] == ["", "", "", "yellow", "red", ""]


# ---------------------------------------------------------------------------------------
# summary.json
# ---------------------------------------------------------------------------------------


def test_summary_names_the_campaign_and_method_version_1(tmp_path: Path) -> None:
    doc = run(_write(_consecutive_bundle(None), tmp_path), tmp_path).summary
    assert "rules-2017" in [v for v in walk(doc) if isinstance(v, str)]
    versions = [v for node in walk(doc) if isinstance(node, dict) for k, v in node.items() if "version" in k]
    assert versions and all(str(v) == "1" for v in versions), versions


def test_summary_lists_best_and_worst_per_group_in_rank_order(tmp_path: Path) -> None:
    doc = run(_write(_consecutive_bundle(None), tmp_path), tmp_path).summary
    assert has_list(doc, "best", "cat", ["B1", "B2", "B3", "B4"])
    assert has_list(doc, "worst", "cat", ["W1", "W2", "W3", "W4"])
    # the vetoed units come in rank order too: U1 (rank 2) … U5 (rank 5)
    veto_doc = run(_write(_veto_bundle(), tmp_path, "veto"), tmp_path).summary
    assert has_list(veto_doc, "best", "cat", ["U4"])
    assert has_list(veto_doc, "worst", "cat", ["U1", "U2", "U3", "U5"])


def test_summary_gives_the_cards_and_names_the_heads_of_consecutive_units(tmp_path: Path) -> None:
    doc = run(_write(_consecutive_bundle(None), tmp_path), tmp_path).summary
    assert linked(doc, "W1", "red") and linked(doc, "W2", "red")
    assert linked(doc, "W3", "yellow") and linked(doc, "W4", "yellow")
    assert linked(doc, "W1", "王一") and linked(doc, "W2", "李二")


def test_summary_fingerprints_every_input_file_with_sha256(tmp_path: Path) -> None:
    bundle_dir = _write(_consecutive_bundle(None), tmp_path)
    doc = run(bundle_dir, tmp_path).summary
    files = sorted(p for p in bundle_dir.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"campaign.toml", "units.csv", "items.csv", "history.csv"}
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert linked(doc, path.name, digest), path.name


# ---------------------------------------------------------------------------------------
# §7 Uncertainty
# ---------------------------------------------------------------------------------------


def test_zero_replicates_leave_the_uncertainty_columns_empty(tmp_path: Path) -> None:
    results = run(_copy_example(tmp_path), tmp_path, replicates=0).results
    for row in results.values():
        assert [row[c] for c in UNCERTAINTY_COLUMNS] == [""] * len(UNCERTAINTY_COLUMNS)
        assert row["robust_worst"] == "false"


def _check_uncertainty(results: dict[str, dict[str, str]]) -> None:
    """Intervals contain the main run, ranks stay in [1, group size], probabilities are shares."""
    for uid, row in results.items():
        if row["eligible"] != "true":
            # not ranked: no rank interval and no list probabilities
            assert [row[c] for c in ("rank_ci_low", "rank_ci_high", "p_best", "p_worst")] == [""] * 4, uid
            assert row["robust_worst"] == "false"
            continue
        f, rank, size = num(row, "final_score"), num(row, "rank"), num(row, "group_size")
        lo, hi = num(row, "final_ci_low"), num(row, "final_ci_high")
        assert lo is not None and hi is not None and f is not None, uid
        assert lo - TOL <= f <= hi + TOL, uid
        rlo, rhi = num(row, "rank_ci_low"), num(row, "rank_ci_high")
        assert rlo is not None and rhi is not None and rank is not None and size is not None, uid
        assert rlo >= 1 and rlo <= rank <= rhi <= size, uid
        p_best, p_worst = num(row, "p_best"), num(row, "p_worst")
        assert p_best is not None and p_worst is not None, uid
        assert 0 <= p_best <= 1 and 0 <= p_worst <= 1, uid
        # robust_worst = true when a worst-list unit has p_worst ≥ 0.9
        robust = row["list"] == "worst" and p_worst >= 0.9
        assert row["robust_worst"] == ("true" if robust else "false"), uid


def test_bootstrap_intervals_contain_the_main_run_and_probabilities_are_shares(tmp_path: Path) -> None:
    results = run(_copy_example(tmp_path), tmp_path, replicates=200).results
    _check_uncertainty(results)
    assert results["A4"]["eligible"] == "false"  # the ineligible branch above was exercised
    # W3 is vetoed: in the worst list, never the best, in every replicate
    assert_num(results["W3"], "p_worst", 1.0)
    assert_num(results["W3"], "p_best", 0.0)
    assert results["W3"]["robust_worst"] == "true"


def _noisy_bundle(seed: int | None) -> Bundle:
    """Four close units with many distinct bootstrap outcomes, so a seed shows."""
    b = Bundle().components(0.7, 0.3, 0.0)
    b.set("eligibility.min_survey", 10)
    b.set("eligibility.min_phone", 5)
    if seed is not None:
        b.set("uncertainty.seed", seed)
    rng = random.Random(7)
    codes = ["satisfied", "basically_satisfied", "dissatisfied"]
    for uid in ("U1", "U2", "U3", "U4"):
        b.unit(uid)
        for k in range(14):
            b.response(uid, rng.choice(codes), group=("citizen", "service_recipient")[k % 2])
        for _ in range(6):
            b.case(uid, "1.1", rng.choice(codes))
    return b


def test_the_same_seed_gives_identical_files_and_another_seed_changes_them(tmp_path: Path) -> None:
    bundle_dir = _write(_noisy_bundle(None), tmp_path)
    first = run(bundle_dir, tmp_path, replicates=200)
    second = run(bundle_dir, tmp_path, replicates=200)
    for name in ("results.csv", "fieldwork.csv", "summary.json"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    _check_uncertainty(first.results)
    other = run(_write(_noisy_bundle(12345), tmp_path, "other-seed"), tmp_path, replicates=200).results
    _check_uncertainty(other)
    main_cols = [c for c in RESULT_COLUMNS if c not in UNCERTAINTY_COLUMNS and c != "robust_worst"]
    base = first.results
    for uid in base:
        # the seed changes only the draws: every main-run column stays
        assert [base[uid][c] for c in main_cols] == [other[uid][c] for c in main_cols], uid
    changed = [(u, c) for u in base for c in UNCERTAINTY_COLUMNS if base[u][c] != other[u][c]]
    assert changed, "a different [uncertainty] seed left every interval and probability unchanged"
