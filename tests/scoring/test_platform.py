"""The ``[platform]`` table (the designer's settings the scorer never reads) and the bundle's
other columns for people: units.csv district, kind, department, head_since; history.csv
source_campaign, source_unit, via. The reader checks them all with its usual rules and
names file, line and key or column; scoring ignores them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import load_bundle
from scoring.platform import PlatformSettings, join_platform, read_platform, split_platform
from tests.scoring.bundlekit import Bundle, has_defect, score_bundle, score_cmd, to_toml

PLATFORM = """
[platform]
fieldwork_opens = 2025-05-01
fieldwork_closes = 2025-06-30
public_bulletin = true
notice_days = 10

[platform.grade_labels.excellent]
zh = "优秀"
en = "Excellent"

[platform.grade_labels.dissatisfied]
zh = "不合格"
en = "Unsatisfactory"

[platform.groups.deputy]
zh = "人大代表"
en = "Deputies"

[platform.design]
note = "第一次自行设计"
steps = [1, 2]
"""


def designed(platform: str = PLATFORM) -> Bundle:
    b = Bundle().set("grades", {"excellent": 90.0, "pass": 60.0})
    b.unit("A")
    b.scored_response("A", 95)
    b.raw["campaign.toml"] = to_toml(b.campaign) + platform
    return b


def test_a_bundle_with_every_platform_setting_scores_as_without_it(tmp_path: Path) -> None:
    with_platform = designed()
    without = designed(platform="")
    assert score_bundle(with_platform, tmp_path) == score_bundle(without, tmp_path)
    got = load_bundle(with_platform.write(tmp_path / "b")).platform
    assert (got.fieldwork_opens, got.fieldwork_closes) == (date(2025, 5, 1), date(2025, 6, 30))
    assert (got.public_bulletin, got.notice_days) == (True, 10)
    assert dict(got.grade_labels["excellent"]) == {"zh": "优秀", "en": "Excellent"}
    assert dict(got.groups["deputy"]) == {"zh": "人大代表", "en": "Deputies"}
    assert got.campaign_design() == {
        "note": "第一次自行设计",
        "steps": [1, 2],
        "grade_labels": {
            "excellent": {"zh": "优秀", "en": "Excellent"},
            "dissatisfied": {"zh": "不合格", "en": "Unsatisfactory"},
        },
    }


BAD_PLATFORM = [
    ("an unknown key", "notice_day = 3", "platform.notice_day", "unknown key"),
    ("a date in quotes", 'fieldwork_opens = "2025-05-01"', "platform.fieldwork_opens", "is not a date"),
    ("a date and time", "fieldwork_opens = 2025-05-01T08:00:00", "platform.fieldwork_opens", "is not a date"),
    (
        "closing before opening",
        "fieldwork_opens = 2025-05-01\nfieldwork_closes = 2025-04-30",
        "platform.fieldwork_closes",
        "before the fieldwork opens",
    ),
    ("no notice period", "notice_days = 0", "platform.notice_days", "from 1 to 90"),
    ("a bulletin flag as text", 'public_bulletin = "yes"', "platform.public_bulletin", "not true or false"),
    (
        "a label for a band [grades] lacks",
        '[platform.grade_labels.good]\nzh = "良好"',
        "platform.grade_labels.good",
        "is not a band of [grades]",
    ),
    (
        "a label that is a formula",
        '[platform.grade_labels.pass]\nzh = "=1+1"',
        "platform.grade_labels.pass.zh",
        "formula",
    ),
    (
        "a group code with a space",
        '[platform.groups." deputy"]\nzh = "代表"',
        "platform.groups. deputy",
        "spaces",
    ),
    (
        "a label in a third language",
        '[platform.groups.deputy]\nfr = "Députés"',
        "platform.groups.deputy.fr",
        "zh or en",
    ),
    ("a date in the design", "[platform.design]\nwhen = 2025-01-01", "platform.design.when", "quote it"),
]


@pytest.mark.parametrize(
    ("text", "key", "words"), [c[1:] for c in BAD_PLATFORM], ids=[c[0] for c in BAD_PLATFORM]
)
def test_a_bad_platform_setting_is_refused_by_validate_naming_the_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    body = text if text.startswith("[") else "[platform]\n" + text
    b = designed(platform="\n" + body + "\n")
    out = score_cmd(b.write(tmp_path / "bundle"), tmp_path / "out")
    assert out.code == 2
    assert has_defect(out.stderr, "campaign.toml", None, key) or any(
        f"column {key}:" in line for line in out.stderr.splitlines()
    ), out.stderr
    assert words in out.stderr


def test_a_platform_defect_names_its_line() -> None:
    text = '[campaign]\nid = "x"\nyear = 2020\n\n[platform]\nnotice_days = 400\n'
    _, defects = read_platform(text, ["satisfied", "dissatisfied"])
    assert [(d.file, d.line, d.column) for d in defects] == [("campaign.toml", 6, "platform.notice_days")]


def test_a_platform_written_as_dotted_keys_is_refused_because_it_cannot_be_kept_apart() -> None:
    text = 'platform.notice_days = 3\n[campaign]\nid = "x"\nyear = 2020\n'
    method, problem = split_platform(text)
    assert method == text and problem is not None and "tables of its own" in problem
    _, defects = read_platform(text, ["dissatisfied"])
    assert any("tables of its own" in d.message for d in defects)


def test_split_keeps_the_method_byte_for_byte_and_a_text_without_platform_as_it_is() -> None:
    method = '[campaign]\nid = "x"  # 代码\nyear = 2020\n\n\n[ranking]\ntop_n = 3\n\n'
    assert split_platform(method) == (method, None)
    platform = '[platform]\nnotice_days = 3\n[platform.groups.citizen]\nzh = "市民"\n\n'
    text = method + platform + "[scoring]\nsatisfied_at = 50\n"
    assert split_platform(text) == (method + "[scoring]\nsatisfied_at = 50\n", None)


def test_unit_and_history_columns_for_people_are_checked_and_ignored_by_scoring(tmp_path: Path) -> None:
    b = Bundle()
    b.unit("A")
    b.unit("B")
    b.scored_response("A", 70)
    b.scored_response("B", 80)
    b.past("A", 2016, True)
    b.past("B", 2016, False)
    plain = score_bundle(b, tmp_path)
    assert plain["A"]["card"] == "red"  # worst two years running: the history is read
    b.units[0].update(district="江岸区", kind="行政机关", department="市政府办公厅", head_since="2024-03-01")
    b.history[0].update(source_campaign="rules-2016", source_unit="A0", via="rename 2016-05-01")
    assert score_bundle(b, tmp_path) == plain
    for column, value, words in (
        ("head_since", "2024-02-30", "is not a date"),
        ("head_since", "20240301", "is not a date"),
        ("district", "@SUM(A1)", "formula"),
        ("kind", "+行政", "formula"),
        ("department", "-办公厅", "formula"),
    ):
        bad = b.copy()
        bad.units[1][column] = value  # line 3 of units.csv
        out = score_cmd(bad.write(tmp_path / f"bad-{column}-{len(value)}"), tmp_path / "out")
        assert out.code == 2 and has_defect(out.stderr, "units.csv", 3, column), out.stderr
        assert words in out.stderr
    for column in ("source_campaign", "source_unit", "via"):
        bad = b.copy()
        bad.history[1][column] = "=HYPERLINK(1)"  # line 3 of history.csv
        out = score_cmd(bad.write(tmp_path / f"bad-{column}"), tmp_path / "out")
        assert out.code == 2 and has_defect(out.stderr, "history.csv", 3, column), out.stderr


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12).filter(
    lambda s: not s.startswith(("=", "+", "-", "@", "\t", "\r"))
)
labels = st.fixed_dictionaries({}, optional={"zh": texts, "en": texts})
json_scalars = st.one_of(
    st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), texts
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    opens=st.none() | dates,
    days=st.none() | st.integers(0, 60),
    public=st.booleans(),
    notice=st.integers(1, 90),
    grade_labels=st.dictionaries(st.sampled_from(["excellent", "pass", "dissatisfied"]), labels, max_size=3),
    groups=st.dictionaries(texts.filter(lambda s: s and s == s.strip()), labels, max_size=3),
    design=st.dictionaries(texts.filter(lambda k: k != "grade_labels"), json_values, max_size=4),
    method_tail=st.sampled_from(["", "\n", "\n\n\n", "  \n"]),
)
def test_join_then_read_gives_back_every_setting_and_join_split_join_is_the_same_text(
    opens: date | None,
    days: int | None,
    public: bool,
    notice: int,
    grade_labels: dict[str, dict[str, str]],
    groups: dict[str, dict[str, str]],
    design: dict[str, object],
    method_tail: str,
) -> None:
    closes = None if opens is None or days is None else date.fromordinal(opens.toordinal() + days)
    chosen = PlatformSettings.from_design(
        {**design, "grade_labels": grade_labels} if grade_labels else design,
        fieldwork_opens=opens,
        fieldwork_closes=closes,
        public_bulletin=public,
        notice_days=notice,
        groups=groups,
    )
    method = '[campaign]\nid = "x"\nyear = 2020\n[grades]\nexcellent = 90\npass = 60' + method_tail
    text = join_platform(method, chosen)
    got, defects = read_platform(text, ["excellent", "pass", "dissatisfied"])
    assert defects == []
    assert got.campaign_design() == chosen.campaign_design()
    assert {k: dict(v) for k, v in got.groups.items()} == groups
    assert (got.fieldwork_opens, got.fieldwork_closes, got.public_bulletin, got.notice_days) == (
        opens,
        closes,
        public,
        notice,
    )
    stripped, problem = split_platform(text)
    assert problem is None
    assert join_platform(stripped, got) == text
