"""Operators over single values: present, compare, manual."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import EVIDENCE_CAP, JSONPATH, TEXT, VALUE, Outcome, Rule, args_schema, noun_of, register
from checker.paths import compile_path
from checker.predicates import MISSING, compile_value

# ------------------------------------------------------------------ simple values


@register(
    "present",
    "A value exists at `path` (and, by default, is not empty).",
    args_schema({"path": JSONPATH, "nonempty": {"type": "boolean"}, "noun": TEXT}, ("path",)),
    ("size",),
)
def _present(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["path"], at + ("path",))
    nonempty = args.get("nonempty", True)
    noun = noun_of(args) if "noun" in args else Text(args["path"], args["path"])

    def run(ctx: EvalContext) -> Outcome:
        found = [(p, v, not nonempty or v not in ("", [], {})) for p, v in ctx.select(path) if v is not None]
        values = [v for _, v, counts in found if counts]
        if ctx.trace is not None:
            for p, v, counts in found or [((), MISSING, False)]:
                ctx.trace.compare(args["path"], v, "nonempty" if nonempty else "present", True, counts, p or None)
        if not values:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"), {"size": 0})
        size = sum(len(v) if isinstance(v, (list, dict)) else 1 for v in values)
        return Outcome(Status.PASS, Text(f"已提供{noun.zh}（{size} 项）", f"{noun.en} provided ({size} entries)"), {"size": size},
                       [(p, None) for p, _, _ in found[:EVIDENCE_CAP]])

    return run


_SYMBOLS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "==", "ne": "!="}
_COMPARE = {"ge": (">=", "不低于"), "gt": (">", "高于"), "le": ("<=", "不高于"), "lt": ("<", "低于"), "eq": ("=", "等于"), "ne": ("!=", "不等于")}


@register(
    "compare",
    "A bundle value compared with a limit: `value` `op` `to`.",
    args_schema({"value": VALUE, "op": {"enum": list(_COMPARE)}, "to": VALUE, "unit": {"type": "string"}, "noun": TEXT},
          ("value", "op", "to")),
    ("value", "limit"),
)
def _compare(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    value_of = compile_value(args["value"], env, at + ("value",))
    limit_of = compile_value(args["to"], env, at + ("to",))
    op = args["op"]
    unit = f" {args['unit']}" if args.get("unit") else ""
    noun = noun_of(args) if "noun" in args else Text("数值", "value")
    test = {"ge": lambda a, b: a >= b, "gt": lambda a, b: a > b, "le": lambda a, b: a <= b,
            "lt": lambda a, b: a < b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}[op]
    symbol, words = _COMPARE[op]
    source = compile_path(args["value"]["path"]) if isinstance(args["value"], Mapping) and "path" in args["value"] else None

    def run(ctx: EvalContext) -> Outcome:
        value, limit = value_of(ctx)(None), limit_of(ctx)(None)
        if (value is MISSING or limit is MISSING) and ctx.trace is not None:
            ctx.trace.compare(source.text if source else "value", value, _SYMBOLS[op], limit, None)
        if value is MISSING or limit is MISSING:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                           {"value": None, "limit": None if limit is MISSING else limit})
        evidence = [(p, None) for p, _ in ctx.select(source)[:1]] if source else []
        holds = test(value, limit)
        if ctx.trace is not None:
            ctx.trace.compare(source.text if source else "value", value, _SYMBOLS[op], limit, holds,
                              evidence[0][0] if evidence else None)
        return Outcome(
            Status.PASS if holds else Status.FAIL,
            Text(f"{noun.zh}为 {value}{unit}（要求{words} {limit}{unit}）", f"{noun.en} is {value}{unit} (required {symbol} {limit}{unit})"),
            {"value": value, "limit": limit},
            evidence,
        )

    return run


@register(
    "manual",
    "Always manual_review: what the rule cannot decide, with the reason a person must look.",
    args_schema({"reason": TEXT}, ("reason",)),
    (),
)
def _manual(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    reason = Text.from_mapping(args["reason"])
    return lambda ctx: Outcome(Status.MANUAL_REVIEW, reason)


