"""Compare findings across runs: read JSON reports, key findings by policy and item, tell what changed.

A finding is identified by `(policy_id, item)`, never by its position in a
report. Between an earlier and a later run it is:

- `existing`: present before with the same status and the same
  `evidence_digest`: the same facts, and the same content of every value
  and file its evidence cites (each record, document, attachment and record
  file, by the SHA-256 of its bytes; see checker.cited);
- `changed`: present before, but its status or its evidence differs, or the
  earlier report has no digest to compare: reports before schema 1.3 have
  none, and those of schema 1.3 digest only the evidence paths, notes and
  facts, so theirs are not compared;
- `new`: not present before.

A baseline therefore never hides a failure whose evidence changed: only an
`existing` failure is known, and `ecs-check check --baseline` fails the run
(exit 1) for every failing finding that is `new` or `changed`.

Reports are read with their source map, so a report that cannot be used
(not JSON, not an ecs-check report of schema 1.x, a finding given twice)
stops the command at a located line (ECS007).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Location, Problem
from checker.findings import FAILING, Finding, Status, Text, clause_key, item_key
from checker.loading import Document, load_document
from checker.paths import render
from checker.schema_check import SchemaCheck

NEW, CHANGED, EXISTING = "new", "changed", "existing"
Key = tuple[str, str | None]
STATUSES = [status.value for status in Status]
_TEXT = {"type": "object", "required": ["zh", "en"], "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}


def _report_schema() -> dict[str, Any]:
    """What diff and --baseline need of a JSON report; later 1.x fields are allowed and ignored."""
    return {
        "type": "object",
        "required": ["schema_version", "findings"],
        "properties": {
            "schema_version": {"type": "string"},
            "findings": {"type": "array", "items": {
                "type": "object",
                "required": ["policy_id", "item", "status"],
                "properties": {
                    "policy_id": {"type": "string", "minLength": 1},
                    "item": {"type": ["string", "null"]},
                    "status": {"enum": STATUSES},
                    "citation": {"type": "string"},
                    "standard": {"type": "string"},
                    "clause": {"type": "string"},
                    "title": _TEXT,
                    "message": _TEXT,
                    "evidence_digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            }},
            "grade": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {
                "score": {"type": ["number", "null"]},
                "grade": {"type": ["string", "null"]},
                "withheld": {"type": "boolean"},
                "rows": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": ["integer", "null"]}, "indicator": _TEXT, "level": {"type": ["string", "null"]},
                    "points": {"type": "number"}, "max_points": {"type": "number"}}}},
            }}]},
            "provenance": {"type": "object"},
        },
    }


_REPORT = SchemaCheck(_report_schema)


@dataclass(frozen=True)
class Recorded:
    """A finding as a JSON report recorded it."""

    policy_id: str
    item: str | None
    status: Status
    citation: str
    title: Text | None
    message: Text | None
    evidence_digest: str | None

    @property
    def key(self) -> Key:
        return (self.policy_id, self.item)

    def sort_key(self) -> tuple[Any, ...]:
        """Report order: standard directory, clause, item (as findings are sorted), from the id alone."""
        directory, _, clause = self.policy_id.rpartition("/")
        return (directory, clause_key(clause), item_key(self.item), self.policy_id)

    def to_json(self) -> dict[str, Any]:
        return {"policy_id": self.policy_id, "item": self.item, "citation": self.citation, "status": self.status.value,
                "title": self.title.to_json() if self.title else None, "evidence_digest": self.evidence_digest}

    @classmethod
    def of(cls, finding: Finding) -> Recorded:
        return cls(finding.policy_id, finding.item, finding.status, finding.citation, finding.title, finding.message,
                   finding.evidence_digest)


@dataclass(frozen=True)
class Report:
    """A JSON report read back: its findings by key, its grade and what identifies its run."""

    file: str
    sha256: str
    data: Mapping[str, Any]
    findings: Mapping[Key, Recorded]

    @property
    def provenance(self) -> Mapping[str, Any]:
        return self.data.get("provenance") or {}

    @property
    def grade(self) -> Mapping[str, Any] | None:
        return self.data.get("grade")


def _text(value: Any) -> Text | None:
    return Text(value["zh"], value["en"]) if isinstance(value, Mapping) else None


def _problem(doc: Document, message: str, path: tuple[Any, ...]) -> Problem:
    line, col = doc.locate(path) or (None, None)
    return Problem("ECS007", message, Location(doc.display, line, col, render(path)))


DIGESTS_SINCE = 4  # schema 1.4: evidence_digest covers the content of what the evidence cites


def _minor(version: str) -> int:
    _, _, minor = version.partition(".")
    return int(minor) if minor.isdigit() else 0


def read_report(path: Path, display: str | None = None) -> Report:
    """A JSON report of `ecs-check check --format json`, schema 1.x; ECS007 at the line of whatever is unusable.

    Evidence digests of reports before schema 1.4 are read as absent: they cover less than this version's.
    """
    doc = load_document(path, display or str(path))
    if doc.format != "json" or not isinstance(doc.data, dict):
        raise CheckerError(_problem(doc, "not an ecs-check JSON report (expected a JSON object from check --format json)", ()))
    version = doc.data.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise CheckerError(_problem(doc, f"schema_version {version!r}: this ecs-check reads JSON reports of schema 1.x",
                                    ("schema_version",)))
    problems = _REPORT.problems(doc, doc.data, "ECS007")
    if problems:
        raise CheckerError(problems)
    comparable = _minor(version) >= DIGESTS_SINCE
    findings: dict[Key, Recorded] = {}
    for index, raw in enumerate(doc.data["findings"]):
        recorded = Recorded(raw["policy_id"], raw["item"], Status(raw["status"]),
                            raw.get("citation") or raw["policy_id"], _text(raw.get("title")), _text(raw.get("message")),
                            raw.get("evidence_digest") if comparable else None)
        if recorded.key in findings:
            item = f" item {recorded.item}" if recorded.item else ""
            raise CheckerError(_problem(doc, f"policy {recorded.policy_id}{item} has two findings; a report holds one per "
                                             "policy and item", ("findings", index)))
        findings[recorded.key] = recorded
    return Report(doc.display, doc.sha256, doc.data, findings)


def state(before: Recorded | None, now: Recorded) -> str:
    """`new`, `changed` or `existing`: how `now` relates to the same finding in an earlier report."""
    if before is None:
        return NEW
    if before.status is not now.status or before.evidence_digest is None or before.evidence_digest != now.evidence_digest:
        return CHANGED
    return EXISTING


@dataclass(frozen=True)
class Baseline:
    """A run's findings marked against an earlier report (`check --baseline`)."""

    report: Report
    marks: Mapping[Key, str]
    absent: tuple[Recorded, ...]  # in the baseline, not in this run

    def mark(self, finding: Finding) -> str:
        return self.marks[finding.key]

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, CHANGED: 0, EXISTING: 0}
        for value in self.marks.values():
            counts[value] += 1
        return counts

    def to_json(self, findings: Iterable[Finding]) -> dict[str, Any]:
        failing = [f for f in findings if f.status in FAILING]
        return {
            "file": self.report.file,
            "sha256": self.report.sha256,
            "run_id": self.report.provenance.get("run_id"),
            "counts": self.counts(),
            "new_failures": sum(1 for f in failing if self.mark(f) != EXISTING),
            "absent": [r.to_json() for r in self.absent],
        }


def mark(report: Report, findings: Iterable[Finding]) -> Baseline:
    findings = list(findings)
    marks = {f.key: state(report.findings.get(f.key), Recorded.of(f)) for f in findings}
    absent = tuple(sorted((r for k, r in report.findings.items() if k not in marks), key=Recorded.sort_key))
    return Baseline(report, marks, absent)


def gate(findings: Iterable[Finding], baseline: Baseline) -> int:
    """Exit code under a baseline: 1 when a failing finding is new or changed, else 0."""
    return 1 if any(f.status in FAILING and baseline.mark(f) != EXISTING for f in findings) else 0


# ------------------------------------------------------------------ diff of two reports

NEW_FAILURE_REASONS = {
    "new": Text("上次报告中没有此项", "not in the earlier report"),
    "now_failing": Text("上次不是失败状态", "was not failing"),
    "status_changed": Text("失败状态改变", "failing in another way"),
    "evidence_changed": Text("判定依据的证据已改变", "the evidence that decided it changed"),
    "unverifiable": Text("上次报告没有可比较的证据摘要（1.4 版之前的报告），无法确认相同",
                         "the earlier report has no evidence digest to compare (reports before schema 1.4)"),
}


def _entry(before: Recorded | None, now: Recorded | None, reason: str | None = None) -> dict[str, Any]:
    shown = now or before
    assert shown is not None
    return {
        "policy_id": shown.policy_id,
        "item": shown.item,
        "citation": shown.citation,
        "title": shown.title.to_json() if shown.title else None,
        "old_status": before.status.value if before else None,
        "new_status": now.status.value if now else None,
        "reason": reason,
        "message": now.message.to_json() if now and now.message else None,
        "old_evidence_digest": before.evidence_digest if before else None,
        "new_evidence_digest": now.evidence_digest if now else None,
    }


def _failure_reason(before: Recorded | None, now: Recorded) -> str | None:
    """Why a failing finding is a new failure, or None when it is the same failure as before."""
    if before is None:
        return "new"
    if before.status not in FAILING:
        return "now_failing"
    if before.status is not now.status:
        return "status_changed"
    if before.evidence_digest is None:
        return "unverifiable"
    if before.evidence_digest != now.evidence_digest:
        return "evidence_changed"
    return None


def _run(report: Report) -> dict[str, Any]:
    provenance = report.provenance
    bundle = report.data.get("bundle") or {}
    organization = bundle.get("organization") or {}
    return {
        "file": report.file,
        "sha256": report.sha256,
        "schema_version": report.data.get("schema_version"),
        "run_id": provenance.get("run_id"),
        "as_of": report.data.get("as_of"),
        "organization": organization.get("unified_social_credit_code"),
        "bundle_sha256": (provenance.get("bundle") or {}).get("sha256"),
        "policy_set_sha256": (provenance.get("policy_set") or {}).get("sha256"),
        "standard_texts": {t["standard"]: t.get("sha256") for t in provenance.get("standard_texts") or ()
                           if isinstance(t, Mapping) and "standard" in t},
    }


def _notes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    notes = []
    if old["organization"] and new["organization"] and old["organization"] != new["organization"]:
        notes.append(Text(f"两份报告评价的是不同组织（{old['organization']}、{new['organization']}）",
                          f"the reports evaluate different organizations ({old['organization']}, {new['organization']})"))
    if old["policy_set_sha256"] != new["policy_set_sha256"]:
        notes.append(Text("两次运行的规则集不同；按规则 id 和条目比较", "the policy sets differ; findings are compared by policy id and item"))
    for standard in sorted(set(old["standard_texts"]) & set(new["standard_texts"])):
        if old["standard_texts"][standard] != new["standard_texts"][standard]:
            notes.append(Text(f"{standard} 的标准文本不同：所依据的条文可能已修订",
                              f"the text of {standard} differs: the clauses the policies encode may have been revised"))
    if old["as_of"] and new["as_of"] and new["as_of"] < old["as_of"]:
        notes.append(Text("新报告的评价日早于旧报告", "the new report's as-of date is earlier than the old one's"))
    return [n.to_json() for n in notes]


def _grade_summary(grade: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not grade:
        return None
    return {"grade": grade.get("grade"), "score": grade.get("score"), "withheld": bool(grade.get("withheld", False))}


def _row_key(row: Mapping[str, Any]) -> Any:
    return row.get("row") if row.get("row") is not None else (row.get("indicator") or {}).get("zh")


def _grade_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not old and not new:
        return None
    before, now = _grade_summary(old), _grade_summary(new)
    change = None
    if before and now and isinstance(before["score"], (int, float)) and isinstance(now["score"], (int, float)):
        change = round(now["score"] - before["score"], 2)
    old_rows = {_row_key(r): r for r in (old or {}).get("rows") or ()}
    new_rows = {_row_key(r): r for r in (new or {}).get("rows") or ()}
    moved = []
    for key in sorted(set(old_rows) | set(new_rows), key=lambda k: (not isinstance(k, int), k if isinstance(k, int) else 0, str(k))):
        a, b = old_rows.get(key) or {}, new_rows.get(key) or {}
        if (a.get("level"), a.get("points")) == (b.get("level"), b.get("points")):
            continue
        points_change = round((b.get("points") or 0) - (a.get("points") or 0), 2)
        moved.append({"row": (b or a).get("row"), "indicator": (b or a).get("indicator"), "old_level": a.get("level"),
                      "new_level": b.get("level"), "old_points": a.get("points"), "new_points": b.get("points"),
                      "change": points_change})
    return {"old": before, "new": now, "score_change": change, "rows": moved}


def diff(old: Report, new: Report) -> dict[str, Any]:
    """What changed from `old` to `new`, keyed by policy id and item; `new_failures` is what a CI gate fails on."""
    new_failures, fixed, still, changes, added = [], [], [], [], []
    for now in sorted(new.findings.values(), key=Recorded.sort_key):
        before = old.findings.get(now.key)
        if before is not None and before.status is not now.status:
            changes.append(_entry(before, now))
        if now.status in FAILING:
            reason = _failure_reason(before, now)
            (new_failures if reason else still).append(_entry(before, now, reason))
        elif before is not None and before.status in FAILING:
            fixed.append(_entry(before, now))
        elif before is None:
            added.append(_entry(None, now))
    removed = [_entry(r, None) for r in sorted(old.findings.values(), key=Recorded.sort_key) if r.key not in new.findings]
    old_run, new_run = _run(old), _run(new)
    return {
        "old": old_run,
        "new": new_run,
        "notes": _notes(old_run, new_run),
        "summary": {"new_failures": len(new_failures), "fixed": len(fixed), "still_failing": len(still),
                    "status_changes": len(changes), "added": len(added), "removed": len(removed)},
        "new_failures": new_failures,
        "fixed": fixed,
        "still_failing": still,
        "status_changes": changes,
        "added": added,
        "removed": removed,
        "grade": _grade_diff(old.grade, new.grade),
    }
