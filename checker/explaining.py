"""What `ecs-check explain` says about a policy, a traced evaluation and a grade, as plain data.

`policy_model` is the policy as a person reads it: citation, the standard's
own words located in the shipped text with the state of their pin, the
requirement, the evidence it reads (fields and an example taken from the
policy's own passing test case), parameters, interpretations, how each check
decides and how to fix a failure. `evaluation_model` adds what one
evaluation did, from the engine's trace (checker.trace). `grade_model`
shows the NJ-ECCS grade row by row with the sums that make the score.

Every function returns JSON-ready data; `checker.commands.explain` renders it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from checker.bundle import Bundle
from checker.describe import fields, predicate, rule_lines
from checker.findings import Finding, Text
from checker.paths import PathTuple, render
from checker.policy import CompiledPolicy, Interpretation
from checker.predicates import MISSING
from checker.standards import quote_sha256, standard_text
from checker.trace import Comparison, RecordTrace, StepTrace, Trace

EXAMPLE_ITEMS = 2  # list entries shown per list in an evidence example
SHOWN_CHARS = 120  # a container value longer than this (as JSON) is summarised


def _text(value: Text | None) -> dict[str, str] | None:
    return value.to_json() if value is not None else None


# ------------------------------------------------------------------ the policy


def standard_words(compiled: CompiledPolicy) -> dict[str, Any]:
    """The clause as the shipped standard prints it, where, and whether the policy's pin still holds."""
    policy = compiled.policy
    shipped = standard_text(policy.standard)
    quote = (policy.text or {}).get("zh")
    pin = (policy.text or {}).get("sha256")
    out: dict[str, Any] = {
        "standard": policy.standard,
        "file": shipped.file if shipped else None,
        "standard_sha256": shipped.sha256 if shipped else None,
        "quote": quote,
        "lines": None,
        "pin": pin,
        "quote_sha256": quote_sha256(quote) if quote is not None else None,
    }
    if quote is None:
        out["status"] = "no text"
        return out
    span = shipped.find(quote) if shipped else None
    if span is not None:
        out["lines"] = [span.first_line, span.last_line]
    if shipped is not None and span is None:
        out["status"] = "not found"
    elif shipped is not None and shipped.misplaced(quote, policy.clause) is not None:
        out["status"] = "not its clause"
    elif pin is None:
        out["status"] = "not pinned"
    elif pin != out["quote_sha256"]:
        out["status"] = "pin differs"
    else:
        out["status"] = "verified" if shipped else "pinned"
    return out


def _example(compiled: CompiledPolicy) -> dict[str, Any] | None:
    """The evidence sections of the policy's first passing test case (or, for a manual policy, review case)."""
    from checker.fixtures import case_files, load_case

    files = case_files(compiled)
    chosen = next((p for prefix in ("pass-", "review-") for p in files if p.name.startswith(prefix)), None)
    if chosen is None:
        return None
    case = load_case(compiled, chosen)
    data = case.document.data.get("bundle") if isinstance(case.document.data, Mapping) else None
    if not isinstance(data, Mapping):
        return None
    keys = [path.split(".")[1].split("[")[0] for path in compiled.policy.evidence.get("paths", ()) if path.startswith("$.")]
    wanted = {k: data[k] for k in dict.fromkeys(keys) if k in data} or dict(data)
    return {"case": case.file, "description": case.document.data.get("description"), "bundle": _trimmed(wanted)}


def _trimmed(value: Any) -> Any:
    if isinstance(value, list):
        return [_trimmed(v) for v in value[:EXAMPLE_ITEMS]]
    if isinstance(value, Mapping):
        return {k: _trimmed(v) for k, v in value.items()}
    return value


def _parameter(compiled: CompiledPolicy, name: str) -> dict[str, Any]:
    spec = compiled.policy.parameters[name]
    return {
        "name": name, "value": compiled.params.get(name), "default": spec.default, "type": spec.type, "unit": spec.unit,
        "minimum": spec.minimum, "maximum": spec.maximum, "stricter": spec.stricter, "adjustable": spec.adjustable,
        "description": spec.description.to_json(),
    }


def _interpretation(ref: str, known: Mapping[str, Interpretation]) -> dict[str, Any]:
    found = known.get(ref)
    if found is None:
        return {"id": ref, "title": None, "decision": None, "file": None}
    return {"id": ref, "title": found.title.to_json(), "decision": found.decision.to_json(), "file": found.file}


def _lines(compiled: CompiledPolicy, spec: Mapping[str, Any], at: tuple[Any, ...]) -> list[dict[str, Any]]:
    out = []
    for line in rule_lines(spec, compiled.params, at):
        position = compiled.policy.document.locate(line["at"]) or (None, None)
        out.append({"depth": line["depth"], "operator": line["operator"], "at": render(line["at"]), "line": position[0],
                    "how": line["how"].to_json(), "fix": _text(line["fix"])})
    return out


def policy_model(compiled: CompiledPolicy, interpretations: Mapping[str, Interpretation]) -> dict[str, Any]:
    policy = compiled.policy
    checks = []
    if "rule" in policy.check:
        checks.append({"item": None, "title": policy.title.to_json(), "applies_if": None, "out_of_scope": None,
                       "verification": policy.verification, "rule": _lines(compiled, policy.check["rule"], ("check", "rule"))})
    for item in policy.items:
        at = ("check", "items", item.index, "rule")
        checks.append({
            "item": item.item,
            "title": item.title.to_json(),
            "applies_if": predicate(item.applies_if, compiled.params) if item.applies_if else None,
            "out_of_scope": _text(item.out_of_scope),
            "verification": item.verification or policy.verification,
            "rule": _lines(compiled, item.rule, at) if item.rule is not None else [],
        })
    return {
        "policy_id": policy.id,
        "citation": f"{policy.standard} {policy.clause}",
        "title": policy.title.to_json(),
        "obligation": policy.obligation,
        "applies_to": policy.applies_to,
        "verification": policy.verification,
        "policy_file": policy.file,
        "standard_text": standard_words(compiled),
        "requirement": policy.requirement.to_json(),
        "applies_if": predicate(policy.check["applies_if"], compiled.params) if "applies_if" in policy.check else None,
        "checks": checks,
        "evidence": {
            "paths": list(policy.evidence.get("paths", ())),
            "fields": fields(policy.evidence.get("schema")),
            "example": _example(compiled),
        },
        "parameters": [_parameter(compiled, name) for name in policy.parameters],
        "interpretations": [_interpretation(ref, interpretations) for ref in policy.interpretations],
        "related": list(policy.related),
    }


# ------------------------------------------------------------------ one traced evaluation


def plain(value: Any) -> Any:
    """A value as the trace shows it: scalars as they are, long lists and mappings summarised."""
    if value is MISSING:
        return None
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) <= SHOWN_CHARS:
            return value
        return f"[{len(value)} items]" if isinstance(value, list) else f"{{{len(value)} keys}}"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class _Locator:
    """Where a traced value is, as `check` cites it: a record from a record file at that file's line."""

    def __init__(self, bundle: Bundle, directory: PurePosixPath) -> None:
        self.bundle, self.directory = bundle, directory

    def __call__(self, path: PathTuple | None) -> dict[str, Any]:
        if path is None:
            return {"path": None, "file": None, "line": None, "column": None}
        file_name, line, column = self.bundle.cite(path)
        return {"path": render(path), "file": (self.directory / file_name).as_posix(), "line": line, "column": column}


def _comparison(item: Comparison, locate: _Locator) -> dict[str, Any]:
    return {
        "phase": item.phase,
        "subject": item.subject,
        "value": plain(item.left),
        "missing": item.left is MISSING,
        "op": item.op,
        "against": plain(item.right),
        "result": item.result,
        "note": _text(item.note),
        **locate(item.path),
    }


def _record(record: RecordTrace, locate: _Locator) -> dict[str, Any]:
    return {"label": record.label, "verdict": record.verdict, "detail": _text(record.detail),
            "comparisons": [_comparison(c, locate) for c in record.comparisons], **locate(record.path)}


def _step(step: StepTrace, compiled: CompiledPolicy, locate: _Locator) -> dict[str, Any]:
    position = compiled.policy.document.locate(step.at) or (None, None)
    return {
        "operator": step.operator,
        "at": render(step.at),
        "line": position[0],
        "status": step.status.value if step.status else None,
        "message": _text(step.message),
        "facts": {k: plain(v) for k, v in sorted(step.facts.items())},
        "comparisons": [_comparison(c, locate) for c in step.comparisons],
        "counts": dict(sorted(step.counts.items())),
        "records": [_record(r, locate) for r in step.records],
        "children": [_step(child, compiled, locate) for child in step.children],
    }


def evaluation_model(compiled: CompiledPolicy, bundle: Bundle, findings: Sequence[Finding], trace: Trace) -> dict[str, Any]:
    directory = PurePosixPath(bundle.directory.as_posix())
    shown = (directory / bundle.file_name).as_posix()
    locate = _Locator(bundle, directory)
    by_item = {f.item: f for f in findings}
    org = bundle.data["organization"]
    checks = []
    for check in trace.checks:
        finding = by_item[check.item]
        checks.append({
            "item": check.item,
            "citation": finding.citation,
            "status": finding.status.value,
            "message": finding.message.to_json(),
            "notes": [n.to_json() for n in finding.notes],
            "evidence_digest": finding.evidence_digest,
            "applicability": [_comparison(c, locate) for c in check.comparisons],
            "steps": [_step(s, compiled, locate) for s in check.steps],
        })
    return {
        "bundle": shown,
        "bundle_sha256": bundle.document.sha256,
        "organization": {"name": org["name"], "role": org["role"]},
        "period": [bundle.period_start.isoformat(), bundle.period_end.isoformat()],
        "as_of": bundle.as_of.isoformat(),
        "keep": trace.keep,
        "applicability": [_comparison(c, locate) for c in trace.preamble],
        "checks": checks,
    }


# ------------------------------------------------------------------ the NJ-ECCS grade

BANDS = Text("9.3.3.1：AAA 70~79 分，AAAA 80~89 分，AAAAA 90~100 分", "9.3.3.1: AAA 70-79, AAAA 80-89, AAAAA 90-100 points")


def grade_model(result: Any) -> dict[str, Any] | None:
    """The grade row by row, each first-level indicator's sum and the total, or None when not graded.

    Reads the grade through the reporters' adapter (`checker.reporters.grading`),
    so it explains exactly what the reports show. A row's `reason` is the
    message of the first level the row did not reach, when the grade gives
    its levels.
    """
    from checker.reporters.grading import _number, grade_of

    grade = grade_of(result)
    if grade is None:
        return None
    model = grade.to_json()  # the grade as the JSON report has it, plus what it takes to recompute it
    model["rows"] = [{**row.to_json(), "reason": _text(row.reason)} for row in grade.rows]
    for group in model["indicators"]:
        members = [row for row in grade.rows if row.group == group["key"]]
        group["rows"] = [row.row for row in members]
        group["sum"] = " + ".join(f"{row.points}" for row in members) or "0"
    total = _number(sum(row.points for row in grade.rows))
    model["total"] = {"sum": " + ".join(f"{g['points']}" for g in model["indicators"]) or "0", "points": total,
                      "matches_score": grade.score is not None and abs(total - grade.score) < 0.005}
    model["bands"] = BANDS.to_json()
    return model
