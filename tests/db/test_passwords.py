"""The password rules (services/passwords.py): at least 10 characters and at most 128, any
Unicode, not containing the user name, not a common password nor the demo's public one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import demo
from services import passwords
from services.passwords import COMMON, HAS_USERNAME, TOO_LONG, TOO_SHORT, password_problem


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("correct horse battery", "li.hua", None),
        ("评议平台的管理员口令很长", "admin", None),  # Chinese characters count one each
        ("长江后浪推前浪一代新人", "admin", None),
        ("k7qm-3xhd-pw9a-tn2e", "admin", None),
        ("tk8 bg4 jw2", "li", None),  # spaces allowed, no composition rule
        ("x" * 9 + "y", "li", COMMON),  # ten characters, but one repeated run
        ("short pw", "li", TOO_SHORT),
        ("九个汉字也太短了啊", "li", TOO_SHORT),
        ("v" + "q7Zk" * 32, "li", TOO_LONG),  # 129 characters
        ("my li.hua password 2026", "li.hua", HAS_USERNAME),
        ("my LI.HUA password 2026", "li.hua", HAS_USERNAME),  # ignoring case
        ("password123", "li", COMMON),
        ("qwertyuiop", "li", COMMON),
        ("1234567890", "li", COMMON),
        ("iloveyou12", "li", COMMON),  # a common password with a trivial addition
        ("Password1!", "li", COMMON),
        ("linjiang-demo", "admin", COMMON),  # the demo's public password
        ("Linjiang-Demo", "admin", COMMON),
        ("linjiang-demo1", "admin", COMMON),  # and its variants
    ],
)
def test_the_rules_accept_and_refuse_passwords(password: str, username: str, problem: str | None) -> None:
    assert password_problem(password, username) == problem


def test_exactly_ten_and_exactly_128_characters_are_allowed() -> None:
    assert password_problem("q7Zk mR2v x", "li") is None  # 11 with the space
    assert password_problem("q7Zk mR2vx", "li") is None  # 10
    assert password_problem("q7Zk mR2v", "li") == TOO_SHORT  # 9
    assert password_problem("v" + "q7Zk" * 31 + "abc", "li") is None  # 128
    assert len("v" + "q7Zk" * 31 + "abc") == passwords.MAX_LENGTH


def test_a_refusal_says_why_and_is_a_refusal_of_the_services() -> None:
    from services.errors import Refused

    with pytest.raises(Refused, match="at least 10 characters") as raised:
        passwords.require_acceptable("short", "li")
    assert isinstance(raised.value, passwords.PasswordRejected) and raised.value.reason == TOO_SHORT
    with pytest.raises(passwords.PasswordRejected, match="too common"):
        passwords.require_acceptable("password123", "li")
    passwords.require_acceptable("correct horse battery", "li")


def test_the_demo_password_is_the_one_the_demo_loader_gives() -> None:
    assert passwords.DEMO_PASSWORD == demo.DEMO_PASSWORD


@settings(max_examples=200, deadline=None)
@given(
    password=st.text(min_size=0, max_size=140),
    username=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,8}", fullmatch=True),
)
def test_every_accepted_password_is_long_enough_and_does_not_contain_the_username(
    password: str, username: str
) -> None:
    if password_problem(password, username) is None:
        assert passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH
        assert username.casefold() not in password.casefold()
        assert password.casefold() not in passwords.RESERVED


@settings(max_examples=100, deadline=None)
@given(
    word=st.text(alphabet="abcdefghjkmnpqrstuvwxyz23456789", min_size=10, max_size=30),
    username=st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True),
)
def test_a_password_with_the_username_inside_is_always_refused(word: str, username: str) -> None:
    half = len(word) // 2
    assert password_problem(word[:half] + username.upper() + word[half:], username) == HAS_USERNAME
