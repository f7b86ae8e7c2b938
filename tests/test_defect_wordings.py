"""Defects of uploaded files are worded once (services/defects.py) and said in both
languages (ui/messages.py): every wording the importers define has its Chinese and
English text with the same placeholders, and the bundle CSV reader's English defects
are given their wording."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import services.designer
import services.indicators
import services.reorganisations
import services.sampling
import services.units
from scoring.csvfile import read_csv
from scoring.errors import Defect
from services.defects import (
    FIELD_COUNT,
    FORMULA,
    OTHER,
    WORDINGS,
    ImportDefect,
    LabelRefused,
    Wording,
    check_label,
)
from ui.defects import defect_rows, refusal_text
from ui.messages import LANGS, MESSAGES, t

CJK = re.compile(r"[\u4e00-\u9fff]")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_importers_word_their_defects_through_the_one_registry() -> None:
    assert services.sampling.PHONE_TWICE.key in WORDINGS and services.indicators.VALUE_TWICE.key in WORDINGS
    assert len(WORDINGS) >= 30


@pytest.mark.parametrize("key", sorted(WORDINGS))
def test_every_wording_is_in_the_catalogue_in_both_languages(key: str) -> None:
    wording = WORDINGS[key]
    assert key in MESSAGES, f"{key} is not in ui/messages.py"
    for lang in LANGS:
        assert placeholders(MESSAGES[key][lang]) <= wording.placeholders, (key, lang)
        t(key, lang, **dict.fromkeys(wording.placeholders, "x"))
    assert CJK.search(MESSAGES[key]["zh"]), f"{key}: no Chinese in the Chinese text"


def test_a_wording_key_means_one_thing() -> None:
    with pytest.raises(ValueError, match="share the key"):
        Wording(FORMULA.key, "something else")
    with pytest.raises(TypeError, match="needs value"):
        ImportDefect.of("f.csv", 2, "name", FORMULA)


def test_the_csv_readers_english_defects_are_worded(tmp_path: Path) -> None:
    found: list[Defect] = []
    read_csv(Path("v.csv"), "v.csv", found, raw=b"unit_id,value\nu1,1,2\n")
    assert found, "the reader no longer reports a line with too many fields"
    (worded,) = (ImportDefect.from_scoring(d) for d in found)
    assert (worded.file, worded.line, worded.key, worded.arguments) == (
        "v.csv",
        2,
        FIELD_COUNT.key,
        {"actual": "3", "expected": "2"},
    )
    assert worded.message == found[0].message  # the English stays the reader's own
    other = ImportDefect.from_scoring(Defect("v.csv", 4, None, "something new"))
    assert (other.key, other.arguments, other.message) == (
        OTHER.key,
        {"detail": "something new"},
        "something new",
    )


def test_a_defect_renders_in_the_persons_language_with_its_place() -> None:
    defect = ImportDefect.for_label("f.csv", 3, "name", "@SUM(1)")
    assert defect is not None and ImportDefect.for_label("f.csv", 3, "name", "临江市公安局") is None
    assert str(defect) == 'f.csv, line 3, column name: "@SUM(1)" ' + FORMULA.english.split('" ', 1)[1]
    (row,) = defect_rows([defect], "zh")
    assert row == {
        "file": "f.csv",
        "line": 3,
        "column": "name",
        "message": "“@SUM(1)”不能以 =、+、-、@、制表符或回车开头（电子表格会把它当作公式）。",
    }


def test_forms_refuse_labels_with_the_shared_rule() -> None:
    assert check_label("name", "市公安局-江滨分局") == "市公安局-江滨分局"
    for value in ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"):
        with pytest.raises(LabelRefused) as refused:
            check_label("name", value)
        assert refused.value.field == "name" and "formula" in str(refused.value)
        assert refusal_text(refused.value, "zh").endswith("（电子表格会把它当作公式）。")
        assert "\t" not in refusal_text(refused.value, "en") and "\r" not in refusal_text(refused.value, "en")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("単位名,値\nテスト,1\n".encode("shift_jis"), "import.defect.not_chinese"),
        (b"unit_id,value\ru1,1\r", "import.defect.stray_cr"),
        (b"unit_id,value\nu1,1\x002\n", "import.defect.nul"),
        (b"unit_id,value\n" + b"u1," + b"9" * 70_000 + b"\n", "import.defect.long_line"),
    ],
    ids=["shift-jis", "cr-only", "nul", "long-line"],
)
def test_the_readers_hardening_defects_are_said_in_chinese_not_passed_on_in_english(
    raw: bytes, key: str
) -> None:
    found: list[Defect] = []
    read_csv(Path("v.csv"), "v.csv", found, raw=raw)
    assert found, "the reader accepted a file it must refuse"
    worded = [ImportDefect.from_scoring(d) for d in found]
    assert key in {w.key for w in worded}
    shown = [t(w.key, "zh", **w.arguments) for w in worded if w.key == key]
    assert all(CJK.search(text) for text in shown)
