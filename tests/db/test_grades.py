"""services/grades.py: a campaign's grade scheme (等次方案) and its labels, on both databases;
ui/labels.grade_label: which words a grade is shown in."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.bundle_io import import_bundle
from services.errors import NotFound
from services.grades import grade_labels, grade_scheme, labels_of
from tests.db.kit import MakeUow
from tests.scoring.bundlekit import Bundle, to_toml
from ui.labels import grade_label, grade_scheme_text

LABELS = '\n[platform.grade_labels.excellent]\nzh = "优秀"\nen = "Excellent"\n'


def imported(make_uow: MakeUow, tmp_path: Path, grades: dict[str, float] | None, platform: str = "") -> str:
    b = Bundle()
    if grades is not None:
        b.set("grades", grades)
    b.unit("A")
    b.scored_response("A", 90)
    b.raw["campaign.toml"] = to_toml(b.campaign) + platform
    with make_uow() as uow:
        code = import_bundle(uow, b.write(tmp_path / "b")).code
        uow.commit()
    return code


def test_a_campaigns_own_scheme_comes_with_its_bounds_and_labels(make_uow: MakeUow, tmp_path: Path) -> None:
    code = imported(make_uow, tmp_path, {"pass": 60.0, "excellent": 90.0}, LABELS)
    scheme = grade_scheme(make_uow(), code)
    assert (dict(scheme.bands), scheme.custom) == ({"excellent": 90.0, "pass": 60.0}, True)
    assert scheme.names == ("excellent", "pass", "dissatisfied")
    assert grade_labels(make_uow(), code) == {"excellent": {"zh": "优秀", "en": "Excellent"}}


def test_a_campaign_without_a_scheme_has_the_default_three_and_no_labels(
    make_uow: MakeUow, tmp_path: Path
) -> None:
    code = imported(make_uow, tmp_path, None)
    scheme = grade_scheme(make_uow(), code)
    assert list(scheme.bands) == ["satisfied", "fairly_satisfied", "basically_satisfied"]
    assert not scheme.custom and scheme.labels == {}


def test_an_unknown_campaign_is_not_found(make_uow: MakeUow) -> None:
    with pytest.raises(NotFound):
        grade_labels(make_uow(), "no-such")
    with pytest.raises(NotFound):
        grade_scheme(make_uow(), "no-such")


def test_labels_of_keeps_only_text_labels_in_zh_and_en() -> None:
    design = {"grade_labels": {"a": {"zh": "甲", "fr": "A", "en": ""}, "b": "B", "c": {"en": 3}}}
    assert labels_of(design) == {"a": {"zh": "甲"}}
    assert labels_of(None) == {} and labels_of({"grade_labels": ["x"]}) == {}


def test_a_grade_is_shown_by_the_campaigns_label_then_the_catalogue_then_its_name() -> None:
    own = {"excellent": {"zh": "优秀", "en": "Excellent"}, "dissatisfied": {"zh": "不合格"}}
    assert grade_label("excellent", "en", own) == "Excellent"
    assert grade_label("dissatisfied", "zh", own) == "不合格"
    assert grade_label("dissatisfied", "en", own) == "Dissatisfied"  # the catalogue's words
    assert grade_label("satisfied", "zh") == "满意"
    assert grade_label("pass", "zh", own) == "pass"  # no label anywhere: the band's name
    assert grade_label("", "zh", own) == ""
    text = grade_scheme_text({"excellent": 90.0, "pass": 60.0}, own, "zh")
    assert text.startswith("等次方案：优秀 ≥ 90；pass ≥ 60；不合格")
