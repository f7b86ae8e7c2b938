"""The survey load test (bench/load_survey.py, bench/load_cluster.py) speaks the browser's
protocol, reads the light path's forms, judges levels and renders the recipe's proxy
config; a handful of people answer through both paths of a real app process, on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench import load_cluster as lc
from bench import load_survey as ls
from db.models import CampaignStatus, Invitation, Role, SurveyResponse
from tests.db.kit import MakeUow, add_user, seed_campaign

# ---------------------------------------------------------------- the parts


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=60), st.floats(0, 100))
def test_the_percentile_is_numpys_default(values: list[float], q: float) -> None:
    assert math.isclose(ls.percentile(values, q), float(np.percentile(values, q)), rel_tol=1e-9, abs_tol=1e-9)


def sample(step: str, seconds: float, ok: bool = True) -> ls.Sample:
    return ls.Sample(step, 1.0, seconds, ok)


def test_a_level_passes_when_every_step_is_fast_and_almost_nothing_failed() -> None:
    fast = [sample("open", 0.2)] * 50 + [sample("send", 0.5)] * 50
    steps, failed, _ = ls.summarize(fast, 0, 2)
    assert ls.level_passes(steps, failed)
    slow_send = fast + [sample("send", 3.0)] * 10
    assert not ls.level_passes(*ls.summarize(slow_send, 0, 2)[:2])
    two_failed = fast + [sample("open", 0.1, ok=False)] * 2
    assert not ls.level_passes(*ls.summarize(two_failed, 0, 2)[:2])
    assert not ls.level_passes({}, 0)  # nothing measured is no pass


def level(people: int, passed: bool) -> ls.LevelResult:
    return ls.LevelResult(people, {}, 0.0, 0, [], 0.0, 0.0, 0.0, passed)


def test_the_capacity_is_the_last_level_passed_before_the_first_failure() -> None:
    assert ls.capacity([level(10, True), level(20, True), level(40, False)]) == 20
    assert ls.capacity([level(10, False), level(20, True)]) == 0
    assert ls.capacity([]) == 0


def test_widget_states_are_what_the_browser_sends() -> None:
    run = ls.Run(
        widgets=[
            ls.Widget("radio", "$$ID-aa-lang", "", ["中文", "English"], "中文"),
            ls.Widget("radio", "$$ID-bb-item-q1-c-u", "f", ["满意", "不满意"], None),
            ls.Widget("radio", "$$ID-cc-item-q2-c-u", "f", ["满意", "不满意"], None),
            ls.Widget("checkbox", "$$ID-dd-p-misconduct-c-u", "f", [], False),
            ls.Widget("button", "$$ID-ee-next-c-u", "f", [], None),
            ls.Widget("button", "$$ID-ff-survey-back", "", [], None),
        ]
    )
    assert run.one("next-c-u").id == "$$ID-ee-next-c-u"
    states = ls.widget_states(run, {"item-q1-c-u": "不满意"}, "next-c-u")
    sent = {s.id: s.WhichOneof("value") and getattr(s, s.WhichOneof("value")) for s in states}
    # every value the page holds, the unanswered radio left out, only the clicked button
    assert sent == {
        "$$ID-aa-lang": "中文",
        "$$ID-bb-item-q1-c-u": "不满意",
        "$$ID-dd-p-misconduct-c-u": False,
        "$$ID-ee-next-c-u": True,
    }
    message = BackMsg()
    message.ParseFromString(ls.rerun_message("t=abc", states, "hash1", "http://x/"))
    assert message.rerun_script.query_string == "t=abc"
    assert message.rerun_script.page_script_hash == "hash1"
    assert len(message.rerun_script.widget_states.widgets) == 4


def test_a_person_answers_every_question_of_the_drawn_page() -> None:
    run = ls.Run(
        widgets=[
            ls.Widget("radio", "$$ID-a-group-c-u", "f", ["群众", "服务对象"], None),
            ls.Widget("radio", "$$ID-b-item-q1-c-u", "f", ["满意", "不满意"], None),
            ls.Widget("radio", "$$ID-c-lang", "", ["中文", "English"], "中文"),
        ]
    )
    answers = ls.page_answers(run, random.Random(1))
    assert set(answers) == {"group-c-u", "item-q1-c-u"}  # never the language


CONFIRMATION = """
<form method="post" action="/a/send">
  <input type="hidden" name="csrf" value="k1"><input type="hidden" name="t" value="tok">
  <input type="hidden" name="i.q1" value="s">
  <textarea name="comment" hidden>
第一行&amp;第二行</textarea>
  <button type="submit" name="edit" value="1" formaction="/a/q">返回修改</button>
  <button type="submit" class="primary">确认提交</button>
</form>
"""
QUESTIONNAIRE = """
<form method="post" action="/a/q"><input type="hidden" name="csrf" value="k1">
<input type="radio" name="g" value="citizen"><input type="radio" name="g" value="client" checked>
<input type="radio" name="i.q1" value="s"><input type="radio" name="i.q1" value="u">
<input type="checkbox" name="p" value="misconduct"><textarea name="comment"></textarea>
<select name="sex"></select><button type="submit" class="primary">下一步</button></form>
"""


def test_the_light_paths_forms_are_filled_as_a_browser_submits_them() -> None:
    [form], text = ls.parse_forms(CONFIRMATION)
    method, action, data = ls.fill(form, random.Random(1))
    assert (method, action) == ("post", "/a/send")  # the primary button, not "edit"
    assert ("comment", "第一行&第二行") in data and ("csrf", "k1") in data
    assert not any(name == "edit" for name, _ in data)
    assert "确认提交" in text

    [form], _ = ls.parse_forms(QUESTIONNAIRE)
    method, action, data = ls.fill(form, random.Random(2))
    chosen = dict(data)
    assert chosen["g"] == "client"  # a choice already made is kept
    assert chosen["i.q1"] in {"s", "u"}
    assert [name for name, _ in data].count("i.q1") == 1


def test_enough_tokens_are_issued_for_the_ramp() -> None:
    levels = [10, 50, 100]
    need = ls.tokens_needed(levels, hold=60, think=(5, 15))
    # each person answers at most once per 3 × 5 s of think time
    assert need >= sum(levels) * 60 / 30


def test_the_cluster_runs_the_recipes_proxy_config_with_its_own_ports() -> None:
    template = lc.HAPROXY_CFG.read_text()
    rendered = lc.proxy_config(template, 9999, ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"])
    lines = [line.strip() for line in rendered.splitlines()]
    assert "bind 127.0.0.1:9999" in lines
    servers = [line for line in lines if line.startswith("server ")]
    assert servers == [f"server app{n} 127.0.0.1:700{n} check cookie app{n}" for n in (1, 2, 3)]
    # the recipe's sticky sessions, websocket tunnel and health check are kept as they are
    for needed in ("cookie APPRAISAL_SRV insert", "timeout tunnel", "option httpchk GET /_stcore/health"):
        assert any(line.startswith(needed) for line in lines), needed
    with pytest.raises(ValueError):
        lc.proxy_config("frontend x\n    bind :1\n", 1, ["a:1"])


# ---------------------------------------------------------------- a handful of people, for real


@pytest.mark.slow
@pytest.mark.xdist_group("browser")  # it starts an app process, as the browser tests do
def test_a_handful_of_people_answer_through_the_page_and_the_light_path(
    database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    add_user(make_uow, "admin1", Role.admin)
    tokens = ls.TokenPool(ls.issue_tokens(database_url, 60))
    assert len(set(tokens.tokens)) == 60

    async def both(base: str) -> dict[str, list[ls.LevelResult]]:
        results = {}
        for path in ls.PATHS:
            await ls.warm(base, path, tokens)  # one whole answer, checked page by page
            results[path] = await ls.ramp(
                base,
                path,
                tokens,
                [2],
                hold=6.0,
                warmup=0.0,
                think=(0.2, 0.5),
                app_pids=lambda: [],
                say=print,
            )
        return results

    with ls.serve(1, database_url, tmp_path / "data", tmp_path) as [(base, _)]:
        assert ls.html_path_served(base)
        results = asyncio.run(both(base))

    for path, [result] in results.items():
        assert result.failed == 0, (path, result.errors)
        assert result.steps, path  # steps were timed (how many depends on the machine's load)
    sent = sum(int(r[0].steps.get("send", {"n": 0})["n"]) for r in results.values())
    with make_uow() as uow:
        answered = uow.session.scalar(select(func.count()).select_from(SurveyResponse))
        spent = uow.session.scalar(select(func.count()).where(Invitation.used_at.is_not(None)))
    # the two warm-up answers and every thanks page were stored answers, each with its token
    assert answered == spent >= 2 + sent
