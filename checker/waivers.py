"""Waivers: approved, dated exceptions to findings, that expire.

A waivers file (schemas/waivers.schema.json) lists waivers, each naming a
policy (and optionally one lettered item), a justification, its author and
approver (two different people), the approval date and a mandatory expiry
date. On the bundle's as-of date (never the clock) each waiver is exactly
one of:

- `active`: approved on or before the as-of date, expiring on or after it
  (a waiver expiring on the as-of date is still active that day), and it
  waived at least one finding;
- `expired`: its expiry date is before the as-of date; it has no effect;
- `not_yet_effective`: approved after the as-of date; it has no effect;
- `orphaned`: in force, but there was nothing for it to waive: no such
  policy or item, the policy was not evaluated, its findings do not fail,
  or another waiver already covers them.

An active waiver turns each `fail` or `insufficient_evidence` finding it
covers into `waived`, keeping the original status (`original_status`) and
message; an `error` is never waived (INT-083). A waiver file that does not
match its schema, repeats an id, is approved by its own author or expires
before it was approved is unusable input: the run stops with exit 2, and
the file is never skipped.

For the NJ-ECCS grade: waived findings never raise it. The scoring code
reads each finding's status through `effective_status_for_scoring`, which
gives a waived finding its original status back (INT-084).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Location, Problem
from checker.findings import AppliedWaiver, Finding, Status, Text
from checker.loading import Document, display_path, load_document
from checker.operators.documents import same_name
from checker.paths import render
from checker.policy import PolicySet
from checker.profiles import text_of
from checker.resources import schema_path
from checker.schema_check import SchemaCheck

WAIVERS_LIMIT = 1024 * 1024
WAIVABLE: frozenset[Status] = frozenset({Status.FAIL, Status.INSUFFICIENT_EVIDENCE})
STATES = ("active", "expired", "not_yet_effective", "orphaned")


def _schema() -> Mapping[str, Any]:
    import json

    with open(schema_path("waivers"), encoding="utf-8") as handle:
        loaded: Mapping[str, Any] = json.load(handle)
    return loaded


_WAIVERS_SCHEMA = SchemaCheck(_schema)


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    staff_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"

    def same_as(self, other: Person) -> bool:
        """The same person: equal staff ids when both have one, else equal names (case and spacing aside)."""
        if self.staff_id and other.staff_id:
            return self.staff_id == other.staff_id
        return same_name(self.name, other.name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "staff_id": self.staff_id}


@dataclass(frozen=True)
class Waiver:
    id: str
    policy_id: str
    item: str | None
    justification: Text
    author: Person
    approved_by: Person
    approved_on: dt.date
    expires_on: dt.date
    reference: str | None
    file: str
    line: int | None

    @property
    def target(self) -> str:
        return self.policy_id + (f" {self.item}" if self.item else "")

    def covers(self, finding: Finding) -> bool:
        return finding.policy_id == self.policy_id and (self.item is None or finding.item == self.item)

    def applied(self) -> AppliedWaiver:
        return AppliedWaiver(
            id=self.id,
            justification=self.justification,
            author=self.author.label,
            approved_by=self.approved_by.label,
            approved_on=self.approved_on.isoformat(),
            expires_on=self.expires_on.isoformat(),
            reference=self.reference,
            file=self.file,
            line=self.line,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy_id": self.policy_id,
            "item": self.item,
            "justification": self.justification.to_json(),
            "author": self.author.to_json(),
            "approved_by": self.approved_by.to_json(),
            "approved_on": self.approved_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "reference": self.reference,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class WaiverFile:
    file: str
    sha256: str
    waivers: tuple[Waiver, ...]


@dataclass(frozen=True)
class WaiverOutcome:
    """What became of one waiver in this run."""

    waiver: Waiver
    state: str
    reason: Text
    findings: tuple[str, ...] = ()  # citations of the findings it waived

    def to_json(self) -> dict[str, Any]:
        return {**self.waiver.to_json(), "state": self.state, "reason": self.reason.to_json(),
                "findings": list(self.findings)}


@dataclass(frozen=True)
class WaiverReport:
    file: str
    sha256: str
    as_of: str
    outcomes: tuple[WaiverOutcome, ...]

    def in_state(self, state: str) -> tuple[WaiverOutcome, ...]:
        return tuple(o for o in self.outcomes if o.state == state)

    @property
    def active(self) -> tuple[WaiverOutcome, ...]:
        return self.in_state("active")

    def counts(self) -> dict[str, int]:
        return {state: len(self.in_state(state)) for state in STATES}

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "as_of": self.as_of, "counts": self.counts(),
                "waivers": [o.to_json() for o in self.outcomes]}


# ------------------------------------------------------------------ reading


def _problem(doc: Document, code: str, message: str, at: tuple[Any, ...]) -> Problem:
    line, col = doc.locate(at) or (None, None)
    return Problem(code, message, Location(doc.display, line, col, render(at)))


def _person(raw: Mapping[str, Any]) -> Person:
    return Person(raw["name"], raw["role"], raw.get("staff_id"))


def load_waivers(path: str | Path, display: str | None = None) -> WaiverFile:
    """Read and check a waivers file; raises CheckerError listing every problem, each at its line."""
    path = Path(path)
    doc = load_document(path, display or display_path(path), WAIVERS_LIMIT)
    return waivers_from_document(doc)


def waivers_from_document(doc: Document) -> WaiverFile:
    data = doc.data
    if not isinstance(data, dict):
        raise CheckerError.at("ECS212", "a waivers file is a mapping with a 'waivers' list", doc.display, 1, 1)
    problems = _WAIVERS_SCHEMA.problems(doc, data, "ECS411")
    if problems:
        raise CheckerError(problems)
    waivers: list[Waiver] = []
    first: dict[str, int] = {}
    for index, raw in enumerate(data["waivers"]):
        at = ("waivers", index)
        if raw["id"] in first:
            problems.append(_problem(doc, "ECS412", f"waiver id {raw['id']!r} is used twice (first at index {first[raw['id']]})",
                                     at + ("id",)))
        first.setdefault(raw["id"], index)
        dates: dict[str, dt.date] = {}
        for key in ("approved_on", "expires_on"):
            try:
                dates[key] = dt.date.fromisoformat(raw[key])
            except ValueError:
                problems.append(_problem(doc, "ECS411", f"{raw[key]!r} is not a calendar date", at + (key,)))
        author, approver = _person(raw["author"]), _person(raw["approved_by"])
        if author.same_as(approver):
            problems.append(_problem(doc, "ECS413", f"waiver {raw['id']} is approved by its own author, {author.name}; "
                                                    "another person must approve it", at + ("approved_by",)))
        if len(dates) == 2 and dates["expires_on"] < dates["approved_on"]:
            problems.append(_problem(doc, "ECS414", f"waiver {raw['id']} expires on {dates['expires_on']}, before it was "
                                                    f"approved on {dates['approved_on']}", at + ("expires_on",)))
        if len(dates) < 2:
            continue
        line, _ = doc.locate(at) or (None, None)
        waivers.append(Waiver(
            id=raw["id"],
            policy_id=raw["policy"],
            item=raw.get("item"),
            justification=text_of(raw["justification"]),
            author=author,
            approved_by=approver,
            approved_on=dates["approved_on"],
            expires_on=dates["expires_on"],
            reference=raw.get("reference"),
            file=doc.display,
            line=line,
        ))
    if problems:
        raise CheckerError(problems)
    return WaiverFile(doc.display, doc.sha256, tuple(sorted(waivers, key=lambda w: w.id)))


# ------------------------------------------------------------------ applying


def _precedence(waiver: Waiver) -> tuple[Any, ...]:
    """Which of several in-force waivers covering one finding is applied: item-specific, then the latest expiry, then id."""
    return (waiver.item is None, -waiver.expires_on.toordinal(), waiver.id)


def _statuses(findings: Sequence[Finding]) -> str:
    return ", ".join(sorted({f.status.value for f in findings}))


def _orphan_reason(waiver: Waiver, policy_set: PolicySet, evaluated: Mapping[str, list[Finding]]) -> Text | None:
    """Why an in-force waiver can waive nothing, or None when it has failing findings to waive."""
    pid = waiver.policy_id
    if pid not in evaluated:
        if pid in policy_set.available:
            return Text(f"规则 {pid} 未在本次运行中评价（未被选择）", f"policy {pid} was not evaluated in this run (not selected)")
        return Text(f"规则集中没有规则 {pid}", f"there is no policy {pid} in the policy set")
    targets = [f for f in evaluated[pid] if waiver.covers(f)]
    if not targets:
        items = ", ".join(f.item for f in evaluated[pid] if f.item) or "—"
        return Text(f"规则 {pid} 没有 {waiver.item} 项（其各项：{items}）", f"policy {pid} has no item {waiver.item} (its items: {items})")
    if any(f.status in WAIVABLE for f in targets):
        return None
    if any(f.status is Status.ERROR for f in targets):
        return Text(f"{waiver.target} 的结论为 error；无法评估的结论不予豁免",
                    f"{waiver.target} is error; a finding that could not be evaluated is never waived")
    return Text(f"没有可豁免的结论：{waiver.target} 的结论为 {_statuses(targets)}",
                f"nothing to waive: {waiver.target} is {_statuses(targets)}")


def apply_waivers(findings: Iterable[Finding], waiver_file: WaiverFile, as_of: dt.date,
                  policy_set: PolicySet) -> tuple[list[Finding], WaiverReport]:
    """The findings with every active waiver applied, and what became of each waiver."""
    findings = list(findings)
    evaluated: dict[str, list[Finding]] = {}
    for finding in findings:
        evaluated.setdefault(finding.policy_id, []).append(finding)

    outcome: dict[str, WaiverOutcome] = {}
    in_force: list[Waiver] = []
    lapsed: list[tuple[Waiver, Text]] = []
    for waiver in waiver_file.waivers:
        if waiver.approved_on > as_of:
            reason = Text(f"{waiver.approved_on} 才批准，晚于评价日 {as_of}，不生效",
                          f"approved on {waiver.approved_on}, after the as-of date {as_of}; it has no effect")
            outcome[waiver.id] = WaiverOutcome(waiver, "not_yet_effective", reason)
            lapsed.append((waiver, Text(f"豁免 {waiver.id} 尚未生效（{waiver.approved_on} 批准），未适用",
                                        f"waiver {waiver.id} is not yet in force (approved {waiver.approved_on}); not applied")))
        elif waiver.expires_on < as_of:
            reason = Text(f"已于 {waiver.expires_on} 到期，不再生效", f"expired on {waiver.expires_on}; it has no effect")
            outcome[waiver.id] = WaiverOutcome(waiver, "expired", reason)
            lapsed.append((waiver, Text(f"豁免 {waiver.id} 已于 {waiver.expires_on} 到期，未适用",
                                        f"waiver {waiver.id} expired on {waiver.expires_on}; not applied")))
        else:
            orphan = _orphan_reason(waiver, policy_set, evaluated)
            if orphan is not None:
                outcome[waiver.id] = WaiverOutcome(waiver, "orphaned", orphan)
            else:
                in_force.append(waiver)

    chosen: dict[int, Waiver] = {}
    for index, finding in enumerate(findings):
        if finding.status not in WAIVABLE:
            continue
        covering = sorted((w for w in in_force if w.covers(finding)), key=_precedence)
        if covering:
            chosen[index] = covering[0]
    waived_by: dict[str, list[str]] = {}
    for index, waiver in sorted(chosen.items()):
        waived_by.setdefault(waiver.id, []).append(findings[index].citation)
    for waiver in in_force:
        citations = waived_by.get(waiver.id, [])
        if citations:
            reason = Text(f"在评价日 {as_of} 有效（{waiver.approved_on} 由 {waiver.approved_by.label} 批准）",
                          f"in force on {as_of} (approved by {waiver.approved_by.label} on {waiver.approved_on})")
            outcome[waiver.id] = WaiverOutcome(waiver, "active", reason, tuple(citations))
        else:
            others = sorted({chosen[i].id for i, f in enumerate(findings) if i in chosen and waiver.covers(f)})
            outcome[waiver.id] = WaiverOutcome(waiver, "orphaned", Text(
                f"其涵盖的结论已由 {', '.join(others)} 豁免", f"every finding it covers is already waived by {', '.join(others)}"))

    result: list[Finding] = []
    for index, finding in enumerate(findings):
        notes = tuple(note for waiver, note in lapsed if waiver.covers(finding) and finding.status in WAIVABLE)
        if index in chosen:
            waiver = chosen[index]
            finding = replace(finding, status=Status.WAIVED, original_status=finding.status, waiver=waiver.applied())
        if notes:
            finding = replace(finding, notes=finding.notes + notes)
        result.append(finding)
    report = WaiverReport(waiver_file.file, waiver_file.sha256, as_of.isoformat(),
                          tuple(outcome[w.id] for w in waiver_file.waivers))
    return result, report


def check_max_active(report: WaiverReport | None, maximum: int | None) -> None:
    """`--max-waivers N`: more than N active waivers is an error (exit 2), listing them."""
    if maximum is None or report is None or len(report.active) <= maximum:
        return
    active = report.active
    listed = ", ".join(f"{o.waiver.id} ({o.waiver.target}, expires {o.waiver.expires_on})" for o in active)
    line = active[maximum].waiver.line if maximum < len(active) else None
    raise CheckerError.at("ECS415", f"{len(active)} active waivers, more than --max-waivers {maximum} allows: {listed}",
                          report.file, line)


# ------------------------------------------------------------------ for the NJ-ECCS grade


def effective_status_for_scoring(finding: Finding) -> Status:
    """The status the NJ-ECCS grade counts for a finding: a waived finding counts as what it was before the waiver.

    Waivers are the enterprise's own accepted exceptions; they never raise a
    grade (INT-084). Scoring code reads statuses only through this function
    (or `unwaived`), so a waived fail scores exactly as a fail.
    """
    if finding.status is Status.WAIVED and finding.original_status is not None:
        return finding.original_status
    return finding.status


def unwaived(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings as the grade sees them: each waived one with its original status restored."""
    return tuple(replace(f, status=effective_status_for_scoring(f)) if f.status is Status.WAIVED else f for f in findings)
