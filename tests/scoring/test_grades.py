"""Grade schemes (等次方案), methodology §6: the default three bands, or the campaign's own.

Scores are chosen by hand (one response per unit scored exactly F on the ``pts`` scale, with
only the survey weighing, so F = S) and every grade below is read off the methodology's rule:
the band with the highest lower bound not above F; below every bound, vetoed, or F empty →
``dissatisfied``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.params import parse_campaign_toml
from scoring.ranking import grades
from tests.scoring.bundlekit import Bundle, has_defect, score_bundle, score_cmd

OWN = {"excellent": 90.0, "good": 80.0, "pass": 60.0}


def graded(b: Bundle, scores: dict[str, float | None], tmp_path: Path) -> dict[str, str]:
    for uid, f in scores.items():
        b.unit(uid)
        if f is not None:
            b.scored_response(uid, f)
    return {uid: row["grade"] for uid, row in score_bundle(b, tmp_path).items()}


def test_a_campaigns_own_bands_replace_the_default_three(tmp_path: Path) -> None:
    b = Bundle().set("grades", dict(OWN))
    b.unit("V")
    b.scored_response("V", 100)
    b.adjustment("V", "veto", reason="一票否决")
    got = graded(
        b, {"A": 95, "B": 90, "C": 89.999, "D": 80, "E": 79.5, "F": 60, "G": 59.99, "H": 0}, tmp_path
    )
    assert got == {
        "V": "dissatisfied",  # vetoed, though F = 100
        "A": "excellent",
        "B": "excellent",  # a lower bound is inside its band
        "C": "good",
        "D": "good",
        "E": "pass",
        "F": "pass",
        "G": "dissatisfied",
        "H": "dissatisfied",
    }


def test_bands_may_be_written_in_any_order_and_a_single_band_is_a_scheme(tmp_path: Path) -> None:
    b = Bundle().set("grades", {"pass": 60.0, "excellent": 90.0, "good": 80.0})
    assert graded(b, {"A": 91, "B": 85, "C": 65, "D": 10}, tmp_path) == {
        "A": "excellent",
        "B": "good",
        "C": "pass",
        "D": "dissatisfied",
    }
    one = Bundle().set("grades", {"qualified": 0.0})
    assert graded(one, {"A": 0, "B": 100}, tmp_path) == {"A": "qualified", "B": "qualified"}


def test_overriding_default_bounds_keeps_the_default_scheme(tmp_path: Path) -> None:
    b = Bundle().set("grades", {"satisfied": 90.0})
    assert graded(b, {"A": 89, "B": 90, "C": 74.9, "D": 60}, tmp_path) == {
        "A": "fairly_satisfied",
        "B": "satisfied",
        "C": "basically_satisfied",
        "D": "basically_satisfied",
    }


def test_the_default_schemes_ordering_check_still_applies() -> None:
    _, _, defects = parse_campaign_toml('[campaign]\nid = "x"\nyear = 2020\n[grades]\nsatisfied = 70\n')
    assert [(d.column, d.message) for d in defects] == [
        ("grades", '"satisfied >= fairly_satisfied >= basically_satisfied" does not hold')
    ]


def test_grade_bands_list_the_scheme_best_first() -> None:
    _, own, _ = parse_campaign_toml(
        '[campaign]\nid = "x"\nyear = 2020\n[grades]\npass = 60\nexcellent = 90\n'
    )
    assert (own.custom_grades, dict(own.grade_bands)) == (True, {"excellent": 90.0, "pass": 60.0})
    assert own.grade_names == ("excellent", "pass", "dissatisfied")
    _, default, _ = parse_campaign_toml('[campaign]\nid = "x"\nyear = 2020\n')
    assert not default.custom_grades
    assert list(default.grade_bands.items()) == [
        ("satisfied", 85.0),
        ("fairly_satisfied", 75.0),
        ("basically_satisfied", 60.0),
    ]


# (why, the [grades] table, the key refused, its line within the table (0 = first), words)
BAD_SCHEMES = [
    ("two bands share a bound", "good = 80\nfine = 80\n", "grades.fine", 1, "cannot share a bound"),
    (
        "a band named dissatisfied",
        "good = 80\ndissatisfied = 10\n",
        "grades.dissatisfied",
        1,
        "below every band",
    ),
    ("a bound above 100", "excellent = 101\n", "grades.excellent", 0, "outside [0, 100]"),
    ("a bound below 0", "pass = -1\n", "grades.pass", 0, "outside [0, 100]"),
    ("a name with capitals", "Excellent = 90\n", "grades.Excellent", 0, "not a band name"),
    ("a Chinese name", '"优秀" = 90\n', "grades.优秀", 0, "not a band name"),
    ("a bound that is text", 'good = "80"\n', "grades.good", 0, "not a finite number"),
    (
        "a default name beside own ones",
        "excellent = 95\nsatisfied = 85\n",
        "grades.satisfied",
        1,
        "default band",
    ),
]
HEAD = """[campaign]
id = "g-2020"
year = 2020
[weights.components]
survey = 1.0
[eligibility]
min_survey = 1
min_phone = 0
[grades]
"""


@pytest.mark.parametrize(
    ("table", "key", "at", "words"), [c[1:] for c in BAD_SCHEMES], ids=[c[0] for c in BAD_SCHEMES]
)
def test_a_bad_grade_scheme_is_refused_naming_file_line_and_key(
    tmp_path: Path, table: str, key: str, at: int, words: str
) -> None:
    b = Bundle()
    b.unit("A")
    b.scored_response("A", 90)
    b.raw["campaign.toml"] = HEAD + table
    out = score_cmd(b.write(tmp_path / "bundle"), tmp_path / "out")
    assert out.code == 2, out.stderr
    line = HEAD.count("\n") + 1 + at
    assert has_defect(out.stderr, "campaign.toml", line, key), out.stderr
    assert words in out.stderr
    assert not (tmp_path / "out" / "results.csv").exists()


bounds = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    bands=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), bounds, min_size=1, max_size=6
    ),
    f=st.lists(st.floats(min_value=-10, max_value=110, allow_nan=False), min_size=2, max_size=2),
)
def test_the_grade_never_gets_worse_as_f_rises(bands: dict[str, float], f: list[float]) -> None:
    bands.pop("dissatisfied", None)
    if not bands or len(set(bands.values())) < len(bands):
        return  # such schemes are refused before scoring
    ordered = [*sorted(bands, key=lambda b: -bands[b]), "dissatisfied"]
    low, high = sorted(f)
    got = grades(np.array([low, high]), np.array([True, True]), np.array([False, False]), bands)
    assert ordered.index(got[1]) <= ordered.index(got[0])
    # and F at a band's bound is in that band
    for name, bound in bands.items():
        at = grades(np.array([bound]), np.array([True]), np.array([False]), bands)
        assert at == (name,)
