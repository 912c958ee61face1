"""Evaluate compiled policies against a bundle: one finding per clause or item."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.bundle import Bundle
from checker.cited import Digests
from checker.context import EvalContext
from checker.errors import printable
from checker.findings import EvidenceRef, Finding, Status, Text, sort_findings
from checker.operators import Outcome
from checker.paths import render
from checker.policy import CompiledCheck, CompiledPolicy, PolicySet
from checker.trace import Trace

if TYPE_CHECKING:
    from checker.scoring import Grade
    from checker.waivers import WaiverFile, WaiverReport

ROLE_WORDS = {"platform": Text("电子商务第三方平台", "platforms"), "operator": Text("电子商务经营者", "operators")}


@dataclass(frozen=True)
class Result:
    """Everything a reporter renders; reporters never evaluate."""

    findings: tuple[Finding, ...]
    bundle: Bundle
    policy_set: PolicySet
    standards: tuple[str, ...]
    grade: Grade | None = None  # the NJ-ECCS grade (checker.scoring), when NJ-ECCS was checked
    waivers: WaiverReport | None = None  # every waiver of --waivers and what became of it
    baseline: Any = None  # a checker.baseline.Baseline when run with --baseline: each finding marked new/changed/existing


def _role_applies(applies_to: str, role: str) -> bool:
    return applies_to in ("both", "enterprise") or applies_to == role


def _not_applicable_for_role(policy_applies_to: str, role: str) -> Outcome:
    who = ROLE_WORDS[policy_applies_to]
    org = ROLE_WORDS[role]
    return Outcome(
        Status.NOT_APPLICABLE,
        Text(f"本条仅适用于{who.zh}，被评价组织为{org.zh}", f"this clause applies to {who.en} only; the organization is one of the {org.en}"),
    )


def _run(check: CompiledCheck, ctx: EvalContext, debug: bool) -> Outcome:
    item = check.item
    if item is not None and item.out_of_scope is not None:
        return Outcome(Status.NOT_APPLICABLE, Text(f"不在检查范围内：{item.out_of_scope.zh}", f"out of scope: {item.out_of_scope.en}"))
    if check.applies_if is not None:
        if ctx.trace is not None:
            ctx.trace.phase = "applies_if"
        applies = check.applies_if(ctx)(ctx.data)
        if ctx.trace is not None:
            ctx.trace.phase = None
        if applies is False:
            return Outcome(Status.NOT_APPLICABLE, Text("本项的适用条件不成立", "the condition for this item does not hold for the organization"))
        if applies is None:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text("缺少判断本项是否适用的数据", "the bundle lacks the data to tell whether this item applies"))
    assert check.rule is not None
    try:
        return check.rule(ctx)
    except Exception as err:  # an internal error is reported as such, never as compliance
        if debug:
            raise
        where = traceback.extract_tb(err.__traceback__)[-1]
        return Outcome(
            Status.ERROR,
            Text(f"评估时发生内部错误：{type(err).__name__}: {err}",
                 f"internal error while evaluating: {type(err).__name__}: {err} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"),
        )


def evaluate_policy(compiled: CompiledPolicy, bundle: Bundle, ctx: EvalContext, debug: bool = False) -> list[Finding]:
    policy = compiled.policy
    findings = []
    role_ok = _role_applies(policy.applies_to, bundle.role)
    trace = ctx.trace
    if trace is not None:
        trace.compare("organization.role", bundle.role, "applies_to", policy.applies_to, role_ok, ("organization", "role"))
        trace.phase = "applies_if"
    policy_condition = compiled.applies_if(ctx)(ctx.data) if compiled.applies_if is not None and role_ok else True
    tailoring = compiled.tailoring
    if trace is not None:
        trace.phase = None
    for check in compiled.checks:
        if trace is not None:
            trace.begin_check(check.item.item if check.item else None)
        ctx.instants.naive_reads = 0
        ctx.instants.naive_read.clear()
        declared = tailoring.declared(check.item.item if check.item else None) if tailoring else None
        original: Status | None = None
        if not role_ok:
            outcome = _not_applicable_for_role(policy.applies_to, bundle.role)
        elif policy_condition is False:
            outcome = Outcome(Status.NOT_APPLICABLE, Text("本条的适用条件不成立", "the condition for this clause does not hold for the organization"))
        elif policy_condition is None:
            outcome = Outcome(Status.INSUFFICIENT_EVIDENCE, Text("缺少判断本条是否适用的数据", "the bundle lacks the data to tell whether this clause applies"))
        else:
            outcome = _run(check, ctx, debug)
        if role_ok and declared is not None:
            assert tailoring is not None
            original = outcome.status
            outcome = _declared(outcome, tailoring.profile, declared)
        notes = list(outcome.notes)
        if ctx.instants.naive_read:
            naive = len(ctx.instants.naive_read)
            notes.append(Text(
                f"{naive} 个时间未带时区偏移，按 {bundle.tz_name} 解读",
                f"{naive} timestamp{'s' if naive > 1 else ''} without a UTC offset {'were' if naive > 1 else 'was'} read in {bundle.tz_name}",
            ))
        item = check.item
        verification = (item.verification if item and item.verification else None) or policy.verification
        findings.append(Finding(
            policy_id=policy.id,
            standard=policy.standard,
            clause=policy.clause,
            item=item.item if item else None,
            title=_one_line(item.title if item else policy.title),
            status=outcome.status,
            obligation=policy.obligation,
            applies_to=policy.applies_to,
            verification=verification,
            message=_one_line(outcome.message),
            evidence=_evidence(bundle, outcome, ctx),
            parameters=compiled.params,
            interpretations=policy.interpretations,
            related=policy.related,
            facts=_plain(outcome.facts),
            notes=tuple(_one_line(note) for note in notes),
            policy_file=policy.source,
            overrides=tailoring.changes if tailoring else (),
            original_status=original,
        ))
        if trace is not None:
            trace.checks[-1].status = outcome.status
    return findings


_REPLACED_WORDS = {Status.FAIL: Text("不符合", "fail"),
                   Status.INSUFFICIENT_EVIDENCE: Text("证据不足", "insufficient evidence")}


def _declared(outcome: Outcome, profile: str, justification: Text) -> Outcome:
    """A profile's declaration over what the evidence gave (INT-081).

    The status becomes not_applicable; the evidence and facts the check
    cited stay, so the finding shows what the declaration set aside. When
    the evidence gave fail or insufficient_evidence, a note says the
    declaration replaced it (the run counts it as a loosening).
    """
    notes = list(outcome.notes)
    replaced = _REPLACED_WORDS.get(outcome.status)
    if replaced is not None:
        notes.insert(0, Text(
            f"配置文件 {profile} 的不适用声明取代了证据给出的结论（{replaced.zh}）：{outcome.message.zh}",
            f"profile {profile}'s declaration replaced what the evidence gave ({replaced.en}): {outcome.message.en}"))
    return Outcome(
        Status.NOT_APPLICABLE,
        Text(f"配置文件 {profile} 声明不适用：{justification.zh}",
             f"declared not applicable by profile {profile}: {justification.en}"),
        facts=outcome.facts, evidence=outcome.evidence, notes=notes)


def trace_policy(compiled: CompiledPolicy, bundle: Bundle, keep: int = 20) -> tuple[list[Finding], Trace]:
    """Evaluate one policy as `check` does, recording what each rule read, compared and decided.

    The same compiled rules run, with a collector in the context; nothing is
    evaluated a second way. `keep` caps the records kept per verdict that
    did not decide the outcome (every failing or undecided record is kept).
    """
    from checker.evidence import check_evidence

    check_evidence((compiled,), bundle)
    trace = Trace(keep)
    findings = evaluate_policy(compiled, bundle, bundle.context(trace))
    return findings, trace


def _evidence(bundle: Bundle, outcome: Outcome, ctx: EvalContext) -> tuple[EvidenceRef, ...]:
    """Each cited value once, located and digested (checker.cited)."""
    refs = []
    seen = set()
    if ctx.digests is None:
        ctx.digests = Digests(bundle)
    for path, note in outcome.evidence:
        key = (path, note)
        if key in seen:
            continue
        seen.add(key)
        file_name, line, col = bundle.cite(path)
        refs.append(EvidenceRef(render(path), file_name, line, col, printable(note) if note else note, ctx.digests(path)))
    return tuple(refs)


def _one_line(text: Text) -> Text:
    """A message as one plain line: bundle text it quotes cannot add lines or terminal codes to a report."""
    return Text(printable(text.zh), printable(text.en))


def _plain(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON-safe, deterministic values."""
    out: dict[str, Any] = {}
    for key in sorted(facts):
        value = facts[key]
        if isinstance(value, float):
            value = round(value, 4)
        out[key] = value
    return out


def evaluate(policy_set: PolicySet, bundle: Bundle, standards: Iterable[str] = ("all",), debug: bool = False,
             waivers: WaiverFile | None = None) -> Result:
    """Evaluate every policy of the set, then apply `waivers` (see checker.waivers)."""
    from checker.evidence import check_evidence
    from checker.profiles import check_role

    check_role(policy_set.tailoring, bundle.role, bundle.display)
    check_evidence(policy_set.policies, bundle)
    ctx = bundle.context()
    findings: list[Finding] = []
    for compiled in policy_set.policies:
        findings.extend(evaluate_policy(compiled, bundle, ctx, debug))
    report = None
    if waivers is not None:
        from checker.waivers import apply_waivers

        findings, report = apply_waivers(findings, waivers, bundle.as_of, policy_set)
    return Result(sort_findings(findings), bundle, policy_set, tuple(standards), waivers=report)
