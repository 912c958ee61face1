"""The share operator: enough of the selected records satisfy a requirement."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.kpis import exact, rounded
from checker.operators.base import (
    EVIDENCE_CAP,
    PREDICATE,
    RECORDS_ARGS,
    VALUE,
    Outcome,
    Rule,
    args_schema,
    examples,
    label_getter,
    missing_collection,
    none_selected,
    noun_of,
    register,
    select_records,
    where_of,
)
from checker.predicates import compile_predicate, compile_value


@register(
    "share",
    "At least `min_percent` % of the selected records satisfy `require`. A record whose data cannot decide "
    "counts against the share unless the result is the same either way (then it is reported as undecided).",
    args_schema(RECORDS_ARGS | {"require": PREDICATE, "min_percent": VALUE}, ("records", "require", "min_percent")),
    ("total", "met_count", "unknown_count", "percent", "min_percent", "examples"),
)
def _share(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    require = compile_predicate(args["require"], env, at + ("require",))
    min_of = compile_value(args["min_percent"], env, at + ("min_percent",))
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        test = require(ctx)
        minimum = exact(min_of(ctx)(None))
        met: list[int] = []
        not_met: list[int] = []
        unknown: list[int] = []
        for index, record in enumerate(records):
            chosen = True if keep is None else keep(record)
            if chosen is False:
                continue
            result = test(record) if chosen is True else None
            (met if result is True else not_met if result is False else unknown).append(index)
        total = len(met) + len(not_met) + len(unknown)
        facts: dict[str, Any] = {"total": total, "met_count": len(met), "unknown_count": len(unknown),
                                 "percent": None, "min_percent": float(minimum)}
        if total == 0:
            return none_selected(args, facts, path)
        percent = Fraction(len(met) * 100, total)
        best = Fraction((len(met) + len(unknown)) * 100, total)
        facts["percent"] = float(rounded(percent, 2))
        shown = f"{rounded(percent, 2)}%"
        need = f"{rounded(minimum, 2).normalize():f}%"
        failing = [label(records[i], i) for i in not_met]
        if failing:
            facts["examples"] = examples(failing).en
        message = Text(
            f"{total} 条{noun.zh}中 {len(met)} 条符合（{shown}，要求不低于 {need}）",
            f"{len(met)} of {total} {noun.en} meet the requirement ({shown}; required at least {need})",
        )
        if failing:
            ex = examples(failing)
            message = message.join(Text(f"不符合：{ex.zh}", f"not meeting: {ex.en}"))
        evidence = [(path + (i,), label(records[i], i)) for i in not_met[:EVIDENCE_CAP]] or [(path, f"{total} records checked")]
        if percent >= minimum:
            return Outcome(Status.PASS, message, facts, evidence)
        if best < minimum:
            return Outcome(Status.FAIL, message, facts, evidence)
        ex = examples([label(records[i], i) for i in unknown])
        return Outcome(
            Status.INSUFFICIENT_EVIDENCE,
            message.join(Text(f"{len(unknown)} 条缺少判定所需的数据：{ex.zh}", f"{len(unknown)} lack the data needed to decide: {ex.en}")),
            facts,
            [(path + (i,), label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
        )

    return run
