"""OSCAL assessment results (JSON, OSCAL 1.1), for OSCAL tooling and GRC systems.

One result for the run. Each finding of the checker (a clause or a lettered
item) is an OSCAL observation whose method says how it was verified
(automated -> TEST, document -> EXAMINE, attestation -> INTERVIEW) and whose
relevant evidence points at the bundle, listed with its SHA-256 in the back
matter. An attestation is a statement by a person (INTERVIEW); when that
person examined documents or records (document review, sampling,
observation) the observation is also EXAMINE. Each clause is an OSCAL
finding whose target status is satisfied when its worst item is pass or
not_applicable, and not-satisfied otherwise: a waived finding is still
not satisfied, its waiver (id, expiry, original status) given in props and
remarks. The exact status is kept in a property. The profile and waivers
files are back-matter resources with their SHA-256, the profile's
exclusions are excluded controls, and each parameter the profile set is a
prop of the observations it affects (loosened ones in class "loosened").
The NJ-ECCS grade is a property of the result: the grade (AAA to AAAAA),
"withheld" (不予评级: a prerequisite row is not met), "none" (无等级: the
score is below AAA) or "not-graded" (the run has no grade).

There is no OSCAL assessment plan: `import-ap` names the policy set by its
digest, which fixes what was assessed. Every uuid is derived from the run's
inputs and every timestamp from the as-of date, so the document is
reproducible byte for byte.
"""

from __future__ import annotations

import json
import re
from typing import Any

from checker import __version__
from checker.engine import Result
from checker.findings import Finding, Status, worst
from checker.profiles import overruled
from checker.reporters.common import (
    STATUS_WORDS,
    TOOL_NAME,
    as_of_instant,
    bundle_file,
    derived_uuid,
    evaluated_standards,
    grouped_by_policy,
    period_start_instant,
    pick,
    run_uuid,
    standard_texts,
    tailoring_of,
    waiver_text,
    waivers_of,
)
from checker.reporters.grading import NO_GRADE, grade_of

OSCAL_VERSION = "1.1.2"
NS = "urn:ecs-check:oscal"
METHODS = {"automated": "TEST", "document": "EXAMINE", "attestation": "INTERVIEW"}
SATISFIED = frozenset({Status.PASS, Status.NOT_APPLICABLE})
# How the attester worked -> the OSCAL method that adds to INTERVIEW (the attestation itself).
ATTESTATION_METHODS = {"document_review": "EXAMINE", "sampling": "EXAMINE", "observation": "EXAMINE", "interview": "INTERVIEW"}
REASONS = {Status.PASS: "pass", Status.FAIL: "fail"}
PARAGRAPH = "\n\n"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def token(text: str) -> str:
    """An OSCAL token (letters, digits, '.', '-', '_', starting with a letter) for an id."""
    value = _NOT_TOKEN.sub("_", text)
    return value if value[:1].isalpha() else f"id_{value}"


def _prop(name: str, value: Any, **extra: str) -> dict[str, Any]:
    return {"name": name, "ns": NS, "value": str(value), **extra}


def _time(value: Any) -> str:
    return value.isoformat()


def _observation(result: Result, finding: Finding, bundle_resource: str) -> dict[str, Any]:
    bundle = bundle_file(result)
    evidence = []
    for ref in finding.evidence:
        where = f"{bundle}:{ref.line}:{ref.column}" if ref.line is not None else bundle
        item: dict[str, Any] = {
            "href": f"#{bundle_resource}",
            "description": f"{where} {ref.path}" + (f" — {ref.note}" if ref.note else ""),
            "props": [_prop("json-path", ref.path)],
        }
        if ref.line is not None:
            item["props"] += [_prop("line", ref.line), _prop("column", ref.column or 1)]
        evidence.append(item)
    if not evidence:
        evidence.append({
            "href": f"#{bundle_resource}",
            "description": f"{bundle}: {pick(finding.message, 'en')}",
        })
    props = [
        _prop("status", finding.status.value),
        _prop("policy-id", finding.policy_id),
        _prop("verification", finding.verification),
    ] + [_prop("interpretation", i) for i in finding.interpretations]
    for change in finding.overrides:
        props.append(_prop("parameter-override", f"{change.name}={change.value}",
                           **{"class": "loosened" if change.loosened else change.direction},
                           remarks=f"profile {change.profile}: default {change.default}; {pick(change.reason, 'both')}"))
    description = f"{pick(STATUS_WORDS[finding.status], 'both')}: {pick(finding.message, 'both', sep=PARAGRAPH)}"
    if finding.waiver is not None:
        waiver = finding.waiver
        assert finding.original_status is not None
        props += [_prop("original-status", finding.original_status.value), _prop("waiver-id", waiver.id),
                  _prop("waiver-expires", waiver.expires_on)]
        description += PARAGRAPH + pick(waiver_text(waiver, finding.original_status), "both", sep=PARAGRAPH)
    return {
        "uuid": derived_uuid(result, "observation", finding.policy_id, finding.item or ""),
        "title": f"{finding.citation} {pick(finding.title, 'both')}",
        "description": description,
        "props": props,
        "methods": methods(finding),
        "types": ["finding"],
        "relevant-evidence": evidence,
        "collected": _time(as_of_instant(result)),
    }


def methods(finding: Finding) -> list[str]:
    """TEST, EXAMINE or INTERVIEW; an accepted attestation adds the method its attester used."""
    found = [METHODS.get(finding.verification, "TEST")]
    for key, value in sorted(finding.facts.items()):
        if key.rsplit(".", 1)[-1] == "attestation_method" and value in ATTESTATION_METHODS:
            extra = ATTESTATION_METHODS[value]
            if extra not in found:
                found.append(extra)
    return found


def _finding(result: Result, policy_id: str, findings: tuple[Finding, ...]) -> dict[str, Any]:
    first = findings[0]
    status = worst(f.status for f in findings)
    citation = f"{first.standard} {first.clause}"
    compiled = result.policy_set.by_id().get(policy_id)
    title = compiled.policy.title if compiled else first.title
    lines = [f"{f.citation}: {pick(STATUS_WORDS[f.status], 'both')} — {pick(f.message, 'both')}" for f in findings]
    target_status: dict[str, Any] = {
        "state": "satisfied" if status in SATISFIED else "not-satisfied",
        "reason": REASONS.get(status, "other"),
    }
    if status not in REASONS:
        target_status["remarks"] = pick(STATUS_WORDS[status], "both")
    waived = [f for f in findings if f.waiver is not None]
    if waived:
        target_status["remarks"] = "\n".join(
            [target_status.get("remarks", pick(STATUS_WORDS[status], "both"))]
            + [f"{f.citation}: {pick(waiver_text(f.waiver, f.original_status), 'both')}" for f in waived if f.waiver])
    return {
        "uuid": derived_uuid(result, "finding", policy_id),
        "title": f"{citation} {pick(title, 'both')}",
        "description": "\n\n".join(lines),
        "props": [_prop("status", status.value), _prop("standard", first.standard), _prop("clause", first.clause)],
        "target": {
            "type": "objective-id",
            "target-id": token(policy_id),
            "title": citation,
            "status": target_status,
        },
        "related-observations": [
            {"observation-uuid": derived_uuid(result, "observation", f.policy_id, f.item or "")} for f in findings
        ],
    }


def _grade_props(result: Result) -> tuple[list[dict[str, Any]], str | None]:
    grade = grade_of(result)
    if grade is None:
        return [_prop("nj-eccs-grade", "not-graded")], "未评级：本次运行没有 NJ-ECCS 评级。 Not graded: this run has no NJ-ECCS grade."
    props = [_prop("nj-eccs-grade", grade.outcome)]
    if grade.score is not None:
        props.append(_prop("nj-eccs-score", grade.score))
    if grade.withheld and grade.score_grade:
        props.append(_prop("nj-eccs-score-grade", grade.score_grade))
    for group in grade.groups:
        props.append(_prop("nj-eccs-indicator-points", group.points, **{"class": token(group.key)},
                           remarks=f"{pick(group.name, 'both')}: {group.points} / {group.max_points}"))
    if grade.model_sha256:
        props.append(_prop("scoring-model-sha256", grade.model_sha256))
    remarks = "; ".join(pick(reason, "both") for reason in grade.reasons) or None
    if grade.outcome == NO_GRADE:
        remarks = f"无等级：得分 {grade.score} 低于 AAA。 No grade: the score {grade.score} is below AAA."
    return props, remarks


def _reviewed(result: Result) -> dict[str, Any]:
    tailoring = tailoring_of(result)
    if tailoring is None:
        return {"description": f"Every policy in the policy set {result.policy_set.sha256}.",
                "control-selections": [{"include-all": {}}]}
    selection: dict[str, Any] = {"include-all": {}}
    if tailoring.excluded:
        selection["exclude-controls"] = [{"control-id": token(e.policy_id)} for e in tailoring.excluded]
    return {"description": f"The policies of the policy set {result.policy_set.sha256} that profile {tailoring.id} "
                           f"(SHA-256 {tailoring.sha256}) selects.",
            "control-selections": [selection]}


def document(result: Result, options: dict[str, Any] | None = None) -> dict[str, Any]:
    bundle = result.bundle
    org = bundle.data["organization"]
    groups = grouped_by_policy(result.findings)
    bundle_resource = derived_uuid(result, "resource", "bundle")
    party = derived_uuid(result, "party", "organization")
    grade_props, grade_remarks = _grade_props(result)
    tailoring, waivers = tailoring_of(result), waivers_of(result)
    if tailoring is not None:
        grade_props += [_prop("profile", tailoring.id), _prop("profile-sha256", tailoring.sha256)]
    if waivers is not None:
        grade_props += [_prop("waivers-sha256", waivers.sha256)]
    resources: list[dict[str, Any]] = [{
        "uuid": bundle_resource,
        "title": "Evidence bundle",
        "props": [_prop("format", bundle.document.format)],
        "rlinks": [{"href": bundle_file(result), "hashes": [{"algorithm": "SHA-256", "value": bundle.document.sha256}]}],
    }]
    for attachment in bundle.attachments.values():
        resource: dict[str, Any] = {
            "uuid": derived_uuid(result, "resource", "attachment", attachment.path),
            "title": f"Attachment {attachment.path}",
            "props": [_prop("attachment-status", attachment.status)],
        }
        link: dict[str, Any] = {"href": attachment.path}
        if attachment.actual_sha256:
            link["hashes"] = [{"algorithm": "SHA-256", "value": attachment.actual_sha256}]
        resource["rlinks"] = [link]
        resources.append(resource)
    if tailoring is not None:
        over = len(overruled(result.findings))
        resources.append({
            "uuid": derived_uuid(result, "resource", "profile"),
            "title": f"Profile {tailoring.id}",
            "description": f"{pick(tailoring.title, 'both')}: {len(tailoring.changes)} parameters set "
                           f"({len(tailoring.loosened)} loosened), {len(tailoring.excluded)} policies excluded, "
                           f"{len(tailoring.not_applicable)} declared not applicable"
                           + (f" ({over} of them over fail or insufficient evidence, counted as loosened)." if over else "."),
            "props": [_prop("profile-id", tailoring.id)],
            "rlinks": [{"href": tailoring.file, "hashes": [{"algorithm": "SHA-256", "value": tailoring.sha256}]}],
        })
    if waivers is not None:
        counts = waivers.counts()
        resources.append({
            "uuid": derived_uuid(result, "resource", "waivers"),
            "title": "Waivers",
            "description": ", ".join(f"{n} {state}" for state, n in counts.items()) + ": "
                           + "; ".join(f"{o.waiver.id} {o.state}, expires {o.waiver.expires_on}" for o in waivers.outcomes),
            "props": [_prop(f"waivers-{state.replace('_', '-')}", n) for state, n in counts.items()],
            "rlinks": [{"href": waivers.file, "hashes": [{"algorithm": "SHA-256", "value": waivers.sha256}]}],
        })
    for entry in standard_texts(result):
        if entry["sha256"] is None:
            continue
        resources.append({
            "uuid": derived_uuid(result, "resource", "standard-text", str(entry["standard"])),
            "title": f"Standard text {entry['standard']}",
            "description": f"The text of {entry['standard']} the policies quote and pin, as shipped with {TOOL_NAME}.",
            "props": [_prop("standard", str(entry["standard"]))],
            "rlinks": [{"href": str(entry["file"]), "hashes": [{"algorithm": "SHA-256", "value": entry["sha256"]}]}],
        })
    resources.append({
        "uuid": derived_uuid(result, "resource", "policy-set"),
        "title": "Policy set",
        "description": f"{len(result.policy_set.policies)} policies from {', '.join(result.policy_set.roots)}; "
                       f"SHA-256 {result.policy_set.sha256}",
        "props": [_prop("policy-set-sha256", result.policy_set.sha256)],
    })
    result_doc: dict[str, Any] = {
        "uuid": derived_uuid(result, "result"),
        "title": f"{org['name']} {bundle.period_start}—{bundle.period_end}",
        "description": (f"Evaluation of {org['name']} ({org['role']}) against {', '.join(evaluated_standards(result))} "
                        f"for {bundle.period_start} to {bundle.period_end}, as of {bundle.as_of}, by {TOOL_NAME} {__version__}."),
        "start": _time(period_start_instant(result)),
        "end": _time(as_of_instant(result)),
        "props": grade_props,
        "reviewed-controls": _reviewed(result),
        "observations": [_observation(result, f, bundle_resource) for f in result.findings],
        "findings": [_finding(result, policy_id, findings) for policy_id, findings in groups],
    }
    if grade_remarks:
        result_doc["remarks"] = grade_remarks
    if not result_doc["observations"]:
        del result_doc["observations"]
        del result_doc["findings"]
    return {
        "assessment-results": {
            "uuid": run_uuid(result),
            "metadata": {
                "title": f"电子商务客户服务合规评价结果 / E-commerce customer service assessment results: {org['name']}",
                "last-modified": _time(as_of_instant(result)),
                "version": f"{bundle.as_of.isoformat()}+{bundle.document.sha256[:12]}",
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("tool", f"{TOOL_NAME} {__version__}")],
                "parties": [{
                    "uuid": party,
                    "type": "organization",
                    "name": org["name"],
                    "props": [_prop("unified-social-credit-code", org["unified_social_credit_code"]),
                              _prop("role", org["role"])],
                }],
            },
            "import-ap": {
                "href": f"urn:ecs-check:policy-set:sha256:{result.policy_set.sha256}",
                "remarks": "No separate assessment plan: the policy set, identified by its digest, is the plan.",
            },
            "results": [result_doc],
            "back-matter": {"resources": resources},
        }
    }


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    return json.dumps(document(result, options), ensure_ascii=False, indent=2) + "\n"
