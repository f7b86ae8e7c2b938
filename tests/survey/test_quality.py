"""Quality flags of survey responses (survey.quality) on hand-built data."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from survey.quality import FLAGS, ResponseData, Thresholds, flag_responses, no_qr_responses

MIN = 60.0


def make(
    sheets: Sequence[Sequence[int]],
    *,
    unit: Sequence[int] | None = None,
    submitted: Sequence[float] | None = None,
    duration: Sequence[float] | None = None,
    device: Sequence[str | None] | None = None,
    network: Sequence[str | None] | None = None,
    comment: Sequence[str | None] | None = None,
) -> ResponseData:
    """Responses from option lists: option k scores 100 - 40k (0: 100, 1: 60, 2: 20), 9: don't know."""
    n = len(sheets)
    owner = [i for i, s in enumerate(sheets) for _ in s]
    option = [o for s in sheets for o in s]
    score = [math.nan if o == 9 else max(100.0 - 40.0 * o, 0.0) for o in option]
    return ResponseData(
        unit=np.array(unit if unit is not None else [0] * n, dtype=np.int64),
        submitted=np.array(submitted if submitted is not None else [i * 3600.0 for i in range(n)]),
        duration=np.array(duration if duration is not None else [300.0] * n),
        device=list(device) if device is not None else [None] * n,
        network=list(network) if network is not None else [None] * n,
        comment=list(comment) if comment is not None else [""] * n,
        answer_owner=np.array(owner, dtype=np.int64),
        answer_option=np.array(option, dtype=np.int64),
        answer_score=np.array(score, dtype=np.float64),
    )


def mask(data: ResponseData, flag: str, th: Thresholds | None = None) -> list[bool]:
    return flag_responses(data, th).masks[flag].tolist()


VARIED = [0, 1, 0, 2, 1]


def test_clean_responses_have_no_flags() -> None:
    result = flag_responses(make([VARIED, [1, 0, 1, 1, 2]]))
    assert result.flags == [[], []]
    assert not result.flagged.any()


def test_empty_input() -> None:
    result = flag_responses(make([]))
    assert result.flags == []
    assert set(result.masks) == set(FLAGS)


def test_too_fast_is_relative_to_answered_items() -> None:
    data = make([VARIED, VARIED, [0, 1], VARIED], duration=[14.0, 15.0, 5.0, math.nan])
    # 5 items × 3 s = 15 s; 2 items × 3 s = 6 s; unknown duration never flagged
    assert mask(data, "too_fast") == [True, False, True, False]
    assert mask(data, "too_fast", Thresholds(seconds_per_item=2.0)) == [False, False, False, False]


def test_straight_lining_needs_enough_items_all_alike_answered_quickly() -> None:
    # 5 items × 9 s = 45 s; 4 items: 36 s; 6 items: 54 s
    data = make([[0] * 5, [1] * 4, [0, 0, 0, 0, 1], [2] * 6], duration=[44.0, 30.0, 10.0, 53.9])
    assert mask(data, "straight_lining") == [True, False, False, True]
    assert mask(data, "straight_lining", Thresholds(straight_min_items=4)) == [True, True, False, True]


def test_a_content_respondent_who_took_their_time_is_not_straight_lining() -> None:
    # all "satisfied", read and answered in a minute; paper (unknown duration) likewise
    data = make([[0] * 5, [0] * 5, [0] * 5], duration=[60.0, 45.0, math.nan])
    assert mask(data, "straight_lining") == [False, False, False]
    assert mask(data, "straight_lining", Thresholds(straight_seconds_per_item=12.5)) == [True, True, False]


def test_device_burst_counts_per_unit_within_the_window() -> None:
    t = [0, 60, 120, 180, 240, 0, 60]
    data = make(
        [VARIED] * 7,
        unit=[0, 0, 0, 0, 0, 1, 1],
        submitted=t,
        device=["d1", "d1", "d1", "d1", "d2", "d1", "d1"],
    )
    # four from d1 about unit 0 within 10 minutes (> 3); d2 alone; unit 1 only two
    assert mask(data, "device_burst") == [True, True, True, True, False, False, False]
    assert mask(data, "device_burst", Thresholds(burst_max=4)) == [False] * 7
    assert mask(data, "network_burst") == [False] * 7


def test_burst_window_length_is_respected() -> None:
    data = make([VARIED] * 4, submitted=[0, 300, 600, 900], network=["n"] * 4)
    # spread over 15 minutes: never more than 2 in a 10-minute window [t, t+600)
    assert mask(data, "network_burst") == [False] * 4
    assert mask(data, "network_burst", Thresholds(burst_minutes=16)) == [True] * 4
    assert mask(data, "device_burst") == [False] * 4


def test_missing_hash_or_time_is_no_burst() -> None:
    data = make([VARIED] * 5, submitted=[0, 1, 2, 3, math.nan], device=[None, "", None, "", "x"])
    assert mask(data, "device_burst") == [False] * 5


def _mobilised(k: int, *, steady: int = 0) -> ResponseData:
    """Unit 0: k favourable responses one minute apart on day 3; unit 1: steady traffic
    over 6 days (one every 2 h). With ``steady``, unit 0 also gets that many favourable
    answers in every 30-minute bin (its own baseline)."""
    sheets: list[list[int]] = []
    unit: list[int] = []
    t: list[float] = []
    for i in range(72):
        sheets.append(VARIED)
        unit.append(1)
        t.append(i * 7200.0)
    for i in range(72 * 4):
        for j in range(steady):
            sheets.append([0, 0, 1, 0, 1])
            unit.append(0)
            t.append(i * 1800.0 + j * 60)
    for i in range(k):
        sheets.append([0, 0, 1, 0, 1])  # r = 84: favourable
        unit.append(0)
        t.append(3 * 86400.0 + 1000 + i * 60)
    return make(sheets, unit=unit, submitted=t)


def test_mobilisation_flags_a_spike_of_favourable_answers() -> None:
    data = _mobilised(12)
    flagged = np.array(mask(data, "mobilisation"))
    assert flagged.sum() == 12
    assert (data.unit[flagged] == 0).all()
    # fewer than the minimum count: not flagged
    assert not np.array(mask(_mobilised(9), "mobilisation")).any()
    assert np.array(mask(_mobilised(9), "mobilisation", Thresholds(mobilisation_min=9))).sum() == 9


def test_mobilisation_is_relative_to_the_units_own_baseline() -> None:
    # the unit usually gets 4 favourable answers per window: 8 more (12 in the busiest
    # window) is not > 3 × 4, 14 more (18) is
    data = _mobilised(8, steady=4)
    assert not np.array(mask(data, "mobilisation")).any()
    assert np.array(mask(data, "mobilisation", Thresholds(mobilisation_ratio=2.0))).any()
    assert np.array(mask(_mobilised(14, steady=4), "mobilisation")).any()


def test_mobilisation_ignores_unfavourable_answers() -> None:
    n = 15
    data = make([[2, 2, 1, 2, 2]] * n, submitted=[i * 60.0 for i in range(n)])
    assert not np.array(mask(data, "mobilisation")).any()


def test_identical_comment_normalises_whitespace_and_skips_trivial_text() -> None:
    comments = [
        "窗口工作人员态度很好",
        "  窗口工作人员  态度很好 ",
        "窗口工作人员 态度很好",
        "无",
        "无",
        "办事效率有待提高啊",
        None,
        "",
    ]
    data = make([VARIED] * len(comments), comment=comments)
    # "窗口工作人员态度很好" differs from the spaced versions (a space is kept as one space)
    assert mask(data, "identical_comment") == [False, True, True, False, False, False, False, False]
    assert mask(data, "identical_comment", Thresholds(comment_min_chars=1)) == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_identical_comment_counts_only_within_one_unit() -> None:
    praise = "办事效率高，一次就办好了"
    data = make([VARIED] * 4, unit=[0, 1, 2, 2], comment=[praise] * 4)
    assert mask(data, "identical_comment") == [False, False, True, True]


def test_flags_are_listed_in_order_per_response() -> None:
    data = make([[0] * 5, VARIED], duration=[5.0, 300.0], comment=["同样的一句话啊", "同样的一句话啊"])
    assert flag_responses(data).flags == [
        ["too_fast", "straight_lining", "identical_comment"],
        ["identical_comment"],
    ]


def test_no_qr_responses_per_unit() -> None:
    issued = np.array([10, 0, 5, 3])
    via = np.array([0, 0, 2, 0])
    assert no_qr_responses(issued, via).tolist() == [True, False, False, True]


def test_large_input_runs_vectorised() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    sheets_owner = np.repeat(np.arange(n), 5)
    option = rng.integers(0, 3, size=n * 5)
    data = ResponseData(
        unit=rng.integers(0, 300, n),
        submitted=rng.uniform(0, 30 * 86400, n),
        duration=rng.uniform(5, 600, n),
        device=[f"d{x}" for x in rng.integers(0, 50_000, n)],
        network=[f"n{x}" for x in rng.integers(0, 5_000, n)],
        comment=[""] * n,
        answer_owner=sheets_owner,
        answer_option=option,
        answer_score=100.0 - 40.0 * option,
    )
    result = flag_responses(data)
    assert len(result.flags) == n
    assert result.masks["too_fast"].any()
