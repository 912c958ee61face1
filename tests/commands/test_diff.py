"""`ecs-check diff` and `check --baseline`: findings keyed by policy and item; changed evidence is never "existing"."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys

import pytest

from checker.reporters import json_report
from tests.helpers import DB33_SHA256, NJ_ECCS_SHA256, STANDARD_TEXT_LINES
from tests.reporters import sample

SOURCE = sample.ROOT / sample.BUNDLE


def _report(ecs, tmp_path, name, edits=(), extra=()):
    """Check a copy of the sample bundle with `edits` (old, new) applied; return the JSON report's path."""
    bundle = tmp_path / name
    shutil.copytree(SOURCE, bundle)
    text = (bundle / "bundle.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (bundle / "bundle.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / f"{name}.json"
    result = ecs("check", str(bundle), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--format", "json",
                 "--output", str(out), *extra)
    assert result.code in (0, 1), result.err
    return out


CHANGES = (
    ('solution_fed_back_at: "2025-08-13T11:40:00+08:00"', 'solution_fed_back_at: "2025-08-13T09:00:00+08:00"'),  # 7.5.1.2 fixed
    ("proactive_guidance: {checked: 200, compliant: 170}", "proactive_guidance: {checked: 200, compliant: 180}"),  # c) other evidence
    ('    - {id: DR-2025-1, date: "2025-05-20", scenario: system_outage, participants: 12}\n', "    []\n"),  # 6.1 now fails
)


@pytest.fixture
def reports(ecs, tmp_path):
    return _report(ecs, tmp_path, "old"), _report(ecs, tmp_path, "new", CHANGES)


def _keys(entries):
    return [(e["policy_id"], e["item"], e.get("reason")) for e in entries]


def test_diff_sorts_findings_into_what_changed(ecs, reports):
    old, new = reports
    result = ecs("diff", str(old), str(new), "--format", "json")
    assert result.code == 1
    model = json.loads(result.out)
    assert _keys(model["new_failures"]) == [("nj-eccs/5.4.2.3", "c)", "evidence_changed"), ("nj-eccs/6.1", None, "now_failing")]
    assert _keys(model["fixed"]) == [("db33-t-2039-2017/7.5.1.2", None, None)]
    assert _keys(model["still_failing"]) == [("nj-eccs/5.4.2.3", "e)", None)]
    assert [(e["policy_id"], e["old_status"], e["new_status"]) for e in model["status_changes"]] == [
        ("db33-t-2039-2017/7.5.1.2", "fail", "pass"), ("nj-eccs/6.1", "pass", "fail")]
    assert model["summary"] == {"new_failures": 2, "fixed": 1, "still_failing": 1, "status_changes": 2, "added": 0, "removed": 0}
    assert model["notes"] == []
    assert model["old"]["standard_texts"]["DB33/T 2039-2017"] == model["new"]["standard_texts"]["DB33/T 2039-2017"]


def test_no_new_failure_exits_0(ecs, reports):
    old, _ = reports
    result = ecs("diff", str(old), str(old))
    assert result.code == 0
    assert result.lines[-1] == ("summary: 0 new failures, 0 fixed, 3 still failing, 0 status changes, 0 only in the new report, "
                                "0 only in the old report")


def test_position_in_the_report_does_not_matter(ecs, reports, tmp_path):
    old, new = reports
    data = json.loads(old.read_text(encoding="utf-8"))
    random.Random(7).shuffle(data["findings"])
    shuffled = tmp_path / "shuffled.json"
    shuffled.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    as_given = json.loads(ecs("diff", str(old), str(new), "--format", "json").out)
    reordered = json.loads(ecs("diff", str(shuffled), str(new), "--format", "json").out)
    assert reordered["old"]["file"] == str(shuffled) and reordered["old"]["sha256"] != as_given["old"]["sha256"]
    reordered["old"] = as_given["old"]
    assert reordered == as_given


def test_text_and_markdown(ecs, reports):
    old, new = reports
    text = ecs("diff", str(old), str(new), "--lang", "en").out
    assert "New failures (2):" in text and "Fixed (1):" in text and "Still failing (1):" in text
    assert "\n  FAIL                  NJ-ECCS 5.4.2.3 c)  Recommend related products\n" in text
    assert "\n                        fail → fail (the evidence that decided it changed)\n" in text
    assert "\n                        evidence b48139cfe9e1… → " in text
    assert text.split("\n", 1)[1].startswith(STANDARD_TEXT_LINES)
    markdown = ecs("diff", str(old), str(new), "--format", "markdown", "--lang", "en").out
    assert markdown.startswith("# ecs-check diff\n")
    assert "## New failures (2)\n\n| citation | title | status | message |\n|---|---|---|---|\n| NJ-ECCS 5.4.2.3 c) |" in markdown


def test_reports_from_different_runs_are_noted(ecs, reports, tmp_path):
    old, new = reports
    data = json.loads(new.read_text(encoding="utf-8"))
    data["provenance"]["policy_set"]["sha256"] = "0" * 64
    data["provenance"]["standard_texts"][0]["sha256"] = "1" * 64
    data["bundle"]["organization"]["unified_social_credit_code"] = "X"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    notes = [n["en"] for n in json.loads(ecs("diff", str(old), str(other), "--format", "json").out)["notes"]]
    text = ecs("diff", str(old), str(other), "--lang", "en").out.splitlines()
    assert text[1:3] == [f"standard DB33/T 2039-2017: text sha256 {DB33_SHA256} → {'1' * 64}",
                         f"standard NJ-ECCS: text sha256 {NJ_ECCS_SHA256}"]
    assert notes == ["the reports evaluate different organizations (91320105MA1W2Y3K4A, X)",
                     "the policy sets differ; findings are compared by policy id and item",
                     "the text of DB33/T 2039-2017 differs: the clauses the policies encode may have been revised"]


def test_grade_change_and_the_rows_that_moved(ecs, tmp_path):
    before = json.loads(json_report.render(sample.graded()))
    after = json.loads(json_report.render(sample.graded()))
    row = next(r for r in after["grade"]["rows"] if r["row"] == 16)
    row["level"], row["points"] = "AAAAA", 3
    after["grade"]["score"] = round(after["grade"]["score"] + 1, 2)
    paths = []
    for name, data in (("a.json", before), ("b.json", after)):
        (tmp_path / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(str(tmp_path / name))
    model = json.loads(ecs("diff", *paths, "--format", "json").out)
    assert model["grade"]["score_change"] == 1
    assert model["grade"]["rows"] == [{"row": 16, "indicator": row["indicator"], "old_level": "AAA", "new_level": "AAAAA",
                                       "old_points": 2, "new_points": 3, "change": 1}]
    assert f"Grade: AAAA {before['grade']['score']} → AAAA {after['grade']['score']} (+1)" in ecs("diff", *paths, "--lang", "en").out


@pytest.mark.parametrize("content, message", [
    ("schema_version: '1.2'\n", "not an ecs-check JSON report"),
    ('{"schema_version": "2.0", "findings": []}', "schema_version '2.0': this ecs-check reads JSON reports of schema 1.x"),
    ('{"schema_version": "1.2", "findings": [{"policy_id": "a/1", "item": null}]}', "missing required key 'status'"),
    ('{"schema_version": "1.2", "findings": [{"policy_id": "a/1", "item": null, "status": "pass"},\n'
     ' {"policy_id": "a/1", "item": null, "status": "fail"}]}', ":2:2: ECS007 policy a/1 has two findings"),
])
def test_unusable_reports_exit_2_at_their_line(ecs, reports, tmp_path, content, message):
    old, _ = reports
    bad = tmp_path / ("bad.yaml" if content.startswith("schema_version:") else "bad.json")
    bad.write_text(content, encoding="utf-8")
    result = ecs("diff", str(bad), str(old))
    assert result.code == 2
    assert "ECS007" in result.err and message in result.err


# ------------------------------------------------------------------ check --baseline


def test_baseline_marks_each_finding_and_gates_only_on_new_failures(ecs, reports, tmp_path):
    old, _ = reports
    out = tmp_path / "marked.json"
    _report(ecs, tmp_path, "again", CHANGES, extra=("--baseline", str(old), "--output", f"sarif={tmp_path / 'x.sarif'}"))
    result = ecs("check", str(tmp_path / "again"), "--policies", str(sample.POLICIES), "--no-shipped-policies",
                 "--baseline", str(old), "--format", "json", "--output", str(out))
    assert result.code == 1
    document = json.loads(out.read_text(encoding="utf-8"))
    marks = {(f["policy_id"], f["item"]): f["baseline"] for f in document["findings"]}
    assert marks[("nj-eccs/5.4.2.3", "c)")] == "changed"  # still failing, other evidence: never existing
    assert marks[("nj-eccs/6.1", None)] == "changed"
    assert marks[("db33-t-2039-2017/7.5.1.2", None)] == "changed"
    assert marks[("nj-eccs/5.4.2.3", "a)")] == "changed"  # passes on the same audit, whose record changed
    assert marks[("nj-eccs/5.4.2.3", "e)")] == "existing"
    assert document["baseline"]["counts"] == {"new": 0, "changed": 4, "existing": 5}
    assert document["baseline"]["new_failures"] == 2
    sarif = json.loads((tmp_path / "x.sarif").read_text(encoding="utf-8"))
    states = {r["ruleId"] + (r["properties"]["item"] or ""): r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states["nj-eccs/5.4.2.3c)"] == "updated" and states["nj-eccs/5.4.2.3e)"] == "unchanged"


def test_known_failures_alone_pass_the_gate(ecs, reports):
    old, _ = reports
    result = ecs("check", str(SOURCE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--baseline", str(old))
    assert result.code == 0
    assert "baseline " in result.out and ": 0 new, 0 changed, 9 existing, 0 no longer reported" in result.out
    assert "7.5.1.2" in result.out and "[existing]" in result.out


def test_a_baseline_without_digests_hides_nothing(ecs, reports, tmp_path):
    old, _ = reports
    data = json.loads(old.read_text(encoding="utf-8"))
    data["schema_version"] = "1.1"
    for finding in data["findings"]:
        del finding["evidence_digest"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = ecs("check", str(SOURCE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--baseline", str(older))
    assert result.code == 1
    assert ": 0 new, 9 changed, 0 existing" in result.out


def test_a_finding_the_baseline_lacks_is_new_and_one_it_alone_has_is_listed(ecs, reports, tmp_path):
    old, _ = reports
    data = json.loads(old.read_text(encoding="utf-8"))
    dropped = data["findings"].pop(1)  # 7.5.1.2, failing
    data["findings"].append({**dropped, "policy_id": "db33-t-2039-2017/9.9", "citation": "DB33/T 2039-2017 9.9"})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "marked.json"
    result = ecs("check", str(SOURCE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--baseline", str(edited),
                 "--format", "json", "--output", str(out))
    assert result.code == 1
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {(f["policy_id"], f["baseline"]) for f in document["findings"] if f["policy_id"].endswith("7.5.1.2")} == {
        ("db33-t-2039-2017/7.5.1.2", "new")}
    assert [a["policy_id"] for a in document["baseline"]["absent"]] == ["db33-t-2039-2017/9.9"]


def test_a_bad_baseline_writes_nothing(ecs, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    out = tmp_path / "out.json"
    result = ecs("check", str(SOURCE), "--baseline", str(bad), "--output", f"json={out}")
    assert result.code == 2 and "ECS007" in result.err
    assert not out.exists()


def test_diff_through_a_real_process(reports):
    old, new = reports
    done = subprocess.run([sys.executable, "-m", "checker", "diff", str(old), str(new)], cwd=sample.ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 1, done.stderr
    assert "新增不符合 / New failures (2):" in done.stdout
