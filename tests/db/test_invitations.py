"""Invitation tokens: issued in batches by admins, stored only as hashes, spent once."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from db.models import AuditEntry, Base, CampaignStatus, Invitation, Role, Unit
from services import invitations
from services.defects import LabelRefused
from services.errors import NotFound, Refused
from services.invitations import (
    CampaignClosed,
    InvitationUsed,
    UnknownInvitation,
    issue_batch,
    peek,
    qr_sheet_pdf,
    redeem,
    survey_link,
)
from services.permissions import PermissionDenied
from tests.db.kit import T0, Clock, MakeUow, add_user, audit_actions, seed_campaign, set_status

BASE_URL = "https://pingyi.example.cn/survey"


@pytest.fixture
def admin(make_uow: MakeUow):  # type: ignore[no-untyped-def]
    return add_user(make_uow, "admin1", Role.admin)


def invitation_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(Invitation)).scalar_one()


def all_rows_text(make_uow: MakeUow) -> str:
    """Every value of every table, as text."""
    parts: list[str] = []
    with make_uow() as uow:
        for table in Base.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in uow.session.execute(select(table)))
    return "\n".join(parts)


def test_a_batch_creates_distinct_tokens_and_stores_only_their_hashes(
    make_uow: MakeUow, admin: Any, database_url: str
) -> None:
    seed_campaign(make_uow)

    issued = issue_batch(make_uow(), admin, "c1", "u2", 25)

    tokens = [i.token for i in issued]
    assert len(tokens) == len(set(tokens)) == 25
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", t) for t in tokens)  # ≥ 128 bits, URL-safe
    assert {(i.campaign_code, i.unit_code, i.unit_name, i.kind) for i in issued} == {
        ("c1", "u2", "单位u2", "ticket")
    }
    with make_uow() as uow:
        rows = uow.session.execute(select(Invitation).order_by(Invitation.id)).scalars().all()
        u2 = uow.session.execute(select(Unit.id).where(Unit.code == "u2")).scalar_one()
        uow.session.expunge_all()  # keep the loaded rows readable after the block
    assert [r.id for r in rows] == [i.invitation_id for i in issued]
    assert [r.token_hash for r in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    assert {r.unit_id for r in rows} == {u2} and all(r.used_at is None for r in rows)
    assert [r.reference for r in rows] == [i.reference for i in issued] == [f"u2-{r.id:06d}" for r in rows]
    # no token text anywhere: not in any table (audit trail included) ...
    dump = all_rows_text(make_uow)
    assert not [t for t in tokens if t in dump]
    # ... nor in SQLite's files
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert not [t for t in tokens if t.encode() in raw]
    assert audit_actions(make_uow) == [("admin1", "invitation.issue_batch")]
    with make_uow() as uow:
        entry = uow.session.execute(select(AuditEntry)).scalar_one()
        uow.session.expunge_all()
    assert (entry.entity, entry.entity_id) == ("campaign_unit", "c1/u2")
    assert entry.after == {"kind": "ticket", "count": 25, "invitation_ids": [r.id for r in rows]}


def test_references_are_kept_for_hotline_cases(make_uow: MakeUow, admin: Any) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    issued = issue_batch(make_uow(), admin, "c1", "u1", 2, kind="hotline", references=["12345-1", " 678 "])

    assert [(i.kind, i.reference) for i in issued] == [("hotline", "12345-1"), ("hotline", "678")]
    with pytest.raises(Refused, match="2 references given for 3"):
        issue_batch(make_uow(), admin, "c1", "u1", 3, references=["a", "b"])
    # references go into the links CSV: one a spreadsheet would run refuses the batch
    with pytest.raises(LabelRefused, match="formula"):
        issue_batch(make_uow(), admin, "c1", "u1", 2, references=["12345-2", '=HYPERLINK("http://x","y")'])
    assert invitation_count(make_uow) == 2


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("c9", "u1", 1), NotFound, "no campaign has the code 'c9'"),
        (("c1", "u9", 1), NotFound, "unit 'u9' is not appraised in campaign c1"),
        (("c1", "u1", 0), Refused, "a batch holds 1 to"),
        (("c1", "u1", 1, "email"), Refused, "unknown invitation kind 'email'"),
    ],
)
def test_bad_batch_requests_are_refused(
    make_uow: MakeUow, admin: Any, args: tuple[Any, ...], error: type, message: str
) -> None:
    seed_campaign(make_uow)

    with pytest.raises(error, match=message):
        issue_batch(make_uow(), admin, *args)
    assert invitation_count(make_uow) == 0


@pytest.mark.parametrize("role", [Role.supervisor, Role.caller, Role.liaison])
def test_only_admins_issue_invitations(make_uow: MakeUow, role: Role) -> None:
    seed_campaign(make_uow)
    user = add_user(make_uow, "someone", role, unit_code="u1" if role == Role.liaison else None)

    with pytest.raises(PermissionDenied, match="may not configure_campaign"):
        issue_batch(make_uow(), user, "c1", "u1", 3)
    with pytest.raises(PermissionDenied, match="sign in first"):
        issue_batch(make_uow(), None, "c1", "u1", 3)
    assert invitation_count(make_uow) == 0
    assert audit_actions(make_uow) == []


@pytest.mark.parametrize("status", [CampaignStatus.scoring, CampaignStatus.published, CampaignStatus.final])
def test_invitations_are_issued_only_in_draft_or_fieldwork(
    make_uow: MakeUow, admin: Any, status: CampaignStatus
) -> None:
    seed_campaign(make_uow, status=status)

    with pytest.raises(Refused, match="can be issued only in draft or fieldwork"):
        issue_batch(make_uow(), admin, "c1", "u1", 3)
    assert invitation_count(make_uow) == 0


def test_a_token_is_redeemed_once(make_uow: MakeUow, admin: Any) -> None:
    seed_campaign(make_uow)
    first, second = issue_batch(make_uow(), admin, "c1", "u3", 2, references=["W-1", "W-2"])
    set_status(make_uow, "c1", CampaignStatus.fieldwork)

    info = peek(make_uow(), first.token)
    assert (info.campaign_code, info.unit_code, info.unit_name, info.reference) == (
        "c1",
        "u3",
        "单位u3",
        "W-1",
    )
    invitation = redeem(make_uow(), first.token, clock=Clock())

    assert invitation.id == first.invitation_id and invitation.used_at is not None
    with pytest.raises(InvitationUsed, match="already been used"):
        redeem(make_uow(), first.token)
    with pytest.raises(InvitationUsed):
        peek(make_uow(), first.token)
    with make_uow() as uow:
        used = dict(uow.session.execute(select(Invitation.id, Invitation.used_at)).all())
    assert used[second.invitation_id] is None
    assert used[first.invitation_id].replace(tzinfo=None) == T0.replace(tzinfo=None)
    assert redeem(make_uow(), second.token).id == second.invitation_id


@pytest.mark.parametrize("token", ["no-such-token-at-all-xyz", "", "x" * 500])
def test_an_unknown_token_is_refused(make_uow: MakeUow, admin: Any, token: str) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    issue_batch(make_uow(), admin, "c1", "u1", 2)

    with pytest.raises(UnknownInvitation, match="not valid"):
        redeem(make_uow(), token)
    with pytest.raises(NotFound):  # UnknownInvitation is also a NotFound
        peek(make_uow(), token)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (CampaignStatus.draft, "has not opened yet"),
        (CampaignStatus.scoring, "is closed"),
        (CampaignStatus.final, "is closed"),
    ],
)
def test_a_token_of_a_campaign_not_in_fieldwork_is_refused(
    make_uow: MakeUow, admin: Any, status: CampaignStatus, message: str
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    (issued,) = issue_batch(make_uow(), admin, "c1", "u1", 1)
    set_status(make_uow, "c1", status)

    with pytest.raises(CampaignClosed, match=message):
        redeem(make_uow(), issued.token)
    with make_uow() as uow:
        assert uow.session.execute(select(Invitation.used_at)).scalar_one() is None


def test_a_token_spent_between_check_and_update_is_refused(
    make_uow: MakeUow, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row count of the conditional UPDATE decides, not the earlier read."""
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    (issued,) = issue_batch(make_uow(), admin, "c1", "u1", 1)
    original = invitations._find

    def find_then_lose_the_race(uow: Any, token: str) -> Any:
        found = original(uow, token)
        # another redemption wins right after our check
        uow.session.execute(
            update(Invitation).values(used_at=T0).execution_options(synchronize_session=False)
        )
        return found

    monkeypatch.setattr(invitations, "_find", find_then_lose_the_race)

    with pytest.raises(InvitationUsed):
        redeem(make_uow(), issued.token)


def race(make_uow: MakeUow, token: str, contenders: int = 2) -> list[str]:
    """``contenders`` threads, released together, each redeem ``token``; their outcomes."""
    barrier = threading.Barrier(contenders)
    outcomes: list[str] = []
    lock = threading.Lock()

    def spend() -> None:
        barrier.wait()
        try:
            redeem(make_uow(), token)
            outcome = "ok"
        except InvitationUsed:
            outcome = "used"
        except BaseException as exc:  # reported by the caller's assertion
            outcome = repr(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=spend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_concurrent_redemptions_of_one_token_let_exactly_one_through(
    make_uow: MakeUow, admin: Any
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    issued = issue_batch(make_uow(), admin, "c1", "u1", 8)

    for invitation in issued:
        assert race(make_uow, invitation.token) == ["ok", "used"]
    assert race(make_uow, issued[0].token, contenders=4) == ["used"] * 4
    with make_uow() as uow:
        assert uow.session.execute(select(Invitation.used_at)).scalars().all().count(None) == 0


def test_survey_link_carries_the_token() -> None:
    assert survey_link("https://x.cn/s/", "abc-_1") == "https://x.cn/s/a?t=abc-_1"


def test_the_qr_sheet_is_a_pdf_with_the_cjk_font(make_uow: MakeUow, admin: Any) -> None:
    seed_campaign(make_uow)
    issued = issue_batch(make_uow(), admin, "c1", "u1", 14)

    pdf = qr_sheet_pdf(issued, BASE_URL, "2026年基层站所评议 邀请码")

    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") == 2 or pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 2
    assert pdf.count(b"/Subtype /Image") == 14
    # .ci/run installs fonts-noto-cjk; the built-in fallback has its own test below
    if invitations.CJK_FONT_PATH.is_file():
        assert b"+NotoSansCJKSC" in pdf and b"/FontFile" in pdf  # embedded (subset)


def test_the_qr_sheet_falls_back_to_a_builtin_font(make_uow: MakeUow, admin: Any, tmp_path: Path) -> None:
    seed_campaign(make_uow)
    issued = issue_batch(make_uow(), admin, "c1", "u1", 3)

    pdf = qr_sheet_pdf(issued, BASE_URL, "评议 sheet", font_path=tmp_path / "missing.ttc")

    assert pdf.startswith(b"%PDF-")
    assert b"Helvetica" in pdf and b"NotoSansCJK" not in pdf
    assert pdf.count(b"/Subtype /Image") == 3


def test_long_names_and_references_fit_the_sheet() -> None:
    issued = [
        invitations.IssuedInvitation(
            invitation_id=n,
            token=f"token-{n}",
            campaign_code="c1",
            unit_code="u1",
            unit_name="某某市某某区人力资源和社会保障局社会保险经办中心第三服务窗口" * 2,
            kind="hotline",
            reference="12345-" + "9" * 40,
        )
        for n in range(13)
    ]

    pdf = qr_sheet_pdf(issued, BASE_URL, "长名称测试")

    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Subtype /Image") == 13


def test_an_answer_sheet_spends_its_invitation_once_and_a_refused_one_leaves_it_unspent(
    make_uow: MakeUow, admin: Any
) -> None:
    from db.models import SurveyResponse
    from services.responses import submit_response

    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    token, other_unit = (i.token for i in issue_batch(make_uow(), admin, "c1", "u1", 2))
    answers = {"q1": "s", "q2": "x"}  # option codes of the seeded scale

    # a sheet that fails validation does not burn the token
    with pytest.raises(Refused):
        submit_response(make_uow(), "c1", "u1", "public", {"q1": "no such option"}, invitation_token=token)
    peek(make_uow(), token)  # still usable: peek refuses a spent token
    # a token is for its own unit only
    with pytest.raises(Refused, match="another unit"):
        submit_response(make_uow(), "c1", "u2", "public", answers, invitation_token=other_unit)
    peek(make_uow(), other_unit)

    code = submit_response(make_uow(), "c1", "u1", "public", answers, invitation_token=token)
    with pytest.raises(InvitationUsed):
        submit_response(make_uow(), "c1", "u1", "public", answers, invitation_token=token)
    with make_uow() as uow:
        rows = uow.session.execute(select(SurveyResponse.code, SurveyResponse.invitation_id)).all()
        spent = (
            uow.session.execute(select(Invitation.id).where(Invitation.used_at.is_not(None))).scalars().all()
        )
    assert [r.code for r in rows] == [code]
    assert rows[0].invitation_id == spent[0] and len(spent) == 1


# ---------------------------------------------------------------- what the issuing page shows


def test_campaigns_open_for_issuing_are_those_in_draft_or_fieldwork(make_uow: MakeUow, admin: Any) -> None:
    for code, status in [
        ("old", CampaignStatus.final),
        ("plan", CampaignStatus.draft),
        ("now", CampaignStatus.fieldwork),
        ("scored", CampaignStatus.scoring),
    ]:
        seed_campaign(make_uow, code, status=status)

    campaigns = invitations.issuable_campaigns(make_uow(), admin)

    assert [(c.code, c.status) for c in campaigns] == [
        ("now", CampaignStatus.fieldwork),  # fieldwork first
        ("plan", CampaignStatus.draft),
    ]
    assert {c.name for c in campaigns} == {"测试评议"} and {c.year for c in campaigns} == {2026}


def test_the_summary_counts_issued_and_used_codes_per_unit(make_uow: MakeUow, admin: Any) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    seed_campaign(make_uow, "other", status=CampaignStatus.fieldwork)
    u3 = issue_batch(make_uow(), admin, "c1", "u3", 4)
    issue_batch(make_uow(), admin, "c1", "u1", 2, kind="sms")
    issue_batch(make_uow(), admin, "other", "u1", 5)  # another campaign: not counted
    redeem(make_uow(), u3[0].token)
    redeem(make_uow(), u3[2].token)

    summary = invitations.invitation_summary(make_uow(), admin, "c1")

    assert [(s.unit_code, s.unit_name, s.category, s.issued, s.used, s.unused) for s in summary] == [
        ("u1", "单位u1", "站所", 2, 0, 2),
        ("u2", "单位u2", "站所", 0, 0, 0),  # every unit of the campaign, in its order
        ("u3", "单位u3", "站所", 4, 2, 2),
    ]


@pytest.mark.parametrize("role", [Role.supervisor, Role.caller, Role.liaison])
def test_only_admins_see_the_issuing_lists(make_uow: MakeUow, role: Role) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    user = add_user(make_uow, "x", role, unit_code="u1" if role == Role.liaison else None)

    with pytest.raises(PermissionDenied):
        invitations.issuable_campaigns(make_uow(), user)
    with pytest.raises(PermissionDenied):
        invitations.invitation_summary(make_uow(), user, "c1")
    with pytest.raises(PermissionDenied):
        invitations.issuable_campaigns(make_uow(), None)


def test_the_summary_of_an_unknown_campaign_is_not_found(make_uow: MakeUow, admin: Any) -> None:
    with pytest.raises(NotFound):
        invitations.invitation_summary(make_uow(), admin, "nope")


def test_the_links_csv_opens_in_excel_and_carries_one_link_per_code(make_uow: MakeUow, admin: Any) -> None:
    seed_campaign(make_uow)
    issued = issue_batch(
        make_uow(), admin, "c1", "u1", 3, kind="sms", references=["短信-1", "短信-2", "短信-3"]
    )

    data = invitations.links_csv(issued, BASE_URL + "/", header=("编号", "评议链接"))

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "编号,评议链接" and lines[-1] == ""
    assert lines[1:-1] == [f"{i.reference},{survey_link(BASE_URL, i.token)}" for i in issued]
    assert invitations.links_csv(issued[:1], BASE_URL).decode("utf-8-sig").startswith("reference,link\r\n")
