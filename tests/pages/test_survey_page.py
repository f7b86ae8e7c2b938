"""The citizen survey page (app_pages/survey.py) under AppTest, on SQLite and PostgreSQL:
the token way and the verified-number way in, the questionnaire, the confirmation, and
every refusal in the person's language with nothing half-saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

import ui.survey as ui_survey
from db.crypto import normalize_cn_mobile, phone_hash
from db.models import CampaignStatus, Invitation, Role, SurveyResponse
from services.invitations import issue_batch, redeem
from services.responses import CommentTooLong
from survey.problems import MAX_COMMENT_CHARS
from survey.verification import PhoneVerification, SimulatedVerifier
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status
from ui.messages import t
from ui.survey import phone_verification, refusal_text

FORM = "c1-u2"  # form key: campaign and unit
NUMBER = "138 0013 8000"


@pytest.fixture(autouse=True)
def fresh_verification() -> Iterator[None]:
    """Codes and rate limits are process-wide (st.cache_resource): start each test clean."""
    phone_verification.clear()
    yield
    phone_verification.clear()


@pytest.fixture
def campaign(app_database: str, make_uow: MakeUow) -> MakeUow:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return make_uow


def token_for(make_uow: MakeUow, unit: str = "u2", kind: str = "ticket", reference: str = "A-017") -> str:
    admin = add_user(make_uow, f"admin-{unit}-{reference}", Role.admin)
    return issue_batch(make_uow(), admin, "c1", unit, 1, kind=kind, references=[reference])[0].token


def app(repo_root: Path, lang: str = "zh", token: str | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if token is not None:
        at.query_params["t"] = token
    return at


def open_survey(repo_root: Path, lang: str = "zh") -> AppTest:
    at = app(repo_root, lang).run()
    at.switch_page("app_pages/survey.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("title", "subheader", "markdown", "caption", "success", "info")
        for e in getattr(at, kind)
    ]
    parts += [e.value for e in at.error] + [e.value for e in at.warning]
    return "\n".join(str(p) for p in parts)


def button(at: AppTest, key: str, lang: str = "zh"):  # type: ignore[no-untyped-def]
    label = t(key, lang)
    return next(b for b in at.button if b.label == label)


def fill_form(
    at: AppTest, form: str = FORM, *, group: str = "client", answers: dict[str, str] | None = None
) -> None:
    at.radio(key=f"group-{form}").set_value(group)
    for item, option in (answers or {"q1": "u", "q2": "x"}).items():
        at.radio(key=f"item-{item}-{form}").set_value(option)
    at.checkbox(key=f"p-cold_hard_shirking-{form}").check()
    at.checkbox(key=f"p-slow_action-{form}").check()
    at.text_area(key=f"comment-{form}").input("窗口只开一个，排队一个多小时")
    at.selectbox(key=f"age-{form}").set_value("60+")


def responses(make_uow: MakeUow) -> list[SurveyResponse]:
    """The stored answer sheets, detached with their answers loaded."""
    with make_uow() as uow:
        found = list(uow.session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars())
        for response in found:
            response.answers  # noqa: B018 - load before detaching
        uow.session.expunge_all()
        return found


# ---------------------------------------------------------------- the token way


def test_a_token_link_opens_its_unit_and_the_answer_is_stored_with_the_token_spent(
    repo_root: Path, campaign: MakeUow
) -> None:
    token = token_for(campaign)
    at = app(repo_root, token=token).run()  # the root URL with ?t= opens the survey

    assert not at.exception
    assert t("survey.rating", "zh", unit="单位u2") in texts(at)
    assert "A-017" in texts(at)
    fill_form(at)
    button(at, "survey.next").click().run()
    assert t("survey.confirm.title", "zh") in texts(at)
    assert responses(campaign) == []  # nothing is stored before the confirmation

    button(at, "survey.confirm.submit").click().run()

    assert not at.exception
    assert t("survey.done.title", "zh") in texts(at)
    [r] = responses(campaign)
    assert r.channel == "ticket" and r.status == "valid" and r.respondent_hash is None
    assert r.comment == "窗口只开一个，排队一个多小时"
    assert r.problem_types == ["cold_hard_shirking", "slow_action"]
    assert r.attributes == {"age_band": "60+"}
    assert r.duration_seconds is not None and r.duration_seconds >= 0
    with campaign() as uow:
        invitation = uow.session.execute(select(Invitation)).scalar_one()
        assert invitation.used_at is not None and r.invitation_id == invitation.id
    assert sorted(a.option_code for a in r.answers) == ["u", "x"]
    assert r.code in texts(at)  # the receipt number


def test_a_used_token_is_refused_in_a_new_session(repo_root: Path, campaign: MakeUow) -> None:
    token = token_for(campaign)
    redeem(campaign(), token)  # answered once already

    at = app(repo_root, token=token).run()

    assert [e.value for e in at.error] == [t("survey.refused.used_token", "zh")]
    assert not at.main.radio  # no questionnaire
    assert responses(campaign) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_token_is_refused_in_the_persons_language(
    repo_root: Path, campaign: MakeUow, lang: str
) -> None:
    at = app(repo_root, lang, token="not-a-real-token").run()

    assert [e.value for e in at.error] == [t("survey.refused.unknown_token", lang)]
    assert not at.main.radio


def test_a_token_of_a_closed_campaign_is_refused(repo_root: Path, campaign: MakeUow) -> None:
    token = token_for(campaign)
    set_status(campaign, "c1", CampaignStatus.scoring)

    at = app(repo_root, token=token).run()

    assert [e.value for e in at.error] == [t("survey.refused.closed", "zh")]


def test_a_token_spent_elsewhere_while_confirming_is_refused_and_nothing_is_saved(
    repo_root: Path, campaign: MakeUow
) -> None:
    token = token_for(campaign)
    at = app(repo_root, token=token).run()
    fill_form(at)
    button(at, "survey.next").click().run()
    redeem(campaign(), token)  # the same ticket answered on another phone meanwhile

    button(at, "survey.confirm.submit").click().run()

    assert [e.value for e in at.error] == [t("survey.refused.used_token", "zh")]
    assert responses(campaign) == []


def test_unanswered_questions_are_named_and_nothing_is_stored(repo_root: Path, campaign: MakeUow) -> None:
    at = app(repo_root, token=token_for(campaign)).run()
    at.radio(key=f"item-q2-{FORM}").set_value("s")

    button(at, "survey.next").click().run()

    errors = [e.value for e in at.error]
    assert t("survey.missing_group", "zh") in errors
    assert t("survey.missing_answers", "zh", numbers="1") in errors
    assert t("survey.confirm.title", "zh") not in texts(at)
    assert responses(campaign) == []


def test_going_back_from_the_confirmation_keeps_the_answers(repo_root: Path, campaign: MakeUow) -> None:
    at = app(repo_root, token=token_for(campaign)).run()
    fill_form(at)
    button(at, "survey.next").click().run()

    button(at, "survey.confirm.back").click().run()

    assert at.radio(key=f"group-{FORM}").value == "client"
    assert at.radio(key=f"item-q1-{FORM}").value == "u"
    assert at.checkbox(key=f"p-slow_action-{FORM}").value is True
    assert at.text_area(key=f"comment-{FORM}").value == "窗口只开一个，排队一个多小时"
    at.radio(key=f"item-q1-{FORM}").set_value("s")
    button(at, "survey.next").click().run()
    button(at, "survey.confirm.submit").click().run()
    [r] = responses(campaign)
    assert sorted(a.option_code for a in r.answers) == ["s", "x"]


def test_a_comment_over_the_limit_keeps_what_fits_and_says_the_rest_was_cut(
    repo_root: Path, campaign: MakeUow
) -> None:
    at = app(repo_root, token=token_for(campaign)).run()
    fill_form(at)
    comment = "窗" * MAX_COMMENT_CHARS + "口" * 100
    at.text_area(key=f"comment-{FORM}").input(comment)
    assert at.text_area(key=f"comment-{FORM}").max_chars == 0  # none: the browser would drop it all

    button(at, "survey.next").click().run()

    assert not at.exception
    assert [w.value for w in at.warning] == [t("survey.comment.cut", "zh", limit=MAX_COMMENT_CHARS, cut=100)]
    button(at, "survey.confirm.submit").click().run()
    [r] = responses(campaign)
    assert r.comment == "窗" * MAX_COMMENT_CHARS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_comment_the_service_refuses_as_too_long_is_explained(lang: str) -> None:
    assert refusal_text(CommentTooLong(MAX_COMMENT_CHARS + 1), lang) == t(
        "survey.refused.comment_too_long", lang, limit=MAX_COMMENT_CHARS
    )


def test_the_questionnaire_is_in_english_when_chosen(repo_root: Path, campaign: MakeUow) -> None:
    at = app(repo_root, "en", token=token_for(campaign)).run()

    assert at.title[0].value == t("survey.title", "en")
    assert at.radio(key=f"item-q1-{FORM}").options == [
        "满意",
        "基本满意",
        "不满意",
        "不了解",
    ]  # no English labels seeded
    assert at.checkbox(key=f"p-inaction-{FORM}").label == t("problem.inaction", "en")
    button(at, "survey.next", "en").click().run()
    assert t("survey.missing_group", "en") in [e.value for e in at.error]


# ---------------------------------------------------------------- the verified-number way


def choose_unit(at: AppTest, search: str = "u2") -> None:
    at.text_input[0].input(search).run()
    at.selectbox[-1].set_value("u2").run()
    button(at, "survey.unit.choose").click().run()


def verify(at: AppTest, number: str = NUMBER) -> None:
    number_box = next(i for i in at.text_input if i.label == t("survey.verify.number", "zh"))
    number_box.input(number)
    button(at, "survey.verify.send").click().run()
    # through the module, so that a test's own verification (monkeypatched) is asked
    code = ui_survey.phone_verification().verifier.pending_code(normalize_cn_mobile(number))  # type: ignore[attr-defined]
    assert code and t("survey.verify.simulated", "zh", code=code) in texts(at)
    code_box = next(i for i in at.text_input if i.label == t("survey.verify.code", "zh"))
    code_box.input(code)
    button(at, "survey.verify.check").click().run()


def test_a_verified_number_answers_once_per_unit(repo_root: Path, campaign: MakeUow) -> None:
    at = open_survey(repo_root)
    choose_unit(at)
    assert t("survey.rating", "zh", unit="单位u2") in texts(at)
    verify(at)
    assert t("survey.verify.done", "zh", number="138****8000") in texts(at)

    fill_form(at)
    button(at, "survey.next").click().run()
    button(at, "survey.confirm.submit").click().run()

    assert t("survey.done.title", "zh") in texts(at)
    [r] = responses(campaign)
    assert r.respondent_hash == phone_hash(normalize_cn_mobile(NUMBER)) and r.channel == "web"
    assert r.invitation_id is None
    assert NUMBER.replace(" ", "") not in str(at.session_state.to_dict())  # only its hash is kept

    # The same person again about the same unit: told before filling in the form.
    button(at, "survey.done.another").click().run()
    choose_unit(at)
    assert t("survey.refused.duplicate", "zh") in [w.value for w in at.warning]
    assert not at.exception  # the second "rate another unit" button has a key of its own
    assert not at.main.radio
    assert len(responses(campaign)) == 1


def test_a_verified_number_that_answered_is_told_so_in_a_new_session_and_can_move_on(
    repo_root: Path, campaign: MakeUow
) -> None:
    first = open_survey(repo_root)
    choose_unit(first)
    verify(first)
    fill_form(first)
    button(first, "survey.next").click().run()
    button(first, "survey.confirm.submit").click().run()

    second = open_survey(repo_root)  # another browser, the same number and unit
    choose_unit(second)
    verify(second)

    assert not second.exception
    assert [w.value for w in second.warning] == [t("survey.refused.duplicate", "zh")]
    assert not second.main.radio
    # both "rate another unit" buttons are there, each works
    [_top, below] = [b for b in second.button if b.label == t("survey.change_unit", "zh")]
    below.click().run()
    assert not second.exception
    assert t("survey.step.unit", "zh") in texts(second)
    assert len(responses(campaign)) == 1


def test_the_same_number_in_another_session_is_refused_too(repo_root: Path, campaign: MakeUow) -> None:
    first = open_survey(repo_root)
    choose_unit(first)
    verify(first)
    fill_form(first)
    button(first, "survey.next").click().run()

    second = open_survey(repo_root)  # another phone with the same number, racing the first
    choose_unit(second)
    verify(second)
    fill_form(second)
    button(second, "survey.next").click().run()
    button(first, "survey.confirm.submit").click().run()
    button(second, "survey.confirm.submit").click().run()

    assert t("survey.done.title", "zh") in texts(first)
    # the second is stopped when its page reruns on the click, before anything is sent
    assert t("survey.refused.duplicate", "zh") in texts(second)
    assert len(responses(campaign)) == 1


def test_a_wrong_code_counts_down_and_an_invalid_number_is_explained(
    repo_root: Path, campaign: MakeUow
) -> None:
    at = open_survey(repo_root)
    choose_unit(at)
    number_box = next(i for i in at.text_input if i.label == t("survey.verify.number", "zh"))
    number_box.input("12345")
    button(at, "survey.verify.send").click().run()
    assert [e.value for e in at.error] == [t("survey.refused.invalid_number", "zh")]

    number_box = next(i for i in at.text_input if i.label == t("survey.verify.number", "zh"))
    number_box.input(NUMBER)
    button(at, "survey.verify.send").click().run()
    code_box = next(i for i in at.text_input if i.label == t("survey.verify.code", "zh"))
    code_box.input(
        "000000"
        if phone_verification().verifier.pending_code(normalize_cn_mobile(NUMBER)) != "000000"
        else "111111"
    )  # type: ignore[attr-defined]
    button(at, "survey.verify.check").click().run()

    assert [e.value for e in at.error] == [t("survey.refused.code_wrong", "zh", left=4)]
    assert not at.main.radio

    # a whole SMS pasted into the code box is refused as such, without using an attempt
    code_box = next(i for i in at.text_input if i.label == t("survey.verify.code", "zh"))
    code_box.input("【十佳十差评议】您的验证码为123456，10分钟内有效，请勿告知他人。")
    button(at, "survey.verify.check").click().run()
    assert [e.value for e in at.error] == [t("survey.verify.code_too_long", "zh")]
    code_box = next(i for i in at.text_input if i.label == t("survey.verify.code", "zh"))
    code_box.input("999999" if code_box.value != "999999" else "888888")
    button(at, "survey.verify.check").click().run()
    assert [e.value for e in at.error] == [t("survey.refused.code_wrong", "zh", left=3)]


def test_too_many_codes_for_one_number_are_refused(repo_root: Path, campaign: MakeUow) -> None:
    at = open_survey(repo_root)
    choose_unit(at)
    for _ in range(5):
        next(i for i in at.text_input if i.label == t("survey.verify.number", "zh")).input(NUMBER)
        button(at, "survey.verify.send").click().run()
        assert not at.error

    button(at, "survey.verify.send").click().run()

    assert [e.value for e in at.error] == [t("survey.refused.too_many_requests", "zh", minutes=60)]


def test_without_an_open_campaign_the_page_says_so(
    repo_root: Path, app_database: str, make_uow: MakeUow
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.review)

    at = open_survey(repo_root)

    assert [i.value for i in at.info] == [t("survey.no_open", "zh")]
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == 0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_expired_code_is_refused_and_a_new_one_works(
    repo_root: Path, campaign: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    verification = PhoneVerification(SimulatedVerifier(clock=clock), clock=clock)
    monkeypatch.setattr("ui.survey.phone_verification", lambda: verification)
    at = open_survey(repo_root)
    choose_unit(at)
    next(i for i in at.text_input if i.label == t("survey.verify.number", "zh")).input(NUMBER)
    button(at, "survey.verify.send").click().run()
    code = verification.verifier.pending_code(normalize_cn_mobile(NUMBER))  # type: ignore[attr-defined]
    clock.now += 11 * 60  # codes live 10 minutes

    next(i for i in at.text_input if i.label == t("survey.verify.code", "zh")).input(code)
    button(at, "survey.verify.check").click().run()

    assert [e.value for e in at.error] == [t("survey.refused.code_expired", "zh")]
    assert not at.main.radio
    verify(at)  # asking again works
    assert t("survey.verify.done", "zh", number="138****8000") in texts(at)


def test_an_appraisal_closed_while_confirming_refuses_and_stores_nothing(
    repo_root: Path, campaign: MakeUow
) -> None:
    at = open_survey(repo_root)
    choose_unit(at)
    verify(at)
    fill_form(at)
    button(at, "survey.next").click().run()
    set_status(campaign, "c1", CampaignStatus.scoring)  # fieldwork ends meanwhile

    button(at, "survey.confirm.submit").click().run()

    assert [e.value for e in at.error] == [t("survey.refused.closed", "zh")]
    assert responses(campaign) == []


def test_a_misconfigured_sms_service_is_explained_not_crashed(
    repo_root: Path, campaign: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_VERIFIER", "twilio")  # and no Twilio credentials
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VERIFY_SERVICE_SID"):
        monkeypatch.delenv(name, raising=False)
    at = open_survey(repo_root)
    choose_unit(at)
    next(i for i in at.text_input if i.label == t("survey.verify.number", "zh")).input(NUMBER)

    button(at, "survey.verify.send").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == [t("survey.refused.verification_unavailable", "zh")]
