"""The fast loader writes the very demo city the row-by-row one wrote (db/demo.py, db/demo_bulk.py).

The fingerprints below (rows per table and a SHA-256 over every row, see
tests/db/demo_fingerprint.py) were computed on both backends with the loader of commit
cc48458, before the load was made fast, and frozen here: the same seed must still give the
same units, campaigns, answers, calls, indicators, results, cards, appeals, accounts and
audit trail, row for row, on SQLite and PostgreSQL. A deliberate change of the demo's
content changes them: print ``fingerprint(conn)`` of a fresh load and freeze it again.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from db import demo
from db.engine import get_engine
from db.uow import UnitOfWork
from tests.db.demo_fingerprint import fingerprint

KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # the key the frozen values were taken with

# scale 0.3 (as the other demo tests load it): tables that hold rows; every other table is empty
FROZEN_03: dict[str, tuple[int, str]] = {
    "adjustment": (97, "1c256a9c7674b1d5ffb0d595d1eb2e7ca8140f18068a7a3db4c256da365cc309"),
    "app_user": (5, "a39a46c170d2858ed86d2d6502454dbf95240a40a1e4d7181724448b77cf00e5"),
    "appeal": (9, "76366609fb75eea8e347902c38ad31f31a085f19c276693d8248502709102bd5"),
    "audit_entry": (89, "ed0deae8f9c4f2292a99eafbd6f4f9ee2fd43c4a84b555d58aca8498f0035714"),
    "call_attempt": (15153, "0f23c69072653dd2279a5177ca31311b80c79f9d136f4441fd43b28e07c98fbe"),
    "caller": (16, "c7df1e22c2be2c8f5b6efbe8fd1a9b6b9afb0549a7be37efca8f25f09aae976d"),
    "campaign": (4, "2ab114e03ad9e9ee0c064cb9f0c2a5bfd09c220b7d34115f17545f5dc01be835"),
    "campaign_series": (1, "0618a30d16b1808c6e14e5a3654a3efe75c07a8ec18db2ab132751d3cb4b42aa"),
    "campaign_unit": (1204, "ce4a127ca7d8c98a75738a5eb7223305b9158ad3651ef1768041be203a8b4cae"),
    "card_case": (80, "60b41248190635604041d550ad66913c7da05e27b9eaf7a89c5d74aec9f5d05c"),
    "district": (10, "d3d576f2509029c0a7e8deb17182e711a4e3757e49fba95e12e4d7f485beacc9"),
    "do_not_call": (12, "a07a8f64f98735c21ff98477a21446c340fb3c3fcd1e11c89a668ba18b8d896b"),
    "frame_entry": (19384, "dac24f92ddb2260995536692124adf9ab3f706db4d3f1fac95da11e9a65e08b3"),
    "history_entry": (1802, "1f165184ac6c1e96fda4b8610d49488471eda3c2b84a933eab29c5e9666a9664"),
    "indicator": (20, "db7121e9b0d3c9645fca72f0c20f5b4e4cb7a70d1c34dea51689b8834f8135ec"),
    "indicator_value": (4057, "1e172daea688e9d1c16241066db6cb5b9c0021c35fe077fbbd6c5f4be42ec10c"),
    "item": (28, "64a01500b931100acec6d2c016f6de616431a331278be9307081a7cec3e8982b"),
    "overdue_case": (168, "4b794c5573bc63ac333a358551d0cfec1f733d5c3136f3aee633fc3e41ba25b0"),
    "phone_answer": (7043, "b138d01eae603dff0985badf85655e940e468cf6ec1569500ce8a450b7aecdfa"),
    "phone_case": (7880, "6edb95aa51af641b0a1534c3776bc05dcd534a336df8a02a2d7fa99291c70428"),
    "publication": (2, "d46c7e3af7e5944f59ecd7e558384d5ecaa88a51a4d294f6ba8d63373d7597ef"),
    "rectification_item": (123, "24b102fa1f2325384f877bb0dacf12a8ec06b912df9f1b2d65fee7f55f3eb0a1"),
    "respondent_group": (12, "1a2a46f62de3ea87265f28115c059047dffc4ccb302f87b74e49549d83de3f45"),
    "sampling_frame": (8, "1e16774ba4a46190bbc3434c3b24627a256ae43441f019127041519f0ae2ee44"),
    "scale": (4, "16a75ac1c1ebbd01f69b95f0a02877e23418cb91bc01ca58f10f19fd8303e529"),
    "scale_option": (16, "a2c7befbe06c8ca7c3c61a74510aa8264e85f875cc49e9bac549370b96f5995d"),
    "scoring_run": (3, "be7fa3f75a6dc8062916bc458bc9d0fca4d1ee6c9af5c39fda42d65dfc856b7c"),
    "survey_answer": (49650, "b959628743eec416fdd57a42de0965982a5b317ab6ce9becf8669f07ef290563"),
    "survey_response": (9930, "8dd16aa583fe962922a66ba0e3301d54dc5ee35667b75bd3cec8761dbfcd1dd3"),
    "unit": (311, "c25e75aa973adac5979d61ba72bde8a3515eaae343f6e32ac91559449a9cd803"),
    "unit_result": (902, "6bccc9dd2f378bac9352bf795843cdbc5f2bf820fcffea6c6c4819e87e559db8"),
}
# scale 1 (``python -m db demo``)
FROZEN_1: dict[str, tuple[int, str]] = {
    "adjustment": (97, "3f38e14fe809affe3ceec62abf99c82ef30e09b7587cf5e882f109b073034bbd"),
    "app_user": (5, "92ef3540a3198e75c009509070f28c9ea27d0cfa2a90ac110ef61cc84a3d800a"),
    "appeal": (9, "cc6bb4cf83e4f324f017888a090ed90d9dfaf5d8fab72f7f4d77f9c74b1a3513"),
    "audit_entry": (81, "3f6fccb96cca87d5d0fe14b430834972657594028d310bd8d2ca50250e68363d"),
    "call_attempt": (47280, "cb22f63f8be7e88c32eda062c7531db92debb572235d453e2dd2bbeaf0acc5a2"),
    "caller": (16, "c7df1e22c2be2c8f5b6efbe8fd1a9b6b9afb0549a7be37efca8f25f09aae976d"),
    "campaign": (4, "70dab43da406bd68080466fbbc25632101d90acd1d3909571e2421b06e8730d4"),
    "campaign_series": (1, "0618a30d16b1808c6e14e5a3654a3efe75c07a8ec18db2ab132751d3cb4b42aa"),
    "campaign_unit": (1204, "e1f20f9471e1bfe7ab4dad979ceed715b36eaaa1ae44d12e348c5ab98abd6e16"),
    "card_case": (72, "bf5b014de6753b575eef4f6abd3b6ec244ff88385271c2658ffa865ebe6ca184"),
    "district": (10, "d3d576f2509029c0a7e8deb17182e711a4e3757e49fba95e12e4d7f485beacc9"),
    "do_not_call": (12, "36bb205d581121bd5b531db870669521d8b55090cabc2130f88802c8dd1af0fa"),
    "frame_entry": (64967, "ab352d322302773ddeaf1b1f1e3f25951d5d6001c5d4e65ddfe0091d1309a79c"),
    "history_entry": (1802, "e23b3e735a25785aa5bb40b5806cef0b0c12fecf65600552d21bf64860b35002"),
    "indicator": (20, "db7121e9b0d3c9645fca72f0c20f5b4e4cb7a70d1c34dea51689b8834f8135ec"),
    "indicator_value": (4057, "fb02eb59422ef6a7a31330a15185224dcd9f05d8cb7fbb4569bd3806c514981c"),
    "item": (28, "64a01500b931100acec6d2c016f6de616431a331278be9307081a7cec3e8982b"),
    "overdue_case": (171, "e6f2be559bd4834a1e0ab021670940c3aeb21c3f89d9f801ddcaab5f0b7b9124"),
    "phone_answer": (22060, "91ae38ee5e548a8d6b85acc4320805a9edf31128bd948dd176de3d94893e1f0f"),
    "phone_case": (24195, "5c61d7f376dee5c11abff41b60e54d785d33dc0cabb4cce4d308d65670aa538c"),
    "publication": (2, "d46c7e3af7e5944f59ecd7e558384d5ecaa88a51a4d294f6ba8d63373d7597ef"),
    "rectification_item": (144, "6b2ce33d02a97774c9b8a9c2f914f36349c04cfa10423f8898340ca3ad3828ca"),
    "respondent_group": (12, "1a2a46f62de3ea87265f28115c059047dffc4ccb302f87b74e49549d83de3f45"),
    "sampling_frame": (8, "1e16774ba4a46190bbc3434c3b24627a256ae43441f019127041519f0ae2ee44"),
    "scale": (4, "16a75ac1c1ebbd01f69b95f0a02877e23418cb91bc01ca58f10f19fd8303e529"),
    "scale_option": (16, "a2c7befbe06c8ca7c3c61a74510aa8264e85f875cc49e9bac549370b96f5995d"),
    "scoring_run": (3, "be7fa3f75a6dc8062916bc458bc9d0fca4d1ee6c9af5c39fda42d65dfc856b7c"),
    "survey_answer": (166095, "a0c3a9fa25dc4468a0ce8762a9e3ee765ea5da3128016cdaf6951e31f03d723f"),
    "survey_response": (33219, "4b5329c184f6edf3ed603571d835523c4810b373db2842a4e7a128ce30da4d78"),
    "unit": (311, "ec54649f4b9d8611caed49495af9be703c7eb3750600692eaaff1034dce8d8ff"),
    "unit_result": (902, "fdd4b7c5f13014350d1c97d7b35727c9e95979cc6ecc04d145f288ceab8d7508"),
}


def _load_and_fingerprint(url: str, scale: float) -> dict[str, tuple[int, str]]:
    with UnitOfWork(sessionmaker(get_engine(url)), actor="cli") as uow:
        demo.load_demo(uow, scale=scale, accounts=True)  # as ``python -m db demo`` loads it
    with get_engine(url).connect() as conn:
        return fingerprint(conn)


def _differences(got: dict[str, tuple[int, str]], frozen: dict[str, tuple[int, str]]) -> dict[str, object]:
    """Per table that differs: (what was loaded, what was frozen); empty when all agree."""
    tables = set(got) | set(frozen)
    return {
        t: (got.get(t), frozen.get(t))
        for t in sorted(tables)
        if got.get(t, (0, ""))[0] != frozen.get(t, (0, ""))[0]
        or (frozen.get(t) is not None and got.get(t) != frozen[t])
    }


def test_the_demo_loads_row_for_row_as_before_on_both_backends(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    assert _differences(_load_and_fingerprint(database_url, 0.3), FROZEN_03) == {}


@pytest.mark.slow
def test_the_full_demo_loads_row_for_row_as_before(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    assert _differences(_load_and_fingerprint(database_url, 1.0), FROZEN_1) == {}


def test_a_table_that_differs_is_named_with_both_fingerprints() -> None:
    frozen = {"unit": (3, "a"), "caller": (2, "b")}
    assert _differences({"unit": (3, "a"), "caller": (2, "b"), "login_session": (0, "e")}, frozen) == {}
    assert _differences({"unit": (3, "x"), "caller": (2, "b")}, frozen) == {"unit": ((3, "x"), (3, "a"))}
    assert _differences({"unit": (3, "a")}, frozen) == {"caller": (None, (2, "b"))}
    assert _differences({**frozen, "invitation": (1, "c")}, frozen) == {"invitation": ((1, "c"), None)}
