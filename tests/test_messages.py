"""The message catalogue is complete, and every key the UI asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.messages import DEFAULT_LANG, LANGS, MESSAGES, t

# t("key" ...) and t(f"prefix.{x}" ...) calls, as written in app_pages/ and ui/.
LITERAL_KEY = re.compile(r"""\bt\(\s*(["'])([^"'{}]+)\1""")
FSTRING_KEY = re.compile(r"""\bt\(\s*f(["'])([^"']+)\1""")


def ui_sources(repo_root: Path) -> list[Path]:
    return [
        *sorted((repo_root / "app_pages").rglob("*.py")),
        *sorted((repo_root / "ui").rglob("*.py")),
        repo_root / "streamlit_app.py",
    ]


def test_every_message_has_non_empty_chinese_and_english_text() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), f"{key}: languages {sorted(texts)}"
        for lang in LANGS:
            assert texts[lang].strip(), f"{key}: empty {lang} text"


def test_chinese_is_the_default_language() -> None:
    assert DEFAULT_LANG == "zh"
    assert t("app.title") == "十佳十差评议平台"
    assert t("app.title", "en") == "Ten Best, Ten Worst appraisal platform"


def test_unknown_key_or_language_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        t("no.such.key", "zh")
    with pytest.raises(ValueError, match="fr"):
        t("app.title", "fr")


def test_every_literal_key_used_by_the_ui_is_in_the_catalogue(repo_root: Path) -> None:
    used = {
        (path.relative_to(repo_root).as_posix(), match.group(2))
        for path in ui_sources(repo_root)
        for match in LITERAL_KEY.finditer(path.read_text(encoding="utf-8"))
    }
    assert used, "found no t(...) calls: has the UI stopped using the catalogue?"
    missing = sorted((where, key) for where, key in used if key not in MESSAGES)
    assert not missing


def test_every_formatted_key_used_by_the_ui_matches_some_catalogue_key(repo_root: Path) -> None:
    for path in ui_sources(repo_root):
        for match in FSTRING_KEY.finditer(path.read_text(encoding="utf-8")):
            # Each {placeholder} stands for one or more key characters.
            pattern = re.compile(
                "".join(
                    ".+" if part.startswith("{") else re.escape(part)
                    for part in re.split(r"(\{[^}]*\})", match.group(2))
                    if part
                )
            )
            assert any(pattern.fullmatch(key) for key in MESSAGES), (
                f"{path.relative_to(repo_root)}: no catalogue key matches t(f{match.group(2)!r})"
            )
