"""The satisfies operator: one object of the bundle meets a predicate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import JSONPATH, PREDICATE, TEXT, Outcome, Rule, args_schema, register
from checker.predicates import compile_predicate


@register(
    "satisfies",
    "The object at `path` satisfies `require` (fields are read inside that object): pass when it holds, "
    "fail when it does not, insufficient_evidence when the object or a field the predicate needs is missing.",
    args_schema({"path": JSONPATH, "require": PREDICATE, "noun": TEXT, "requirement": TEXT}, ("path", "require")),
    (),
)
def _satisfies(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["path"], at + ("path",))
    require = compile_predicate(args["require"], env, at + ("require",))
    noun = Text.from_mapping(args["noun"]) if "noun" in args else Text(args["path"], args["path"])
    wanted = Text.from_mapping(args["requirement"]) if "requirement" in args else Text("要求", "the requirement")

    def run(ctx: EvalContext) -> Outcome:
        found = [(p, v) for p, v in ctx.select(path) if isinstance(v, dict)]
        if not found:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}（{args['path']} 缺失）",
                                                              f"the bundle has no {noun.en} ({args['path']} is missing)"))
        where, value = found[0]
        result = require(ctx)(value)
        evidence = [(where, None)]
        if result is True:
            return Outcome(Status.PASS, Text(f"{noun.zh}符合{wanted.zh}", f"{noun.en} meets {wanted.en}"), {}, evidence)
        if result is False:
            return Outcome(Status.FAIL, Text(f"{noun.zh}不符合{wanted.zh}", f"{noun.en} does not meet {wanted.en}"), {}, evidence)
        return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"{noun.zh}缺少判定{wanted.zh}所需的数据",
                                                          f"{noun.en} lacks the data needed to decide {wanted.en}"), {}, evidence)

    return run
