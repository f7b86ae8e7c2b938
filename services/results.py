"""Published results for everyone (公示结果): read from the frozen publication, never from
the live tables, so an answer edited after publication cannot change what was published.

A publication holds the approved run's results as a canonical JSON snapshot (with its
SHA-256) and the run's input bundle as a zip (with its SHA-256). Everything here is
public: the snapshot and the bundle carry no personal data. No permission is needed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Publication,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from services.clock import as_utc
from services.errors import NotFound

PUBLIC_STATUSES = (CampaignStatus.published, CampaignStatus.final)


@dataclass(frozen=True, slots=True)
class PublishedCampaign:
    code: str
    name: str
    year: int
    series_id: int
    status: CampaignStatus
    published_at: datetime | None
    notice_ends_at: datetime | None
    snapshot_sha256: str
    bundle_sha256: str


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One unit's published result (a results.csv row), with typed headline values."""

    unit_id: str
    name: str
    group: str
    category: str
    head_name: str
    eligible: bool
    ineligible_reason: str
    final_score: float | None
    final_ci_low: float | None
    final_ci_high: float | None
    rank: int | None
    rank_ci_low: int | None
    rank_ci_high: int | None
    group_size: int | None
    list_name: str  # best | worst | ""
    card: str  # red | yellow | ""
    grade: str
    veto: bool
    consecutive_unsatisfactory: bool
    robust_worst: bool
    p_best: float | None
    p_worst: float | None
    row: dict[str, str] = field(repr=False)

    def number(self, column: str) -> float | None:
        return _float(self.row.get(column, ""))


@dataclass(frozen=True, slots=True)
class PublishedResults:
    campaign: PublishedCampaign
    run_id: int
    method_version: str
    input_sha256: str
    rows: tuple[UnitRow, ...]

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(sorted({r.group for r in self.rows}))

    def ranking(self, group: str) -> list[UnitRow]:
        """The group's ranked units by rank, then its unranked units by name."""
        ranked = sorted((r for r in self.rows if r.group == group and r.rank), key=lambda r: r.rank or 0)
        unranked = sorted((r for r in self.rows if r.group == group and not r.rank), key=lambda r: r.name)
        return ranked + unranked

    def best(self, group: str) -> list[UnitRow]:
        return [r for r in self.ranking(group) if r.list_name == "best"]

    def worst(self, group: str) -> list[UnitRow]:
        # worst first: the bottom of the ranking leads the ten-worst list
        return sorted(
            (r for r in self.rows if r.group == group and r.list_name == "worst"),
            key=lambda r: -(r.rank or 0),
        )

    def carded(self) -> list[UnitRow]:
        """Red cards first, then yellow, each by group and rank."""
        order = {"red": 0, "yellow": 1}
        return sorted(
            (r for r in self.rows if r.card in order),
            key=lambda r: (order[r.card], r.group, -(r.rank or 0)),
        )

    def unit(self, unit_id: str) -> UnitRow | None:
        return next((r for r in self.rows if r.unit_id == unit_id), None)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if value != value else value  # NaN: not computed


def _int(text: str) -> int | None:
    value = _float(text)
    return None if value is None else int(value)


def _row(raw: dict[str, Any]) -> UnitRow:
    row = {k: "" if v is None else str(v) for k, v in raw.items()}
    return UnitRow(
        unit_id=row["unit_id"],
        name=row.get("name", ""),
        group=row.get("group", ""),
        category=row.get("category", ""),
        head_name=row.get("head_name", ""),
        eligible=row.get("eligible") == "true",
        ineligible_reason=row.get("ineligible_reason", ""),
        final_score=_float(row.get("final_score", "")),
        final_ci_low=_float(row.get("final_ci_low", "")),
        final_ci_high=_float(row.get("final_ci_high", "")),
        rank=_int(row.get("rank", "")),
        rank_ci_low=_int(row.get("rank_ci_low", "")),
        rank_ci_high=_int(row.get("rank_ci_high", "")),
        group_size=_int(row.get("group_size", "")),
        list_name=row.get("list", ""),
        card=row.get("card", ""),
        grade=row.get("grade", ""),
        veto=row.get("veto") == "true",
        consecutive_unsatisfactory=row.get("consecutive_unsatisfactory") == "true",
        robust_worst=row.get("robust_worst") == "true",
        p_best=_float(row.get("p_best", "")),
        p_worst=_float(row.get("p_worst", "")),
        row=row,
    )


def _published(uow: UnitOfWork) -> list[tuple[Campaign, Publication]]:
    rows = uow.session.execute(
        select(Campaign, Publication)
        .join(Publication, Publication.campaign_id == Campaign.id)
        .where(
            Campaign.status.in_(PUBLIC_STATUSES),
            Publication.approved_by.is_not(None),
            Publication.snapshot.is_not(None),
        )
        .order_by(Campaign.year.desc(), Campaign.code, Publication.id.desc())
        # the snapshot and the bundle (megabytes) load only when a caller reads them
        .options(defer(Publication.snapshot), defer(Publication.bundle))
    ).all()
    latest: dict[int, tuple[Campaign, Publication]] = {}
    for campaign, publication in rows:
        latest.setdefault(campaign.id, (campaign, publication))  # an upheld appeal republishes
    return list(latest.values())


def _view(campaign: Campaign, publication: Publication) -> PublishedCampaign:
    return PublishedCampaign(
        code=campaign.code,
        name=campaign.name or campaign.code,
        year=campaign.year,
        series_id=campaign.series_id,
        status=CampaignStatus(campaign.status),
        published_at=as_utc(publication.published_at) if publication.published_at else None,
        notice_ends_at=as_utc(campaign.notice_ends_at) if campaign.notice_ends_at else None,
        snapshot_sha256=publication.snapshot_sha256,
        bundle_sha256=publication.bundle_sha256,
    )


def published_campaigns(uow: UnitOfWork) -> list[PublishedCampaign]:
    """Campaigns whose results are public (in the notice period or final), newest first."""
    with uow:
        return [_view(c, p) for c, p in _published(uow)]


def _find(uow: UnitOfWork, campaign_code: str) -> tuple[Campaign, Publication]:
    for campaign, publication in _published(uow):
        if campaign.code == campaign_code:
            return campaign, publication
    raise NotFound(f"campaign {campaign_code!r} has no published results")


def published_results(uow: UnitOfWork, campaign_code: str) -> PublishedResults:
    """The results exactly as published (the frozen snapshot)."""
    with uow:
        campaign, publication = _find(uow, campaign_code)
        assert publication.snapshot is not None
        document = json.loads(publication.snapshot.decode("utf-8"))
        return PublishedResults(
            campaign=_view(campaign, publication),
            run_id=int(document["run_id"]),
            method_version=str(document["method_version"]),
            input_sha256=str(document["input_sha256"]),
            rows=tuple(_row(r) for r in document["results"]),
        )


def published_snapshot(uow: UnitOfWork, campaign_code: str) -> tuple[bytes, str]:
    """The snapshot's bytes (canonical JSON) and SHA-256, to download and check."""
    with uow:
        _campaign, publication = _find(uow, campaign_code)
        assert publication.snapshot is not None
        return publication.snapshot, publication.snapshot_sha256


def published_bundle(uow: UnitOfWork, campaign_code: str) -> tuple[bytes, str]:
    """The published input bundle (zip) and its SHA-256; NotFound for a publication made
    before bundles were frozen with it."""
    with uow:
        _campaign, publication = _find(uow, campaign_code)
        if publication.bundle is None:
            raise NotFound(f"the publication of {campaign_code} holds no bundle")
        return publication.bundle, publication.bundle_sha256


@dataclass(frozen=True, slots=True)
class YearResult:
    year: int
    campaign_code: str
    name: str
    final_score: float | None
    rank: int | None
    group_size: int | None
    grade: str
    card: str
    list_name: str


def unit_trend(uow: UnitOfWork, campaign_code: str, unit_id: str) -> list[YearResult]:
    """The unit's published results over the years of its campaign series, oldest first,
    following renamings and mergers (``Unit.successor_id``) back to its predecessors."""
    with uow:
        session = uow.session
        campaign, _ = _find(uow, campaign_code)
        lineage = {unit_id}
        frontier = {unit_id}
        while frontier:  # predecessors: units whose successor is already in the lineage
            successor_ids = select(Unit.id).where(Unit.code.in_(frontier))
            found = set(session.scalars(select(Unit.code).where(Unit.successor_id.in_(successor_ids))))
            frontier = found - lineage
            lineage |= found
        trend = []
        for other, publication in _published(uow):
            if other.series_id != campaign.series_id or publication.snapshot is None:
                continue
            for raw in json.loads(publication.snapshot.decode("utf-8"))["results"]:
                if raw["unit_id"] in lineage:
                    row = _row(raw)
                    trend.append(
                        YearResult(
                            other.year,
                            other.code,
                            row.name,
                            row.final_score,
                            row.rank,
                            row.group_size,
                            row.grade,
                            row.card,
                            row.list_name,
                        )
                    )
        return sorted(trend, key=lambda y: y.year)


def unit_problems(uow: UnitOfWork, campaign_code: str, unit_id: str) -> dict[str, int]:
    """How often the counted answers about the unit named each problem type (冷硬推…), most
    frequent first; only counts, no answer or comment is shown."""
    with uow:
        campaign, _ = _find(uow, campaign_code)
        unit_pk = uow.session.scalar(
            select(Unit.id)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(Unit.code == unit_id, CampaignUnit.campaign_id == campaign.id)
        )
        if unit_pk is None:
            raise NotFound(f"unit {unit_id!r} is not appraised in {campaign_code}")
        counts: Counter[str] = Counter()
        for types in uow.session.scalars(
            select(SurveyResponse.problem_types).where(
                SurveyResponse.campaign_id == campaign.id,
                SurveyResponse.unit_id == unit_pk,
                SurveyResponse.status == "valid",
            )
        ):
            counts.update(types or [])
        return dict(counts.most_common())
