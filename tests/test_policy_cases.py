"""Every shipped policy's own test cases run here, one pytest case each."""

from __future__ import annotations

import pytest

from checker.fixtures import discover_cases, run_case
from checker.policy import load_policy_set

POLICY_SET = load_policy_set()
CASES = [(compiled, case) for compiled in POLICY_SET.policies for case in discover_cases(compiled)]


@pytest.mark.parametrize(("compiled", "case"), CASES, ids=[f"{c.policy.id}/{k.name}" for c, k in CASES])
def test_policy_case(compiled, case):
    result = run_case(compiled, case)
    assert result.passed, "; ".join(result.problems)


@pytest.mark.parametrize("compiled", POLICY_SET.policies, ids=[c.policy.id for c in POLICY_SET.policies])
def test_every_policy_has_a_passing_and_a_failing_case(compiled):
    names = {case.name.split("-", 1)[0] for case in discover_cases(compiled)}
    # A policy whose best outcome is manual_review (a person must judge) shows it with a review-* case instead of pass-*.
    best = "pass" in names or "review" in names
    worse = "fail" in names or "insufficient" in names or ("pass" in names and "review" in names)
    assert best and worse, (
        f"{compiled.policy.id} needs a pass-* (or, if it can never pass, review-*) case and a fail-* "
        f"(or insufficient-*/review-*) case; has {sorted(names)}"
    )
