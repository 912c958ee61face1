"""Every shipped policy's own test cases run here, one pytest case each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from checker.findings import SEVERITY, Status
from checker.fixtures import discover_cases, run_case
from checker.operators import OPERATORS
from checker.policy import CompiledPolicy, load_policy_set

POLICY_SET = load_policy_set()
CASES = [(compiled, case) for compiled in POLICY_SET.policies for case in discover_cases(compiled)]
POLICY_IDS = [c.policy.id for c in POLICY_SET.policies]

PASS, FAIL, INSUFFICIENT = Status.PASS, Status.FAIL, Status.INSUFFICIENT_EVIDENCE
NA, REVIEW, ERROR = Status.NOT_APPLICABLE, Status.MANUAL_REVIEW, Status.ERROR


@pytest.mark.parametrize(("compiled", "case"), CASES, ids=[f"{c.policy.id}/{k.name}" for c, k in CASES])
def test_policy_case(compiled, case):
    result = run_case(compiled, case)
    assert result.passed, "; ".join(result.problems)


# ------------------------------------------------------------------ which outcomes a policy can produce

# What a leaf operator can decide on its own. Operators that judge records, documents, attestations,
# audits or values can pass, fail, lack evidence, and (records) find nothing to judge; the others are
# listed with what they can give. A new operator must be added to one of these tables.
DECIDING = frozenset({
    "attestation", "audit", "compare", "count", "deadline", "document", "every", "includes", "linked", "matched",
    "per_person", "satisfies", "share", "weekly_coverage", "within_hours",
})
LEAVES: Mapping[str, frozenset[Status]] = {
    **{name: frozenset({PASS, FAIL, INSUFFICIENT, NA}) for name in DECIDING},
    "present": frozenset({PASS, INSUFFICIENT}),  # found, or missing; never a failure
    "manual": frozenset({REVIEW}),  # a person decides
}
COMBINATORS = frozenset({"all_of", "any_of", "first_of", "optional", "when", "kpi"})
_SEVERITY = {status: rank for rank, status in enumerate(SEVERITY)}  # 0 worst
_GOODNESS = {status: -rank for status, rank in _SEVERITY.items()} | {PASS: -100, NA: -99}  # lower is better


def _combined(parts: list[frozenset[Status]], rank: Mapping[Status, int]) -> frozenset[Status]:
    """What combining one outcome of each part by keeping the lowest `rank` can give (worst, or best)."""
    return frozenset(status for part in parts for status in part
                     if all(any(rank[other] >= rank[status] for other in others) for others in parts))


def rule_outcomes(rule: Mapping[str, Any]) -> frozenset[Status]:
    """The statuses `rule` can give on some bundle (an over-estimate: parts are taken as independent)."""
    (name, args), = ((key, value) for key, value in rule.items() if key in OPERATORS)
    if name in LEAVES:
        return LEAVES[name]
    if name == "kpi":  # without a limit it only says whether each indicator can be computed
        return frozenset({PASS, FAIL, INSUFFICIENT, NA}) if "op" in args else frozenset({PASS, INSUFFICIENT})
    if name == "optional":  # a permitted practice not shown is not_applicable, never a failure
        inner = rule_outcomes(args["rule"])
        missing = INSUFFICIENT if args.get("if_missing") == INSUFFICIENT.value and INSUFFICIENT in inner else NA
        return frozenset({NA} | (inner & {PASS, NA, REVIEW}) | {missing})
    if name == "when":
        return frozenset({NA, INSUFFICIENT}).union(*(rule_outcomes(case["then"]) for case in args))
    parts = [rule_outcomes(part) for part in args]
    if name == "all_of":
        return _combined(parts, _SEVERITY)
    if name == "any_of":
        return _combined(parts, _GOODNESS)
    assert name == "first_of", f"operator {name} is not known to rule_outcomes"
    out: set[Status] = set()
    for index, part in enumerate(parts):  # part `index` decides when every earlier one lacks evidence
        if all(INSUFFICIENT in earlier for earlier in parts[:index]):
            out |= part - {INSUFFICIENT}
    if all(INSUFFICIENT in part for part in parts):
        out.add(INSUFFICIENT)
    return frozenset(out)


def policy_outcomes(compiled: CompiledPolicy) -> frozenset[Status]:
    """The overall statuses a policy can give: the worst of its items, or of its one rule."""
    policy = compiled.policy
    if "rule" in policy.check:
        parts = [rule_outcomes(policy.check["rule"])]
    else:
        parts = [
            frozenset({NA}) if item.rule is None
            else rule_outcomes(item.rule) | ({NA, INSUFFICIENT} if item.applies_if else frozenset())
            for item in policy.items
        ]
    out = set(_combined(parts, _SEVERITY))
    if policy.check.get("applies_if"):
        out |= {NA, INSUFFICIENT}
    if policy.applies_to in ("platform", "operator"):
        out.add(NA)
    return frozenset(out)


def expected_statuses(compiled: CompiledPolicy) -> set[Status]:
    return {Status(case.document.data["expect"]["status"]) for case in discover_cases(compiled)}


def required_statuses(outcomes: Iterable[Status]) -> list[Status]:
    outcomes = set(outcomes)
    best = PASS if PASS in outcomes else REVIEW
    return [best] + [status for status in (FAIL, INSUFFICIENT) if status in outcomes]


@pytest.mark.parametrize("compiled", POLICY_SET.policies, ids=POLICY_IDS)
def test_every_policy_has_a_case_for_each_outcome_it_can_give(compiled):
    """A policy has a case expecting pass, one expecting fail and one expecting insufficient_evidence.

    What a policy can give is read from its check, not from its obligation or verification: a
    "may" clause still fails when the practice it uses is recorded wrongly (DB33 7.5.2.2: a complaint
    sent for testing with no testing body), and a descriptive list still fails on a missing item
    (DB33 6.1.x). So:

    - pass: required, unless the check can never pass because a person has the last word (a
      `manual` step in an `all_of`, e.g. DB33 5.1.1, NJ-ECCS 7.1); then a `review-*` case shows its
      best outcome instead;
    - fail: required unless no path through the check can fail: every path ends in `present`
      (found or missing), `manual`, `kpi` without a limit (computable or not), or runs inside
      `optional`, where a permitted practice not shown is not_applicable (NJ-ECCS 9.1, 9.3.2.2, A.1);
    - insufficient_evidence: required whenever the check reads evidence that can be missing, which
      is every shipped policy (only a check of `manual` alone, or of `optional` without
      `if_missing: insufficient_evidence`, cannot give it).
    """
    have = expected_statuses(compiled)
    missing = [status.value for status in required_statuses(policy_outcomes(compiled)) if status not in have]
    assert not missing, (
        f"{compiled.policy.id} can give {', '.join(missing)} but no case expects it; add a case "
        f"(pass-*, fail-*, insufficient-*, or review-* for a policy a person decides) beside {compiled.policy.file}"
    )


@pytest.mark.parametrize("compiled", POLICY_SET.policies, ids=POLICY_IDS)
def test_outcome_estimate_covers_every_case(compiled):
    """The estimate above is never narrower than what the cases show (errors aside: any rule can err)."""
    assert expected_statuses(compiled) - {ERROR} <= policy_outcomes(compiled)


def test_outcome_estimate_knows_every_operator():
    assert set(OPERATORS) == set(LEAVES) | COMBINATORS


@pytest.mark.parametrize(("rule", "outcomes"), [
    ({"manual": {"reason": {}}}, {REVIEW}),
    ({"all_of": [{"document": {"kind": "x"}}, {"manual": {"reason": {}}}]}, {FAIL, INSUFFICIENT, REVIEW}),
    ({"any_of": [{"present": {"path": "$.a"}}, {"count": {"records": "$.b"}}]}, {PASS, INSUFFICIENT, NA}),
    ({"optional": {"rule": {"every": {"records": "$.a"}}}}, {PASS, NA}),
    ({"optional": {"rule": {"every": {"records": "$.a"}}, "if_missing": "insufficient_evidence"}}, {PASS, NA, INSUFFICIENT}),
    ({"first_of": [{"count": {"records": "$.a"}}, {"present": {"path": "$.b"}}]}, {PASS, FAIL, NA, INSUFFICIENT}),
    ({"kpi": {"indicators": ["reply_rate"]}}, {PASS, INSUFFICIENT}),
])
def test_rule_outcomes(rule, outcomes):
    assert rule_outcomes(rule) == outcomes
