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


def test_revision_0002_turns_negative_sat3_positions_into_the_builtin_flag(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from db import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0001")
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO campaign_series (id, code, name) VALUES (1, 's', '')"))
        conn.execute(
            text(
                "INSERT INTO campaign (id, code, series_id, year, name, status, method_version,"
                " method_toml, notice_days, created_at)"
                " VALUES (1, 'c', 1, 2017, '', 'draft', '1', '', 7, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(text("INSERT INTO scale (id, campaign_id, code) VALUES (1, 1, 'sat3'), (2, 1, 'agree')"))
        conn.execute(
            text(
                "INSERT INTO scale_option (scale_id, code, label_zh, label_en, score, position) VALUES"
                " (1, 'satisfied', '满意', '', 100, -4), (1, 'dont_know', '不了解', '', NULL, -1),"
                " (2, 'yes', '是', '', 100, 0)"
            )
        )
    migrate.upgrade(url)
    with engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT code, builtin FROM scale")).all())
        positions = dict(conn.execute(text("SELECT code, position FROM scale_option")).all())
    assert flags == {"sat3": 1, "agree": 0}
    assert positions == {"satisfied": 0, "dont_know": 3, "yes": 0}
    migrate.downgrade(url, "0001")
    with engine.connect() as conn:
        assert dict(conn.execute(text("SELECT code, position FROM scale_option")).all())["satisfied"] == -4
