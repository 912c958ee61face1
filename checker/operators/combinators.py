"""Combinators: all_of, any_of, first_of."""

from __future__ import annotations

from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import SEVERITY, Status, worst
from checker.operators.base import RULE, Outcome, Rule, compile_rule, register

# ------------------------------------------------------------------ combinators

_GOODNESS = {s: i for i, s in enumerate(reversed(SEVERITY))}  # pass/not_applicable best, error worst
_GOODNESS[Status.PASS], _GOODNESS[Status.NOT_APPLICABLE] = 0, 1


def _merge(outcomes: list[Outcome], status: Status) -> Outcome:
    message = outcomes[0].message
    seen = {message}
    for outcome in outcomes[1:]:
        if outcome.message not in seen:  # parts that say the same thing (one missing section) are said once
            seen.add(outcome.message)
            message = message.join(outcome.message)
    facts: dict[str, Any] = {}
    for i, outcome in enumerate(outcomes):
        for key, value in outcome.facts.items():
            facts[f"{i + 1}.{key}"] = value
    return Outcome(
        status,
        message,
        facts,
        [ref for outcome in outcomes for ref in outcome.evidence],
        [note for outcome in outcomes for note in outcome.notes],
    )


def _sub_rules(args: Any, env: CompileEnv, at: tuple[Any, ...], name: str) -> list[Rule]:
    if not isinstance(args, list) or not args:
        raise env.error("ECS104", f"{name} takes a non-empty list of rules", at)
    return [compile_rule(rule, env, at + (i,)) for i, rule in enumerate(args)]


@register("all_of", "Every sub-rule holds; the result is the worst of them.", {"type": "array", "items": RULE, "minItems": 1}, ())
def _all_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "all_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = [rule(ctx) for rule in rules]
        applicable = [o for o in outcomes if o.status is not Status.NOT_APPLICABLE] or outcomes
        return _merge(applicable, worst(o.status for o in outcomes))

    return run


@register("any_of", "At least one sub-rule holds; the result is the best of them.", {"type": "array", "items": RULE, "minItems": 1}, ())
def _any_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "any_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = [rule(ctx) for rule in rules]
        best = min(outcomes, key=lambda o: _GOODNESS[o.status])
        if best.status in (Status.PASS, Status.NOT_APPLICABLE):
            return best
        return _merge(outcomes, best.status)

    return run


@register(
    "first_of",
    "The first sub-rule whose evidence is present decides (e.g. records if given, else an aggregate).",
    {"type": "array", "items": RULE, "minItems": 1},
    (),
)
def _first_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "first_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = []
        for rule in rules:
            outcome = rule(ctx)
            if outcome.status is not Status.INSUFFICIENT_EVIDENCE:
                return outcome
            outcomes.append(outcome)
        return _merge(outcomes, Status.INSUFFICIENT_EVIDENCE)

    return run


