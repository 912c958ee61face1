"""Evidence digests cover what the evidence cites: a changed record, document or record file is never `existing`."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from benchmarks.generate import write_records
from checker.bundle import load_bundle
from checker.cited import Digests, canonical
from checker.engine import evaluate
from checker.policy import load_policy_set
from tests.conftest import make_bundle
from tests.helpers import REPO
from tests.test_records import COMPLAINT_COLUMNS, COMPLAINTS, _bundle_dir

SAMPLE = REPO / "evidence_samples" / "nanjing-home-textiles-aaaa"
PLAN = "docs/emergency-plan.md"  # DOC-04, the emergency response plan NJ-ECCS 6.1 cites


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ check --baseline over a real bundle


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "bundle"))


def _check(ecs, bundle: Path, out: Path, *extra: str) -> dict:
    result = ecs("check", str(bundle), "--standard", "NJ-ECCS", "--format", "json", "--output", str(out), *extra)
    assert result.code in (0, 1), result.err
    return json.loads(out.read_text(encoding="utf-8"))


def _edit(bundle: Path, old: str, new: str) -> None:
    path = bundle / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _marks(report: dict) -> dict[tuple[str, str | None], str]:
    return {(f["policy_id"], f["item"]): f["baseline"] for f in report["findings"]}


def test_a_rewritten_document_is_not_hidden_by_a_baseline(ecs, copy, tmp_path):
    old = tmp_path / "old.json"
    before = _check(ecs, copy, old)
    assert next(f for f in before["findings"] if f["policy_id"] == "nj-eccs/6.1")["status"] == "fail"
    plan = copy / PLAN
    declared = _sha256(plan.read_bytes())
    plan.write_text("# 应急预案\n\n(rewritten: no response team any more)\n", encoding="utf-8")
    _edit(copy, declared, _sha256(plan.read_bytes()))  # the bundle declares the new file: still a valid document

    result = ecs("check", str(copy), "--standard", "NJ-ECCS", "--baseline", str(old))
    assert result.code == 1  # 6.1 still fails, but on other evidence: a new failure for the gate
    assert "[changed]" in next(line for line in result.lines if " 6.1 " in line)
    marks = _marks(_check(ecs, copy, tmp_path / "new.json", "--baseline", str(old)))
    assert marks[("nj-eccs/6.1", None)] == "changed"
    assert marks[("nj-eccs/4.2", "d)")] == "changed"  # passes on the same plan: its content changed too
    assert sum(mark == "changed" for mark in marks.values()) == 2


def test_the_same_content_stays_existing_however_it_is_laid_out(ecs, copy, tmp_path):
    old = tmp_path / "old.json"
    _check(ecs, copy, old)
    path = copy / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    start, end, after = text.index("- id: DOC-04"), text.index("- id: DOC-05"), text.index("- id: DOC-06")
    moved = text[:start] + text[end:after] + text[start:end] + text[after:]  # DOC-04 now after DOC-05: other index, other lines
    path.write_text("# the same evidence, laid out anew\n\n" + moved, encoding="utf-8")

    result = ecs("check", str(copy), "--standard", "NJ-ECCS", "--baseline", str(old))
    assert result.code == 0  # every failure is a known one
    report = _check(ecs, copy, tmp_path / "new.json", "--baseline", str(old))
    assert set(_marks(report).values()) == {"existing"}
    plan = next(f for f in report["findings"] if f["policy_id"] == "nj-eccs/6.1")["evidence"][0]
    assert (plan["path"], plan["line"]) == ("$.documents[4]", 64)


def test_a_changed_value_of_a_cited_record_is_not_hidden(ecs, copy, tmp_path):
    old = tmp_path / "old.json"
    before = _check(ecs, copy, old)
    _edit(copy, "    participants: 8\n", "    participants: 3\n")  # DR-2025-1, the drill 6.1 counts: still one drill held
    after = _check(ecs, copy, tmp_path / "new.json", "--baseline", str(old))
    finding = {f["policy_id"]: f for f in after["findings"]}["nj-eccs/6.1"]
    assert finding["facts"] == {f["policy_id"]: f for f in before["findings"]}["nj-eccs/6.1"]["facts"]
    assert finding["baseline"] == "changed"


def test_a_baseline_of_schema_1_3_is_not_compared(ecs, copy, tmp_path):
    """Its digests cover only paths, notes and facts: nothing can be told existing against it."""
    old = tmp_path / "old.json"
    data = _check(ecs, copy, old)
    data["schema_version"] = "1.3"
    old.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    marks = _marks(_check(ecs, copy, tmp_path / "new.json", "--baseline", str(old)))
    assert set(marks.values()) == {"changed"}
    diff = json.loads(ecs("diff", str(old), str(tmp_path / "new.json"), "--format", "json").out)
    assert {entry["reason"] for entry in diff["new_failures"]} == {"unverifiable"}


# ------------------------------------------------------------------ one cited value


def test_a_value_is_its_canonical_json_and_a_list_the_set_of_its_items():
    records = [{"id": "A", "n": 1}, {"id": "B", "n": 2}]
    bundle = make_bundle({"x-things": records})
    again = make_bundle({"x-things": list(reversed(records)), "x-other": True})
    assert Digests(bundle)(("x-things",)) == Digests(again)(("x-things",))
    assert Digests(bundle)(("x-things", 0)) == Digests(again)(("x-things", 1))
    assert Digests(bundle)(("x-things",)) == _sha256(canonical({"records": records, "files": {}}))  # sorted by id
    plain = [3, 1, 2]  # a list of anything else: the set of its items' digests
    items = sorted(_sha256(canonical(v)) for v in plain)
    assert Digests(make_bundle({"x-plain": plain}))(("x-plain",)) == _sha256(canonical({"items": items, "files": {}}))
    twice = [{"id": "A", "n": 1}, {"id": "A", "n": 2}]  # ids that repeat cannot order the list
    items = sorted(_sha256(canonical(r)) for r in twice)
    assert Digests(make_bundle({"x-twice": twice}))(("x-twice",)) == _sha256(canonical({"items": items, "files": {}}))
    assert Digests(bundle)(("x-things", 0, "n")) == _sha256(b'{"files":{},"value":1}')
    changed = make_bundle({"x-things": [records[0], {"id": "B", "n": 3}]})
    assert Digests(changed)(("x-things",)) != Digests(bundle)(("x-things",))
    assert Digests(bundle)(("x-nothing",)) == _sha256(b'{"files":{}}')


def test_a_value_covers_the_bytes_of_the_files_it_references(tmp_path):
    (tmp_path / "a.md").write_text("first", encoding="utf-8")
    declared = _sha256(b"first")
    drill = {"id": "DR-1", "date": "2025-04-15", "scenario": "system_outage", "participants": 8,
             "report": {"path": "a.md", "sha256": declared}}
    sections = {"emergency": {"drills": [drill]}}
    path = ("emergency", "drills", 0)

    first = Digests(make_bundle(sections, directory=tmp_path))(path)
    assert first == _sha256(canonical({"value": drill, "files": {"a.md": declared}}))
    (tmp_path / "a.md").write_text("second", encoding="utf-8")  # the declared digest left as it was
    assert Digests(make_bundle(sections, directory=tmp_path))(path) != first
    field = path + ("report", "path")  # a field of the reference stands for the file too
    assert Digests(make_bundle(sections, directory=tmp_path))(field) == _sha256(
        canonical({"value": "a.md", "files": {"a.md": _sha256(b"second")}}))
    (tmp_path / "a.md").unlink()
    assert Digests(make_bundle(sections, directory=tmp_path))(path) == _sha256(
        canonical({"value": drill, "files": {"a.md": "missing"}}))


# ------------------------------------------------------------------ record files


def _finding(directory: Path, policy_id: str = "db33-t-2039-2017/7.5.1.2"):
    result = evaluate(load_policy_set(standards=["DB33/T 2039-2017"]), load_bundle(directory))
    return next(f for f in result.findings if f.policy_id == policy_id)


def _rewrite(directory: Path, rows: list[dict]) -> None:
    data = json.loads((directory / "bundle.json").read_text(encoding="utf-8"))
    data["complaints"] = write_records(directory, "records/complaints.csv", rows, COMPLAINT_COLUMNS, "csv")
    (directory / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_row_counts_by_its_values_whatever_its_line(tmp_path):
    directory = _bundle_dir(tmp_path, "csv")
    first = _finding(directory)
    late = next(e for e in first.evidence if e.note and e.note.startswith("C-2 "))
    assert (late.file, late.line) == ("records/complaints.csv", 3)
    assert late.digest == _sha256(canonical({"value": load_bundle(directory).data["complaints"][1], "files": {}}))

    _rewrite(directory, COMPLAINTS[1:] + COMPLAINTS[:1])  # the same rows, C-1 moved to the end
    moved = _finding(directory)
    assert next(e for e in moved.evidence if e.note == late.note).line == 2
    assert next(e for e in moved.evidence if e.note == late.note).digest == late.digest
    assert moved.evidence_digest == first.evidence_digest

    rows = [dict(row, shipping_paid_by="operator") if row["id"] == "C-2" else row for row in COMPLAINTS]
    _rewrite(directory, rows)  # a value of the late record changed; the verdict, its notes and figures did not
    changed = _finding(directory)
    assert (changed.status, changed.facts, changed.message) == (first.status, first.facts, first.message)
    assert next(e for e in changed.evidence if e.note == late.note).digest != late.digest
    assert changed.evidence_digest != first.evidence_digest


def test_a_record_file_cited_whole_counts_by_its_bytes(tmp_path):
    directory = _bundle_dir(tmp_path, "csv")
    on_time = [dict(row, solution_fed_back_at="2025-03-05T12:00:00") if row["id"] == "C-2" else row for row in COMPLAINTS]
    on_time = [row for row in on_time if row["id"] != "C-4"]
    _rewrite(directory, on_time)
    passing = _finding(directory)
    (whole,) = passing.evidence
    assert (whole.path, passing.status.value) == ("$.complaints", "pass")
    reference = json.loads((directory / "bundle.json").read_text(encoding="utf-8"))["complaints"]
    file_sha256 = _sha256((directory / "records" / "complaints.csv").read_bytes())
    assert whole.digest == _sha256(canonical({"value": reference, "files": {"records/complaints.csv": file_sha256}}))

    _rewrite(directory, [dict(row, shipping_paid_by="consumer") if row["id"] == "C-5" else row for row in on_time])
    again = _finding(directory)
    assert again.status is passing.status and again.facts == passing.facts
    assert again.evidence_digest != passing.evidence_digest
