"""SARIF 2.1.0, for code-scanning tools (GitHub code scanning, SARIF viewers).

One run; one rule per evaluated policy; one result per finding that needs
attention (everything but pass and not_applicable, or every finding with
`sarif_all`). A result's location is the bundle value that decided it (its
line and column in the bundle file); the policy rule that produced it is a
related location. Columns count Unicode code points, as the loaders do.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.engine import Result
from checker.findings import Finding, Status
from checker.policy import CompiledPolicy
from checker.reporters.common import (
    STATUS_WORDS,
    TOOL_NAME,
    bundle_file,
    change_text,
    pick,
    policy_location,
    provenance,
    run_uuid,
    tailoring_of,
    waiver_text,
    waivers_of,
)

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS: dict[Status, str] = {
    Status.FAIL: "error",
    Status.ERROR: "error",
    Status.INSUFFICIENT_EVIDENCE: "warning",
    Status.MANUAL_REVIEW: "note",
    Status.WAIVED: "note",
}
# Findings that are not failures carry a SARIF kind and, as the spec requires, level "none".
KINDS: dict[Status, str] = {Status.PASS: "pass", Status.NOT_APPLICABLE: "notApplicable"}
OBLIGATION_LEVELS = {"shall": "error", "shall-not": "error", "should": "warning", "may": "note", "descriptive": "note"}
QUIET = frozenset({Status.PASS, Status.NOT_APPLICABLE})


def _message(text: str) -> dict[str, str]:
    return {"text": text}


def _rule(compiled: CompiledPolicy, lang: str) -> dict[str, Any]:
    policy = compiled.policy
    citation = f"{policy.standard} {policy.clause}"
    help_lines = [
        f"{citation}: {pick(policy.title, lang)}",
        "",
        pick(policy.requirement, lang, sep="\n"),
    ]
    original = (policy.text or {}).get("zh")
    if original and lang != "en":
        help_lines += ["", f"原文 / Original text: {original}"]
    if policy.interpretations:
        help_lines += ["", "Interpretations: " + ", ".join(policy.interpretations)]
    if compiled.params:
        help_lines += ["", "Parameters: " + ", ".join(f"{k} = {v}" for k, v in compiled.params.items())]
    changes = compiled.tailoring.changes if compiled.tailoring else ()
    for change in changes:
        help_lines.append(f"Profile {change.profile}: {pick(change_text(change, with_policy=False), lang)}")
    help_lines += ["", f"Policy file: {policy.source}"]
    return {
        "id": policy.id,
        "name": citation,
        "shortDescription": _message(pick(policy.title, lang)),
        "fullDescription": _message(pick(policy.requirement, lang, sep="\n")),
        "help": _message("\n".join(help_lines)),
        "defaultConfiguration": {"level": OBLIGATION_LEVELS.get(policy.obligation, "warning")},
        "properties": {
            "standard": policy.standard,
            "clause": policy.clause,
            "title": policy.title.to_json(),
            "requirement": policy.requirement.to_json(),
            "obligation": policy.obligation,
            "applies_to": policy.applies_to,
            "verification": policy.verification,
            "interpretations": list(policy.interpretations),
            "related": list(policy.related),
            "overrides": [change.to_json() for change in changes],
            "text_sha256": (policy.text or {}).get("sha256"),
            "tags": [policy.standard, policy.obligation, policy.verification]
                    + (["loosened-by-profile"] if any(c.loosened for c in changes) else []),
        },
    }


def _uri(path: str) -> str:
    """A URI reference for a file path: relative paths stay relative (to the working directory)."""
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path)


def _fingerprint(finding: Finding) -> str:
    key = f"{finding.policy_id}\t{finding.item or ''}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


BASELINE_STATES = {"new": "new", "changed": "updated", "existing": "unchanged"}


def _result(result: Result, finding: Finding, rule_index: int, lang: str) -> dict[str, Any]:
    uri = _uri(bundle_file(result))
    decided = [ref for ref in finding.evidence if ref.line is not None]
    first = decided[0] if decided else None
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": uri, "index": 0},
        "region": {"startLine": first.line, "startColumn": first.column or 1} if first else {"startLine": 1, "startColumn": 1},
    }}
    if first is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": first.path, "kind": "element"}]
    related: list[dict[str, Any]] = []
    for ref in decided[1:]:
        related.append({
            "id": len(related) + 1,
            "physicalLocation": {"artifactLocation": {"uri": uri, "index": 0},
                                 "region": {"startLine": ref.line, "startColumn": ref.column or 1}},
            "message": _message(f"{ref.path}" + (f": {ref.note}" if ref.note else "")),
        })
    policy_file, policy_line, policy_column = policy_location(result, finding)
    if policy_file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(policy_file)}}
        if policy_line is not None:
            physical["region"] = {"startLine": policy_line, "startColumn": policy_column or 1}
        related.append({"id": len(related) + 1, "physicalLocation": physical,
                        "message": _message(f"policy {finding.policy_id}")})
    status_word = pick(STATUS_WORDS[finding.status], lang)
    text = f"{finding.citation} [{status_word}] {pick(finding.title, lang)}: {pick(finding.message, lang, sep=' / ')}"
    if finding.waiver is not None:
        text += f" — {pick(waiver_text(finding.waiver, finding.original_status), lang)}"
    sarif: dict[str, Any] = {"ruleId": finding.policy_id, "ruleIndex": rule_index}
    if finding.status in KINDS:
        sarif["kind"] = KINDS[finding.status]
        sarif["level"] = "none"
    else:
        # A waived result keeps the level of what it was; the suppression says it was accepted.
        sarif["level"] = LEVELS[finding.original_status or finding.status]
    sarif["message"] = _message(text)
    sarif["locations"] = [location]
    if related:
        sarif["relatedLocations"] = related
    sarif["partialFingerprints"] = {"ecsCheckFinding/v1": _fingerprint(finding)}
    baseline = getattr(result, "baseline", None)
    if baseline is not None:
        sarif["baselineState"] = BASELINE_STATES[baseline.mark(finding)]
    if finding.waiver is not None:
        waiver = finding.waiver
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": pick(waiver.justification, lang),
            "properties": {"waiver_id": waiver.id, "expires_on": waiver.expires_on, "approved_by": waiver.approved_by,
                           "approved_on": waiver.approved_on, "author": waiver.author},
        }
        if waiver.file:
            suppression["location"] = {"physicalLocation": {
                "artifactLocation": {"uri": _uri(waiver.file)},
                **({"region": {"startLine": waiver.line}} if waiver.line else {}),
            }}
        sarif["suppressions"] = [suppression]
    sarif["properties"] = {
        "status": finding.status.value,
        "citation": finding.citation,
        "standard": finding.standard,
        "clause": finding.clause,
        "item": finding.item,
        "verification": finding.verification,
        "message": finding.message.to_json(),
        "evidence": [ref.to_json() for ref in finding.evidence],
        "parameters": dict(finding.parameters),
        "facts": dict(finding.facts),
        "interpretations": list(finding.interpretations),
        "notes": [note.to_json() for note in finding.notes],
        "overrides": [change.to_json() for change in finding.overrides],
        "loosened": [change.name for change in finding.overrides if change.loosened],
        "original_status": finding.original_status.value if finding.original_status else None,
        "waiver": finding.waiver.to_json() if finding.waiver else None,
    }
    return sarif


def document(result: Result, options: dict[str, Any] | None = None) -> dict[str, Any]:
    options = options or {}
    lang = options.get("lang", "both")
    everything = bool(options.get("sarif_all"))
    policies = sorted(result.policy_set.policies, key=lambda c: c.policy.id)
    index = {compiled.policy.id: i for i, compiled in enumerate(policies)}
    bundle = result.bundle
    results = [
        _result(result, finding, index[finding.policy_id], lang)
        for finding in result.findings
        if everything or finding.status not in QUIET
    ]
    org = bundle.data["organization"]
    tailoring, waivers = tailoring_of(result), waivers_of(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(compiled, lang) for compiled in policies],
            }},
            "automationDetails": {
                "id": f"{TOOL_NAME}/{org['unified_social_credit_code']}/{bundle.period_start}_{bundle.period_end}/",
                "guid": run_uuid(result),
            },
            "artifacts": [{
                "location": {"uri": _uri(bundle_file(result))},
                "hashes": {"sha-256": bundle.document.sha256},
                "mimeType": "application/yaml" if bundle.document.format == "yaml" else "application/json",
            }],
            "invocations": [{"executionSuccessful": True}],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "provenance": provenance(result),
                "sarif_all": everything,
                "profile": tailoring.to_json(result.findings) if tailoring is not None else None,
                "waivers": waivers.to_json() if waivers is not None else None,
            },
        }],
    }


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    return json.dumps(document(result, options), ensure_ascii=False, indent=2) + "\n"
