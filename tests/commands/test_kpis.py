"""`ecs-check kpis`: the indicators with their definitions, the same numbers as `check`'s grade, whichever engine measures."""

from __future__ import annotations

import json

import pytest

from benchmarks.generate import generate
from tests.helpers import REPO, STANDARD_TEXT_LINES, STANDARD_TEXTS

SAMPLE = REPO / "evidence_samples" / "nanjing-home-textiles-aaaa"


def _strip(report: dict) -> dict:
    """The figures only: what differs between an inline bundle and its record files is where records are cited."""
    return {
        "indicators": [{k: v for k, v in ind.items() if k != "inputs"} for ind in report["indicators"]],
        "deadlines": [{k: v for k, v in f.items() if k != "evidence"} for f in report["deadlines"]],
        "basis": report["response_basis"],
    }


def test_kpis_match_the_grade_of_check(ecs):
    kpis = json.loads(ecs("kpis", str(SAMPLE), "--format", "json").out)
    checked = json.loads(ecs("check", str(SAMPLE), "--standard", "NJ-ECCS", "--format", "json").out)
    graded = {k["id"]: (k["value"], k["band"], k["numerator"], k["denominator"]) for k in checked["grade"]["kpis"]}
    assert {k["id"]: (k["value"], k["band"], k["numerator"], k["denominator"]) for k in kpis["indicators"]} == graded
    assert kpis["engine"] == "python"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("kpis")
    return generate(root / "inline", 2000, seed=3, inline=True).parent, generate(root / "files", 2000, seed=3).parent


def test_inline_and_record_files_give_the_same_report(ecs, pair):
    inline, files = pair
    a = json.loads(ecs("kpis", str(inline), "--format", "json").out)
    b = json.loads(ecs("kpis", str(files), "--format", "json", "--engine", "duckdb").out)
    c = json.loads(ecs("kpis", str(files), "--format", "json").out)
    assert (a["engine"], b["engine"], c["engine"]) == ("python", "duckdb", "python")  # auto: Python for a few rows
    assert _strip(a) == _strip(b) == _strip(c)
    frt = next(i for i in b["indicators"] if i["id"] == "first_response_time")
    assert frt["state"] == "ok" and frt["records"]["slowest"] and frt["inputs"][0]["file"] == "records/messages.csv"
    assert len(b["record_files"]) == 7


def test_text_report_names_definitions_and_worst_records(ecs, pair):
    run = ecs("kpis", str(pair[1]), "--lang", "en")
    assert run.code == 0
    assert "[A.1] first response time (FRT):" in run.out and "formula: Σ(first counted reply" in run.out
    assert "slowest: S" in run.out and "Deadlines over every record:" in run.out


def test_master_needs_the_spark_engine(ecs):
    run = ecs("kpis", str(SAMPLE), "--master", "local[2]")
    assert run.code == 2 and "--master is for --engine spark" in run.err


def test_kpis_name_the_standards_and_the_digests_of_their_texts(ecs):
    report = json.loads(ecs("kpis", str(SAMPLE), "--format", "json").out)
    assert report["standard_texts"] == STANDARD_TEXTS
    lines = ecs("kpis", str(SAMPLE), "--lang", "en").out.splitlines()
    assert "\n".join(lines[1:3]) + "\n" == "".join(f"  {line}\n" for line in STANDARD_TEXT_LINES.splitlines())
