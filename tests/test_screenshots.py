"""The screenshot script (scripts/screenshots.py) and the README that shows its pictures.

The script itself needs Chromium and a demo load (about a minute); these tests check what
can go wrong without them: which shots a command line asks for, that every picture the
script writes is in the README and every picture the README shows exists, and that the
command lines of the set-up section (建立评议) are commands ``python -m db`` accepts.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETUP_TITLE = "## Setting up a city / 建立评议"
#: Pictures larger than this make the README slow to open (the existing ones are ~250 KB).
MAX_PNG_BYTES = 400_000


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots_script", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


script = load_script()
SHOTS = list(script.FILES)


def section(title: str) -> str:
    """The README's text from the heading ``title`` to the next second-level heading."""
    start = README.index(title)
    end = README.find("\n## ", start + len(title))
    return README[start : end if end >= 0 else len(README)]


def db_commands(text: str) -> list[list[str]]:
    """The ``python -m db`` command lines of ``text``'s bash blocks, as arguments (comments
    and output redirections left out)."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] != ["python", "-m", "db"]:
                continue
            if ">" in words:
                words = words[: words.index(">")]
            out.append(words[3:])
    return out


# ------------------------------------------------------------------ the shots asked for


def test_without_names_every_shot_is_taken_into_the_docs_folder() -> None:
    shots, out = script.parse_shots([])
    assert shots == SHOTS
    assert out == ROOT / "docs" / "screenshots"


def test_named_shots_are_taken_alone_in_the_scripts_order_once_each(tmp_path: Path) -> None:
    shots, out = script.parse_shots(["preview", "register", "designer", "register", "--out", str(tmp_path)])
    assert shots == ["register", "designer", "preview"]
    assert out == tmp_path


def test_an_unknown_shot_is_refused_with_exit_status_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        script.parse_shots(["register", "designr"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "designr" in error
    assert all(name in error for name in SHOTS)


@given(st.lists(st.sampled_from(SHOTS), min_size=1, max_size=12))
def test_any_choice_of_shots_is_that_set_in_the_scripts_order(names: list[str]) -> None:
    shots, _ = script.parse_shots(names)
    assert shots == [s for s in SHOTS if s in names]


def test_every_shot_has_a_function_and_a_file_of_its_own() -> None:
    assert list(script.SHOTS) == SHOTS
    assert len(set(script.FILES.values())) == len(SHOTS)
    assert all(name.endswith(".png") for name in script.FILES.values())


# ------------------------------------------------------------------ the README's pictures


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (IHDR)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_every_picture_the_script_takes_is_shown_in_the_readme() -> None:
    missing = [f for f in script.FILES.values() if f"docs/screenshots/{f}" not in README]
    assert missing == []


@pytest.mark.parametrize("name", sorted(set(re.findall(r"docs/screenshots/([\w.-]+\.png)", README))))
def test_every_picture_the_readme_shows_is_a_png_of_a_reasonable_size(name: str) -> None:
    path = ROOT / "docs" / "screenshots" / name
    assert path.is_file(), f"the README shows {name}, which is not in docs/screenshots"
    width, height = png_size(path)
    assert width >= 375 and height >= 375
    assert path.stat().st_size <= MAX_PNG_BYTES


def test_the_setup_section_shows_the_register_the_designer_and_the_preview_before_the_demo() -> None:
    text = section(SETUP_TITLE)
    for name in ("register.png", "designer.png", "preview-phone.png"):
        assert f"docs/screenshots/{name}" in text
    assert README.index(SETUP_TITLE) < README.index("## Demo city")


def test_the_phone_pictures_are_phone_width() -> None:
    # 375 CSS pixels at a device scale factor of 2 (tests/serving.py phone_page)
    for name in ("survey-phone.png", "preview-phone.png", "visit-phone.png"):
        assert png_size(ROOT / "docs" / "screenshots" / name)[0] == 750


# ------------------------------------------------------------------ the set-up commands


def test_the_setup_sections_commands_cover_every_setup_area() -> None:
    commands = db_commands(section(SETUP_TITLE))
    used = {tuple(c[:2]) for c in commands}
    for area in ("units", "reorganise", "campaign", "questionnaire", "history"):
        assert any(first == area for first, _ in used), area
    assert ("campaign", "rollover") in used
    assert ("campaign", "open-fieldwork") in used


def test_every_command_of_the_setup_section_is_one_python_m_db_accepts() -> None:
    from db.cli import _parser

    parser = _parser()
    commands = db_commands(section(SETUP_TITLE))
    assert len(commands) >= 15
    for words in commands:
        try:
            parser.parse_args(words)
        except SystemExit as exc:  # argparse refuses with status 2
            pytest.fail(f"python -m db {shlex.join(words)} is refused (status {exc.code})")


def test_a_misspelt_command_would_be_caught() -> None:
    from db.cli import _parser

    with pytest.raises(SystemExit):
        _parser().parse_args(["campaign", "rollover", "city-2025", "--year", "2026"])  # no --code, --name
