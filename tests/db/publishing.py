"""Builders for tests of published results: a small generated bundle, published through
the real services (import, score, review, request, second admin's approval)."""

from __future__ import annotations

from pathlib import Path

from bench import generate_bundle
from db.bundle_io import import_bundle
from db.models import CampaignStatus, Role
from services import campaigns
from services.scoring import score_stored_campaign
from tests.db.kit import Clock, MakeUow, add_user, set_status

SMALL = {"units": 40, "responses": 3000, "cases": 1600, "seed": 11}


def small_bundle(out: Path) -> Path:
    """A 40-unit bundle with worst lists and cards (bench/generate_bundle.py)."""
    generate_bundle.generate(out, **SMALL)
    return out


def publish(make_uow: MakeUow, bundle: Path, replicates: int = 60) -> str:
    """Import, score, review, request and approve: returns the published campaign's code."""
    with make_uow() as uow:
        code = import_bundle(uow, bundle).code
        uow.commit()
    with make_uow("scorer") as uow:
        score_stored_campaign(uow, code, replicates=replicates)
        uow.commit()
    set_status(make_uow, code, CampaignStatus.review)
    first, second = add_user(make_uow, "admin1", Role.admin), add_user(make_uow, "admin2", Role.admin)
    campaigns.request_publication(make_uow(), first, code)
    campaigns.approve_publication(make_uow(), second, code, clock=Clock())
    return code
