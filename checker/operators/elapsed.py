"""The within_hours operator: each record's own time limit, or a default from the bundle or a parameter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.kpis import exact
from checker.operators.base import (
    EVIDENCE_CAP,
    FIELD,
    RECORDS_ARGS,
    VALUE,
    Outcome,
    Rule,
    args_schema,
    duration,
    examples,
    hours,
    label_getter,
    missing_collection,
    none_selected,
    noun_of,
    register,
    select_records,
    where_of,
)
from checker.predicates import MISSING, compile_value, getter


@register(
    "within_hours",
    "Each selected record's `end` comes at most N hours after its `start`, where N is the record's own "
    "`hours_field` when present and otherwise `default_hours` (a parameter or a bundle path). Exactly N hours "
    "is on time. A record with neither limit, or without start, lacks the data to decide; an unfinished "
    "record whose limit passed before the as-of date fails.",
    args_schema(RECORDS_ARGS | {"start": FIELD, "end": FIELD, "hours_field": FIELD, "default_hours": VALUE},
                ("records", "start", "end", "default_hours")),
    ("total", "failed_count", "unknown_count", "pending_count", "examples"),
)
def _within_hours(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    get_start = getter(args["start"], env, at + ("start",))
    get_end = getter(args["end"], env, at + ("end",))
    get_hours = getter(args["hours_field"], env, at + ("hours_field",)) if "hours_field" in args else None
    default_of = compile_value(args["default_hours"], env, at + ("default_hours",))
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        default = default_of(ctx)(None)
        parse = ctx.instants.parse
        failed: list[tuple[int, str]] = []
        unknown: list[int] = []
        pending: list[int] = []
        total = 0
        for index, record in enumerate(records):
            chosen = True if keep is None else keep(record)
            if chosen is False:
                continue
            total += 1
            own = get_hours(record) if get_hours else MISSING
            limit = own if own is not MISSING else default
            start_text = get_start(record)
            if chosen is None or limit is MISSING or start_text is MISSING:
                unknown.append(index)
                continue
            start = parse(start_text)
            allowed = Fraction(exact(limit)) * 3600
            deadline = start + dt.timedelta(seconds=float(allowed))
            end_text = get_end(record)
            name = label(record, index)
            if end_text is MISSING:
                if ctx.as_of_end > deadline:
                    failed.append((index, f"{name} (not done; limit {hours(limit)} h)"))
                else:
                    pending.append(index)
                continue
            elapsed = parse(end_text) - start
            if Fraction(exact(elapsed.total_seconds())) > allowed:
                failed.append((index, f"{name} ({duration(elapsed)} > {hours(limit)} h)"))
        facts: dict[str, Any] = {"total": total, "failed_count": len(failed), "unknown_count": len(unknown), "pending_count": len(pending)}
        if total == 0:
            return none_selected(args, facts, path)
        if failed:
            ex = examples([detail for _, detail in failed])
            facts["examples"] = ex.en
            return Outcome(
                Status.FAIL,
                Text(f"{total} 条{noun.zh}中有 {len(failed)} 条超过时限：{ex.zh}", f"{len(failed)} of {total} {noun.en} exceeded their limit: {ex.en}"),
                facts,
                [(path + (i,), detail) for i, detail in failed[:EVIDENCE_CAP]],
            )
        if unknown:
            ex = examples([label(records[i], i) for i in unknown])
            facts["examples"] = ex.en
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"{len(unknown)} 条{noun.zh}缺少起始时间或时限（本身约定与默认时限均无）：{ex.zh}",
                     f"{len(unknown)} {noun.en} lack a start time or any limit (neither their own nor a default): {ex.en}"),
                facts,
                [(path + (i,), label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
            )
        done = total - len(pending)
        message = Text(f"{done} 条{noun.zh}均在时限内完成", f"all {done} completed {noun.en} were within their limit")
        if pending:
            message = message.join(Text(f"另有 {len(pending)} 条尚未到期", f"{len(pending)} more are not yet due"))
        return Outcome(Status.PASS, message, facts, [(path, f"{total} records checked")])

    return run
