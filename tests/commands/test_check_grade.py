"""`ecs-check check` with NJ-ECCS: the grade in json and text, --min-grade, and the shipped samples."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli, main
from checker.resources import shipped

SAMPLES = shipped("evidence_samples")
GRADE_SAMPLES = {
    "nanjing-apparel-aaaaa": ("100.00", "AAAAA", False),
    "nanjing-home-textiles-aaaa": ("86.65", "AAAA", False),
    "nanjing-snack-food-aaa": ("76.00", "AAA", False),
    "nanjing-household-goods-below-aaa": ("54.20", None, False),
    "nanjing-maternal-infant-withheld": ("95.00", None, True),
}


def run_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"], standalone_mode=False)
    assert result.exception is None, result.output
    return result.return_value, json.loads(result.output)


@pytest.mark.parametrize("name", sorted(GRADE_SAMPLES))
def test_each_sample_gets_the_grade_its_header_states(name):
    score, grade, withheld = GRADE_SAMPLES[name]
    _, report = run_json(str(SAMPLES / name), "--standard", "NJ-ECCS")
    g = report["grade"]
    assert (f"{g['score']:.2f}", g["grade"], g["withheld"]) == (score, grade, withheld)
    header = (SAMPLES / name / "bundle.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert score in header or (withheld and "withheld" in header) or (grade is None and "no grade" in header)


@pytest.mark.parametrize("name", sorted(GRADE_SAMPLES))
def test_the_score_is_the_sum_of_the_rows_in_the_report(name):
    _, report = run_json(str(SAMPLES / name), "--standard", "NJ-ECCS")
    g = report["grade"]
    assert len(g["rows"]) == 18
    assert sum(Decimal(str(r["points"])) for r in g["rows"]) == Decimal(str(g["score"])).quantize(Decimal("0.01"))
    for group in g["groups"]:
        assert sum(Decimal(str(r["points"])) for r in g["rows"] if r["group"] == group["id"]) == Decimal(str(group["points"]))


def test_the_grade_object_has_the_fields_reporters_read():
    _, report = run_json(str(SAMPLES / "nanjing-home-textiles-aaaa"), "--standard", "NJ-ECCS")
    g = report["grade"]
    assert {"standard", "score", "grade", "withheld", "reasons", "rows", "kpis", "next_grade"} <= set(g)
    row = g["rows"][0]
    assert {"row", "indicator", "level", "points", "max_points", "evidence", "interpretations"} <= set(row)
    assert set(row["indicator"]) == {"zh", "en"}
    kpi = {k["id"]: k for k in g["kpis"]}
    assert set(kpi) == {"target_achievement", "first_response_time", "average_response_time", "conversion_rate", "satisfaction_rate",
                        "reply_rate", "complaint_rate", "negative_review_rate", "feedback_handling_rate", "refund_duration",
                        "platform_help_rate", "online_disputes", "ai_answer_accuracy"}
    assert {"value", "unit", "band"} <= set(kpi["conversion_rate"])
    assert any("INT-044" in note["en"] for note in kpi["conversion_rate"]["notes"])  # home_textiles has no bands of its own
    assert kpi["feedback_handling_rate"]["requirement"]["zh"] == "要求100%"
    assert g["next_grade"]["grade"] == "AAAAA" and g["next_grade"]["raises"]


def test_row_evidence_points_into_the_bundle_with_file_and_line():
    _, report = run_json(str(SAMPLES / "nanjing-apparel-aaaaa"), "--standard", "NJ-ECCS")
    row1 = report["grade"]["rows"][0]
    assert row1["evidence"][0]["citation"] == "NJ-ECCS 4.2 b)"
    located = [ref for row in report["grade"]["rows"] for ref in row["evidence"] if ref.get("line")]
    assert located and all(ref["file"] == "bundle.yaml" for ref in located)


def test_the_json_report_is_byte_for_byte_reproducible():
    first = CliRunner().invoke(cli, ["check", str(SAMPLES / "nanjing-snack-food-aaa"), "--format", "json"]).output
    second = CliRunner().invoke(cli, ["check", str(SAMPLES / "nanjing-snack-food-aaa"), "--format", "json"]).output
    assert first == second


def test_text_output_shows_the_grade_and_the_breakdown():
    result = CliRunner().invoke(cli, ["check", str(SAMPLES / "nanjing-maternal-infant-withheld"), "--standard", "NJ-ECCS", "--lang", "en"])
    assert "score 95.00 / 100.00" in result.output
    assert "withheld: row 1 (Licences and permits) is a prerequisite and is not met" in result.output
    assert "  1  below     0.00   5.00  Licences and permits  [prerequisite]" in result.output
    assert "next grade AAAAA" in result.output


def test_db33_only_has_no_grade():
    _, report = run_json(str(SAMPLES / "nanjing-apparel-aaaaa"), "--standard", "DB33/T 2039-2017")
    assert report["grade"] is None


@pytest.mark.parametrize(
    ("name", "min_grade", "code"),
    [
        ("nanjing-apparel-aaaaa", "AAAAA", 0),
        ("nanjing-apparel-aaaaa", "AAA", 0),
        ("nanjing-snack-food-aaa", "AAAA", 1),
        ("nanjing-maternal-infant-withheld", "AAA", 1),
        ("nanjing-household-goods-below-aaa", "AAA", 1),
    ],
)
def test_min_grade_sets_the_exit_code(name, min_grade, code, tmp_path):
    report = tmp_path / "report.json"
    assert main(["check", str(SAMPLES / name), "--standard", "NJ-ECCS", "--min-grade", min_grade, "--format", "json", "-o", str(report)]) == code


def test_without_min_grade_the_grade_does_not_change_the_exit_code(tmp_path):
    # the AAAAA sample has no failing finding: exit 0; the withheld one fails 4.2 b): exit 1 from the finding, not the grade
    assert main(["check", str(SAMPLES / "nanjing-apparel-aaaaa"), "--standard", "NJ-ECCS", "-o", str(tmp_path / "a.txt")]) == 0


def test_min_grade_without_nj_eccs_is_a_usage_error(capsys):
    code = main(["check", str(SAMPLES / "nanjing-apparel-aaaaa"), "--standard", "DB33/T 2039-2017", "--min-grade", "AAA"])
    assert code == 2
    assert "ECS001" in capsys.readouterr().err


def test_a_broken_scoring_model_stops_the_run_with_its_location(tmp_path, capsys):
    override = tmp_path / "profile" / "nj-eccs"
    override.mkdir(parents=True)
    model = (shipped("policies") / "nj-eccs" / "scoring.yaml").read_text(encoding="utf-8")
    (override / "scoring.yaml").write_text(model.replace("levels: {AAAAA: 100, AAAA: 85, AAA: 70, below: 0}",
                                                         "levels: {AAAAA: 100, AAAA: 65, AAA: 70, below: 0}"), encoding="utf-8")
    code = main(["check", str(SAMPLES / "nanjing-apparel-aaaaa"), "--policies", str(tmp_path / "profile")])
    assert code == 2
    err = capsys.readouterr().err
    assert "ECS501" in err and "scoring.yaml:" in err


def test_a_profile_can_give_its_industry_conversion_bands(tmp_path):
    override = tmp_path / "profile" / "nj-eccs"
    override.mkdir(parents=True)
    model = (shipped("policies") / "nj-eccs" / "scoring.yaml").read_text(encoding="utf-8")
    (override / "scoring.yaml").write_text(model.replace("      apparel: {AAA: 30, AAAA: 35, AAAAA: 40}",
                                                         "      apparel: {AAA: 30, AAAA: 35, AAAAA: 40}\n      home_textiles: {AAA: 20, AAAA: 25, AAAAA: 30}"),
                                           encoding="utf-8")
    _, report = run_json(str(SAMPLES / "nanjing-home-textiles-aaaa"), "--standard", "NJ-ECCS", "--policies", str(tmp_path / "profile"))
    conversion = next(k for k in report["grade"]["kpis"] if k["id"] == "conversion_rate")
    assert conversion["band"] == "AAAAA" and conversion["thresholds"]["AAAAA"] == 30
    assert report["grade"]["model"]["file"].endswith("nj-eccs/scoring.yaml")


def test_through_a_real_process(tmp_path):
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "checker", "check", str(SAMPLES / "nanjing-snack-food-aaa"), "--format", "json",
                           "-o", str(out), "--min-grade", "AAA"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # findings fail (the grade AAA itself meets --min-grade AAA)
    assert json.loads(out.read_text(encoding="utf-8"))["grade"]["grade"] == "AAA"


def test_schema_command_prints_the_scoring_schema():
    result = CliRunner().invoke(cli, ["schema", "scoring"])
    assert json.loads(result.output)["$id"] == "urn:ecs-check:scoring"
    assert result.output == (Path(shipped("schemas")) / "scoring.schema.json").read_text(encoding="utf-8")


def test_the_grade_alone_fails_the_run_when_every_failing_finding_is_waived(tmp_path):
    """Home textiles scores AAAA; with its eight failures waived the findings pass, so only --min-grade AAAAA can fail it."""
    failing = [("nj-eccs/5.4.2.2", "g)"), ("nj-eccs/5.4.2.3", "e)"), ("nj-eccs/5.4.2.4", "b)"), ("nj-eccs/5.4.3.3", "a) 1)"),
               ("nj-eccs/5.4.3.3", "b) 2)"), ("nj-eccs/5.4.3.4", "c)"), ("nj-eccs/5.4.4.1", None), ("nj-eccs/6.1", None)]
    entries = "".join(
        f"  - id: W-{n}\n    policy: {policy}\n" + (f"    item: \"{item}\"\n" if item else "")
        + "    justification: {zh: 整改中, en: being remedied}\n    author: {name: 张三, role: 客服经理}\n"
        "    approved_by: {name: 王敏, role: 总经理}\n    approved_on: \"2025-12-01\"\n    expires_on: \"2026-06-30\"\n"
        for n, (policy, item) in enumerate(failing, 1))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("schema_version: \"1.0\"\nwaivers:\n" + entries, encoding="utf-8")
    bundle = str(SAMPLES / "nanjing-home-textiles-aaaa")
    base = ["check", bundle, "--standard", "NJ-ECCS", "--waivers", str(waivers), "--format", "json", "-o", str(tmp_path / "r.json")]
    assert main(base) == 0
    assert main([*base, "--min-grade", "AAAA"]) == 0
    assert main([*base, "--min-grade", "AAAAA"]) == 1
