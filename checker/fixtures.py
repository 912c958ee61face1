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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.bundle import bundle_from_data
from checker.engine import evaluate_policy
from checker.errors import CheckerError
from checker.findings import Finding, Status, worst
from checker.loading import Document, load_document
from checker.policy import POLICY_LIMIT, CompiledPolicy

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


def case_dir(compiled: CompiledPolicy) -> Path:
    path = compiled.policy.document.path
    return path.with_suffix("")


def discover_cases(compiled: CompiledPolicy) -> list[Case]:
    folder = case_dir(compiled)
    if not folder.is_dir():
        return []
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        display = f"{compiled.policy.document.display.rsplit('.', 1)[0]}/{path.name}"
        cases.append(Case(compiled.policy.id, load_document(path, display, POLICY_LIMIT)))
    return cases


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "organization" and isinstance(value, Mapping):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _case_error(case: Case, message: str, path: tuple[Any, ...] = ()) -> CheckerError:
    line, col = case.document.locate(path) or (None, None)
    return CheckerError.at("ECS101", message, case.file, line, col)


def run_case(compiled: CompiledPolicy, case: Case) -> CaseResult:
    data = case.document.data
    if not isinstance(data, dict) or not isinstance(data.get("expect"), dict) or "status" not in data["expect"]:
        raise _case_error(case, "a test case needs bundle and expect.status")
    expect = data["expect"]
    bundle_data = _merge(BASE_BUNDLE, data.get("bundle") or {})
    as_of = data.get("as_of")
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else None
    bundle = bundle_from_data(case.document, bundle_data, case.document.path.parent, case.document.path.name, as_of_date)
    findings = tuple(evaluate_policy(compiled, bundle, bundle.context()))
    overall = worst(f.status for f in findings)
    problems = []
    if overall.value != expect["status"]:
        problems.append(f"status: expected {expect['status']}, got {overall.value}")
    by_item = {f.item: f for f in findings}
    for item, status in (expect.get("items") or {}).items():
        finding = by_item.get(item)
        if finding is None:
            problems.append(f"item {item}: no such item in the policy")
        elif finding.status.value != status:
            problems.append(f"item {item}: expected {status}, got {finding.status.value}")
    fragment = expect.get("message")
    if fragment and not any(fragment in f.message.en or fragment in f.message.zh for f in findings):
        problems.append(f"message: no finding says {fragment!r}; got {' | '.join(f.message.en for f in findings)}")
    prefix = case.name.split("-", 1)[0]
    if prefix in OUTCOME_PREFIXES and OUTCOME_PREFIXES[prefix].value != expect["status"]:
        problems.append(f"case name starts with {prefix!r} but expects {expect['status']}")
    return CaseResult(case, not problems, expect["status"], overall.value, tuple(problems), findings)


def run_all(policies: Iterable[CompiledPolicy]) -> list[CaseResult]:
    results = []
    for compiled in policies:
        for case in discover_cases(compiled):
            results.append(run_case(compiled, case))
    return results
