"""The staff page for sampling: frames summarised, the file report by line, the design
previewed before the draw, the draw itself and replacement batches.

AppTest cannot drive ``st.file_uploader``; frames are imported with the service the
page's upload buttons call (tested on its own in tests/db/test_sampling.py)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, PhoneCase, PhoneSample, Role
from services.permissions import CurrentUser
from services.sampling import check_frame, import_frame
from tests.db.kit import MakeUow, add_user, seed_campaign
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/sampling.py"
KEY = base64.b64encode(hashlib.sha256(b"sampling-page-key").digest()).decode()


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


def frame(sizes: dict[str, int]) -> bytes:
    lines = ["unit_id,name,phone,service_date,case_number,respondent_group"]
    for k, (unit, n) in enumerate(sizes.items()):
        lines += [f"{unit},张{i},1390{k:03d}{i:04d},2026-03-01,B{i},public" for i in range(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def preview(at: AppTest, lang: str = "zh", **values: float) -> AppTest:
    for key, value in {"moe": 20.0, "response_rate": 50.0, "seed": 4242, **values}.items():
        at.number_input(key=f"sampling.{key}").set_value(value)
    next(b for b in at.button if b.label == t("sampling.design.preview", lang)).click()
    at.run()
    assert not at.exception
    return at


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table with ``column`` (AppTest keeps no keys on dataframes)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def cases(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(PhoneCase)).scalar_one()


@pytest.fixture
def sup(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "sup1", Role.supervisor)


def test_the_design_is_previewed_with_totals_before_the_supervisor_draws(
    repo_root: Path, make_uow: MakeUow, sup: CurrentUser
) -> None:
    import_frame(make_uow(), sup, "c1", frame({"u1": 60, "u2": 20}), "frame.csv")
    at = open_page(repo_root, sup)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("sampling.frames.entries")] == "80" and metrics[t("sampling.frames.callable")] == "80"
    assert t("sampling.preview.first") in [c.value for c in at.caption]
    assert cases(make_uow) == 0

    preview(at)
    plan = table(at, "to_draw")
    # e = 0.20: n0 = 24.01; u1: 24.01/(1 + 23.01/60) = 17.4 → 18, draw 36; u2: 11.6 → 12, draw 20 (all)
    assert plan[["code", "frame", "target", "to_draw"]].values.tolist() == [
        ["u1", 60, 18, 36],
        ["u2", 20, 12, 20],
        ["u3", 0, 0, 0],
        ["", 80, 30, 56],
    ]
    assert plan["capped"].tolist() == [False, True, False, True]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("sampling.preview.to_draw")] == "56" and metrics[t("sampling.preview.calls")] == "140"
    assert cases(make_uow) == 0  # nothing drawn by a preview

    at.button(key="sampling.draw").click().run()
    assert not at.exception and not at.error
    assert any("P26-000001" in s.value and "4242" in s.value for s in at.success)
    assert cases(make_uow) == 56
    with make_uow() as uow:
        assert uow.session.execute(select(PhoneSample.seed)).scalar_one() == 4242
    status = table(at, "eligible")
    assert status[["code", "batch", "cases", "open"]].values.tolist() == [
        ["u1", 1, 36, 36],
        ["u2", 1, 20, 20],
    ]
    assert t("sampling.replace.none") in [c.value for c in at.caption]

    # the next visit shows the sample, no design form and no second draw
    at.run()
    assert "sampling.draw" not in [b.key for b in at.button]
    assert not [b for b in at.button if b.label == t("sampling.design.preview")]


def test_a_worked_out_batch_short_of_its_target_gets_a_replacement_batch(
    repo_root: Path, make_uow: MakeUow, sup: CurrentUser
) -> None:
    import_frame(make_uow(), sup, "c1", frame({"u1": 60}), "frame.csv")
    at = open_page(repo_root, sup, lang="en")
    preview(at, lang="en")
    at.button(key="sampling.draw").click().run()
    with make_uow() as uow:  # every case of batch 1 closed as a non-contact
        uow.session.execute(update(PhoneCase).values(disposition="2.20", attempts=3))
        uow.commit()
    at.run()
    assert at.selectbox(key="sampling.replace_unit").options == ["单位u1 (u1)"]
    at.button(key="sampling.replace").click().run()
    assert not at.exception and not at.error
    assert any("batch 2" in s.value for s in at.success)
    # 18 completes short / 0.5 = 36, but only 24 people are left in the frame
    assert cases(make_uow) == 36 + 24


def test_an_admin_previews_but_only_a_supervisor_draws(
    repo_root: Path, make_uow: MakeUow, sup: CurrentUser
) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    import_frame(make_uow(), admin, "c1", frame({"u2": 30}), "frame.csv")
    at = open_page(repo_root, admin)
    preview(at)
    # n = 24.01 / (1 + 23.01/30) = 13.6 → 14 completes, 28 to draw
    assert table(at, "to_draw")["to_draw"].tolist()[-1] == 28
    assert "sampling.draw" not in [b.key for b in at.button]
    assert t("sampling.draw.supervisors_only") in [i.value for i in at.info]


def test_the_file_report_lists_every_defect_by_line(
    repo_root: Path, make_uow: MakeUow, sup: CurrentUser
) -> None:
    data = b"unit_id,name,phone\nu1,A,13800000001\nu7,B,13800000002\nu1,C,12345\nu1,D,13800000001\n"
    report = check_frame(make_uow(), sup, "c1", data, "bad.csv")
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state[SEEDED_USER_KEY] = sup
    at.session_state["sampling.frame_report"] = report
    at.session_state["sampling.notice"] = ("error", "sampling.frame.check_refuses")
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert t("sampling.frame.check_refuses", "zh", file="bad.csv") in [e.value for e in at.error]
    defects = table(at, "kind")
    assert defects[["line", "column", "kind"]].values.tolist() == [
        [3, "unit_id", t("sampling.kind.structure")],
        [4, "phone", t("sampling.kind.invalid_phone")],
        [5, "phone", t("sampling.kind.duplicate")],
    ]
    assert "u7" in defects["message"].tolist()[0]


def test_a_bad_frame_is_reported_in_chinese_with_file_line_and_column(
    repo_root: Path, make_uow: MakeUow, sup: CurrentUser
) -> None:
    data = "unit_id,name,phone\nu7,甲,13800000002\nu1,=HYPERLINK(1),13800000003\nu1,丙,12345\n".encode()
    report = check_frame(make_uow(), sup, "c1", data, "bad.csv")
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.session_state[SEEDED_USER_KEY] = sup
    at.session_state["sampling.frame_report"] = report
    at.session_state["sampling.notice"] = ("error", "sampling.frame.check_refuses")
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    defects = table(at, "kind")
    assert defects[["file", "line", "column", "message"]].values.tolist() == [
        ["bad.csv", 2, "unit_id", "单位“u7”不是评议活动 c1 的被评议单位。"],
        ["bad.csv", 3, "name", t("import.defect.formula_like", "zh", value="=HYPERLINK(1)")],
        ["bad.csv", 4, "phone", t("import.defect.phone_invalid", "zh", detail="")],
    ]
    assert "formula" not in defects.to_string() and "not appraised" not in defects.to_string()


def test_without_a_frame_the_page_asks_for_one(repo_root: Path, sup: CurrentUser) -> None:
    at = open_page(repo_root, sup, lang="en")
    assert t("sampling.frames.none", "en") in [i.value for i in at.info]
    preview(at, lang="en")
    assert at.button(key="sampling.draw").disabled
