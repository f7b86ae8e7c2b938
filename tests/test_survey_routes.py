"""The light answering path (ui/survey_routes.py) driven as a browser drives it, with
Starlette's TestClient, on SQLite and PostgreSQL: the token way and the verified-number way
from the first page to the receipt; every refusal in the page's own words (a used or
unknown token, a closed appraisal, a second answer, a wrong code, a comment over the limit,
a form without its CSRF token, an oversized body) with nothing stored; Chinese and English;
item sets; escaping, security headers, and no traceback ever."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.testclient import TestClient

from db.crypto import generate_key, normalize_cn_mobile, phone_hash
from db.models import CampaignStatus, CampaignUnit, Invitation, Item, Role, SurveyResponse
from services.invitations import issue_batch, survey_link
from survey.problems import MAX_COMMENT_CHARS
from survey.verification import PhoneVerification, SimulatedVerifier
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status
from ui.messages import t
from ui.survey_routes import (
    STATE_COOKIE,
    Safe,
    answer_app,
    answer_link,
    client_network,
    el,
    esc,
    seal,
    started_at,
    started_stamp,
    unseal,
)

NUMBER = "138 0013 8000"
LEAKS = ("Traceback", "/work/", "site-packages", ".py", "Error:")


# ---------------------------------------------------------------- a tiny browser


class Forms(HTMLParser):
    """The forms of a page as a browser would submit them: action, method and the
    successful controls' values (hidden and text inputs, checked boxes, selected options,
    text areas)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"), "fields": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in {"hidden", "text", "tel", "search"} or (
                kind in {"radio", "checkbox"} and "checked" in a
            ):
                fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            fields.append((a["name"], ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.forms[-1]["fields"][-1]
            if not value and data.startswith("\n"):
                data = data[1:]  # as browsers do: a newline right after <textarea> is not content
            self.forms[-1]["fields"][-1] = (name, value + data)

    def form(self, action_end: str) -> dict[str, Any]:
        return next(f for f in self.forms if f["action"].endswith(action_end))


def text_of(html: str) -> str:
    """The page's text as read (tags dropped, entities decoded)."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S)))


def submit(client: TestClient, page: str, action_end: str, *, to: str = "", **changes: Any) -> Any:
    """Post the form whose action ends with ``action_end`` with its current values, the
    named fields replaced (a list value: several values; None: left out); ``to`` posts it
    elsewhere, as a button's ``formaction`` does."""
    form = Forms(page).form(action_end)
    data = [(k, v) for k, v in form["fields"] if k not in changes]
    for name, value in changes.items():
        if value is None:
            continue
        data += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return client.post(
        to or form["action"],
        content=urlencode(data).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def fill(client: TestClient, page: str, **changes: Any) -> Any:
    """Answer the questionnaire on ``page``: public group, q1 satisfied, q2 don't know,
    unless ``changes`` say otherwise."""
    answers = {"g": "client", "i.q1": "s", "i.q2": "x", **changes}
    return submit(client, page, "/a/q", **answers)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # the key file (sealed cookies, keyed hashes) in a fresh data folder, never ./data
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("APPRAISAL_SECRET_KEY", raising=False)


@pytest.fixture
def make_client(env: None, make_uow: MakeUow) -> Iterator[Any]:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    verification = PhoneVerification(
        SimulatedVerifier(uow_factory=make_uow), uow_factory=lambda: make_uow("survey")
    )
    app = answer_app(lambda actor: make_uow(actor), verification=verification)
    clients: list[TestClient] = []

    def make() -> TestClient:
        clients.append(TestClient(app))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Any) -> TestClient:
    return make_client()


def token_for(make_uow: MakeUow, unit: str = "u2", reference: str = "A-017") -> str:
    admin = add_user(make_uow, f"admin-{unit}-{reference}", Role.admin)
    return issue_batch(make_uow(), admin, "c1", unit, 1, references=[reference])[0].token


def responses(make_uow: MakeUow) -> list[SurveyResponse]:
    with make_uow() as uow:
        found = list(
            uow.session.execute(
                select(SurveyResponse).options(selectinload(SurveyResponse.answers))
            ).scalars()
        )
        uow.session.expunge_all()  # readable after the unit of work ends (its rollback expires them)
        return found


def no_leak(html: str) -> None:
    shown = text_of(html)
    assert not [leak for leak in LEAKS if leak in shown], shown


# ---------------------------------------------------------------- the token way


def test_a_token_link_answers_its_unit_and_spends_the_token_with_the_answer(
    client: TestClient, make_uow: MakeUow
) -> None:
    token = token_for(make_uow)
    first = client.get(f"/a?t={token}")
    assert first.status_code == 200
    shown = text_of(first.text)
    assert t("survey.rating", "zh", unit="单位u2") in shown
    assert t("survey.reference", "zh", reference="A-017") in shown
    assert "问题q1" in shown and "问题q2" in shown and t("problem.false_slow_delay", "zh") in shown

    confirm = fill(client, first.text, p=["false_slow_delay", "inaction"], comment="拖了一个多月\r\n第二行")
    assert confirm.status_code == 200
    assert t("survey.confirm.title", "zh") in text_of(confirm.text)
    assert responses(make_uow) == []  # nothing is stored before the confirmation

    sent = submit(client, confirm.text, "/a/send")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/a/done?d=")
    done = client.get(sent.headers["location"])
    [response] = responses(make_uow)
    assert t("survey.done.title", "zh") in text_of(done.text)
    assert response.code in text_of(done.text)
    assert (response.channel, response.status, response.comment) == (
        "ticket",
        "valid",
        "拖了一个多月\n第二行",
    )
    assert response.problem_types == ["false_slow_delay", "inaction"]
    assert sorted(a.option_code for a in response.answers) == ["s", "x"]
    assert response.respondent_hash is None
    assert response.duration_seconds is not None and response.duration_seconds >= 0
    assert response.network_hash and response.device_hash
    with make_uow() as uow:
        invitation = uow.session.execute(select(Invitation)).scalar_one()
        assert response.invitation_id == invitation.id and invitation.used_at is not None


def test_a_used_token_is_refused_before_any_question_and_again_on_sending(
    make_client: Any, make_uow: MakeUow
) -> None:
    token = token_for(make_uow)
    first, second = make_client(), make_client()
    page_one = first.get(f"/a?t={token}").text
    page_two = second.get(f"/a?t={token}").text
    confirm_two = fill(second, page_two)
    assert submit(first, fill(first, page_one).text, "/a/send").status_code == 303

    again = first.get(f"/a?t={token}")
    assert again.status_code == 409
    assert t("survey.refused.used_token", "zh") in text_of(again.text)
    assert 'type="radio"' not in again.text
    # the second window had the form open: sending it is refused in the same words
    late = submit(second, confirm_two.text, "/a/send")
    assert late.status_code == 409 and t("survey.refused.used_token", "zh") in text_of(late.text)
    assert len(responses(make_uow)) == 1


def test_an_unknown_token_is_refused_in_the_persons_language(client: TestClient) -> None:
    reply = client.get("/a?t=not-a-real-token&lang=en")
    assert reply.status_code == 404
    assert t("survey.refused.unknown_token", "en") in text_of(reply.text)
    no_leak(reply.text)


def test_a_closed_appraisal_refuses_the_link_and_a_form_sent_after_it_closed(
    client: TestClient, make_uow: MakeUow
) -> None:
    token = token_for(make_uow)
    confirm = fill(client, client.get(f"/a?t={token}").text)
    set_status(make_uow, "c1", CampaignStatus.scoring)
    late = submit(client, confirm.text, "/a/send")
    assert late.status_code == 409 and t("survey.refused.closed", "zh") in text_of(late.text)
    opened = client.get(f"/a?t={token}")
    assert t("survey.refused.closed", "zh") in text_of(opened.text)
    assert responses(make_uow) == []
    with make_uow() as uow:
        assert uow.session.execute(select(Invitation.used_at)).scalar_one() is None  # not spent


def test_unanswered_questions_are_named_and_the_answers_given_are_kept(
    client: TestClient, make_uow: MakeUow
) -> None:
    page = client.get(f"/a?t={token_for(make_uow)}").text
    reply = fill(client, page, **{"i.q2": None, "comment": "留着"})
    shown = text_of(reply.text)
    assert t("survey.missing_answers", "zh", numbers="2") in shown
    assert 'value="s" checked' in reply.text and "留着" in shown
    reply = fill(client, page, g=None)
    assert t("survey.missing_group", "zh") in text_of(reply.text)
    assert responses(make_uow) == []


def test_going_back_from_the_confirmation_keeps_every_answer(client: TestClient, make_uow: MakeUow) -> None:
    page = client.get(f"/a?t={token_for(make_uow)}").text
    confirm = fill(client, page, p=["misconduct"], comment="第一行\n第二行", age_band="35-59")
    assert 'formaction="/a/q"' in confirm.text
    back = submit(client, confirm.text, "/a/send", to="/a/q", edit="1")
    assert back.status_code == 200 and t("survey.next", "zh") in text_of(back.text)
    form = dict(Forms(back.text).form("/a/q")["fields"])
    assert form["g"] == "client" and form["i.q1"] == "s" and form["i.q2"] == "x"
    assert form["p"] == "misconduct" and form["age_band"] == "35-59"
    assert form["comment"] == "第一行\n第二行"
    assert submit(client, fill(client, back.text).text, "/a/send").status_code == 303
    [response] = responses(make_uow)
    assert response.attributes == {"age_band": "35-59"} and response.comment == "第一行\n第二行"


def test_a_long_comment_keeps_what_fits_and_a_crafted_longer_one_is_refused(
    client: TestClient, make_uow: MakeUow
) -> None:
    page = client.get(f"/a?t={token_for(make_uow)}").text
    confirm = fill(client, page, comment="评" * (MAX_COMMENT_CHARS + 20))
    assert t("survey.comment.cut", "zh", limit=MAX_COMMENT_CHARS, cut=20) in text_of(confirm.text)
    refused = submit(client, confirm.text, "/a/send", comment="评" * (MAX_COMMENT_CHARS + 1))
    assert refused.status_code == 409
    assert t("survey.refused.comment_too_long", "zh", limit=MAX_COMMENT_CHARS) in text_of(refused.text)
    assert responses(make_uow) == []
    assert submit(client, confirm.text, "/a/send").status_code == 303
    assert responses(make_uow)[0].comment == "评" * MAX_COMMENT_CHARS


# ---------------------------------------------------------------- the verified-number way


def verify(client: TestClient, unit: str = "u2", number: str = NUMBER) -> str:
    """Choose ``unit`` from the list and verify ``number`` with the code the demo shows;
    returns the questionnaire page."""
    listing = client.get("/a?s=" + unit)
    link = re.search(rf'href="(/a/q\?c=c1&amp;u={unit})"', listing.text)
    assert link, listing.text
    step = client.get(link[1].replace("&amp;", "&"))
    assert t("survey.step.verify", "zh") in text_of(step.text)
    sent = submit(client, step.text, "/a/code", number=number)
    assert sent.status_code == 303
    step = client.get(sent.headers["location"])
    shown = re.escape(t("survey.verify.simulated", "zh", code="CODE")).replace("CODE", r"(\d{6})")
    code = re.search(shown, text_of(step.text))
    assert code, text_of(step.text)
    checked = submit(client, step.text, "/a/verify", code=code[1])
    assert checked.status_code == 303
    page = client.get(checked.headers["location"])
    assert t("survey.verify.done", "zh", number="138****8000") in text_of(page.text)
    return page.text


def test_a_verified_number_answers_once_per_unit(make_client: Any, make_uow: MakeUow) -> None:
    client = make_client()
    page = verify(client)
    sent = submit(client, fill(client, page).text, "/a/send")
    done = client.get(sent.headers["location"])
    assert t("survey.done.another", "zh") in text_of(done.text)
    [response] = responses(make_uow)
    assert response.respondent_hash == phone_hash(normalize_cn_mobile(NUMBER))
    assert (response.channel, response.invitation_id) == ("web", None)

    again = client.get("/a/q?c=c1&u=u2")
    assert again.status_code == 409 and t("survey.refused.duplicate", "zh") in text_of(again.text)
    # another unit is fine, without verifying again
    other = client.get("/a/q?c=c1&u=u3")
    assert other.status_code == 200 and 'name="i.q1"' in other.text
    # the same number in another browser is refused too
    assert t("survey.refused.duplicate", "zh") in text_of(_verified_elsewhere(make_client()))
    assert len(responses(make_uow)) == 1


def _verified_elsewhere(client: TestClient) -> str:
    step = client.get("/a/q?c=c1&u=u2")
    sent = submit(client, step.text, "/a/code", number=NUMBER)
    step = client.get(sent.headers["location"])
    shown = re.escape(t("survey.verify.simulated", "zh", code="CODE")).replace("CODE", r"(\d{6})")
    code = re.search(shown, text_of(step.text))
    assert code
    return client.get(submit(client, step.text, "/a/verify", code=code[1]).headers["location"]).text


def test_two_windows_of_one_number_store_one_answer_and_refuse_the_other_in_plain_words(
    make_client: Any, make_uow: MakeUow
) -> None:
    first = make_client()
    page = verify(first)
    second = make_client()
    second.cookies.set(STATE_COOKIE, first.cookies[STATE_COOKIE], path="/a")  # a second tab
    confirm_one = fill(first, page)
    confirm_two = fill(second, second.get("/a/q?c=c1&u=u2").text)
    assert submit(first, confirm_one.text, "/a/send").status_code == 303
    late = submit(second, confirm_two.text, "/a/send")
    assert late.status_code == 409 and t("survey.refused.duplicate", "zh") in text_of(late.text)
    no_leak(late.text)
    assert len(responses(make_uow)) == 1


def test_a_wrong_code_counts_down_an_invalid_number_is_explained_and_a_pasted_sms_spends_no_try(
    client: TestClient,
) -> None:
    step = client.get("/a/q?c=c1&u=u2")
    bad = submit(client, step.text, "/a/code", number="12345")
    assert bad.status_code == 400 and t("survey.refused.invalid_number", "zh") in text_of(bad.text)
    sent = submit(client, step.text, "/a/code", number=NUMBER)
    step = client.get(sent.headers["location"])
    wrong = submit(client, step.text, "/a/verify", code="000000x")
    assert t("survey.refused.code_wrong", "zh", left=4) in text_of(wrong.text)
    pasted = submit(client, step.text, "/a/verify", code="【十佳十差评议】您的验证码为123456")
    assert t("survey.verify.code_too_long", "zh") in text_of(pasted.text)
    wrong = submit(client, step.text, "/a/verify", code="000000x")
    assert t("survey.refused.code_wrong", "zh", left=3) in text_of(wrong.text)
    assert 'name="i.q1"' not in client.get("/a/q?c=c1&u=u2").text  # still not verified


def test_too_many_codes_for_one_number_are_refused_with_429(client: TestClient) -> None:
    step = client.get("/a/q?c=c1&u=u2").text
    replies = [submit(client, step, "/a/code", number=NUMBER).status_code for _ in range(6)]
    assert replies[:5] == [303] * 5 and replies[5] == 429


def test_the_unit_list_searches_by_name_and_says_when_nothing_matches(client: TestClient) -> None:
    listing = client.get("/a")
    assert t("survey.units_found", "zh", n=3) in text_of(listing.text)
    assert client.get("/a?s=u3").text.count("/a/q?c=c1") == 1
    nothing = client.get("/a?s=没有这个单位")
    assert t("survey.no_unit_found", "zh") in text_of(nothing.text)
    assert client.get("/a/q?c=c1&u=nope").status_code == 404


def test_without_an_open_appraisal_the_path_says_so(client: TestClient, make_uow: MakeUow) -> None:
    set_status(make_uow, "c1", CampaignStatus.scoring)
    assert t("survey.no_open", "zh") in text_of(client.get("/a").text)
    assert t("survey.refused.closed", "zh") in text_of(client.get("/a/q?c=c1&u=u2").text)


def test_a_tampered_cookie_counts_as_none(make_client: Any) -> None:
    verify(first := make_client())
    sealed = first.cookies[STATE_COOKIE]
    tampered = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    for cookie, verified in ((sealed, True), (tampered, False)):
        page = make_client().get("/a/q?c=c1&u=u2", headers={"Cookie": f"{STATE_COOKIE}={cookie}"})
        assert ('name="i.q1"' in page.text) is verified


# ---------------------------------------------------------------- item sets


def test_questions_that_follow_the_group_are_asked_after_it_is_chosen(
    client: TestClient, make_uow: MakeUow
) -> None:
    with make_uow() as uow:
        item = uow.session.execute(select(Item).where(Item.code == "q2")).scalar_one()
        item.respondent_groups = ["client"]
        uow.commit()
    token = token_for(make_uow)
    first = client.get(f"/a?t={token}")
    assert 'name="i.q1"' not in first.text and t("qdesign.survey.group_first", "zh") in text_of(first.text)
    public = client.get(f"/a/q?t={token}&g=public")
    assert 'name="i.q1"' in public.text and 'name="i.q2"' not in public.text
    # an answer to a question not asked of the group is not taken
    confirm = submit(client, public.text, "/a/q", **{"i.q1": "s", "i.q2": "u"})
    assert "问题q2" not in text_of(confirm.text)
    assert submit(client, confirm.text, "/a/send").status_code == 303
    [response] = responses(make_uow)
    assert [a.option_code for a in response.answers] == ["s"]


# ---------------------------------------------------------------- the request's own rules


def test_a_post_without_its_csrf_token_or_cookie_changes_nothing(
    make_client: Any, client: TestClient, make_uow: MakeUow
) -> None:
    page = client.get(f"/a?t={token_for(make_uow)}").text
    confirm = fill(client, page)
    missing = submit(client, confirm.text, "/a/send", csrf=None)
    assert missing.status_code == 403 and t("answer.expired", "zh") in text_of(missing.text)
    forged = submit(client, confirm.text, "/a/send", csrf="0" * 64)
    assert forged.status_code == 403
    # another site's form, posted by a browser without our cookie
    stranger = make_client()
    assert submit(stranger, confirm.text, "/a/send").status_code == 403
    assert responses(make_uow) == []


def test_an_oversized_body_is_refused_unread_in_the_persons_language(client: TestClient) -> None:
    client.get("/a?lang=en")
    reply = client.post(
        "/a/q",
        content=b"comment=" + b"x" * 70_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 413 and reply.headers["connection"] == "close"
    assert t("answer.too_large", "en") in text_of(reply.text)


def test_english_is_complete_and_the_choice_is_remembered(client: TestClient, make_uow: MakeUow) -> None:
    token = token_for(make_uow)
    page = client.get(f"/a?t={token}&lang=en")
    assert 'lang="en"' in page.text and client.cookies["appraisal_lang"] == "en"
    shown = text_of(page.text)
    assert t("survey.rating", "en", unit="单位u2") in shown and t("survey.next", "en") in shown
    assert t("problem.cold_hard_shirking", "en") in shown
    # the only Chinese left is the campaign's own data (no English given) and the switch
    for key in ("survey.next", "survey.questions", "survey.problems", "survey.comment", "app.title"):
        assert t(key, "zh") not in shown, key
    confirm = fill(client, page.text)  # no lang in the URL: the cookie keeps English
    assert t("survey.confirm.submit", "en") in text_of(confirm.text)
    back_to_chinese = client.get(f"/a?t={token}&lang=zh")
    assert t("survey.next", "zh") in text_of(back_to_chinese.text)


def test_every_page_escapes_what_it_shows_and_sends_the_security_headers(
    client: TestClient, make_uow: MakeUow
) -> None:
    with make_uow() as uow:
        unit = uow.session.execute(select(CampaignUnit).where(CampaignUnit.position == 1)).scalar_one()
        unit.name = '<script>alert("x")</script>'
        uow.commit()
    reply = client.get(f"/a?t={token_for(make_uow)}")
    assert "<script>" not in reply.text and "&lt;script&gt;" in reply.text
    assert "script-src" not in reply.headers["content-security-policy"]
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["referrer-policy"] == "no-referrer"
    cookie = reply.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_an_unexpected_error_shows_a_reference_never_a_traceback(env: None) -> None:
    def broken(actor: str) -> Any:
        raise RuntimeError("the database is on fire at /work/main/db/engine.py")

    with TestClient(answer_app(broken)) as client:
        reply = client.get("/a?t=whatever")
    assert reply.status_code == 500
    assert t("error.unexpected", "zh", ref="REF").split("REF")[0] in text_of(reply.text)
    no_leak(reply.text)


def test_invitations_link_to_the_light_path() -> None:
    assert answer_link("https://pingyi.example.cn/", "abc-_123") == "https://pingyi.example.cn/a?t=abc-_123"
    assert survey_link("https://pingyi.example.cn/", "abc-_123") == "https://pingyi.example.cn/a?t=abc-_123"


# ---------------------------------------------------------------- invariants


@given(st.text())
def test_text_never_becomes_markup(text: str) -> None:
    shown = el("p", {"title": text}, text)
    assert shown.count("<") == 2 and shown.count(">") == 2
    assert esc(Safe("<b>")) == "<b>"


KEY = generate_key()


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5), st.integers(0, 80))
def test_a_sealed_value_comes_back_only_unchanged_and_for_its_purpose(
    value: dict[str, str], flip: int
) -> None:
    value.pop("at", None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", KEY)
        sealed = seal(value, "state")
        back = unseal(sealed, "state", 60)
        assert back is not None and {k: v for k, v in back.items() if k != "at"} == value
        assert unseal(sealed, "done", 60) is None
        # flip one bit of the sealed bytes (flipping a base64 character is not enough: the
        # last character's padding bits decode to the same bytes)
        raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
        raw[flip % len(raw)] ^= 1
        changed = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        assert unseal(changed, "state", 60) is None


def test_a_started_stamp_cannot_be_moved(env: None) -> None:
    stamp = started_stamp("c1-u2", now=1_000_000)
    assert started_at("c1-u2", stamp) == 1_000_000
    assert started_at("c1-u3", stamp) is None
    assert started_at("c1-u2", stamp.replace("1000000", "999999", 1)) is None


def test_an_option_the_question_does_not_have_is_not_taken(client: TestClient, make_uow: MakeUow) -> None:
    page = client.get(f"/a?t={token_for(make_uow)}").text
    confirm = fill(client, page)
    reply = submit(client, confirm.text, "/a/send", **{"i.q1": "nonsense"})
    assert t("survey.missing_answers", "zh", numbers="1") in text_of(reply.text)
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(SurveyResponse)).scalar() == 0


def request_from(peer: str, **headers: str) -> Request:
    return Request(
        {
            "type": "http",
            "client": (peer, 40000),
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        }
    )


def test_the_network_is_the_one_a_local_proxy_names_and_never_one_a_remote_client_claims(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("APPRAISAL_TRUST_PROXY", raising=False)
    assert client_network(request_from("127.0.0.1", x_forwarded_for="6.6.6.6, 10.1.2.3")) == "10.1.2.3"
    assert client_network(request_from("::1", x_real_ip="10.1.2.4")) == "10.1.2.4"
    assert client_network(request_from("127.0.0.1")) == "127.0.0.1"
    assert client_network(request_from("203.0.113.9", x_forwarded_for="10.1.2.3")) == "203.0.113.9"
    monkeypatch.setenv("APPRAISAL_TRUST_PROXY", "1")
    assert client_network(request_from("10.0.0.2", x_forwarded_for="6.6.6.6, 10.1.2.3")) == "10.1.2.3"
