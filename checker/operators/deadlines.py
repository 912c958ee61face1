"""The deadline operator: hours exact to the second, working days, or an agreed time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from checker import timecalc
from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
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

# ------------------------------------------------------------------ deadlines


LIMIT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"hours": VALUE, "working_days": VALUE, "agreed_field": FIELD},
    "minProperties": 1,
}


@register(
    "deadline",
    "Each selected record's `end` comes no later than its deadline after `start`: "
    "a number of hours (exact to the second), working days on the mainland China calendar, "
    "or an agreed time in `agreed_field` when the record has one.",
    args_schema(RECORDS_ARGS | {"start": FIELD, "end": FIELD, "limit": LIMIT}, ("records", "start", "end", "limit")),
    ("total", "failed_count", "unknown_count", "pending_count", "on_time_count", "examples", "max_elapsed_hours"),
)
def _deadline(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    get_start = getter(args["start"], env, at + ("start",))
    get_end = getter(args["end"], env, at + ("end",))
    limit = args["limit"]
    if ("hours" in limit) == ("working_days" in limit):
        raise env.error("ECS104", "limit takes exactly one of hours or working_days (plus optional agreed_field)", at + ("limit",))
    hours_of = compile_value(limit["hours"], env, at + ("limit", "hours")) if "hours" in limit else None
    days_of = compile_value(limit["working_days"], env, at + ("limit", "working_days")) if "working_days" in limit else None
    get_agreed = getter(limit["agreed_field"], env, at + ("limit", "agreed_field")) if "agreed_field" in limit else None
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        parse = ctx.instants.parse
        tz = ctx.tz
        limit_hours = hours_of(ctx)(None) if hours_of else None
        limit_days = days_of(ctx)(None) if days_of else None
        allowed = dt.timedelta(hours=limit_hours) if limit_hours is not None else None
        as_of_end = ctx.as_of_end
        total = 0
        failed: list[tuple[int, str]] = []
        unknown: list[int] = []
        pending: list[int] = []
        calendar_gaps: list[tuple[int, dt.date]] = []
        longest: dt.timedelta | None = None
        for index, record in enumerate(records):
            if keep is not None:
                chosen = keep(record)
                if chosen is False:
                    continue
                if chosen is None:
                    total += 1
                    unknown.append(index)
                    continue
            total += 1
            start_text = get_start(record)
            if start_text is MISSING:
                unknown.append(index)
                continue
            start = parse(start_text)
            agreed = get_agreed(record) if get_agreed else MISSING
            if agreed is not MISSING:
                deadline, inclusive, rule_text = parse(agreed), True, "agreed time"
            elif allowed is not None:
                deadline, inclusive, rule_text = start + allowed, True, f"{hours(limit_hours)} h"
            else:
                try:
                    deadline = timecalc.working_day_deadline(start, limit_days, tz)
                except timecalc.CalendarRangeError as err:
                    calendar_gaps.append((index, err.day))
                    continue
                inclusive, rule_text = False, f"{limit_days} working day(s)"
            end_text = get_end(record)
            if end_text is MISSING:
                if as_of_end > deadline:
                    failed.append((index, f"{label(record, index)} (not done; due {deadline.astimezone(tz).isoformat()}, {rule_text})"))
                else:
                    pending.append(index)
                continue
            end = parse(end_text)
            elapsed = end - start
            if longest is None or elapsed > longest:
                longest = elapsed
            on_time = end <= deadline if inclusive else end < deadline
            if not on_time:
                if allowed is not None and agreed is MISSING:
                    detail = f"{label(record, index)} ({duration(elapsed)} > {rule_text})"
                else:
                    detail = f"{label(record, index)} (done {end.astimezone(tz).isoformat()}, due {deadline.astimezone(tz).isoformat()}, {rule_text})"
                failed.append((index, detail))
        facts: dict[str, Any] = {
            "total": total,
            "failed_count": len(failed),
            "unknown_count": len(unknown),
            "pending_count": len(pending),
            "on_time_count": total - len(failed) - len(unknown) - len(pending) - len(calendar_gaps),
            "max_elapsed_hours": round(longest.total_seconds() / 3600, 2) if longest is not None else None,
        }
        if calendar_gaps:
            days = sorted({day.isoformat() for _, day in calendar_gaps})
            return Outcome(
                Status.ERROR,
                Text(f"工作日历未覆盖以下日期，无法计算期限：{'、'.join(days)}",
                     f"the official working-day calendar does not cover {', '.join(days)}; the deadline cannot be computed"),
                facts,
                [(path + (i,), label(records[i], i)) for i, _ in calendar_gaps[:EVIDENCE_CAP]],
            )
        if total == 0:
            return none_selected(args, facts, path)
        if failed:
            ex = examples([detail for _, detail in failed])
            facts["examples"] = ex.en
            return Outcome(
                Status.FAIL,
                Text(f"{total} 条{noun.zh}中有 {len(failed)} 条超过期限：{ex.zh}",
                     f"{len(failed)} of {total} {noun.en} missed the deadline: {ex.en}"),
                facts,
                [(path + (i,), detail) for i, detail in failed[:EVIDENCE_CAP]],
            )
        if unknown:
            ex = examples([label(records[i], i) for i in unknown])
            facts["examples"] = ex.en
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"{total} 条{noun.zh}中有 {len(unknown)} 条缺少起始时间等数据：{ex.zh}",
                     f"{len(unknown)} of {total} {noun.en} lack the times needed to decide: {ex.en}"),
                facts,
                [(path + (i,), label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
            )
        done = total - len(pending)
        message = Text(f"{done} 条{noun.zh}均在期限内完成", f"all {done} completed {noun.en} met the deadline")
        if pending:
            message = message.join(Text(f"另有 {len(pending)} 条尚未到期", f"{len(pending)} more are not yet due"))
        return Outcome(Status.PASS, message, facts, [(path, f"{total} records checked")])

    return run


