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
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.engine import Result
from checker.findings import AppliedWaiver, Finding, ParameterChange, Status, Text
from checker.reporters.grading import grade_of

if TYPE_CHECKING:
    from checker.profiles import Tailoring
    from checker.waivers import WaiverReport

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


def tailoring_of(result: Result) -> Tailoring | None:
    """The profile applied to the run, if any (read leniently, as results built elsewhere may lack it)."""
    return getattr(result.policy_set, "tailoring", None)


def waivers_of(result: Result) -> WaiverReport | None:
    """What became of each waiver of the run, if any."""
    return getattr(result, "waivers", None)


def run_key(result: Result) -> str:
    """The inputs that fix a run's findings and grade, as one string."""
    bundle = result.bundle
    parts = [
        f"bundle={bundle.document.sha256}",
        f"policy_set={result.policy_set.sha256}",
        f"as_of={bundle.as_of.isoformat()}",
        f"standards={','.join(sorted(result.standards))}",
    ]
    tailoring, waivers = tailoring_of(result), waivers_of(result)
    if tailoring is not None:
        parts.append(f"profile={tailoring.sha256}")
    if waivers is not None:
        parts.append(f"waivers={waivers.sha256}")
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
    return texts_of(evaluated_standards(result))


def texts_of(standards: Iterable[str]) -> list[dict[str, str | None]]:
    """`standard_texts` entries for the given standards, in the order given: what every output carries."""
    from checker.standards import standard_text, to_json

    return [to_json(standard_text(standard), standard) for standard in standards]


def provenance(result: Result) -> dict[str, Any]:
    """What a reader needs to reproduce the run: the digest of every input and the tool."""
    bundle = result.bundle
    grade = grade_of(result)
    waivers = waivers_of(result)
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
        "profile": profile_ref(result),
        "waivers": {"file": waivers.file, "sha256": waivers.sha256} if waivers is not None else None,
        "standards": list(result.standards),
        "standard_texts": standard_texts(result),
    }


def profile_ref(result: Result) -> dict[str, str] | None:
    tailoring = tailoring_of(result)
    return {"id": tailoring.id, "file": tailoring.file, "sha256": tailoring.sha256} if tailoring is not None else None


DIRECTION_WORDS: dict[str, Text] = {
    "stricter": Text("从严", "stricter"),
    "unchanged": Text("未变", "unchanged"),
    "looser": Text("放宽", "LOOSENED"),
    "unranked": Text("放宽（方向未声明）", "LOOSENED (direction not declared)"),
}

WAIVER_STATE_WORDS: dict[str, Text] = {
    "active": Text("有效", "active"),
    "expired": Text("已到期", "expired"),
    "not_yet_effective": Text("尚未生效", "not yet effective"),
    "orphaned": Text("无对象", "orphaned"),
}


def change_text(change: ParameterChange, with_policy: bool = True) -> Text:
    """`db33-t-2039-2017/4.2 min_hours_per_day: 8 -> 12 (stricter): reason`, in both languages."""
    words = DIRECTION_WORDS[change.direction]
    head = f"{change.policy_id + ' ' if with_policy else ''}{change.name}: {change.default} -> {change.value}"
    return Text(f"{head}（{words.zh}）：{change.reason.zh}", f"{head} ({words.en}): {change.reason.en}")


def waiver_text(waiver: AppliedWaiver, original: Status | None) -> Text:
    """`waived by W-1 until 2026-03-31 (was fail; approved by ...): justification`."""
    was = STATUS_WORDS[original] if original is not None else Text("", "")
    return Text(
        f"已由豁免 {waiver.id} 豁免至 {waiver.expires_on}（原结论：{was.zh}；{waiver.approved_by} 于 {waiver.approved_on} 批准）：{waiver.justification.zh}",
        f"waived by {waiver.id} until {waiver.expires_on} (was {was.en}; approved by {waiver.approved_by} on "
        f"{waiver.approved_on}): {waiver.justification.en}",
    )


def finding_change_text(change: ParameterChange) -> Text:
    """A profile change as shown under a finding: `profile P: name 8 -> 6 (LOOSENED): reason`."""
    text = change_text(change, with_policy=False)
    return Text(f"配置文件 {change.profile}：{text.zh}", f"profile {change.profile}: {text.en}")


def profile_lines(result: Result) -> list[Text]:
    """What the profile did, one line each: header, parameters (loosened flagged), exclusions, declarations."""
    tailoring = tailoring_of(result)
    if tailoring is None:
        return []
    lines = [Text(
        f"配置文件 {tailoring.id}（{tailoring.title.zh}）：{tailoring.file}，SHA-256 {tailoring.sha256}",
        f"profile {tailoring.id} ({tailoring.title.en}): {tailoring.file}, SHA-256 {tailoring.sha256}",
    )]
    for change in tailoring.changes:
        text = change_text(change)
        lines.append(Text("参数 " + text.zh, "parameter " + text.en))
    for exclusion in tailoring.excluded:
        lines.append(Text(f"未检查 {exclusion.policy_id}：{exclusion.reason.zh}", f"excluded {exclusion.policy_id}: {exclusion.reason.en}"))
    over = overruled_by_declaration(result)
    for declared in tailoring.not_applicable:
        flag = over.get((declared.policy_id, declared.item))
        lines.append(Text(f"声明不适用 {declared.policy_id}{declared.citation_suffix}：{declared.justification.zh}"
                          + (f"（放宽：{flag.zh}）" if flag else ""),
                          f"not applicable {declared.policy_id}{declared.citation_suffix}: {declared.justification.en}"
                          + (f" (LOOSENED: {flag.en})" if flag else "")))
    return lines


def overruled_by_declaration(result: Result) -> dict[tuple[str, str | None], Text]:
    """For each declaration that covered failing evidence, keyed by (policy, item or None), what the evidence gave:
    `the evidence gave fail`, or for a whole clause `the evidence gave a) fail, c) insufficient evidence`."""
    from checker.profiles import overruled

    tailoring = tailoring_of(result)
    if tailoring is None:
        return {}
    whole = {d.policy_id for d in tailoring.not_applicable if d.item is None}
    gave: dict[tuple[str, str | None], list[tuple[str, Text]]] = {}
    for finding in overruled(result.findings):
        assert finding.original_status is not None
        key = (finding.policy_id, None if finding.policy_id in whole else finding.item)
        gave.setdefault(key, []).append((finding.item or "", STATUS_WORDS[finding.original_status]))
    return {key: Text("证据的结论为" + "，".join(f"{item} {word.zh}".strip() for item, word in entries),
                      "the evidence gave " + ", ".join(f"{item} {word.en}".strip() for item, word in entries))
            for key, entries in gave.items()}


def waiver_lines(result: Result) -> list[Text]:
    """Every waiver with its state and expiry, one line each, after a header line."""
    report = waivers_of(result)
    if report is None:
        return []
    counts = report.counts()
    lines = [Text(
        f"豁免文件 {report.file}，SHA-256 {report.sha256}：有效 {counts['active']}，已到期 {counts['expired']}，"
        f"尚未生效 {counts['not_yet_effective']}，无对象 {counts['orphaned']}",
        f"waivers {report.file}, SHA-256 {report.sha256}: {counts['active']} active, {counts['expired']} expired, "
        f"{counts['not_yet_effective']} not yet effective, {counts['orphaned']} orphaned",
    )]
    for outcome in report.outcomes:
        w = outcome.waiver
        state = WAIVER_STATE_WORDS[outcome.state]
        waived = ", ".join(outcome.findings)
        lines.append(Text(
            f"{w.id} [{state.zh}] {w.target}，{w.expires_on} 到期：{outcome.reason.zh}" + (f"；豁免 {waived}" if waived else ""),
            f"{w.id} [{state.en}] {w.target}, expires {w.expires_on}: {outcome.reason.en}" + (f"; waives {waived}" if waived else ""),
        ))
    return lines
