"""Password rules (密码规则): one function that every way of setting a password goes through.

The rules follow OWASP ASVS 4.0 §2.1: a length floor (the issue's 10 characters) and a
ceiling of 128, any Unicode character and spaces allowed, no composition rules (no "one
digit, one capital"), and a check against common passwords. The common-password list is
zxcvbn's (Dropbox's estimator, the ``zxcvbn`` package): its frequency lists hold the 30,000
most common leaked passwords, and its guess estimate also catches their trivial variants
("Password1!", "iloveyou12"). It is imported on first use, so starting the app and the
CLI does not pay for loading its lists.

The demo city's password is public (README), so it is refused here like a common one; only
the demo loader may give it to the demo's own accounts (``services.auth.create_user(...,
public_demo=True)``).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Final

from services.errors import Refused

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 128
# zxcvbn's estimate below which a password counts as common: score 0 and 1 (fewer than a
# million guesses) are common passwords, words and keyboard runs with trivial additions.
MIN_GUESSES: Final = 10**6
# zxcvbn refuses longer input (its matching grows fast with length); a password's first 72
# characters are estimated, and more characters only make it harder to guess.
ESTIMATED_LENGTH: Final = 72
# The demo city's sign-in password, printed in the README (same text as db/demo.py
# DEMO_PASSWORD; a test keeps the two equal). It is on no public list, so we add it.
DEMO_PASSWORD: Final = "linjiang-demo"
RESERVED: Final = frozenset({DEMO_PASSWORD})

# Why a password is refused (a page shows the reason in the reader's language).
TOO_SHORT: Final = "too_short"
TOO_LONG: Final = "too_long"
HAS_USERNAME: Final = "has_username"
COMMON: Final = "common"
SAME_AS_OLD: Final = "same_as_old"

_MESSAGES: Final = {
    TOO_SHORT: f"the password must have at least {MIN_LENGTH} characters",
    TOO_LONG: f"the password may have at most {MAX_LENGTH} characters",
    HAS_USERNAME: "the password must not contain the user name",
    COMMON: "the password is too common (on a list of common or leaked passwords); choose another",
    SAME_AS_OLD: "the new password must differ from the old one",
}


class PasswordRejected(Refused):
    """A password that the rules refuse; ``reason`` is one of the module's reason codes."""

    def __init__(self, reason: str) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # lazy: its lists take a while to load

    return frozenset(FREQUENCY_LISTS["passwords"]) | RESERVED


# zxcvbn keeps the "user inputs" of a call in a module-level dictionary: two app threads
# estimating at once would see each other's, so one estimate at a time.
_estimate_lock = threading.Lock()


def _is_common(password: str, username: str) -> bool:
    from zxcvbn import zxcvbn

    if password.casefold() in _common_passwords():
        return True
    # The user name and the demo password as "user inputs" make their variants common too.
    with _estimate_lock:
        estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[username, *RESERVED])
    return float(estimate["guesses"]) < MIN_GUESSES


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` may not be the password of ``username`` (a reason code), or None.

    Checked in this order: length (10 to 128 characters, counted as Unicode characters),
    the user name (not contained in it, ignoring case), then the common-password list."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if username and username.casefold() in password.casefold():
        return HAS_USERNAME
    if _is_common(password, username):
        return COMMON
    return None


def require_acceptable(password: str, username: str) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` passes :func:`password_problem`."""
    reason = password_problem(password, username)
    if reason is not None:
        raise PasswordRejected(reason)
