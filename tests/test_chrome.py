"""What staff read besides our pages' own words: English capitalised as English is, and
Streamlit's settings that decide what it says by itself (the upload limit)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from services import adjustments, appeals, indicators, sampling
from ui.messages import MESSAGES


def test_english_labels_begin_with_a_capital() -> None:
    """A label, option, role or group name is shown alone ("Citizens", not "citizens");
    a value placed inside a sentence is written into that sentence's own text."""
    lower = sorted(key for key, texts in MESSAGES.items() if texts["en"][:1].islower())
    assert not lower, f"English texts that begin in lower case: {lower}"


def test_the_upload_limit_is_the_largest_file_a_service_takes(repo_root: Path) -> None:
    """Not Streamlit's 200 MB: the browser would send, and the server read, files that
    every service refuses."""
    config = tomllib.loads((repo_root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limits = {
        "appeal evidence": appeals.MAX_EVIDENCE_BYTES,
        "adjustment evidence": adjustments.MAX_EVIDENCE_BYTES,
        "indicator file": indicators.MAX_FILE_BYTES,
        "sampling frame": sampling.MAX_FILE_BYTES,
    }
    assert config["server"]["maxUploadSize"] == max(limits.values()) // 2**20


def test_there_is_no_toolbar_menu(repo_root: Path) -> None:
    """Its items ("Deploy", "Print", "Record screen") are Streamlit's English."""
    config = tomllib.loads((repo_root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"
