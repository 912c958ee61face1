"""The JSON result, documented by schemas/findings.schema.json.

`schema_version` changes whenever the document's shape does: a new optional
field raises the minor number, a removed or changed field the major one.
"""

from __future__ import annotations

import json
from typing import Any

from checker import __version__
from checker.engine import Result
from checker.findings import summarize
from checker.reporters.common import provenance, tailoring_of, waivers_of

SCHEMA_VERSION = "1.5"


def document(result: Result) -> dict[str, Any]:
    bundle = result.bundle
    org = bundle.data["organization"]
    policy_set = result.policy_set
    tailoring, waivers = tailoring_of(result), waivers_of(result)
    baseline = getattr(result, "baseline", None)
    findings = [finding.to_json() for finding in result.findings]
    if baseline is not None:
        for finding, data in zip(result.findings, findings, strict=True):
            data["baseline"] = baseline.mark(finding)
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ecs-check", "version": __version__},
        "as_of": bundle.as_of.isoformat(),
        "bundle": {
            "path": bundle.file_name,
            "sha256": bundle.document.sha256,
            "format": bundle.document.format,
            "organization": {
                "name": org["name"],
                "unified_social_credit_code": org["unified_social_credit_code"],
                "role": org["role"],
            },
            "period": {"start": bundle.period_start.isoformat(), "end": bundle.period_end.isoformat()},
            "time_zone": bundle.tz_name,
            "attachments": [
                {"path": a.path, "sha256": a.declared_sha256, "actual_sha256": a.actual_sha256, "status": a.status}
                for a in bundle.attachments.values()
            ],
        },
        "policy_set": {
            "count": len(policy_set.policies),
            "sha256": policy_set.sha256,
            "roots": list(policy_set.roots),
            "overrides": [{"policy_id": o.policy_id, "winner": o.winner, "replaced": o.replaced} for o in policy_set.overrides],
        },
        "standards": list(result.standards),
        "profile": tailoring.to_json(result.findings) if tailoring is not None else None,
        "waivers": waivers.to_json() if waivers is not None else None,
        "provenance": provenance(result),
        "summary": summarize(result.findings),
        "grade": result.grade.to_json() if getattr(result, "grade", None) is not None else None,
        "findings": findings,
    }
    if baseline is not None:
        document["baseline"] = baseline.to_json(result.findings)
    return document


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    return json.dumps(document(result), ensure_ascii=False, indent=2) + "\n"
