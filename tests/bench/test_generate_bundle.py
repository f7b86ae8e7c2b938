"""The benchmark's bundle generator writes a complete, valid bundle (bundle.md)."""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib.util
import json
import math
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "bench" / "generate_bundle.py"

# Required (bold) columns of bundle.md, per file.
REQUIRED = {
    "units.csv": ["unit_id", "name", "category"],
    "items.csv": ["instrument", "item_id", "scale_id", "text_zh"],
    "survey_responses.csv": ["response_id", "unit_id", "group"],
    "survey_answers.csv": ["response_id", "item_id", "code"],
    "phone_cases.csv": ["case_id", "unit_id", "disposition"],
    "phone_answers.csv": ["case_id", "item_id", "code"],
    "indicators.csv": ["indicator_id", "name", "direction", "weight"],
    "indicator_values.csv": ["unit_id", "indicator_id", "value"],
    "adjustments.csv": ["unit_id", "kind"],
    "history.csv": ["unit_id", "year", "unsatisfactory"],
}
SAT3 = {"satisfied", "basically_satisfied", "dissatisfied", "dont_know"}
SIZE = {"units": 40, "responses": 3000, "cases": 1600, "seed": 7}


@functools.cache
def _generator() -> ModuleType:
    # Loaded by path: tests may run without the repository root on sys.path.
    spec = importlib.util.spec_from_file_location("bench_generate_bundle", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    _generator().generate(out, **SIZE)
    return out


@pytest.fixture(scope="module")
def tables(bundle: Path) -> dict[str, list[dict[str, str]]]:
    return {name: _read(bundle / name)[1] for name in REQUIRED}


def test_files_and_required_columns(bundle: Path) -> None:
    assert (bundle / "campaign.toml").is_file()
    for name, required in REQUIRED.items():
        header, rows = _read(bundle / name)
        assert set(required) <= set(header), name
        for line, row in enumerate(rows, start=2):
            for col in required:
                assert row[col] != "", f"{name}, line {line}, column {col} is empty"


def test_sizes(tables: dict[str, list[dict[str, str]]]) -> None:
    assert len(tables["units.csv"]) == SIZE["units"]
    assert len(tables["survey_responses.csv"]) == SIZE["responses"]
    assert len(tables["survey_answers.csv"]) == 5 * SIZE["responses"]
    assert len(tables["phone_cases.csv"]) == SIZE["cases"]


def test_ids_unique(tables: dict[str, list[dict[str, str]]]) -> None:
    keys = {
        "units.csv": ("unit_id",),
        "survey_responses.csv": ("response_id",),
        "phone_cases.csv": ("case_id",),
        "indicators.csv": ("indicator_id",),
        "items.csv": ("instrument", "item_id"),
        "survey_answers.csv": ("response_id", "item_id"),
        "phone_answers.csv": ("case_id", "item_id"),
        "indicator_values.csv": ("unit_id", "indicator_id"),
    }
    for name, key in keys.items():
        values = [tuple(row[k] for k in key) for row in tables[name]]
        assert len(values) == len(set(values)), f"duplicate {key} in {name}"


def test_references_exist(tables: dict[str, list[dict[str, str]]]) -> None:
    units = {r["unit_id"] for r in tables["units.csv"]}
    responses = {r["response_id"] for r in tables["survey_responses.csv"]}
    cases = {r["case_id"] for r in tables["phone_cases.csv"]}
    indicators = {r["indicator_id"] for r in tables["indicators.csv"]}
    items = {(r["instrument"], r["item_id"]) for r in tables["items.csv"]}
    assert {r["scale_id"] for r in tables["items.csv"]} == {"sat3"}
    for name in (
        "survey_responses.csv",
        "phone_cases.csv",
        "indicator_values.csv",
        "adjustments.csv",
        "history.csv",
    ):
        assert {r["unit_id"] for r in tables[name]} <= units, name
    assert {r["response_id"] for r in tables["survey_answers.csv"]} <= responses
    assert {r["case_id"] for r in tables["phone_answers.csv"]} <= cases
    assert {("survey", r["item_id"]) for r in tables["survey_answers.csv"]} <= items
    assert {("phone", r["item_id"]) for r in tables["phone_answers.csv"]} <= items
    assert {r["indicator_id"] for r in tables["indicator_values.csv"]} <= indicators
    assert {r["code"] for r in tables["survey_answers.csv"] + tables["phone_answers.csv"]} <= SAT3
    # phone answers come only from interviews (complete 1.1 or partial 1.2)
    disposition = {r["case_id"]: r["disposition"] for r in tables["phone_cases.csv"]}
    assert {disposition[r["case_id"]] for r in tables["phone_answers.csv"]} <= {"1.1", "1.2"}


def test_values_in_domain(tables: dict[str, list[dict[str, str]]]) -> None:
    responses = tables["survey_responses.csv"]
    assert {r["status"] for r in responses} <= {"valid", "duplicate", "quarantined", "withdrawn", ""}
    assert {r["group"] for r in responses} == {"citizen", "service_recipient", "deputy"}
    assert {r["age_band"] for r in responses} == {"18-34", "35-59", "60+", ""}
    assert {r["sex"] for r in responses} == {"male", "female", ""}
    assert {r["category"] for r in tables["units.csv"]} == {"office", "grassroots", "health", "utility"}
    for r in tables["phone_cases.csv"]:
        head, _, tail = r["disposition"].partition(".")
        assert head in "1234" and tail.isdigit(), r["disposition"]
    for r in tables["indicators.csv"]:
        assert r["direction"] in ("higher", "lower")
        assert r["method"] in ("", "minmax", "target")
        if r["method"] == "target":
            assert float(r["floor"]) != float(r["target"])
    for r in tables["indicator_values.csv"]:
        assert math.isfinite(float(r["value"]))
    kinds = {r["kind"] for r in tables["adjustments.csv"]}
    assert kinds <= {"bonus", "deduction", "veto"} and "veto" in kinds
    for r in tables["adjustments.csv"]:
        assert r["points"] == "" or float(r["points"]) >= 0
    assert {r["unsatisfactory"] for r in tables["history.csv"]} <= {"true", "false"}


def test_campaign_toml(bundle: Path) -> None:
    toml = tomllib.loads((bundle / "campaign.toml").read_text(encoding="utf-8"))
    assert toml["campaign"]["id"] and toml["campaign"]["year"] == 2017
    assert toml["weights"]["groups"]["deputy"] == 0
    for table in (
        toml["weights"]["components"],
        toml["weights"]["groups"],
        *toml["weighting"]["margins"].values(),
    ):
        assert abs(sum(table.values()) - 1.0) <= 1e-9
    assert toml["uncertainty"]["replicates"] == 1000


def test_deterministic(bundle: Path, tmp_path: Path) -> None:
    _generator().generate(tmp_path, **SIZE)
    for path in sorted(bundle.iterdir()):
        assert (
            hashlib.sha256(path.read_bytes()).digest()
            == hashlib.sha256((tmp_path / path.name).read_bytes()).digest()
        ), path.name


def test_scorer_accepts_bundle(bundle: Path, tmp_path: Path) -> None:
    from scoring.cli import main

    assert main(["validate", str(bundle)]) == 0
    out = tmp_path / "results"
    assert main(["score", str(bundle), "--out", str(out), "--replicates", "20"]) == 0
    _, results = _read(out / "results.csv")
    assert [r["unit_id"] for r in results] == [f"U{i:05d}" for i in range(1, SIZE["units"] + 1)]
    assert any(r["rank"] for r in results)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))
