"""A campaign's grade scheme (等次方案) for people: its bands, their lower bounds and labels.

The bands come from the method (``[grades]`` of the campaign's ``method_toml``, read by
:func:`scoring.params.parse_campaign_toml`): the default three, or the campaign's own. How
a band is labelled in Chinese and English is the platform's business, kept in
``Campaign.design["grade_labels"]`` (the bundle's ``[platform.grade_labels.<band>]``). Labels
are public words of published results, so reading them needs no permission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from db.models import Campaign
from db.uow import UnitOfWork
from scoring.params import BOTTOM_GRADE, parse_campaign_toml
from scoring.platform import GRADE_LABELS, LANGS
from services.errors import NotFound

#: band -> language -> label, e.g. {"excellent": {"zh": "优秀", "en": "Excellent"}}
GradeLabels = dict[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class GradeScheme:
    """The grades a campaign's ranked units can take.

    Attributes
    ----------
    bands : band -> lower bound, highest first (``dissatisfied`` is below them all).
    custom : whether the campaign names its own bands instead of the default three.
    labels : the campaign's own labels of bands (possibly of ``dissatisfied`` too).
    """

    bands: Mapping[str, float]
    custom: bool
    labels: GradeLabels = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """Every grade, best first, ``dissatisfied`` last."""
        return (*self.bands, BOTTOM_GRADE)


def _campaign(uow: UnitOfWork, campaign_code: str) -> Campaign:
    campaign = uow.session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None:
        raise NotFound(f'there is no campaign "{campaign_code}"')
    return campaign


def labels_of(design: Mapping[str, object] | None) -> GradeLabels:
    """The grade labels a ``Campaign.design`` holds (only text labels in zh/en kept)."""
    raw = (design or {}).get(GRADE_LABELS)
    if not isinstance(raw, Mapping):
        return {}
    out: GradeLabels = {}
    for band, labels in raw.items():
        if isinstance(labels, Mapping):
            kept = {
                lang: text
                for lang, text in labels.items()
                if lang in LANGS and isinstance(text, str) and text
            }
            if kept:
                out[str(band)] = kept
    return out


def grade_labels(uow: UnitOfWork, campaign_code: str) -> GradeLabels:
    """The campaign's own labels of its grade bands, ``{band: {"zh": ..., "en": ...}}``;
    empty when it labels none (then the catalogue's words, or the band names, are shown).

    Raises :class:`services.errors.NotFound` for an unknown campaign.
    """
    with uow:
        return labels_of(_campaign(uow, campaign_code).design)


def grade_scheme(uow: UnitOfWork, campaign_code: str) -> GradeScheme:
    """The campaign's bands with their bounds and labels, as its method says now (a method
    that does not parse shows the default scheme: the designer reports its defects)."""
    with uow:
        campaign = _campaign(uow, campaign_code)
        _, params, _ = parse_campaign_toml(campaign.method_toml or "")
        return GradeScheme(
            bands=dict(params.grade_bands), custom=params.custom_grades, labels=labels_of(campaign.design)
        )
