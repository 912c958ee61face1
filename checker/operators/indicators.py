"""The kpi operator: NJ-ECCS table A.1/A.2 indicators, computed by checker.kpis."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

from checker import kpis
from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text, worst
from checker.operators.base import VALUE, Outcome, Rule, args_schema, register
from checker.predicates import compile_value

_OPS = {"ge": (operator.ge, "≥"), "gt": (operator.gt, ">"), "le": (operator.le, "≤"), "lt": (operator.lt, "<")}


def describe(indicator: kpis.Indicator) -> Text:
    """`客户满意度 96.12 %（1922/2000）` / `customer satisfaction 96.12 % (1922/2000)`."""
    unit = "" if indicator.unit == "count" else f" {indicator.unit}"
    if indicator.value is None:
        reason = indicator.reason or Text("无法计算", "cannot be computed")
        return Text(f"{indicator.name.zh}：{reason.zh}", f"{indicator.name.en}: {reason.en}")
    ratio = f" ({indicator.numerator}/{indicator.denominator})" if indicator.denominator is not None else ""
    found = Text(f"{indicator.name.zh} {indicator.shown()}{unit}{ratio}", f"{indicator.name.en} {indicator.shown()}{unit}{ratio}")
    worst = worst_records(indicator)
    return found.join(worst) if worst is not None else found


WORST_SHOWN = 3


def worst_records(indicator: kpis.Indicator) -> Text | None:
    """The worst records behind an indicator computed from raw records (INT-093), for the finding's message."""
    slowest = indicator.extra.get("slowest") or []
    unreplied = indicator.extra.get("unreplied") or []
    if slowest:
        shown = ", ".join(f"{r['id']} ({r['seconds']} s)" for r in slowest[:WORST_SHOWN])
        return Text(f"最慢：{shown}", f"slowest: {shown}")
    if unreplied:
        shown = ", ".join(unreplied[:WORST_SHOWN])
        return Text(f"无人工回复：{shown}", f"no human reply: {shown}")
    return None


@register(
    "kpi",
    "Table A.1/A.2 indicators recomputed from the bundle's counts and records (checker.kpis). Without `op` "
    "the rule passes when every indicator can be computed on the standard's basis; with `op` and `to` each "
    "value is compared exactly with the limit (an indicator with nothing to measure is not_applicable).",
    args_schema({"indicators": {"type": "array", "items": {"enum": sorted(kpis.COMPUTE)}, "minItems": 1, "uniqueItems": True},
                 "op": {"enum": sorted(_OPS)}, "to": VALUE}, ("indicators",)),
    ("values",),
)
def _kpi(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    codes = tuple(args["indicators"])
    if ("op" in args) != ("to" in args):
        raise env.error("ECS104", "kpi takes op and to together, or neither", at)
    limit_of = compile_value(args["to"], env, at + ("to",)) if "to" in args else None
    test, symbol = _OPS[args["op"]] if "op" in args else (None, "")

    def run(ctx: EvalContext) -> Outcome:
        found = kpis.compute(ctx, codes)
        limit = kpis.exact(limit_of(ctx)(None)) if limit_of else None
        statuses: list[Status] = []
        parts: list[Text] = []
        evidence: list[tuple[Any, str | None]] = []
        values: dict[str, Any] = {}
        for code in codes:
            indicator = found[code]
            shown = indicator.shown()
            values[code] = float(shown) if shown is not None else None
            evidence.extend((path, f"{code} {note}") for path, note in indicator.inputs)
            text = describe(indicator)
            if indicator.state in ("missing", "not_comparable"):
                statuses.append(Status.INSUFFICIENT_EVIDENCE)
                if indicator.state == "not_comparable" and indicator.reason:
                    text = text.join(indicator.reason, Text("：", ": "))
            elif indicator.state == "empty":
                statuses.append(Status.NOT_APPLICABLE if test else Status.PASS)
            elif test is not None and limit is not None:
                assert indicator.value is not None
                ok = bool(test(indicator.value, limit))
                statuses.append(Status.PASS if ok else Status.FAIL)
                need = f"{kpis.rounded(limit, indicator.places).normalize():f}"
                text = text.join(Text(f"要求 {symbol} {need}", f"required {symbol} {need}"), Text("，", ", "))
            else:
                statuses.append(Status.PASS)
            parts.append(text)
        message = parts[0]
        for part in parts[1:]:
            message = message.join(part)
        applicable = [s for s in statuses if s is not Status.NOT_APPLICABLE]
        status = worst(applicable) if applicable else Status.NOT_APPLICABLE
        return Outcome(status, message, {"values": values}, evidence)

    return run
