"""Evaluate compiled policies against a bundle: one finding per clause or item."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.bundle import Bundle
from checker.context import EvalContext
from checker.findings import EvidenceRef, Finding, Status, Text, sort_findings
from checker.operators import Outcome
from checker.paths import render
from checker.policy import CompiledCheck, CompiledPolicy, PolicySet

if TYPE_CHECKING:
    from checker.scoring import Grade

ROLE_WORDS = {"platform": Text("电子商务第三方平台", "platforms"), "operator": Text("电子商务经营者", "operators")}


@dataclass(frozen=True)
class Result:
    """Everything a reporter renders; reporters never evaluate."""

    findings: tuple[Finding, ...]
    bundle: Bundle
    policy_set: PolicySet
    standards: tuple[str, ...]
    grade: Grade | None = None  # the NJ-ECCS grade (checker.scoring), when NJ-ECCS was checked


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
        applies = check.applies_if(ctx)(ctx.data)
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
    policy_condition = compiled.applies_if(ctx)(ctx.data) if compiled.applies_if is not None and role_ok else True
    for check in compiled.checks:
        ctx.instants.naive_reads = 0
        if not role_ok:
            outcome = _not_applicable_for_role(policy.applies_to, bundle.role)
        elif policy_condition is False:
            outcome = Outcome(Status.NOT_APPLICABLE, Text("本条的适用条件不成立", "the condition for this clause does not hold for the organization"))
        elif policy_condition is None:
            outcome = Outcome(Status.INSUFFICIENT_EVIDENCE, Text("缺少判断本条是否适用的数据", "the bundle lacks the data to tell whether this clause applies"))
        else:
            outcome = _run(check, ctx, debug)
        notes = list(outcome.notes)
        if ctx.instants.naive_reads:
            notes.append(Text(
                f"{ctx.instants.naive_reads} 个时间未带时区偏移，按 {bundle.tz_name} 解读",
                f"{ctx.instants.naive_reads} timestamps without a UTC offset were read in {bundle.tz_name}",
            ))
        item = check.item
        verification = (item.verification if item and item.verification else None) or policy.verification
        findings.append(Finding(
            policy_id=policy.id,
            standard=policy.standard,
            clause=policy.clause,
            item=item.item if item else None,
            title=item.title if item else policy.title,
            status=outcome.status,
            obligation=policy.obligation,
            applies_to=policy.applies_to,
            verification=verification,
            message=outcome.message,
            evidence=_evidence(bundle, outcome),
            parameters=compiled.params,
            interpretations=policy.interpretations,
            related=policy.related,
            facts=_plain(outcome.facts),
            notes=tuple(notes),
            policy_file=policy.source,
        ))
    return findings


def _evidence(bundle: Bundle, outcome: Outcome) -> tuple[EvidenceRef, ...]:
    refs = []
    seen = set()
    for path, note in outcome.evidence:
        key = (path, note)
        if key in seen:
            continue
        seen.add(key)
        file_name, line, col = bundle.cite(path)
        refs.append(EvidenceRef(render(path), file_name, line, col, note))
    return tuple(refs)


def _plain(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON-safe, deterministic values."""
    out: dict[str, Any] = {}
    for key in sorted(facts):
        value = facts[key]
        if isinstance(value, float):
            value = round(value, 4)
        out[key] = value
    return out


def evaluate(policy_set: PolicySet, bundle: Bundle, standards: Iterable[str] = ("all",), debug: bool = False) -> Result:
    from checker.evidence import check_evidence

    check_evidence(policy_set.policies, bundle)
    ctx = bundle.context()
    findings: list[Finding] = []
    for compiled in policy_set.policies:
        findings.extend(evaluate_policy(compiled, bundle, ctx, debug))
    return Result(sort_findings(findings), bundle, policy_set, tuple(standards))
