"""An unexpected error in a page (ui/errors.py): the person sees a plain message in their
language with a reference, the log has the traceback under the same reference, and
Streamlit's own control flow (st.rerun, st.stop; st.switch_page raises the same
RerunException as st.rerun) passes through."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.messages import t


def failing_page_script() -> None:
    import streamlit as st

    from ui.errors import run_page

    def page() -> None:
        st.write("drawn before the failure")
        raise ValueError("secret detail /work/main/services/x.py")

    reference = run_page(page, reraise=st.session_state.get("reraise", False))
    st.write(f"after the page: {reference}")


def control_flow_script() -> None:
    import streamlit as st

    from ui.errors import run_page

    def page() -> None:
        runs = st.session_state["runs"] = st.session_state.get("runs", 0) + 1
        if runs == 1:
            st.rerun()
        st.write(f"run {runs}")
        if st.session_state.get("stop"):
            st.stop()
        st.write("not stopped")

    run_page(page, reraise=False)
    st.write("after the page")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_error_in_a_page_becomes_a_plain_message_with_a_reference_the_log_has(
    lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    at = AppTest.from_function(failing_page_script)
    at.session_state["lang"] = lang

    with caplog.at_level(logging.ERROR, logger="ui.errors"):
        at.run()

    assert not at.exception  # as served: nothing of the exception reaches the browser
    [message] = [e.value for e in at.error]
    reference = re.fullmatch(
        re.escape(t("error.unexpected", lang, ref="REF")).replace("REF", "([0-9a-f]{8})"), message
    )
    assert reference, message
    assert "secret detail" not in message and "/work/" not in message
    assert [m.value for m in at.markdown] == ["drawn before the failure", f"after the page: {reference[1]}"]
    [record] = [r for r in caplog.records if r.name == "ui.errors"]
    assert reference[1] in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)


def test_under_apptest_the_error_is_raised_again_after_the_message() -> None:
    at = AppTest.from_function(failing_page_script)
    at.session_state["reraise"] = None  # the default: raise again only under AppTest

    at.run()

    assert len(at.error) == 1 and at.error[0].value.startswith(t("error.unexpected", "zh", ref="")[:10])
    assert len(at.exception) == 1  # page tests still see that the page failed
    # (its text is redacted there too: .streamlit/config.toml hides error details)
    assert "secret detail" not in at.exception[0].message


def test_st_rerun_and_st_stop_pass_through_the_wrapper() -> None:
    at = AppTest.from_function(control_flow_script).run()

    assert at.session_state["runs"] == 2  # st.rerun ran the script again
    assert [m.value for m in at.markdown] == ["run 2", "not stopped", "after the page"]
    assert not at.error and not at.exception

    at.session_state["stop"] = True
    at.run()

    assert [m.value for m in at.markdown] == ["run 3"]  # st.stop ended the whole run
    assert not at.error and not at.exception


def test_the_app_runs_its_pages_through_the_wrapper(
    repo_root: Path, app_database: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("database went away")

    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    monkeypatch.setattr("services.questionnaire.open_campaigns", broken)

    with caplog.at_level(logging.ERROR, logger="ui.errors"):
        at.switch_page("app_pages/survey.py").run()

    assert at.title[0].value == t("survey.title", "zh")
    [message] = [e.value for e in at.error]
    [record] = [r for r in caplog.records if r.name == "ui.errors"]
    reference = re.search(r"reference ([0-9a-f]{8})", record.getMessage())
    assert reference and message == t("error.unexpected", "zh", ref=reference[1])
    assert at.exception  # under AppTest raised again after the message, for the tests' sake
