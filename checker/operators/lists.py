"""The includes operator: a declared list holds every required code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import JSONPATH, TEXT, Outcome, Rule, args_schema, noun_of, register
from checker.predicates import MISSING

# ------------------------------------------------------------------ includes


@register(
    "includes",
    "The list at `path` holds every value in `values`: a missing list is insufficient_evidence, "
    "an existing list (even an empty one) lacking a value fails and names it.",
    args_schema({"path": JSONPATH,
                 "values": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": True},
                 "noun": TEXT},
                ("path", "values")),
    ("declared_count", "missing", "missing_count"),
)
def _includes(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["path"], at + ("path",))
    wanted = tuple(args["values"])
    noun = noun_of(args) if "noun" in args else Text(args["path"], args["path"])

    def run(ctx: EvalContext) -> Outcome:
        lists = [(p, v) for p, v in ctx.select(path) if isinstance(v, list)]
        if ctx.trace is not None:
            for p, v in lists or [((), MISSING)]:
                ctx.trace.read(args["path"], v, p or None)
        if not lists:
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"证据包中没有{noun.zh}（{args['path']} 缺失）", f"the bundle has no {noun.en} ({args['path']} is missing)"),
                {"declared_count": 0, "missing": "", "missing_count": len(wanted)},
            )
        declared = [value for _, values in lists for value in values]
        missing = [value for value in wanted if value not in declared]
        if ctx.trace is not None:
            for value in wanted:
                ctx.trace.compare(args["path"], value, "in", args["path"], value not in missing, lists[0][0])
        shown = ", ".join(str(v) for v in declared) or "none"
        shown_zh = "、".join(str(v) for v in declared) or "无"
        facts = {"declared_count": len(declared), "missing": ", ".join(missing), "missing_count": len(missing)}
        evidence = [(p, f"{len(v)} declared") for p, v in lists]
        if missing:
            return Outcome(
                Status.FAIL,
                Text(f"{noun.zh}未包含 {'、'.join(missing)}（已声明：{shown_zh}）",
                     f"{noun.en} do not include {', '.join(missing)} (declared: {shown})"),
                facts,
                evidence,
            )
        return Outcome(
            Status.PASS,
            Text(f"{noun.zh}包含 {'、'.join(wanted)}", f"{noun.en} include {', '.join(wanted)}"),
            facts,
            evidence,
        )

    return run
