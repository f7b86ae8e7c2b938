"""Item and response scores (题目与问卷得分), methodology §1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.inputs import Answers, BoolArray, FloatArray


@dataclass(frozen=True, slots=True)
class ResponseScores:
    """Score r_i of every response (or phone case).

    Attributes
    ----------
    score : float64[n]
        r_i = Σ_j a_j·s_ij / Σ_j a_j over the scored answers; NaN when there is none.
    has_score : bool[n]
        True when the response has at least one scored answer with positive weight.
    """

    score: FloatArray
    has_score: BoolArray


def response_scores(answers: Answers, n_owners: int) -> ResponseScores:
    """Weighted mean of the scored answers of each response.

    Notes
    -----
    "Don't know" (不了解) options carry no score and count as unanswered. An answer to
    an item of weight 0 adds nothing to either sum; a response whose only scored
    answers weigh 0 has no defined score and so has no scored answer.
    """
    # An unscored answer adds an exact 0.0 to its response's sums (weights are finite
    # and >= 0), which leaves every sum bit for bit as without it, and costs less than
    # copying out the scored answers.
    scored = ~np.isnan(answers.score)
    weight = np.where(scored, answers.item_weight, 0.0)
    value = weight * np.where(scored, answers.score, 0.0)
    num = np.bincount(answers.owner, weights=value, minlength=n_owners)
    den = np.bincount(answers.owner, weights=weight, minlength=n_owners)
    has_score = den > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(has_score, num / np.where(has_score, den, 1.0), np.nan)
    # A weighted mean of values in [0, 100] can round one ulp past its bounds.
    np.clip(score, 0.0, 100.0, out=score)
    return ResponseScores(score=score, has_score=has_score)
