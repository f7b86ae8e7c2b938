"""Computer-assisted telephone interviewing (CATI) rules and contractor assurance, as pure functions.

* the dispositions a caller chooses from (AAPOR Standard Definitions, telephone table),
  which of them close a case at once and which are tried again;
* retry scheduling: a case that was not reached is tried again in another part of the day
  (morning, afternoon, evening), never sooner than a minimum gap;
* the call script read to the respondent, and the shortest plausible interview;
* callers whose answer distributions stand out (chi-square against all other callers,
  Holm-corrected);
* a seeded random back-check sample of completed interviews, stratified by caller.

Nothing here touches the database; ``services/fieldwork.py`` feeds these functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Final

import numpy as np

# China has one time zone and no daylight saving time: a fixed offset is exact.
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")


# ---------------------------------------------------------------- dispositions


@dataclass(frozen=True, slots=True)
class DispositionOption:
    """A disposition offered to callers.

    Attributes
    ----------
    code : AAPOR code (Standard Definitions, 10th ed., Table 1, telephone); its class is
        what ``scoring.phone.disposition_class`` says.
    final : whether recording it closes the case at once; a temporary one schedules
        another try and becomes final only when the attempts run out.
    interview : whether answers are recorded with it (1.1 complete, 1.2 partial).
    """

    code: str
    final: bool
    interview: bool = False


COMPLETE: Final = "1.1"
PARTIAL: Final = "1.2"
CALLBACK: Final = "2.21"
NOT_ATTEMPTED: Final = "3.11"

# Codes follow AAPOR's telephone table; the shorthand "4.3 空号" and "4.5 非目标人群"
# are 4.31 (non-working number) and 4.70 (no eligible respondent): in AAPOR 4.5x means
# a business or office line, not a person outside the target population.
DISPOSITIONS: Final[tuple[DispositionOption, ...]] = (
    DispositionOption(COMPLETE, final=True, interview=True),  # 完成
    DispositionOption(PARTIAL, final=True, interview=True),  # 部分完成
    DispositionOption("2.11", final=True),  # 拒访
    DispositionOption("2.12", final=True),  # 中途挂断 (break-off before enough answers)
    # An appointment: the person exists and was reached, so if the attempts run out it
    # ends as 2.21 "respondent never available" (eligible non-contact), not as unknown.
    DispositionOption(CALLBACK, final=False),  # 约定回访
    DispositionOption("2.32", final=True),  # 身体原因无法受访
    DispositionOption("2.33", final=True),  # 语言障碍
    DispositionOption("3.12", final=False),  # 占线
    DispositionOption("3.13", final=False),  # 无人接听
    DispositionOption("3.14", final=False),  # 语音信箱 / 答录机
    DispositionOption("3.16", final=False),  # 关机 / 无法接通 (technical)
    DispositionOption("4.31", final=True),  # 空号 / 停机
    DispositionOption("4.41", final=True),  # 号码已变更 / 号码错误 (not the sampled person)
    DispositionOption("4.70", final=True),  # 非目标人群 (never dealt with the unit)
)
DISPOSITION_CODES: Final = tuple(d.code for d in DISPOSITIONS)


def disposition_option(code: str) -> DispositionOption | None:
    """The offered disposition with this code, or None."""
    return next((d for d in DISPOSITIONS if d.code == code), None)


# ---------------------------------------------------------------- retry scheduling


@dataclass(frozen=True, slots=True)
class DayPart:
    """A calling window of the day in local time, ``start`` inclusive, ``end`` exclusive."""

    name: str
    start: time
    end: time


# Evening windows as reported for Zibo (18:00–20:30) and Qingdao (18:30–21:00); daytime
# windows avoid the lunch break (12:00–14:00) when people are least willing to talk.
DAY_PARTS: Final[tuple[DayPart, ...]] = (
    DayPart("morning", time(9, 0), time(12, 0)),
    DayPart("afternoon", time(14, 0), time(17, 30)),
    DayPart("evening", time(18, 0), time(21, 0)),
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and when a case not yet reached is dialled again.

    Attributes
    ----------
    max_attempts : dialings after which a case closes with its last temporary disposition.
    min_gap_hours : no retry sooner than this after the previous call.
    day_parts : the calling windows; a retry goes to a window other than the last call's.
    tz : local time of the windows.
    """

    max_attempts: int = 5
    min_gap_hours: float = 3.0
    day_parts: tuple[DayPart, ...] = DAY_PARTS
    tz: timezone = CHINA_TZ

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.min_gap_hours < 0:
            raise ValueError("min_gap_hours must be >= 0")
        if not self.day_parts:
            raise ValueError("at least one day part is needed")


def day_part_of(moment: datetime, policy: RetryPolicy = RetryPolicy()) -> str | None:
    """Name of the day part ``moment`` (aware) falls in, local time; None outside all windows."""
    local = moment.astimezone(policy.tz).time()
    return next((p.name for p in policy.day_parts if p.start <= local < p.end), None)


def next_attempt_time(
    last_call: datetime, tried_parts: Sequence[str | None], policy: RetryPolicy = RetryPolicy()
) -> datetime:
    """When to dial a case again after a call at ``last_call`` that reached nobody.

    The earliest moment at least ``min_gap_hours`` after ``last_call`` that lies in a day
    part not tried yet for this case (``tried_parts``: the day parts of all its calls so
    far); once every part has been tried, in any part other than that of the last call.
    People who never answer in the morning are often reachable in the evening, which is
    why a retry moves through the day rather than repeating the same hour.

    Returns an aware UTC datetime.
    """
    earliest = last_call.astimezone(policy.tz) + timedelta(hours=policy.min_gap_hours)
    last_part = day_part_of(last_call, policy)
    untried = [p for p in policy.day_parts if p.name not in set(tried_parts) and p.name != last_part]
    others = [p for p in policy.day_parts if p.name != last_part] or list(policy.day_parts)
    for parts in (untried, others):
        if not parts:
            continue
        candidates = []
        # Every window recurs daily, so two days ahead of the earliest moment always hold one.
        for day in range(3):
            date = (earliest + timedelta(days=day)).date()
            for part in parts:
                start = datetime.combine(date, part.start, policy.tz)
                end = datetime.combine(date, part.end, policy.tz)
                if end > earliest:
                    candidates.append(max(start, earliest))
        return min(candidates).astimezone(UTC)
    raise AssertionError("unreachable: others is never empty")


# ---------------------------------------------------------------- the script and short interviews

DEFAULT_ORGANIZER: Final = "市委组织部"
DEFAULT_CONTRACTOR: Final = "第三方调查机构"

# Read aloud word for word; the respondent hears it in Chinese whatever the caller's UI language.
SCRIPT_INTRO: Final = (
    "您好！我是{contractor}的访问员。受{organizer}委托，我们正在开展“{campaign}”电话调查，"
    "想请您对{unit}的工作作风和服务情况作个评价，大约需要三分钟。您的回答只用于统计分析，"
    "我们将严格保密。为保证访问质量，本次通话将会录音，请问您同意吗？"
)
SCRIPT_CLOSING: Final = "访问到此结束，非常感谢您的支持，祝您生活愉快，再见！"


def call_script(*, organizer: str, contractor: str, campaign: str, unit: str) -> tuple[str, str]:
    """The introduction (with the consent to record) and the closing, in Chinese."""
    intro = SCRIPT_INTRO.format(organizer=organizer, contractor=contractor, campaign=campaign, unit=unit)
    return intro, SCRIPT_CLOSING


def spoken_chars(text: str) -> int:
    """Characters that take time to read aloud: letters and digits (CJK included), no
    punctuation or spaces."""
    return sum(1 for ch in text if ch.isalnum())


@dataclass(frozen=True, slots=True)
class ReadingSpeed:
    """How fast a script can be read and answered.

    Attributes
    ----------
    chars_per_second : reading speed; conversational Mandarin runs at about 4 characters
        per second (≈ 240 per minute), so reading faster than this means skipping text.
    seconds_per_question : the respondent's least time to hear the options and answer.
    """

    chars_per_second: float = 4.0
    seconds_per_question: float = 3.0

    def __post_init__(self) -> None:
        if self.chars_per_second <= 0 or self.seconds_per_question < 0:
            raise ValueError("chars_per_second must be > 0 and seconds_per_question >= 0")


def min_interview_seconds(
    script_texts: Sequence[str], n_questions: int, speed: ReadingSpeed = ReadingSpeed()
) -> float:
    """Shortest plausible complete interview: every text read aloud at ``chars_per_second``
    plus ``seconds_per_question`` for each answer.

    ``script_texts`` are what must be read: the introduction, each question and the
    options read out (not "don't know", which is never read aloud), and the closing.
    """
    chars = sum(spoken_chars(text) for text in script_texts)
    return chars / speed.chars_per_second + n_questions * speed.seconds_per_question


def short_interviews(durations: Sequence[float | None], threshold: float) -> np.ndarray:
    """Which interviews lasted less than ``threshold`` seconds (an unknown duration is not flagged)."""
    d = np.array([math.nan if x is None else float(x) for x in durations], dtype=np.float64)
    return np.asarray(np.nan_to_num(d, nan=math.inf) < threshold)


# ---------------------------------------------------------------- outlier callers


@dataclass(frozen=True, slots=True)
class CallerOutliers:
    """Each caller's answer distribution against all other callers' (arrays per caller).

    Attributes
    ----------
    n : answers recorded by the caller.
    top_share : share of the caller's answers that are their most frequent option.
    statistic : chi-square statistic (divided by ``deff``); NaN when not tested.
    pvalue : unadjusted p-value; NaN when not tested.
    adjusted : Holm-adjusted p-value (family: the tested callers); NaN when not tested.
    flagged : adjusted p-value below ``alpha``.
    """

    n: np.ndarray
    top_share: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    adjusted: np.ndarray
    flagged: np.ndarray


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and is not counted)."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full_like(p, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = idx.size
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def _chi2_contingency(table: np.ndarray) -> tuple[float, int]:
    """Pearson's chi-square statistic of a two-way table and its degrees of freedom, as
    ``scipy.stats.chi2_contingency(table, correction=False)`` computes them (same
    arithmetic: expected = row sum x column sum / total). Written out so that the
    fieldwork page does not import scipy (2-4 s) for one statistic."""
    observed = np.asarray(table, dtype=np.float64)
    expected = np.multiply(observed.sum(axis=1, keepdims=True), observed.sum(axis=0, keepdims=True))
    expected = expected / observed.sum()
    if np.any(expected == 0):
        raise ValueError("The internally computed table of expected frequencies has a zero element")
    statistic = float(((observed - expected) ** 2 / expected).sum())
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return statistic, dof


def chi2_sf(x: float, dof: int) -> float:
    """P(X > x) for X chi-square with ``dof`` degrees of freedom: Cephes' ``chdtrc``
    through ``scipy.special``, imported here because ``scipy.stats`` costs the fieldwork
    page about a second more to import (``scipy.special`` alone: about 0.2 s)."""
    from scipy.special import chdtrc

    if dof < 1:
        raise ValueError("degrees of freedom must be a positive whole number")
    return float(chdtrc(dof, x))


def caller_outliers(
    table: np.ndarray, *, alpha: float = 0.05, min_answers: int = 30, deff: float = 1.0
) -> CallerOutliers:
    """Test each caller's answer distribution against the pooled answers of all others.

    Parameters
    ----------
    table : int[n_callers, n_options], answers per caller and option (all phone items pooled).
    alpha : family-wise error rate of the flags.
    min_answers : callers with fewer answers are not tested (the chi-square approximation
        needs expected counts of about 5 or more).
    deff : design effect dividing the statistic (first-order Rao–Scott). Answers of one
        interview are correlated, so with 1 the test is somewhat liberal; the mean number
        of items per interview is a conservative upper bound.

    Notes
    -----
    A caller who invents or coaches interviews tends to produce answers unlike those of
    colleagues calling the same kind of sample, most often too many "满意". A 2×K
    chi-square test of the caller's row against the sum of the other rows
    (as ``scipy.stats.chi2_contingency`` without correction, options nobody chose dropped) asks whether the
    distributions differ; Holm's step-down correction keeps the chance of flagging any
    honest caller at ``alpha`` while being uniformly more powerful than Bonferroni.
    A flag asks a supervisor to listen to recordings, it proves nothing: callers may work
    different units, whose satisfaction truly differs. ``top_share`` is shown beside it
    as a plain description (the share of the single most frequent option). With few
    callers, one strong outlier pooled into "the others" can make an honest colleague
    look different too; the flags are most trustworthy with five or more callers.
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2:
        raise ValueError("table must be callers × options")
    n_callers = t.shape[0]
    n = t.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        top_share = np.where(n > 0, t.max(axis=1, initial=0.0) / np.where(n > 0, n, 1.0), np.nan)
    statistic = np.full(n_callers, np.nan)
    pvalue = np.full(n_callers, np.nan)
    for i in range(n_callers):
        others = t.sum(axis=0) - t[i]
        if n[i] < min_answers or others.sum() < min_answers:
            continue
        pair = np.vstack([t[i], others])
        pair = pair[:, pair.sum(axis=0) > 0]
        if pair.shape[1] < 2:
            statistic[i], pvalue[i] = 0.0, 1.0
            continue
        chi2, dof = _chi2_contingency(pair)
        statistic[i] = chi2 / deff
        pvalue[i] = chi2_sf(float(statistic[i]), dof)
    adjusted = holm(pvalue)
    flagged = np.nan_to_num(adjusted, nan=1.0) < alpha
    return CallerOutliers(
        n=n.astype(np.int64),
        top_share=top_share,
        statistic=statistic,
        pvalue=pvalue,
        adjusted=adjusted,
        flagged=flagged,
    )


# ---------------------------------------------------------------- back-check sample


@dataclass(frozen=True, slots=True)
class BackcheckDesign:
    """Share of completed interviews re-checked, per caller, and the draw's seed.

    ``min_per_caller`` makes every caller's work reviewed at least once (audio review is
    expected to cover every interviewer), however few interviews they have.
    """

    rate: float = 0.10
    seed: int = 20260301
    min_per_caller: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.rate <= 1:
            raise ValueError("rate must be in (0, 1]")
        if self.min_per_caller < 0:
            raise ValueError("min_per_caller must be >= 0")


def backcheck_sample(
    case_codes: Sequence[str], callers: Sequence[str], design: BackcheckDesign = BackcheckDesign()
) -> list[str]:
    """A seeded random sample of completed cases, stratified by caller.

    Each caller's ``N_h`` completes give ``n_h = min(N_h, max(min_per_caller, ceil(rate·N_h)))``
    cases drawn without replacement. Cases are sorted before drawing, so the sample
    depends only on the set of cases and the seed, not on the order they are given in.
    Returns the chosen case codes, sorted by caller then case.
    """
    if len(case_codes) != len(callers):
        raise ValueError("one caller per case is needed")
    rng = np.random.default_rng(design.seed)
    by_caller: dict[str, list[str]] = {}
    for code, caller in sorted(zip(case_codes, callers, strict=True), key=lambda x: (x[1], x[0])):
        by_caller.setdefault(caller, []).append(code)
    chosen: list[str] = []
    for caller in sorted(by_caller):
        cases = by_caller[caller]
        k = min(len(cases), max(design.min_per_caller, math.ceil(design.rate * len(cases))))
        picks = rng.choice(len(cases), size=k, replace=False) if k else np.array([], dtype=np.int64)
        chosen.extend(sorted(cases[j] for j in picks))
    return chosen
