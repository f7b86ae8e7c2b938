"""The staff page for invitation codes: issue a batch for one unit, download the QR sheet
and the links at once, and see how many codes each unit has issued and used."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, CampaignStatus, Invitation, Role, Unit
from services.invitations import redeem
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import LANGS, t

PAGE = "app_pages/invitations.py"
PUBLIC = "https://pingyi.example.gov.cn"


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page's download buttons serve, by file name (AppTest keeps the files in a
    media storage that is gone after the run)."""
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename is not None and isinstance(path_or_data, bytes):
            served[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return served


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "zh", url: str | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    if url is not None:
        at.context["url"] = url
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def issue(at: AppTest, unit: str, count: int, kind: str = "ticket", references: str = "") -> AppTest:
    at.selectbox(key="invitations.unit").set_value(unit)
    at.number_input(key="invitations.count").set_value(count)
    at.radio(key="invitations.kind").set_value(kind)
    at.text_area(key="invitations.references").input(references)
    at.button[0].click()  # the form's submit button comes first
    at.run()
    assert not at.exception
    return at


def stored(make_uow: MakeUow) -> list[tuple[str, str, str, str]]:
    """(unit code, kind, reference, token hash) of every invitation."""
    with make_uow() as uow:
        return [
            tuple(row)  # type: ignore[misc]
            for row in uow.session.execute(
                select(Unit.code, Invitation.kind, Invitation.reference, Invitation.token_hash)
                .join(Unit, Unit.id == Invitation.unit_id)
                .order_by(Invitation.id)
            )
        ]


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese header as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def test_issuing_a_batch_stores_its_hashes_and_hands_over_the_sheet_and_the_links(
    repo_root: Path,
    make_uow: MakeUow,
    admin: CurrentUser,
    downloads: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APPRAISAL_PUBLIC_URL", PUBLIC + "/")
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)
    assert [c.value for c in at.caption if PUBLIC in c.value]  # the address the codes point to

    issue(at, "u2", 5)

    assert not at.error
    assert [s.value for s in at.success] == [
        t(
            "invitations.batch.done",
            "zh",
            count=5,
            unit="单位u2",
            code="u2",
            kind=t("invitations.kind.ticket"),
        )
    ]
    assert t("invitations.batch.once", "zh") in [w.value for w in at.warning]
    rows = stored(make_uow)
    assert len(rows) == 5 and {(unit, kind) for unit, kind, _, _ in rows} == {("u2", "ticket")}
    labels = [b.label for b in at.download_button]
    assert labels == [t("invitations.batch.pdf", "zh"), t("invitations.batch.csv", "zh")]
    (pdf_name,) = [name for name in downloads if name.endswith(".pdf")]
    (csv_name,) = [name for name in downloads if name.endswith(".csv")]
    assert pdf_name.startswith("invitations-c1-u2-") and downloads[pdf_name].startswith(b"%PDF")
    header, *lines = parse_csv(downloads[csv_name])
    assert header == [t("invitations.csv.reference", "zh"), t("invitations.csv.link", "zh")]
    assert [reference for reference, _ in lines] == [reference for _, _, reference, _ in rows]
    prefix = f"{PUBLIC}/a?t="
    assert all(link.startswith(prefix) for _, link in lines)
    tokens = [link.removeprefix(prefix) for _, link in lines]
    assert [hashlib.sha256(token.encode()).hexdigest() for token in tokens] == [h for *_, h in rows]
    # the summary counts the batch
    table = at.dataframe[0].value
    assert table[["code", "issued", "used"]].values.tolist() == [["u2", 5, 0]]

    # a used code shows up in the summary; the batch stays downloadable until cleared
    redeem(make_uow(), tokens[0])
    at.run()
    assert at.dataframe[0].value[["code", "issued", "used"]].values.tolist() == [["u2", 5, 1]]
    assert len(at.download_button) == 2

    at.button(key="invitations.clear").click().run()
    assert not at.download_button and not at.success
    assert len(stored(make_uow)) == 5


def test_references_become_the_numbers_of_the_codes(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, downloads: dict[str, bytes]
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin, lang="en", url="http://10.1.2.3:8501/invitations")

    issue(at, "u1", 3, kind="hotline", references="12345-1\n\n12345-2\n 12345-3 \n")

    assert not at.error
    assert [(unit, kind, ref) for unit, kind, ref, _ in stored(make_uow)] == [
        ("u1", "hotline", "12345-1"),
        ("u1", "hotline", "12345-2"),
        ("u1", "hotline", "12345-3"),
    ]
    (csv_name,) = [name for name in downloads if name.endswith(".csv")]
    header, *lines = parse_csv(downloads[csv_name])
    assert header == ["Reference", "Link"]
    # without APPRAISAL_PUBLIC_URL the links use the origin of the staff member's address
    assert [ref for ref, _ in lines] == ["12345-1", "12345-2", "12345-3"]
    assert all(link.startswith("http://10.1.2.3:8501/a?t=") for _, link in lines)


def test_references_that_do_not_match_the_count_are_refused_and_nothing_is_written(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)

    issue(at, "u1", 3, references="A1\nA2")

    assert [e.value for e in at.error] == [t("invitations.error.references_count", "zh", given=2, count=3)]
    assert not at.download_button and not at.success
    assert stored(make_uow) == []


def test_a_unit_must_be_chosen(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)

    at.button[0].click().run()

    assert [e.value for e in at.error] == [t("invitations.error.no_unit", "zh")]
    assert stored(make_uow) == []


def test_only_campaigns_in_draft_or_fieldwork_are_offered(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "open", status=CampaignStatus.fieldwork)
    seed_campaign(make_uow, "next", status=CampaignStatus.draft)
    seed_campaign(make_uow, "closed", status=CampaignStatus.scoring)

    at = open_page(repo_root, admin)

    assert at.selectbox(key="invitations.campaign").options == [
        t("invitations.campaign_option", "zh", name="测试评议", code=code, status=status)
        for code, status in [("open", "实施中"), ("next", "筹备中")]
    ]


def test_a_campaign_closed_meanwhile_issues_nothing(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)
    set_status(make_uow, "c1", CampaignStatus.scoring)  # closed by someone else

    issue(at, "u1", 2)

    assert [i.value for i in at.info] == [t("invitations.no_campaigns", "zh")]
    assert not at.download_button and stored(make_uow) == []


def test_a_submission_for_a_campaign_that_left_the_list_is_not_moved_to_another(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "a", status=CampaignStatus.fieldwork)
    seed_campaign(make_uow, "b", status=CampaignStatus.draft)  # same units
    at = open_page(repo_root, admin)
    assert at.selectbox(key="invitations.campaign").value == "a"
    set_status(make_uow, "a", CampaignStatus.scoring)

    issue(at, "u1", 2)

    assert [e.value for e in at.error] == [t("invitations.error.campaign_changed", "zh", name="测试评议")]
    assert stored(make_uow) == []
    issue(at, "u1", 2)  # submitted again, knowingly, for the campaign now shown
    assert not at.error and len(stored(make_uow)) == 2


def test_a_refusal_of_the_service_is_shown_and_nothing_is_written(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)

    issue(at, "u1", 2, references="A1\n" + "9" * 101)  # longer than a reference may be

    assert len(at.error) == 1 and at.error[0].value.startswith("未能生成邀请码：")
    assert not at.download_button and not at.success
    assert stored(make_uow) == []
    with make_uow() as uow:
        assert not uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "invitation.issue_batch")
        ).all()


def test_with_no_open_campaign_the_page_says_so(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.final)

    at = open_page(repo_root, admin)

    assert [i.value for i in at.info] == [t("invitations.no_campaigns", "zh")]
    assert not at.selectbox and not at.button and not at.error


def run_page_alone(repo_root: Path, user: CurrentUser | None) -> AppTest:
    """The page script by itself, as if opened by its URL, with ``user`` signed in
    (what streamlit_app.py leaves in the session for the pages)."""
    at = AppTest.from_file(str(repo_root / PAGE), default_timeout=60)
    at.session_state[USER_KEY] = user
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("role", [Role.caller, Role.liaison, Role.supervisor])
def test_other_roles_see_no_form(repo_root: Path, make_uow: MakeUow, app_database: str, role: Role) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    user = add_user(make_uow, "someone", role, unit_code="u1" if role == Role.liaison else None)
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in their navigation

    at = run_page_alone(repo_root, user)  # opened anyway

    assert [w.value for w in at.warning] == [t("auth.not_allowed", "zh", role=t(f"role.{role}", "zh"))]
    assert not at.selectbox and not at.button and not at.download_button


def test_signed_out_the_page_asks_to_sign_in(repo_root: Path, make_uow: MakeUow, app_database: str) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    at = run_page_alone(repo_root, None)

    assert [i.value for i in at.info] == [t("auth.sign_in_first", "zh")]
    assert not at.selectbox and not at.button


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_renders_in_both_languages(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, lang: str
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.draft)

    at = open_page(repo_root, admin, lang=lang)

    assert not at.error
    assert at.title[0].value == t("nav.invitations", lang)
    assert at.radio(key="invitations.kind").options == [
        t(f"invitations.kind.{kind}", lang) for kind in ("ticket", "hotline", "sms")
    ]
    assert t("invitations.draft_note", lang) in [c.value for c in at.caption]
    # no public address configured and none from the browser: the local fallback is flagged
    assert t("invitations.local_address", lang, base="http://localhost:8501") in [w.value for w in at.warning]
    assert t("invitations.summary.none", lang) in [c.value for c in at.caption]
    assert at.selectbox(key="invitations.unit").options == [
        t("invitations.form.unit_option", lang, name=f"单位{u}", code=u) for u in ("u1", "u2", "u3")
    ]


def test_links_are_sent_by_sms_to_the_units_frame_through_the_simulator(
    repo_root: Path, app_database: str, make_uow: MakeUow
) -> None:
    from services.invitations import peek
    from survey.telephony import SIMULATOR
    from tests.db.test_telephony import seed_fieldwork

    field = seed_fieldwork(make_uow, entries=3)
    before = len(SIMULATOR.messages)
    at = open_page(repo_root, field.admin, url="https://pingyi.example.cn/invitations")

    at.selectbox(key="telephony.sms_unit").set_value("u1")
    next(b for b in at.button if b.label == t("telephony.sms.submit", "zh")).click().run()

    assert not at.exception
    assert [s.value for s in at.success] == [t("telephony.sms.sent", "zh", count=3)]
    sent = SIMULATOR.messages[before:]
    assert len(sent) == 3 and all(m.to.startswith("+86139") for m in sent)
    for message in sent:  # each SMS carries a valid single-use link to the unit's survey
        token = message.body.split("?t=", 1)[1].split()[0]
        assert peek(make_uow(), token).unit_code == "u1"
    next(b for b in at.button if b.label == t("telephony.sms.submit", "zh")).click().run()
    assert [i.value for i in at.info] == [t("telephony.sms.none", "zh")]  # nobody is invited twice
