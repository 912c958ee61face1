"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, GitHub test reporters).

One `testsuite` per standard and one `testcase` per finding (classname = the
standard, name = clause, item and title). fail and insufficient_evidence are
`failure`s (their `type` says which), error is an `error`, and
not_applicable, waived and manual_review are `skipped` with the reason. The
evidence that decided a finding is in its body (or `system-out` for a pass).
Times are 0: the checker does not time itself, so reports stay reproducible.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from checker.engine import Result
from checker.findings import Finding, Status
from checker.reporters.common import (
    STATUS_WORDS,
    TOOL_NAME,
    as_of_instant,
    bundle_file,
    finding_change_text,
    pick,
    profile_lines,
    provenance,
    waiver_lines,
    waiver_text,
)

SKIPPED = frozenset({Status.NOT_APPLICABLE, Status.WAIVED, Status.MANUAL_REVIEW})
FAILURES = frozenset({Status.FAIL, Status.INSUFFICIENT_EVIDENCE})


def _counts(findings: Sequence[Finding]) -> dict[str, str]:
    return {
        "tests": str(len(findings)),
        "failures": str(sum(f.status in FAILURES for f in findings)),
        "errors": str(sum(f.status is Status.ERROR for f in findings)),
        "skipped": str(sum(f.status in SKIPPED for f in findings)),
        "time": "0",
    }


def _details(finding: Finding, lang: str, bundle: str) -> str:
    lines = [
        f"{finding.citation} — {pick(STATUS_WORDS[finding.status], lang)}",
        pick(finding.message, lang, sep="\n"),
    ]
    for ref in finding.evidence:
        where = f"{bundle}:{ref.line}:{ref.column}" if ref.line is not None else bundle
        lines.append(f"evidence: {where} {ref.path}" + (f" ({ref.note})" if ref.note else ""))
    if finding.interpretations:
        lines.append("interpretations: " + ", ".join(finding.interpretations))
    if finding.parameters:
        lines.append("parameters: " + ", ".join(f"{k}={v}" for k, v in finding.parameters.items()))
    for change in finding.overrides:
        lines.append(("LOOSENED: " if change.loosened else "") + pick(finding_change_text(change), lang))
    if finding.waiver is not None:
        lines.append(pick(waiver_text(finding.waiver, finding.original_status), lang))
    for note in finding.notes:
        lines.append("note: " + pick(note, lang))
    lines.append(f"policy: {finding.policy_id} ({finding.policy_file})")
    return "\n".join(lines)


def _testcase(finding: Finding, lang: str, bundle: str) -> ET.Element:
    item = f" {finding.item}" if finding.item else ""
    case = ET.Element("testcase", {
        "classname": finding.standard,
        "name": f"{finding.clause}{item} {pick(finding.title, lang)}",
        "time": "0",
    })
    if finding.policy_file:
        case.set("file", finding.policy_file)
    message = pick(finding.message, lang)
    details = _details(finding, lang, bundle)
    if finding.status in FAILURES:
        ET.SubElement(case, "failure", {"message": message, "type": finding.status.value}).text = details
    elif finding.status is Status.ERROR:
        ET.SubElement(case, "error", {"message": message, "type": finding.status.value}).text = details
    elif finding.status in SKIPPED:
        reason = f"{pick(STATUS_WORDS[finding.status], lang)}: {message}"
        if finding.waiver is not None:
            reason = f"{pick(waiver_text(finding.waiver, finding.original_status), lang)} — {message}"
        ET.SubElement(case, "skipped", {"message": reason}).text = details
    else:
        ET.SubElement(case, "system-out").text = details
    return case


def document(result: Result, options: dict[str, Any] | None = None) -> ET.Element:
    lang = (options or {}).get("lang", "both")
    bundle = bundle_file(result)
    stamp = as_of_instant(result).replace(tzinfo=None).isoformat()
    facts = provenance(result)
    texts = {entry["standard"]: entry["sha256"] for entry in facts["standard_texts"]}
    by_standard: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_standard.setdefault(finding.standard, []).append(finding)
    root = ET.Element("testsuites", {"name": TOOL_NAME, **_counts(result.findings)})
    for number, standard in enumerate(sorted(by_standard)):
        findings = by_standard[standard]
        suite = ET.SubElement(root, "testsuite", {
            "name": standard, **_counts(findings), "timestamp": stamp, "id": str(number),
        })
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("run_id", facts["run_id"]),
            ("tool_version", facts["tool"]["version"]),
            ("as_of", facts["as_of"]),
            ("bundle", bundle),
            ("bundle_sha256", facts["bundle"]["sha256"]),
            ("policy_set_sha256", facts["policy_set"]["sha256"]),
            ("scoring_model_sha256", facts["scoring_model"]["sha256"] or ""),
            ("profile", facts["profile"]["id"] if facts["profile"] else ""),
            ("profile_sha256", facts["profile"]["sha256"] if facts["profile"] else ""),
            ("waivers_sha256", facts["waivers"]["sha256"] if facts["waivers"] else ""),
            ("standard_text_sha256", texts.get(standard) or ""),
        ):
            ET.SubElement(properties, "property", {"name": name, "value": value})
        for index, line in enumerate(profile_lines(result)[1:] + waiver_lines(result)[1:]):
            ET.SubElement(properties, "property", {"name": f"tailoring.{index + 1}", "value": pick(line, lang)})
        for finding in findings:
            suite.append(_testcase(finding, lang, bundle))
    return root


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    root = document(result, options)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
