"""The registries in the bundle: indicator values fed from inspection visits carry their
provenance, deductions from findings and cases carry their source, and the offline
scorer recomputes the app's scores from the published bundle.

The worked example (docs/example/bundle) is imported, an indicator of the attendance
rate is added and fed from verified visits, findings become deductions, a confirmed
accountability case adds one; the app scores it; the bundle it freezes, unzipped and
scored with ``python -m scoring score``, gives the same final scores. Every test runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from db.bundle_io import export_bundle, import_bundle
from db.models import Adjustment, Campaign, CampaignStatus, IndicatorValue, Role, Unit, UnitResult
from scoring import BundleError, load_bundle
from services import accountability_cases, accountability_deductions
from services.indicators import IndicatorSpec, save_indicator
from services.inspection_rates import feed_finding_deductions, feed_rates, set_rule
from services.permissions import CurrentUser
from services.scoring import freeze_bundle, score_stored_campaign
from tests.db.kit import MakeUow, add_user, set_status
from tests.db.test_bundle_io import import_dir, read_csv, score, with_campaign_id
from tests.db.test_inspection_rates import add_round, add_visit, at

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
CODE = "example-2017"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
CASE_SOURCE = "accountability_case:DT-2025-001"


def build(make_uow: MakeUow) -> CurrentUser:
    """The example with an attendance indicator fed from visits, findings as deductions
    and a case's deduction."""
    import_dir(make_uow, EXAMPLE)
    set_status(make_uow, CODE, CampaignStatus.scoring)
    admin = add_user(make_uow, "admin1", Role.admin)
    save_indicator(
        make_uow(),
        admin,
        CODE,
        IndicatorSpec(code="attendance", name="到岗率（明察暗访）", direction="higher", weight=0.2),
    )
    r = add_round(make_uow, CODE)
    # A1: (10,9,8,7) + (5,5,4,4) → 93.33; A2: 100; A3: 50; W1: 75; W2: 80; A4, W3 not visited
    add_visit(make_uow, r, "A1", at(3), (10, 9, 8, 7), findings=[("冷", "态度生硬"), ("推", "推诿")])
    add_visit(make_uow, r, "A1", at(17), (5, 5, 4, 4))
    add_visit(make_uow, r, "A2", at(5), (6, 6, 6, 6))
    add_visit(
        make_uow, r, "A3", at(9), (4, 2, 2, 1), findings=[("散", "玩手机"), ("懒", "迟到"), ("拖", "拖延")]
    )
    add_visit(make_uow, r, "W1", at(11), (8, 6, 6, 5))
    add_visit(make_uow, r, "W2", at(12), (5, 4, 4, 4), findings=[("慢", "办件慢")])
    set_rule(make_uow(), admin, CODE, feed="rates", indicators={"attendance": "attendance"})
    fed = feed_rates(make_uow(), admin, CODE, starts_on=MARCH[0], ends_on=MARCH[1])
    assert fed.units_without_visits == ["A4", "W3"]
    set_rule(make_uow(), admin, CODE, feed="deductions", points_per_finding=1.5)
    feed_finding_deductions(make_uow(), admin, CODE, starts_on=MARCH[0], ends_on=MARCH[1])
    # a decided accountability case (慢作为) whose deduction an admin confirms
    accountability_deductions.set_rule(
        make_uow(), admin, CODE, {"inaction": 1.0, "slow": 3.0, "misconduct": 2.0}
    )
    accountability_cases.open_case(
        make_uow(),
        admin,
        number="DT-2025-001",
        unit_code="W1",
        case_type="slow",
        subtype="obstructing_passing",
        facts="群众反映办事推诿扯皮，经核查属实",
        source="hotline",
        disciplinary_body="区纪委监委",
        opened_on=date(2025, 5, 6),
        campaign_code=CODE,
    )
    accountability_cases.advance(make_uow(), admin, "DT-2025-001", "investigated", date(2025, 5, 20))
    accountability_cases.advance(make_uow(), admin, "DT-2025-001", "decided", date(2025, 6, 3), "诫勉谈话")
    accountability_deductions.confirm_deduction(make_uow(), admin, "DT-2025-001")
    return admin


def app_scores(make_uow: MakeUow) -> dict[str, float | None]:
    with make_uow("scorer") as uow:
        run = score_stored_campaign(uow, CODE, replicates=0)
        uow.commit()
        run_id = run.id
    with make_uow() as uow:
        return {
            code: score
            for code, score in uow.session.execute(
                select(Unit.code, UnitResult.final_score)
                .join(UnitResult, UnitResult.unit_id == Unit.id)
                .where(UnitResult.run_id == run_id)
            )
        }


def test_the_published_bundle_recomputes_the_apps_scores(make_uow: MakeUow, tmp_path: Path) -> None:
    build(make_uow)
    stored = app_scores(make_uow)
    with make_uow() as uow:
        frozen = freeze_bundle(uow, CODE)
    with zipfile.ZipFile(io.BytesIO(frozen.data)) as archive:
        archive.extractall(tmp_path / "zip")
    bundle = tmp_path / "zip" / CODE
    out = score(bundle, tmp_path / "results", replicates=0)
    _, rows = read_csv(out / "results.csv")
    offline = {r["unit_id"]: float(r["final_score"]) if r["final_score"] else None for r in rows}
    assert offline.keys() == stored.keys() and len(offline) == 7
    for unit, value in stored.items():
        if value is None:
            assert offline[unit] is None, unit
        else:
            assert offline[unit] == pytest.approx(value, abs=1e-6), unit
    assert sum(v is not None for v in offline.values()) >= 5

    # the columns are in the bundle, with what the rules wrote
    header, values = read_csv(bundle / "indicator_values.csv")
    assert header == ["unit_id", "indicator_id", "value", "provenance"]
    fed = {r["unit_id"]: (r["value"], r["provenance"]) for r in values if r["indicator_id"] == "attendance"}
    assert set(fed) == {"A1", "A2", "A3", "W1", "W2"}
    assert float(fed["A1"][0]) == pytest.approx(1400 / 15)
    assert fed["A1"][1] == "computed from 2 visits between 2026-03-01 and 2026-03-31"
    assert all(r["provenance"] == "" for r in values if r["indicator_id"] != "attendance")
    header, adjustments = read_csv(bundle / "adjustments.csv")
    assert header == ["unit_id", "kind", "points", "reason", "source"]
    ruled = sorted((r["unit_id"], r["points"], r["source"]) for r in adjustments if r["source"])
    inspections = "inspections:2026-03-01..2026-03-31"
    assert ruled == [
        ("A1", "3", inspections),  # 2 findings × 1.5
        ("A3", "4.5", inspections),
        ("W1", "3", CASE_SOURCE),
        ("W2", "1.5", inspections),
    ]
    assert all(r["source"] == "" for r in adjustments if r["kind"] == "bonus")
    # the rule travels with the campaign, as designer settings the scorer does not read
    toml = (bundle / "campaign.toml").read_text(encoding="utf-8")
    assert 'inspections = { feed = "deductions", indicators = {}, points_per_finding = 1.5 }' in toml
    assert load_bundle(bundle).info.id == CODE


def test_the_columns_survive_an_import_and_the_scores_do_not_depend_on_them(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    build(make_uow)
    with make_uow() as uow:
        export_bundle(uow, CODE, tmp_path / "first")
    copy = with_campaign_id(tmp_path / "first", tmp_path / "copy", "example-copy")
    import_dir(make_uow, copy)
    with make_uow() as uow:
        export_bundle(uow, "example-copy", tmp_path / "second")
        campaign_id = uow.session.execute(
            select(Campaign.id).where(Campaign.code == "example-copy")
        ).scalar_one()
        sources = sorted(
            uow.session.execute(
                select(Adjustment.source).where(
                    Adjustment.campaign_id == campaign_id, Adjustment.source != ""
                )
            ).scalars()
        )
        provenance = uow.session.execute(
            select(IndicatorValue.provenance).where(IndicatorValue.provenance != "")
        ).scalars()
        assert len(list(provenance)) == 10  # the five fed values, in both campaigns
    assert sources == [CASE_SOURCE, *["inspections:2026-03-01..2026-03-31"] * 3]
    for name in ("indicator_values.csv", "adjustments.csv"):
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name

    # without the two columns the scorer gives the same results
    bare = tmp_path / "bare"
    bare.mkdir()
    for path in (tmp_path / "first").iterdir():
        (bare / path.name).write_bytes(path.read_bytes())
    for name, column in (("indicator_values.csv", "provenance"), ("adjustments.csv", "source")):
        header, rows = read_csv(bare / name)
        buf = io.StringIO()
        writer = csv.DictWriter(
            buf, [h for h in header if h != column], lineterminator="\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
        (bare / name).write_text(buf.getvalue(), encoding="utf-8")
    a = score(tmp_path / "first", tmp_path / "r1", replicates=0)
    b = score(bare, tmp_path / "r2", replicates=0)
    assert (a / "results.csv").read_bytes() == (b / "results.csv").read_bytes()


def test_a_campaign_without_them_exports_the_files_it_always_did(make_uow: MakeUow, tmp_path: Path) -> None:
    import_dir(make_uow, EXAMPLE)
    with make_uow() as uow:
        export_bundle(uow, CODE, tmp_path / "out")
    for name in ("indicator_values.csv", "adjustments.csv"):
        # the example's files, with the exporter's line endings
        assert (tmp_path / "out" / name).read_bytes() == (EXAMPLE / name).read_bytes().replace(b"\r\n", b"\n")


def test_a_formula_or_an_over_long_source_is_refused(make_uow: MakeUow, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in EXAMPLE.iterdir():
        (bad / path.name).write_bytes(path.read_bytes())
    lines = (EXAMPLE / "adjustments.csv").read_text(encoding="utf-8").splitlines()
    (bad / "adjustments.csv").write_text(
        "\n".join([lines[0] + ",source", lines[1] + "," + "s" * 65, *(line + "," for line in lines[2:])])
        + "\n",
        encoding="utf-8",
    )
    lines = (EXAMPLE / "indicator_values.csv").read_text(encoding="utf-8").splitlines()
    (bad / "indicator_values.csv").write_text(
        "\n".join(
            [lines[0] + ",provenance", lines[1] + ",=HYPERLINK(1)", *(line + "," for line in lines[2:])]
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(BundleError) as refused:
        load_bundle(bad)
    assert {(d.file, d.line, d.column) for d in refused.value.defects} == {
        ("indicator_values.csv", 2, "provenance")
    }
    with make_uow() as uow, pytest.raises(BundleError) as refused:
        import_bundle(uow, bad)
    where = {(d.file, d.line, d.column) for d in refused.value.defects}
    assert ("indicator_values.csv", 2, "provenance") in where
    # the database keeps 64 characters of a source: refused up front, not mid-import
    fixed = (bad / "indicator_values.csv").read_text(encoding="utf-8").replace("=HYPERLINK(1)", "typed")
    (bad / "indicator_values.csv").write_text(fixed, encoding="utf-8")
    with make_uow() as uow, pytest.raises(BundleError) as refused:
        import_bundle(uow, bad)
    assert {(d.file, d.line, d.column) for d in refused.value.defects} == {("adjustments.csv", 2, "source")}
