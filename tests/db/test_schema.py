"""The schema: migrations create it on both backends and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.engine import get_engine
from db.models import Base, Campaign, CampaignSeries, CampaignStatus


def test_migrations_create_every_table_of_the_model(database_url: str) -> None:
    tables = set(inspect(get_engine(database_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_do_not_diverge(database_url: str) -> None:
    # what `alembic check` does: autogenerate against the migrated database finds nothing
    with get_engine(database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_a_unit_of_work_rolls_back_unless_committed(make_uow) -> None:  # type: ignore[no-untyped-def]
    with make_uow() as uow:
        uow.session.add(CampaignSeries(code="s1", name="系列"))
    with make_uow() as uow:
        assert uow.session.query(CampaignSeries).count() == 0
        series = CampaignSeries(code="s1", name="系列")
        uow.session.add(series)
        uow.session.flush()
        uow.session.add(Campaign(code="c1", series_id=series.id, year=2017))
        uow.commit()
    with make_uow() as uow:
        campaign = uow.session.query(Campaign).one()
        assert campaign.status == CampaignStatus.draft
        assert campaign.series.code == "s1"
