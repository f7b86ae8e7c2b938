"""Sensitivity of the ten best / ten worst lists to the component weights (权重敏感性).

The component weights (survey 0.55, phone 0.25, big data 0.20 by default) are a policy
choice, not a measurement. Before a unit is named in a list, the organization
department wants to know whether a slightly different choice would have named it too.
:func:`weight_settings` moves one component's weight by each step (±5 and ±10 points by
default) and rescales the others proportionally so that the weights still add up to 1;
:func:`weight_sensitivity` re-runs :func:`scoring.score_campaign` for every setting
(without bootstrap: only the lists matter here) and reports which units enter or leave
each list. A unit on a list in the base run and in every setting is *stable*.

Pure numpy over :class:`CampaignInputs`: no database or UI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.engine import CampaignResult, score_campaign
from scoring.inputs import CampaignInputs
from scoring.params import COMPONENTS, MethodParams

DEFAULT_STEPS = (-0.10, -0.05, 0.05, 0.10)
# Weights are compared and reported to this many decimals: a step of 0.05 applied to 0.55
# must read 0.6, not 0.6000000000000001.
DECIMALS = 12


@dataclass(frozen=True, slots=True)
class WeightSetting:
    """One alternative set of component weights: ``component`` moved by ``delta``
    (None and 0 for the campaign's own weights)."""

    component: str | None
    delta: float
    weights: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class SettingLists:
    """The lists under one setting, as unit ids in rank order within each ranking group,
    and how they differ from the base setting's lists."""

    setting: WeightSetting
    best: Mapping[str, tuple[str, ...]]  # ranking group -> unit ids, best first
    worst: Mapping[str, tuple[str, ...]]  # ranking group -> unit ids, worst first
    entered_best: tuple[str, ...]
    left_best: tuple[str, ...]
    entered_worst: tuple[str, ...]
    left_worst: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.entered_best or self.left_best or self.entered_worst or self.left_worst)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """The base lists, every perturbed setting's lists, and the units that stay on a
    list whatever the setting (``stable_best``, ``stable_worst``, in unit-id order)."""

    base: SettingLists
    settings: tuple[SettingLists, ...]
    stable_best: tuple[str, ...]
    stable_worst: tuple[str, ...]

    def best_count(self, unit_id: str) -> int:
        """In how many of the perturbed settings the unit is on a best list."""
        return sum(unit_id in _members(s.best) for s in self.settings)

    def worst_count(self, unit_id: str) -> int:
        return sum(unit_id in _members(s.worst) for s in self.settings)


def _members(lists: Mapping[str, tuple[str, ...]]) -> set[str]:
    return {u for ids in lists.values() for u in ids}


def weight_settings(
    weights: Mapping[str, float], steps: Sequence[float] = DEFAULT_STEPS
) -> list[WeightSetting]:
    """Each positive component weight moved by each step, the others rescaled to sum 1.

    With w_c moved to w_c + δ, every other weight w_k becomes w_k·(1 − w_c − δ)/(1 − w_c),
    so their proportions to each other stay. A setting is left out when the moved weight
    would leave (0, 1): a zero weight switches a component off, which changes
    eligibility (methodology §5) rather than weighting. A component weighted 0 stays off
    for the same reason.
    """
    base = {c: float(weights.get(c, 0.0)) for c in COMPONENTS}
    settings = []
    for component in COMPONENTS:
        w = base[component]
        if w <= 0 or w >= 1:
            continue
        for delta in steps:
            moved = round(w + delta, DECIMALS)
            if delta == 0 or not 0 < moved < 1:
                continue
            scale = (1 - moved) / (1 - w)
            new = {c: moved if c == component else round(base[c] * scale, DECIMALS) for c in COMPONENTS}
            settings.append(WeightSetting(component, round(delta, DECIMALS), new))
    return settings


def _lists(result: CampaignResult, which: str) -> dict[str, tuple[str, ...]]:
    ids = result.inputs.unit_ids
    out = {}
    for g, name in enumerate(result.groups.names):
        order = result.list_in_rank_order(g, which)
        if which == "worst":
            order = order[::-1]  # the bottom of the ranking leads the worst list
        out[name] = tuple(ids[u] for u in order)
    return out


def _setting_lists(setting: WeightSetting, result: CampaignResult, base: SettingLists | None) -> SettingLists:
    best, worst = _lists(result, "best"), _lists(result, "worst")
    if base is None:
        return SettingLists(setting, best, worst, (), (), (), ())
    b0, w0, b1, w1 = _members(base.best), _members(base.worst), _members(best), _members(worst)
    return SettingLists(
        setting,
        best,
        worst,
        entered_best=tuple(sorted(b1 - b0)),
        left_best=tuple(sorted(b0 - b1)),
        entered_worst=tuple(sorted(w1 - w0)),
        left_worst=tuple(sorted(w0 - w1)),
    )


def weight_sensitivity(
    inputs: CampaignInputs,
    params: MethodParams,
    *,
    year: int,
    steps: Sequence[float] = DEFAULT_STEPS,
    threads: int | None = None,
) -> Sensitivity:
    """Score the campaign under its own weights and under every :func:`weight_settings`
    setting (replicates = 0), and compare the lists."""
    params = dataclasses.replace(params, replicates=0)
    own = {c: float(params.component_weights.get(c, 0.0)) for c in COMPONENTS}
    base = _setting_lists(
        WeightSetting(None, 0.0, own), score_campaign(inputs, params, year=year, threads=threads), None
    )
    settings = []
    for setting in weight_settings(own, steps):
        moved = dataclasses.replace(params, component_weights=dict(setting.weights))
        result = score_campaign(inputs, moved, year=year, threads=threads)
        settings.append(_setting_lists(setting, result, base))
    stable_best = set(_members(base.best))
    stable_worst = set(_members(base.worst))
    for s in settings:
        stable_best &= _members(s.best)
        stable_worst &= _members(s.worst)
    return Sensitivity(
        base=base,
        settings=tuple(settings),
        stable_best=tuple(sorted(stable_best)),
        stable_worst=tuple(sorted(stable_worst)),
    )


def weights_text(weights: Mapping[str, float]) -> str:
    """``survey 0.6 · phone 0.2222 · bigdata 0.1778``: a setting, short enough for a table."""
    return " · ".join(f"{c} {np.round(weights.get(c, 0.0), 4):g}" for c in COMPONENTS)
