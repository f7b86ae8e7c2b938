"""CATI rules and contractor assurance (survey.assurance) on hand-worked numbers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from scipy import stats

from scoring.inputs import AAPOR_CLASSES
from scoring.phone import disposition_class
from survey.assurance import (
    CHINA_TZ,
    DISPOSITIONS,
    BackcheckDesign,
    DayPart,
    ReadingSpeed,
    RetryPolicy,
    backcheck_sample,
    call_script,
    caller_outliers,
    day_part_of,
    holm,
    min_interview_seconds,
    next_attempt_time,
    short_interviews,
    spoken_chars,
)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CHINA_TZ)


# ---------------------------------------------------------------- dispositions


def test_every_offered_disposition_is_an_aapor_code_of_the_expected_class() -> None:
    expected = {
        "1.1": "I", "1.2": "P", "2.11": "R", "2.12": "R", "2.21": "NC", "2.32": "O", "2.33": "O",
        "3.12": "UH", "3.13": "UH", "3.14": "UH", "3.16": "UH", "4.31": "NE", "4.41": "NE", "4.70": "NE",
    }  # fmt: skip
    assert {d.code: AAPOR_CLASSES[disposition_class(d.code)] for d in DISPOSITIONS} == expected  # type: ignore[index]
    # only the unknown-eligibility codes and the appointment are retried
    assert {d.code for d in DISPOSITIONS if not d.final} == {"2.21", "3.12", "3.13", "3.14", "3.16"}
    assert {d.code for d in DISPOSITIONS if d.interview} == {"1.1", "1.2"}


# ---------------------------------------------------------------- retry scheduling


def test_day_parts_are_local_china_time() -> None:
    assert day_part_of(local(1, 10)) == "morning"
    assert day_part_of(local(1, 10).astimezone(UTC)) == "morning"  # 02:00 UTC
    assert day_part_of(local(1, 13)) is None  # lunch break
    assert day_part_of(local(1, 17, 29)) == "afternoon"
    assert day_part_of(local(1, 20, 59)) == "evening"
    assert day_part_of(local(1, 21)) is None


@pytest.mark.parametrize(
    ("last", "tried", "expected"),
    [
        # morning no-answer: +3 h = 13:00, the next untried part opens at 14:00
        (local(2, 10), ["morning"], local(2, 14)),
        # afternoon after morning: +3 h = 18:00, evening is untried
        (local(2, 15), ["morning", "afternoon"], local(2, 18)),
        # all three tried, last in the evening: next morning, not the evening again
        (local(2, 19), ["morning", "afternoon", "evening"], local(3, 9)),
        # late evening: +3 h is past midnight; morning is untried
        (local(2, 20, 30), ["evening"], local(3, 9)),
        # the gap may land inside a window: 11:30 + 3 h = 14:30, inside the afternoon
        (local(2, 11, 30), ["morning"], local(2, 14, 30)),
    ],
)
def test_a_retry_goes_to_another_day_part_not_before_the_gap(
    last: datetime, tried: list[str], expected: datetime
) -> None:
    got = next_attempt_time(last, tried)
    assert got == expected
    assert got.tzinfo == UTC
    assert got - last >= timedelta(hours=3)
    assert day_part_of(got) != day_part_of(last)


def test_untried_parts_come_before_tried_ones_and_the_gap_is_a_parameter() -> None:
    # morning and evening tried, last call in the morning at 9:00; afternoon untried opens 14:00
    assert next_attempt_time(local(2, 9), ["evening", "morning"]) == local(2, 14)
    # a gap of 6 h from 10:00 is 16:00, still inside the afternoon window
    assert next_attempt_time(local(2, 10), ["morning"], RetryPolicy(min_gap_hours=6)) == local(2, 16)
    # a gap of 8 h from 10:00 is 18:00: evening
    assert next_attempt_time(local(2, 10), ["morning"], RetryPolicy(min_gap_hours=8)) == local(2, 18)
    # a call outside every window (13:00) retries in the first window after the gap
    assert next_attempt_time(local(2, 13), []) == local(2, 16)


def test_a_single_window_policy_retries_the_next_day() -> None:
    policy = RetryPolicy(day_parts=(DayPart("evening", time(18), time(21)),))
    assert next_attempt_time(local(2, 19), ["evening"], policy) == local(3, 18)


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="min_gap_hours"):
        RetryPolicy(min_gap_hours=-1)


# ---------------------------------------------------------------- short interviews


def test_the_shortest_interview_is_the_spoken_text_at_reading_speed_plus_answer_time() -> None:
    assert spoken_chars("您好，世界！ ok 12") == 8  # punctuation and spaces take no time
    # 40 characters at 4/s = 10 s, plus 2 questions × 3 s
    assert min_interview_seconds(["满" * 30, "意" * 10], 2) == pytest.approx(16.0)
    assert (
        min_interview_seconds(["满" * 30], 1, ReadingSpeed(chars_per_second=5, seconds_per_question=0)) == 6.0
    )


def test_the_script_names_organizer_contractor_unit_and_asks_consent_to_record() -> None:
    intro, closing = call_script(
        organizer="市委组织部", contractor="某调查公司", campaign="2026评议", unit="城管局"
    )
    for part in ("市委组织部", "某调查公司", "2026评议", "城管局", "录音", "同意"):
        assert part in intro
    assert "感谢" in closing


def test_short_interviews_ignore_unknown_durations() -> None:
    flags = short_interviews([30.0, None, 90.0, 59.9], 60.0)
    assert flags.tolist() == [True, False, False, True]


# ---------------------------------------------------------------- outlier callers


def test_holm_adjusts_by_rank_and_keeps_monotone() -> None:
    # sorted p: .01 × 3 = .03; .03 × 2 = .06; .04 × 1 = .04 → max(.06, .04) = .06
    got = holm([0.01, 0.04, 0.03, math.nan])
    assert got[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(got[3])
    assert holm([0.9, 0.8]).tolist() == [1.0, 1.0]


def test_a_caller_with_only_satisfied_answers_is_flagged_and_honest_ones_are_not() -> None:
    honest = [50, 30, 15, 5]  # satisfied, basically, unsatisfied, don't know
    # Five callers alike and one whose 100 answers are all "satisfied". (With only three
    # honest callers the faker's answers, pooled into "the others", would make an honest
    # caller look different too: the test needs several callers to compare with.)
    table = np.array(
        [honest, [48, 32, 14, 6], [52, 28, 16, 4], [50, 30, 15, 5], [49, 31, 15, 5], [100, 0, 0, 0]]
    )
    out = caller_outliers(table)
    assert out.flagged.tolist() == [False] * 5 + [True]
    assert out.top_share[5] == 1.0 and out.top_share[0] == 0.5
    # the statistic is scipy's chi-square of the caller against the sum of the others
    expected = stats.chi2_contingency(np.vstack([table[5], table[:5].sum(axis=0)]), correction=False)
    assert out.statistic[5] == pytest.approx(expected.statistic)
    assert out.pvalue[5] == pytest.approx(expected.pvalue)
    assert out.adjusted[5] == pytest.approx(min(1.0, 6 * expected.pvalue))  # smallest p: × m


def test_the_design_effect_divides_the_statistic_and_small_callers_are_not_tested() -> None:
    table = np.array([[50, 30, 20], [45, 35, 20], [60, 10, 30], [5, 0, 0]])
    plain = caller_outliers(table)
    halved = caller_outliers(table, deff=2.0)
    assert halved.statistic[2] == pytest.approx(plain.statistic[2] / 2)
    assert halved.pvalue[2] > plain.pvalue[2]
    assert math.isnan(plain.pvalue[3]) and not plain.flagged[3]  # 5 answers < 30


# ---------------------------------------------------------------- back-check sample


def test_the_backcheck_sample_is_stratified_by_caller_seeded_and_order_free() -> None:
    cases = [f"k{i:02d}" for i in range(25)]
    callers = ["a"] * 20 + ["b"] * 4 + ["c"]
    design = BackcheckDesign(rate=0.10, seed=7)
    chosen = backcheck_sample(cases, callers, design)
    by = {c: sum(1 for k in chosen if callers[cases.index(k)] == c) for c in "abc"}
    assert by == {"a": 2, "b": 1, "c": 1}  # ceil(10% of 20), ceil(0.4), ceil(0.1): every caller checked
    assert backcheck_sample(cases[::-1], callers[::-1], design) == chosen
    # another seed draws within the same strata
    other = backcheck_sample(cases, callers, BackcheckDesign(rate=0.10, seed=8))
    assert len(other) == len(chosen)
    assert sorted(backcheck_sample(cases, callers, BackcheckDesign(rate=1.0))) == sorted(cases)
    with pytest.raises(ValueError, match="rate"):
        BackcheckDesign(rate=0)
