"""Item sets (题组) in items.csv: the proof that scoring needs no change for them.

A campaign asks `office` units items q1, q2, q3 and `grassroots` units q1, q4; deputies
answer an extra q5. A response's score is over the items it answered (methodology §1), so
the sets change only which items were put to whom; every number below is worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scoring.bundlekit import Bundle, assert_num, has_defect, score_bundle, score_cmd

SCALE = {"a": 100.0, "b": 80.0, "c": 50.0, "d": 0.0, "x": None}


def two_sets() -> Bundle:
    b = Bundle()
    b.set("weights.groups", {"citizen": 0.6, "deputy": 0.4})
    b.items = []
    b.scale("five", SCALE)
    for item_id, categories, groups, weight in (
        ("q1", "", "", 2),
        ("q2", "office", "", 1),
        ("q3", "office", "", 1),
        ("q4", "grassroots", "", 1),
        ("q5", "", "deputy", 1),
    ):
        b.items.append(
            {"instrument": "survey", "item_id": item_id, "scale_id": "five", "text_zh": f"题目{item_id}",
             "weight": weight, "unit_categories": categories, "respondent_groups": groups}
        )  # fmt: skip
    b.unit("O1", "office")
    b.unit("G1", "grassroots")
    b.response("O1", {"q1": "a", "q2": "b", "q3": "c"})  # (2·100 + 80 + 50) / 4 = 82.5
    b.response("O1", {"q1": "b", "q2": "x", "q3": "d"})  # don't know is unanswered: (2·80 + 0) / 3
    b.response("O1", {"q1": "a", "q2": "a", "q3": "b", "q5": "c"}, group="deputy")  # 430 / 5 = 86
    b.response("G1", {"q1": "c", "q4": "a"})  # (2·50 + 100) / 3
    b.response("G1", {"q1": "a", "q4": "d", "q5": "a"}, group="deputy")  # (200 + 0 + 100) / 4 = 75
    return b


def test_scores_of_a_campaign_with_two_item_sets_are_the_hand_computed_ones(tmp_path: Path) -> None:
    res = score_bundle(two_sets(), tmp_path)
    office_citizens = (82.5 + 160 / 3) / 2
    assert_num(res["O1"], "survey_score", 0.6 * office_citizens + 0.4 * 86, tol=1e-9)
    assert_num(res["O1"], "final_score", 75.15, tol=1e-9)
    assert_num(res["G1"], "survey_score", 0.6 * 200 / 3 + 0.4 * 75, tol=1e-9)
    assert_num(res["G1"], "final_score", 70.0, tol=1e-9)


def test_the_item_set_columns_change_no_score(tmp_path: Path) -> None:
    plain = two_sets()
    for item in plain.items:
        del item["unit_categories"], item["respondent_groups"]
    assert score_bundle(plain, tmp_path) == score_bundle(two_sets(), tmp_path)


BAD_SETS = [
    ("a category no unit has", "unit_categories", "office;police", "is not a category of units.csv"),
    ("an empty element", "unit_categories", "office;;grassroots", "has an empty element"),
    ("a name with a space around it", "respondent_groups", "deputy; citizen", "spaces before or after"),
    ("a formula", "respondent_groups", "=cmd|'/c calc'!A1", "would take it for a formula"),
    ("a name listed twice", "unit_categories", "office;office", "is listed twice"),
]


@pytest.mark.parametrize(("column", "cell", "words"), [c[1:] for c in BAD_SETS], ids=[c[0] for c in BAD_SETS])
def test_a_bad_item_set_is_refused_naming_file_line_and_column(
    tmp_path: Path, column: str, cell: str, words: str
) -> None:
    b = two_sets()
    b.items[2][column] = cell  # q3, line 4 of items.csv
    out = score_cmd(b.write(tmp_path / "bundle"), tmp_path / "out")
    assert out.code == 2
    assert has_defect(out.stderr, "items.csv", 4, column), out.stderr
    assert words in out.stderr
