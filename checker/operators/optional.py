"""The optional operator, for what a standard permits but does not require (可)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import RULE, Outcome, Rule, args_schema, compile_rule, register


@register(
    "optional",
    "For a permitted practice (可): pass when `rule` shows the practice is used, not_applicable (never fail) "
    "when it is not; when the evidence is missing, `if_missing` decides (default not_applicable).",
    args_schema({"rule": RULE, "if_missing": {"enum": ["not_applicable", "insufficient_evidence"]}}, ("rule",)),
    (),
)
def _optional(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    inner = compile_rule(args["rule"], env, at + ("rule",))
    if_missing = Status(args.get("if_missing", "not_applicable"))

    def run(ctx: EvalContext) -> Outcome:
        outcome = inner(ctx)
        if outcome.status in (Status.PASS, Status.NOT_APPLICABLE, Status.ERROR, Status.MANUAL_REVIEW):
            return outcome
        if outcome.status is Status.INSUFFICIENT_EVIDENCE and if_missing is Status.INSUFFICIENT_EVIDENCE:
            return outcome
        lead = Text("可选做法（可），未采用不构成不符合", "optional practice (may): not using it is no non-conformity")
        return Outcome(Status.NOT_APPLICABLE, lead.join(outcome.message), outcome.facts, outcome.evidence, outcome.notes)

    return run
