"""The fast loader writes the very demo city the row-by-row one wrote (db/demo.py, db/demo_bulk.py).

The fingerprints below (rows per table and a SHA-256 over every row, see
tests/db/demo_fingerprint.py) were computed on both backends with the loader of commit
cc48458, before the load was made fast, and frozen here: the same seed must still give the
same units, campaigns, answers, calls, indicators, results, cards, appeals, accounts and
audit trail, row for row, on SQLite and PostgreSQL. A deliberate change of the demo's
content changes them: print ``fingerprint(conn)`` of a fresh load and freeze it again.
Frozen again (both backends alike) when the registries came (db/demo_registries.py, issue
13): their tables, the 2024 deductions they feed (hence 2024's results, worst list and
appeals, and 2025's history), the open year's overdue approvals in the Jixi shape, the
inspector account, and the schema's new columns (adjustment.source, indicator_value.provenance).
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
    "accountability_case": (48, "9b21594589041cbb59fb617c563651c50c3a22cef73cc41ca80428ba2a74f83e"),
    "accountability_person": (70, "eb6f498c3a0feba94409d263536ba0139e388869158334d23ee81dd6f9f84940"),
    "adjustment": (205, "e4fef209ff2764927b4139686027faf4b3a7c33ba387cd625d49f62a714e05c0"),
    "app_user": (6, "96efb8d222138eefe27a9ad997e60e9233d6423a18ba7368f25f5089036583d1"),
    "appeal": (9, "449758428fe62e1ed39f54b9f4a5b845efdb3f60f335d4a17f4dae7570a95a74"),
    "audit_entry": (105, "913e16e5762228d52cffabdc9422509ee8da04de607abb7a0577d157095c1d38"),
    "call_attempt": (15153, "0f23c69072653dd2279a5177ca31311b80c79f9d136f4441fd43b28e07c98fbe"),
    "caller": (16, "c7df1e22c2be2c8f5b6efbe8fd1a9b6b9afb0549a7be37efca8f25f09aae976d"),
    "campaign": (4, "c559c3d2a1fbe764774bd559273edfe80ec455d1df5408af57600b4e5d178ab8"),
    "campaign_series": (1, "0618a30d16b1808c6e14e5a3654a3efe75c07a8ec18db2ab132751d3cb4b42aa"),
    "campaign_unit": (1204, "ce4a127ca7d8c98a75738a5eb7223305b9158ad3651ef1768041be203a8b4cae"),
    "card_case": (80, "60b41248190635604041d550ad66913c7da05e27b9eaf7a89c5d74aec9f5d05c"),
    "district": (10, "d3d576f2509029c0a7e8deb17182e711a4e3757e49fba95e12e4d7f485beacc9"),
    "do_not_call": (12, "a07a8f64f98735c21ff98477a21446c340fb3c3fcd1e11c89a668ba18b8d896b"),
    "fault_tolerance_application": (44, "0e2c59915feb8c36ef4adb6678ae1828fc2f900a0eeeda29289644b061bdcba1"),
    "frame_entry": (19384, "dac24f92ddb2260995536692124adf9ab3f706db4d3f1fac95da11e9a65e08b3"),
    "head_action": (11, "f68bf228ffbca1863771ead2e308b49a08c004ff9adf0c534459f9d85ed40533"),
    "history_entry": (1802, "17d74a909b44807dcf221cc872075420efc4c1a0445ab2fda69814e80dcabec8"),
    "indicator": (20, "db7121e9b0d3c9645fca72f0c20f5b4e4cb7a70d1c34dea51689b8834f8135ec"),
    "indicator_value": (4057, "92d090add9fa763d9e8356c77a0f11484ec3f80b53124ad15e77603761d29ee0"),
    "inspection_finding": (214, "be557f1aef4d60f75ac9e894c6d3383c2bffcbb96d7b3b112cf336a6b510cfe0"),
    "inspection_round": (4, "473442d9c42803079deb79b44bb9afb9637ef41c121e53452fd181bb6f69db01"),
    "inspection_round_inspector": (4, "45e55daeb781479b06b78c6893288017ebcdf34124ff12f969db9c6ceb7e8279"),
    "inspection_round_unit": (258, "e9dfd58733465a15bc450ffff519ce14dbe7b45ab836470ff65a1c95ecdebb71"),
    "inspection_visit": (247, "7e9ecfb1fd3f5ae4b6c3d70d55324d460bd2814e7e4c831b4750fe8ff59d4038"),
    "item": (28, "64a01500b931100acec6d2c016f6de616431a331278be9307081a7cec3e8982b"),
    "overdue_case": (59, "8cbc7bf06d92c6f75c0b382dc62cfa0113cf2ee9ac6e2372484161866ef906d7"),
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
    "unit_result": (902, "4ef6b321c078ed6f8e89986a6db7a6bbe7a8e19a09a8466cb584f9d7129c08c8"),
}
# scale 1 (``python -m db demo``)
FROZEN_1: dict[str, tuple[int, str]] = {
    "accountability_case": (48, "f31187b81eb4067855e02a8443b6bcb581f675f1920bdf7ec53db3d94e1755d3"),
    "accountability_person": (70, "3d0054f0988df36d60bfb2c86d925424a9ee99a4781300e7b7855844e7f0152a"),
    "adjustment": (210, "358cbd769c726fac77961e0a486befb38aae14df4c887b626d0ca56a4abe1580"),
    "app_user": (6, "d82364d194d166660247c5e5dfc1064353d4d78ce3908ceab829591ffef7113a"),
    "appeal": (9, "81823eb54ab06a5ecf3400a71c9fca1df0f7227924e36fcd48c23c4bf7d18679"),
    "audit_entry": (96, "52dff8c9d0f9f7b547009004edf775946f08020f81ad495cd619d40f6bcbb088"),
    "call_attempt": (47280, "cb22f63f8be7e88c32eda062c7531db92debb572235d453e2dd2bbeaf0acc5a2"),
    "caller": (16, "c7df1e22c2be2c8f5b6efbe8fd1a9b6b9afb0549a7be37efca8f25f09aae976d"),
    "campaign": (4, "6e49474ee517e785652d9feca13b2554eefc1ce9da0be755244fb89eeebee33b"),
    "campaign_series": (1, "0618a30d16b1808c6e14e5a3654a3efe75c07a8ec18db2ab132751d3cb4b42aa"),
    "campaign_unit": (1204, "e1f20f9471e1bfe7ab4dad979ceed715b36eaaa1ae44d12e348c5ab98abd6e16"),
    "card_case": (72, "bf5b014de6753b575eef4f6abd3b6ec244ff88385271c2658ffa865ebe6ca184"),
    "district": (10, "d3d576f2509029c0a7e8deb17182e711a4e3757e49fba95e12e4d7f485beacc9"),
    "do_not_call": (12, "36bb205d581121bd5b531db870669521d8b55090cabc2130f88802c8dd1af0fa"),
    "fault_tolerance_application": (44, "ed6df79f3f9ff8e1a7dd36c8cc2559a21ee6328697dfa2007157b99d6e4a11fa"),
    "frame_entry": (64967, "ab352d322302773ddeaf1b1f1e3f25951d5d6001c5d4e65ddfe0091d1309a79c"),
    "head_action": (10, "75ceb79c0444cef2abf29611194513659f2a04007998596feda9b77572a57a64"),
    "history_entry": (1802, "1f6930f490db944aac54a57bc9894d60cbdf40a615c39831e1afd3083c6af6e3"),
    "indicator": (20, "db7121e9b0d3c9645fca72f0c20f5b4e4cb7a70d1c34dea51689b8834f8135ec"),
    "indicator_value": (4057, "47b3f9fbf568061d7133d787ebf3cfce2c287e9acd98fcc2b14f5949d4868946"),
    "inspection_finding": (212, "e45c16239a9c3b18bdd1b8253e53133f1d704585f189384abd73663987565188"),
    "inspection_round": (4, "7e03cbbda4c70277fbaa8624340e5bb209758c1f1bc641e2287f4dd058f9a41d"),
    "inspection_round_inspector": (4, "45e55daeb781479b06b78c6893288017ebcdf34124ff12f969db9c6ceb7e8279"),
    "inspection_round_unit": (258, "e9dfd58733465a15bc450ffff519ce14dbe7b45ab836470ff65a1c95ecdebb71"),
    "inspection_visit": (247, "56084f7920f7e1bdde8ede35817b2f468501b57cbcde51889465b55390a4565c"),
    "item": (28, "64a01500b931100acec6d2c016f6de616431a331278be9307081a7cec3e8982b"),
    "overdue_case": (59, "604dbe4d44c0d2031e174b6ea36d20a9413209824d7661e5eb183da486ede494"),
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
    "unit_result": (902, "6214e6dd178a7f6e09dc7274dd58cfe0e03a1ba9d17b981c0661be50026fc831"),
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
