"""Sampling frames, the do-not-call list and phone sample draws (services/sampling.py),
on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import random
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text, update

from db import crypto
from db.models import (
    AuditEntry,
    CampaignStatus,
    DoNotCall,
    FrameEntry,
    PhoneCase,
    PhoneSample,
    Role,
    SamplingFrame,
    Unit,
)
from services import sampling
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.sampling import FrameRefused
from survey.sampling import DesignParams, design_sample, draw
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status

KEY = base64.b64encode(hashlib.sha256(b"sampling-test-key").digest()).decode()
HEADER = ("unit_id", "name", "phone", "service_date", "case_number", "respondent_group")


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


def phone(n: int) -> str:
    """A distinct valid mobile number per ``n``, written the way offices type them."""
    return f"138 {n // 10000:04d} {n % 10000:04d}"


def people(
    unit: str, count: int, start: int = 0, groups: tuple[str, ...] = ("public",)
) -> list[tuple[str, ...]]:
    return [
        (unit, f"张{n}", phone(start + n), "2026-03-01", f"BJ{start + n:06d}", groups[n % len(groups)])
        for n in range(count)
    ]


def frame_csv(
    rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def frame_xlsx(rows: list[tuple[object, ...]], header: tuple[str, ...] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def sup(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "sup1", Role.supervisor)


def entries(make_uow: MakeUow) -> list[tuple[str, str, str, str, str]]:
    """(unit, decrypted name, decrypted phone, case number, group) of every frame entry."""
    with make_uow() as uow:
        rows = uow.session.execute(
            select(
                Unit.code,
                FrameEntry.name_enc,
                FrameEntry.phone_enc,
                FrameEntry.case_number,
                FrameEntry.respondent_group,
            )
            .join(Unit, Unit.id == FrameEntry.unit_id)
            .order_by(FrameEntry.id)
        ).all()
    return [
        (unit, crypto.decrypt(name) if name else "", crypto.decrypt(ph), case, group)
        for unit, name, ph, case, group in rows
    ]


def count(make_uow: MakeUow, model: type) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------- frames


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_frame_in_any_office_encoding_is_stored_encrypted(
    make_uow: MakeUow, sup: CurrentUser, encoding: str
) -> None:
    rows = [*people("u1", 3), *people("u2", 2, start=100, groups=("client",))]
    report = sampling.import_frame(make_uow(), sup, "c1", frame_csv(rows, encoding=encoding), "办件库.csv")

    assert not report.refused and report.defects == () and report.frame_id is not None
    assert (report.rows, report.stored, report.per_unit) == (5, 5, (("u1", 3), ("u2", 2)))
    assert entries(make_uow) == [
        (unit, name, crypto.normalize_cn_mobile(ph), case, group) for unit, name, ph, _, case, group in rows
    ]
    with make_uow() as uow:
        frame = uow.session.get(SamplingFrame, report.frame_id)
        assert frame is not None and frame.name == "办件库"
        raw = uow.session.execute(text("SELECT name_enc, phone_enc, phone_hash FROM frame_entry")).all()
        for name_enc, phone_enc, phone_hash in raw:
            plain = crypto.decrypt(bytes(phone_enc))
            assert phone_hash == crypto.phone_hash(plain)
            assert plain[3:].encode() not in bytes(phone_enc) and "张".encode() not in bytes(name_enc)
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "frame.import")
        ).scalar_one()
        assert entry.actor == "sup1" and entry.after["stored"] == 5
        assert "138" not in str(entry.after)  # no number in the audit trail


def test_an_xlsx_frame_reads_numbers_typed_as_numbers_and_real_dates(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    header = ("单位编码", "姓名", "手机号码", "办件日期", "办件编号", "评议主体")
    rows: list[tuple[object, ...]] = [
        ("u1", "李娜", 13912345678, datetime(2026, 2, 3, 9, 30), "A1", "群众"),
        ("u1", "王伟", "+86 139-1234-5679", date(2026, 2, 4), 12345, "client"),
        ("u2", "赵敏", 13912345680.0, "2026/02/05", None, None),
    ]
    report = sampling.import_frame(make_uow(), sup, "c1", frame_xlsx(rows, header), "frame.xlsx")

    assert report.encoding == "xlsx" and report.stored == 3 and not report.defects
    assert entries(make_uow) == [
        ("u1", "李娜", "+8613912345678", "A1", "public"),  # the group's Chinese label
        ("u1", "王伟", "+8613912345679", "12345", "client"),
        ("u2", "赵敏", "+8613912345680", "", ""),
    ]
    with make_uow() as uow:
        dates = uow.session.execute(select(FrameEntry.service_date).order_by(FrameEntry.id)).scalars().all()
    assert dates == [date(2026, 2, 3), date(2026, 2, 4), date(2026, 2, 5)]


def test_bad_numbers_duplicates_and_do_not_call_rows_are_skipped_and_reported_by_line(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    sampling.import_do_not_call(make_uow(), sup, frame_csv([("13800000099",)], header=("phone",)), "dnc.csv")
    rows = [
        ("u1", "甲", "13800000001", "", "", ""),  # line 2
        ("u1", "乙", "027-8888 1234", "", "", ""),  # line 3: a landline
        ("u1", "丙", "+86 138 0000 0001", "", "", ""),  # line 4: line 2's number again
        ("u2", "丁", "13800000001", "", "", ""),  # line 5: same number, other unit: fine
        ("u1", "戊", "", "", "", ""),  # line 6: no number
        ("u3", "己", "138-0000-0099", "", "", ""),  # line 7: do not call
    ]
    report = sampling.import_frame(make_uow(), sup, "c1", frame_csv(rows), "f.csv")

    assert not report.refused and report.stored == 2
    assert [(d.line, d.column, d.kind) for d in report.defects] == [
        (3, "phone", "invalid_phone"),
        (4, "phone", "duplicate"),
        (6, "phone", "invalid_phone"),
        (7, "phone", "do_not_call"),
    ]
    assert "line 2" in report.defects[1].message and "8888" not in str(report.defects[0])
    assert (report.skipped("invalid_phone"), report.skipped("duplicate"), report.skipped("do_not_call")) == (
        2,
        1,
        1,
    )
    assert [(unit, ph) for unit, _, ph, *_ in entries(make_uow)] == [
        ("u1", "+8613800000001"),
        ("u2", "+8613800000001"),
    ]

    # the same file again: every number is already in the campaign's frame, nothing is stored
    again = sampling.import_frame(make_uow(), sup, "c1", frame_csv(rows), "f.csv")
    assert again.stored == 0 and again.frame_id is None and again.skipped("duplicate") == 3
    assert count(make_uow, SamplingFrame) == 1


def test_a_structural_defect_refuses_the_whole_file_and_the_check_lists_every_defect(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    rows = [
        ("u1", "甲", "13800000001", "2026-01-01", "", ""),
        ("u9", "乙", "13800000002", "2026-01-01", "", ""),  # line 3: not in the campaign
        ("u1", "丙", "12345", "yesterday", "", "deputy"),  # line 4: three defects
    ]
    data = frame_csv(rows)
    checked = sampling.check_frame(make_uow(), sup, "c1", data, "f.csv")
    assert checked.refused and checked.stored == 0
    assert [(d.line, d.column, d.kind) for d in checked.defects] == [
        (3, "unit_id", "structure"),
        (4, "phone", "invalid_phone"),
        (4, "respondent_group", "structure"),
        (4, "service_date", "structure"),
    ]
    assert "u9" in checked.defects[0].message and "public" in checked.defects[2].message

    with pytest.raises(FrameRefused, match="nothing was stored") as refused:
        sampling.import_frame(make_uow(), sup, "c1", data, "f.csv")
    assert refused.value.report.defects == checked.defects
    assert count(make_uow, FrameEntry) == 0 and count(make_uow, SamplingFrame) == 0
    assert count(make_uow, AuditEntry) == 0

    missing = frame_csv([("u1", "13800000001")], header=("unit_id", "mobile"))
    with pytest.raises(FrameRefused) as refused:
        sampling.import_frame(make_uow(), sup, "c1", missing, "m.csv")
    (defect,) = refused.value.report.defects
    assert (defect.line, defect.kind) == (1, "structure") and '"name"' in defect.message


FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1")


def test_names_a_spreadsheet_would_take_for_formulas_refuse_the_frame(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    rows = [("u1", "甲", "13800000001", "", "", "")] + [
        ("u1", name, f"1380000001{k}", "", "", "") for k, name in enumerate(FORMULAS)
    ]
    checked = sampling.check_frame(make_uow(), sup, "c1", frame_csv(rows), "f.csv")
    assert [(d.line, d.column, d.kind, d.key) for d in checked.defects] == [
        (line, "name", "structure", "import.defect.formula_like") for line in range(3, 3 + len(FORMULAS))
    ]
    assert "formula" in checked.defects[0].message and "f.csv, line 3, column name" in str(checked.defects[0])
    with pytest.raises(FrameRefused):
        sampling.import_frame(make_uow(), sup, "c1", frame_csv(rows), "f.csv")
    assert count(make_uow, FrameEntry) == 0 and count(make_uow, SamplingFrame) == 0

    # the frame is named after its file unless named otherwise: that name is checked too
    good = frame_csv(rows[:1])
    with pytest.raises(FrameRefused) as refused:
        sampling.import_frame(make_uow(), sup, "c1", good, "=cmd.csv")
    assert [(d.line, d.column, d.key) for d in refused.value.report.defects] == [
        (None, None, "import.defect.formula_like")
    ]
    with pytest.raises(FrameRefused):
        sampling.import_frame(make_uow(), sup, "c1", good, "f.csv", frame_name="@SUM(1)")
    assert sampling.import_frame(make_uow(), sup, "c1", good, "f.csv", frame_name="办件库 -1").stored == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00garbage\x81", "neither UTF-8 nor GBK"),
        (b"PK\x03\x04not really a workbook", "Excel"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    make_uow: MakeUow, sup: CurrentUser, data: bytes, message: str
) -> None:
    report = sampling.check_frame(make_uow(), sup, "c1", data, "x.csv")
    assert report.refused and message in report.defects[0].message


def test_frames_change_only_in_draft_or_fieldwork_and_only_for_admins_and_supervisors(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    data = frame_csv(people("u1", 2))
    caller = add_user(make_uow, "caller1", Role.caller)
    admin = add_user(make_uow, "admin1", Role.admin)
    with pytest.raises(PermissionDenied, match="may not manage sampling frames"):
        sampling.import_frame(make_uow(), caller, "c1", data, "f.csv")
    with pytest.raises(PermissionDenied, match="sign in first"):
        sampling.frame_summary(make_uow(), None, "c1")
    assert sampling.import_frame(make_uow(), admin, "c1", data, "f.csv").stored == 2
    set_status(make_uow, "c1", CampaignStatus.scoring)
    with pytest.raises(Refused, match="only in draft or fieldwork"):
        sampling.import_frame(make_uow(), sup, "c1", frame_csv(people("u2", 2)), "f.csv")
    with pytest.raises(NotFound):
        sampling.check_frame(make_uow(), sup, "nope", data, "f.csv")


def test_the_do_not_call_list_keeps_only_keyed_hashes_and_blocks_frame_rows(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    sampling.import_frame(make_uow(), sup, "c1", frame_csv(people("u1", 4)), "f.csv")
    dnc = frame_csv([(phone(1), "本人要求"), ("not a number", ""), (phone(2), "")], header=("手机号", "原因"))
    report = sampling.import_do_not_call(make_uow(), sup, dnc, "拒访.csv", reason="投诉")
    assert (report.rows, report.added, report.already_listed) == (3, 2, 0)
    assert [(d.line, d.kind) for d in report.defects] == [(3, "invalid_phone")]
    with make_uow() as uow:
        listed = dict(uow.session.execute(select(DoNotCall.phone_hash, DoNotCall.reason)).all())
    assert listed == {crypto.phone_hash(phone(1)): "本人要求", crypto.phone_hash(phone(2)): "投诉"}

    again = sampling.import_do_not_call(make_uow(), sup, frame_csv([(phone(1),)], header=("phone",)), "d.csv")
    assert (again.added, again.already_listed) == (0, 1)
    summary = sampling.frame_summary(make_uow(), sup, "c1")
    assert (summary.do_not_call, summary.blocked, summary.entries, summary.callable) == (2, 2, 4, 2)
    with pytest.raises(FrameRefused):
        sampling.import_do_not_call(make_uow(), sup, frame_csv([("x",)], header=("name",)), "d.csv")


# ---------------------------------------------------------------- design and draw


def import_people(
    make_uow: MakeUow,
    user: CurrentUser,
    sizes: dict[str, int],
    campaign: str = "c1",
    groups: tuple[str, ...] = ("public",),
    shuffle: int | None = None,
) -> None:
    rows = [row for k, (unit, n) in enumerate(sizes.items()) for row in people(unit, n, 1000 * k, groups)]
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    report = sampling.import_frame(make_uow(), user, campaign, frame_csv(rows), "f.csv")
    assert report.stored == len(rows)


def cases(
    make_uow: MakeUow, campaign_id: int | None = None
) -> list[tuple[str, str, str, int, str, int | None]]:
    """(code, unit, phone hash, batch, group, caller id) of every case, in code order."""
    with make_uow() as uow:
        query = (
            select(
                PhoneCase.code,
                Unit.code,
                FrameEntry.phone_hash,
                PhoneCase.batch,
                PhoneCase.respondent_group,
                PhoneCase.caller_id,
            )
            .join(Unit, Unit.id == PhoneCase.unit_id)
            .join(FrameEntry, FrameEntry.id == PhoneCase.frame_entry_id)
            .order_by(PhoneCase.campaign_id, PhoneCase.code)
        )
        if campaign_id is not None:
            query = query.where(PhoneCase.campaign_id == campaign_id)
        return [tuple(r) for r in uow.session.execute(query)]  # type: ignore[misc]


PARAMS = DesignParams(margin_of_error=0.15, response_rate=0.5, attempts_per_case=3.0)


def test_the_preview_is_the_design_of_the_callable_frame(make_uow: MakeUow, sup: CurrentUser) -> None:
    import_people(make_uow, sup, {"u1": 40, "u2": 12})
    design = sampling.preview_design(make_uow(), sup, "c1", PARAMS)

    assert design == design_sample({"u1": {"public": 40}, "u2": {"public": 12}, "u3": {}}, PARAMS)
    u1, u2, u3 = design.units
    # n0 = 1.959964² · 0.25 / 0.15² = 42.68; FPC with N = 40: 42.68 / (1 + 41.68/40) = 20.9 → 21
    assert (u1.frame_size, u1.target_completes, u1.to_draw, u1.capped) == (40, 21, 40, True)
    # N = 12: 42.68 / (1 + 41.68/12) = 9.5 → 10
    assert (u2.target_completes, u2.to_draw) == (10, 12)
    assert (u3.frame_size, u3.to_draw) == (0, 0)
    assert (design.to_draw, design.expected_completes, design.expected_calls) == (52, 26.0, 156.0)
    assert count(make_uow, PhoneCase) == 0 and count(make_uow, PhoneSample) == 0


def test_the_draw_creates_unassigned_cases_and_records_the_sample_once(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    import_people(make_uow, sup, {"u1": 60, "u2": 30})
    params = DesignParams(margin_of_error=0.2, response_rate=0.6)
    preview = sampling.preview_design(make_uow(), sup, "c1", params)
    result = sampling.draw_sample(make_uow(), sup, "c1", params, 20260301, expected_to_draw=preview.to_draw)

    drawn = cases(make_uow)
    assert result.cases == len(drawn) == preview.to_draw and result.design == preview
    assert [c[0] for c in drawn] == [f"P26-{n:06d}" for n in range(1, len(drawn) + 1)]
    assert (result.first_code, result.last_code) == (drawn[0][0], drawn[-1][0])
    assert {(batch, group, caller) for *_, batch, group, caller in drawn} == {(1, "public", None)}
    per_unit = {u.unit: u.to_draw for u in preview.units}
    assert [c[1] for c in drawn] == ["u1"] * per_unit["u1"] + ["u2"] * per_unit["u2"]
    # the draw is exactly the pure draw over the units' numbers sorted by their keyed hash
    with make_uow() as uow:
        hashes = {
            unit: uow.session.execute(
                select(FrameEntry.phone_hash)
                .join(Unit, Unit.id == FrameEntry.unit_id)
                .where(Unit.code == unit)
            )
            .scalars()
            .all()
            for unit in ("u1", "u2")
        }
        sample = uow.session.execute(select(PhoneSample)).scalar_one()
        assert (sample.seed, sample.drawn_by) == (20260301, "sup1")
        assert (
            sample.design["units"]["u1"]["N"] == 60 and sample.design["units"]["u1"]["draw"] == per_unit["u1"]
        )
        assert sample.design["params"]["response_rate"] == 0.6
        assert sample.design["totals"]["draw"] == len(drawn)
        actions = uow.session.execute(select(AuditEntry.action)).scalars().all()
    for unit in ("u1", "u2"):
        assert [c[2] for c in drawn if c[1] == unit] == list(
            draw(hashes[unit], per_unit[unit], 20260301, 1, unit)
        )
    assert actions[-1] == "sample.draw"

    with pytest.raises(Refused, match="already has its phone sample"):
        sampling.draw_sample(make_uow(), sup, "c1", params, 1)
    assert len(cases(make_uow)) == len(drawn)


def test_the_draw_does_not_depend_on_the_order_of_the_frame_rows(make_uow: MakeUow, sup: CurrentUser) -> None:
    seed_campaign(make_uow, "c2", status=CampaignStatus.fieldwork)
    import_people(make_uow, sup, {"u1": 50, "u2": 25}, "c1")
    import_people(make_uow, sup, {"u1": 50, "u2": 25}, "c2", shuffle=7)
    params = DesignParams(margin_of_error=0.2, response_rate=0.8)
    sampling.draw_sample(make_uow(), sup, "c1", params, 99)
    sampling.draw_sample(make_uow(), sup, "c2", params, 99)
    with make_uow() as uow:
        ids = dict(uow.session.execute(text("SELECT code, id FROM campaign")).all())
    first = [(unit, h) for _, unit, h, *_ in cases(make_uow, ids["c1"])]
    second = [(unit, h) for _, unit, h, *_ in cases(make_uow, ids["c2"])]
    assert first == second and len(first) > 20


def test_quotas_spread_each_unit_over_its_respondent_groups(make_uow: MakeUow, sup: CurrentUser) -> None:
    import_people(make_uow, sup, {"u1": 60}, groups=("public", "public", "client"))
    params = DesignParams(margin_of_error=0.2, response_rate=0.5, quotas=True)
    result = sampling.draw_sample(make_uow(), sup, "c1", params, 5)
    (u1, *_) = result.design.units
    assert [(g, n) for g, n, _, _ in u1.groups] == [("client", 20), ("public", 40)]
    drawn = cases(make_uow)
    by_group = {g: sum(1 for c in drawn if c[4] == g) for g in ("client", "public")}
    assert by_group == {g: d for g, _, d, _ in u1.groups}
    assert by_group["public"] == 2 * by_group["client"]


def test_the_draw_is_refused_when_not_allowed_or_not_possible(make_uow: MakeUow, sup: CurrentUser) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    with pytest.raises(PermissionDenied, match="assign_cases"):
        sampling.draw_sample(make_uow(), admin, "c1", PARAMS, 1)
    with pytest.raises(Refused, match="import a sampling frame"):
        sampling.draw_sample(make_uow(), sup, "c1", PARAMS, 1)
    import_people(make_uow, sup, {"u1": 20})
    with pytest.raises(Refused, match="changed since the preview"):
        sampling.draw_sample(make_uow(), sup, "c1", PARAMS, 1, expected_to_draw=3)
    with pytest.raises(Refused, match="seed"):
        sampling.draw_sample(make_uow(), sup, "c1", PARAMS, -1)
    with pytest.raises(Refused, match="response rate"):
        sampling.draw_sample(make_uow(), sup, "c1", DesignParams(response_rate=0), 1)
    set_status(make_uow, "c1", CampaignStatus.review)
    with pytest.raises(Refused, match="only in draft or fieldwork"):
        sampling.draw_sample(make_uow(), sup, "c1", PARAMS, 1)
    assert count(make_uow, PhoneCase) == 0 and count(make_uow, PhoneSample) == 0


# ---------------------------------------------------------------- replacement batches


def close_cases(make_uow: MakeUow, disposition: str, limit: int | None = None, unit: str = "u1") -> None:
    with make_uow() as uow:
        unit_id = uow.session.execute(select(Unit.id).where(Unit.code == unit)).scalar_one()
        ids = (
            uow.session.execute(
                select(PhoneCase.id)
                .where(PhoneCase.unit_id == unit_id, PhoneCase.disposition == "")
                .order_by(PhoneCase.code)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        uow.session.execute(
            update(PhoneCase).where(PhoneCase.id.in_(ids)).values(disposition=disposition, attempts=1)
        )
        uow.commit()


def test_a_worked_out_batch_short_of_its_target_releases_the_next_from_the_rest_of_the_frame(
    make_uow: MakeUow, sup: CurrentUser
) -> None:
    import_people(make_uow, sup, {"u1": 100, "u2": 10})
    params = DesignParams(margin_of_error=0.2, response_rate=0.5)  # u1: target 20, draw 40
    sampling.draw_sample(make_uow(), sup, "c1", params, 42)
    status = {u.unit_code: u for u in sampling.sample_status(make_uow(), sup, "c1").units}  # type: ignore[union-attr]
    assert (status["u1"].target_completes, status["u1"].batch_cases, status["u1"].eligible) == (20, 40, False)
    assert "still open" in status["u1"].reason and status["u3"].reason == "not in the sample"
    with pytest.raises(Refused, match="still open"):
        sampling.release_replacement_batch(make_uow(), sup, "c1", "u1")

    close_cases(make_uow, "1.1", limit=14)  # 14 completes of 20
    close_cases(make_uow, "2.20")  # the rest: non-contacts
    info = sampling.sample_status(make_uow(), sup, "c1")
    assert info is not None and info.eligible_units == ("u1",)
    first = {c[2] for c in cases(make_uow)}
    batch = sampling.release_replacement_batch(make_uow(), sup, "c1", "u1")

    # shortfall 6 / response rate 0.5 = 12, from the 60 numbers not yet drawn
    assert (batch.batch, batch.cases) == (2, 12)
    new = [c for c in cases(make_uow) if c[3] == 2]
    assert len(new) == 12 and not {c[2] for c in new} & first and {c[1] for c in new} == {"u1"}
    assert (new[0][0], new[-1][0]) == (batch.first_code, batch.last_code)
    with make_uow() as uow:
        sample = uow.session.execute(select(PhoneSample)).scalar_one()
        assert [b["batch"] for b in sample.design["batches"]] == [1, 2]
        remaining = (
            uow.session.execute(
                select(FrameEntry.phone_hash)
                .join(Unit, Unit.id == FrameEntry.unit_id)
                .where(Unit.code == "u1")
            )
            .scalars()
            .all()
        )
    # the same seed on the stream of batch 2, over what was left
    left = sorted(set(remaining) - first)
    assert [c[2] for c in new] == list(draw(left, 12, 42, 2, "u1"))
    with pytest.raises(Refused, match="still open"):
        sampling.release_replacement_batch(make_uow(), sup, "c1", "u1")

    close_cases(make_uow, "1.1")  # 26 completes now: target reached
    with pytest.raises(Refused, match="target reached"):
        sampling.release_replacement_batch(make_uow(), sup, "c1", "u1")
    close_cases(make_uow, "2.10", unit="u2")  # u2's whole frame was drawn
    with pytest.raises(Refused, match="frame exhausted"):
        sampling.release_replacement_batch(make_uow(), sup, "c1", "u2")
    with pytest.raises(NotFound):
        sampling.release_replacement_batch(make_uow(), sup, "c1", "u9")
