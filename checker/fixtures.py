"""Policy test cases: fixtures beside each policy, like `opa test` or `kyverno test`.

A policy `<root>/<std>/<clause>.yaml` keeps its cases in `<root>/<std>/<clause>/`,
one YAML file per case, named after the expected outcome (`pass-*.yaml`,
`fail-*.yaml`, `insufficient-*.yaml`, `na-*.yaml`, `review-*.yaml`,
`error-*.yaml`). A case holds:

    description: what the case proves
    bundle: {...}        # sections merged over a minimal base bundle
    as_of: 2025-12-31    # optional
    expect:
      status: fail       # the clause's overall status (worst over items)
      items: {a): pass, b): fail}   # optional, per lettered item
      message: "C-0042"  # optional: a fragment of the English message

The base bundle is an operator in Hangzhou evaluated over 2025; a case sets
`organization: {role: platform}` (merged key by key) to be a platform.
Attachments named in a case are looked up relative to the case's folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from checker.bundle import bundle_from_data
from checker.engine import evaluate_policy
from checker.errors import CheckerError, Location, Problem
from checker.findings import Finding, Status, worst
from checker.loading import Document, load_document
from checker.paths import render
from checker.policy import POLICY_LIMIT, CompiledPolicy
from checker.schema_check import SchemaCheck

BASE_BUNDLE: dict[str, Any] = {
    "schema_version": "1.0",
    "organization": {
        "name": "杭州示例电子商务有限公司",
        "unified_social_credit_code": "91330106MA2B3C4D5E",
        "role": "operator",
        "time_zone": "Asia/Shanghai",
    },
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}
CASE_KEYS = ("description", "bundle", "as_of", "expect")  # canonical order, kept by `ecs-check fmt`
CASE_STATUSES = tuple(status.value for status in Status if status is not Status.WAIVED)


def case_schema() -> dict[str, Any]:
    status = {"enum": list(CASE_STATUSES)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["expect"],
        "properties": {
            "description": {"type": "string"},
            "bundle": {"type": "object"},
            "as_of": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "expect": {
                "type": "object",
                "additionalProperties": False,
                "required": ["status"],
                "properties": {
                    "status": status,
                    "items": {"type": "object", "additionalProperties": status},
                    "message": {"type": "string", "minLength": 1},
                },
            },
        },
    }


_CASE_SCHEMA = SchemaCheck(case_schema)
OUTCOME_PREFIXES = {
    "pass": Status.PASS,
    "fail": Status.FAIL,
    "insufficient": Status.INSUFFICIENT_EVIDENCE,
    "na": Status.NOT_APPLICABLE,
    "review": Status.MANUAL_REVIEW,
    "error": Status.ERROR,
}


@dataclass(frozen=True)
class Case:
    policy_id: str
    document: Document

    @property
    def name(self) -> str:
        return self.document.path.stem

    @property
    def file(self) -> str:
        return self.document.display


@dataclass(frozen=True)
class CaseResult:
    case: Case
    passed: bool
    expected: str
    actual: str
    problems: tuple[str, ...]
    findings: tuple[Finding, ...]
    at: tuple[tuple[Any, ...], ...] = ()  # for each problem, the path in the case file it concerns

    def locations(self) -> tuple[Location, ...]:
        doc = self.case.document
        out = []
        for path in self.at:
            line, col = doc.locate(path) or (None, None)
            out.append(Location(doc.display, line, col, render(path)))
        return tuple(out)


def case_dir(compiled: CompiledPolicy) -> Path:
    path = compiled.policy.document.path
    return path.with_suffix("")


def case_files(compiled: CompiledPolicy) -> list[Path]:
    folder = case_dir(compiled)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_case(compiled: CompiledPolicy, path: Path) -> Case:
    display = f"{compiled.policy.document.display.rsplit('.', 1)[0]}/{path.name}"
    return Case(compiled.policy.id, load_document(path, display, POLICY_LIMIT))


def discover_cases(compiled: CompiledPolicy) -> list[Case]:
    return [load_case(compiled, path) for path in case_files(compiled)]


def case_problems(case: Case) -> list[Problem]:
    """What is wrong with a case file itself (ECS114), before anything is evaluated."""
    doc = case.document
    if not isinstance(doc.data, dict):
        return [Problem("ECS114", "a test case is a mapping with description, bundle, as_of and expect",
                        Location(doc.display, 1, 1))]
    problems = _CASE_SCHEMA.problems(doc, doc.data, "ECS114")
    as_of = doc.data.get("as_of")
    if not problems and isinstance(as_of, str):
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            line, col = doc.locate(("as_of",)) or (None, None)
            problems.append(Problem("ECS114", f"as_of {as_of!r} is not a date", Location(doc.display, line, col, "$.as_of")))
    return problems


class _BundleSourceMap:
    """Locates bundle paths inside the case file, under its `bundle` key."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def locate(self, path: Sequence[Any]) -> tuple[int, int] | None:
        return self._doc.locate(("bundle", *path))


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "organization" and isinstance(value, Mapping):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def run_case(compiled: CompiledPolicy, case: Case) -> CaseResult:
    """Evaluate one case; raises CheckerError when the case file or its bundle is unusable."""
    problems_in_file = case_problems(case)
    if problems_in_file:
        raise CheckerError(problems_in_file)
    data = case.document.data
    expect = data["expect"]
    bundle_data = _merge(BASE_BUNDLE, data.get("bundle") or {})
    as_of = data.get("as_of")
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None
    view = replace(case.document, source_map=_BundleSourceMap(case.document))
    bundle = bundle_from_data(view, bundle_data, case.document.path.parent, case.document.path.name, as_of_date)
    findings = tuple(evaluate_policy(compiled, bundle, bundle.context()))
    overall = worst(f.status for f in findings)
    problems: list[str] = []
    at: list[tuple[Any, ...]] = []
    if overall.value != expect["status"]:
        problems.append(f"status: expected {expect['status']}, got {overall.value}")
        at.append(("expect", "status"))
    by_item = {f.item: f for f in findings}
    for item, status in (expect.get("items") or {}).items():
        finding = by_item.get(item)
        if finding is None:
            problems.append(f"item {item}: no such item in the policy")
            at.append(("expect", "items", item))
        elif finding.status.value != status:
            problems.append(f"item {item}: expected {status}, got {finding.status.value}")
            at.append(("expect", "items", item))
    fragment = expect.get("message")
    if fragment and not any(fragment in f.message.en or fragment in f.message.zh for f in findings):
        problems.append(f"message: no finding says {fragment!r}; got {' | '.join(f.message.en for f in findings)}")
        at.append(("expect", "message"))
    prefix = case.name.split("-", 1)[0]
    if prefix in OUTCOME_PREFIXES and OUTCOME_PREFIXES[prefix].value != expect["status"]:
        problems.append(f"case name starts with {prefix!r} but expects {expect['status']}")
        at.append(("expect", "status"))
    return CaseResult(case, not problems, expect["status"], overall.value, tuple(problems), findings, tuple(at))


def run_all(policies: Iterable[CompiledPolicy]) -> list[CaseResult]:
    results = []
    for compiled in policies:
        for case in discover_cases(compiled):
            results.append(run_case(compiled, case))
    return results
