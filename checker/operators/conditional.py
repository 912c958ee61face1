"""The when operator: pick the rule that fits the organization (e.g. its role)."""

from __future__ import annotations

from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import PREDICATE, RULE, Outcome, Rule, compile_rule, register
from checker.predicates import compile_predicate

# ------------------------------------------------------------------ when

CASE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["if", "then"],
    "properties": {"if": PREDICATE, "then": RULE},
}


@register(
    "when",
    "Cases tried in order: the first whose `if` (a predicate on the whole bundle) holds decides with "
    "its `then` rule. No case holding is not_applicable; a case that cannot be told for lack of data "
    "is insufficient_evidence.",
    {"type": "array", "items": CASE, "minItems": 1},
    ("case",),
)
def _when(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    if not isinstance(args, list) or not args:
        raise env.error("ECS104", "when takes a non-empty list of {if, then} cases", at)
    cases = [
        (compile_predicate(case["if"], env, at + (i, "if")), compile_rule(case["then"], env, at + (i, "then")))
        for i, case in enumerate(args)
    ]

    def run(ctx: EvalContext) -> Outcome:
        for number, (condition, rule) in enumerate(cases, start=1):
            if ctx.trace is not None:
                ctx.trace.phase = f"case {number}"
            holds = condition(ctx)(ctx.data)
            if ctx.trace is not None:
                ctx.trace.phase = None
            if holds is None:
                return Outcome(
                    Status.INSUFFICIENT_EVIDENCE,
                    Text(f"缺少判断适用情形（第 {number} 种）的数据", f"the bundle lacks the data to tell whether case {number} applies"),
                    {"case": None},
                )
            if holds:
                outcome = rule(ctx)
                outcome.facts = {"case": number} | outcome.facts
                return outcome
        return Outcome(
            Status.NOT_APPLICABLE,
            Text("没有适用于被评价组织的情形", "none of the cases applies to the organization"),
            {"case": None},
        )

    return run
