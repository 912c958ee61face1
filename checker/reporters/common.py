"""What several formats share: stable ids, the as-of instant, provenance and wording.

Nothing here reads a clock or a random source: every id is a UUIDv5 of the
run's inputs (bundle digest, policy-set digest, as-of date, standards), and
every timestamp is derived from the bundle's as-of date.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from checker import __version__
from checker.engine import Result
from checker.findings import Finding, Status, Text
from checker.reporters.grading import grade_of

TOOL_NAME = "ecs-check"
# Fixed namespace for every id the reporters derive; changing it changes every id.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ecs-check:reports")

STATUS_WORDS: dict[Status, Text] = {
    Status.PASS: Text("符合", "pass"),
    Status.FAIL: Text("不符合", "fail"),
    Status.INSUFFICIENT_EVIDENCE: Text("证据不足", "insufficient evidence"),
    Status.MANUAL_REVIEW: Text("需人工评审", "manual review"),
    Status.NOT_APPLICABLE: Text("不适用", "not applicable"),
    Status.ERROR: Text("无法评估", "error"),
    Status.WAIVED: Text("已豁免", "waived"),
}

VERIFICATION_WORDS: dict[str, Text] = {
    "automated": Text("数据自动核验", "automated check of records"),
    "document": Text("文件核查", "document examination"),
    "attestation": Text("声明核验", "attestation"),
}


def run_key(result: Result) -> str:
    """The inputs that fix a run's findings and grade, as one string."""
    bundle = result.bundle
    parts = [
        f"bundle={bundle.document.sha256}",
        f"policy_set={result.policy_set.sha256}",
        f"as_of={bundle.as_of.isoformat()}",
        f"standards={','.join(sorted(result.standards))}",
    ]
    grade = grade_of(result)
    if grade is not None and grade.model_sha256:
        parts.append(f"scoring_model={grade.model_sha256}")
    return "\n".join(parts)


def run_uuid(result: Result) -> str:
    return str(uuid.uuid5(NAMESPACE, run_key(result)))


def derived_uuid(result: Result, *parts: str) -> str:
    """A UUID for one object of the run (an observation, a finding...), stable across runs."""
    return str(uuid.uuid5(NAMESPACE, run_key(result) + "\n" + "\n".join(parts)))


def as_of_instant(result: Result) -> dt.datetime:
    """The end of the as-of day in the bundle's time zone: when the evidence was judged."""
    bundle = result.bundle
    return dt.datetime.combine(bundle.as_of, dt.time(23, 59, 59), tzinfo=bundle.tz)


def period_start_instant(result: Result) -> dt.datetime:
    bundle = result.bundle
    return dt.datetime.combine(bundle.period_start, dt.time(0, 0, 0), tzinfo=bundle.tz)


def bundle_file(result: Result) -> str:
    """The bundle's main file as the command line named it (posix), e.g. `samples/acme/bundle.yaml`."""
    bundle = result.bundle
    path = PurePosixPath(bundle.directory.as_posix()) / bundle.file_name
    return path.as_posix()


def policy_location(result: Result, finding: Finding) -> tuple[str | None, int | None, int | None]:
    """The policy file, and the line of the rule that produced this finding."""
    compiled = result.policy_set.by_id().get(finding.policy_id)
    if compiled is None:
        return finding.policy_file, None, None
    policy = compiled.policy
    where: tuple[str | int, ...] = ("check", "rule")
    if finding.item is not None:
        for item in policy.items:
            if item.item == finding.item:
                where = ("check", "items", item.index)
    position = policy.document.locate(where) or policy.document.locate(("check",)) or (None, None)
    return policy.source, position[0], position[1]


def pick(text: Text | None, lang: str, sep: str = " / ") -> str:
    """One language, or both with Chinese first."""
    if text is None:
        return ""
    if lang == "zh":
        return text.zh or text.en
    if lang == "en":
        return text.en or text.zh
    if not text.zh or text.zh == text.en:
        return text.en
    if not text.en:
        return text.zh
    return f"{text.zh}{sep}{text.en}"


def evaluated_standards(result: Result) -> tuple[str, ...]:
    """The standards whose policies were evaluated, else the selection as given."""
    found = sorted({compiled.policy.standard for compiled in result.policy_set.policies})
    return tuple(found) if found else tuple(result.standards)


def grouped_by_policy(findings: Iterable[Finding]) -> list[tuple[str, tuple[Finding, ...]]]:
    """Findings grouped by policy (one group per clause), in report order."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.policy_id, []).append(finding)
    return [(policy_id, tuple(items)) for policy_id, items in groups.items()]


def standard_texts(result: Result) -> list[dict[str, str | None]]:
    """Each evaluated standard with the file and SHA-256 of its shipped text (null for a standard of one's own)."""
    from checker.standards import standard_text, to_json

    return [to_json(standard_text(standard), standard) for standard in evaluated_standards(result)]


def provenance(result: Result) -> dict[str, Any]:
    """What a reader needs to reproduce the run: the digest of every input and the tool."""
    bundle = result.bundle
    grade = grade_of(result)
    return {
        "run_id": run_uuid(result),
        "tool": {"name": TOOL_NAME, "version": __version__},
        "as_of": bundle.as_of.isoformat(),
        "bundle": {"path": bundle.file_name, "sha256": bundle.document.sha256},
        "attachments": [
            {"path": a.path, "sha256": a.actual_sha256, "declared_sha256": a.declared_sha256, "status": a.status}
            for a in bundle.attachments.values()
        ],
        "policy_set": {"sha256": result.policy_set.sha256, "roots": list(result.policy_set.roots),
                       "count": len(result.policy_set.policies)},
        "scoring_model": {"sha256": grade.model_sha256 if grade is not None else None},
        "standards": list(result.standards),
        "standard_texts": standard_texts(result),
    }
