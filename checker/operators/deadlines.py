"""The deadline operator: hours or seconds exact to the second, working days, or an agreed time."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
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
    Tally,
    args_schema,
    duration,
    hours,
    label_getter,
    missing_collection,
    noun_of,
    register,
    select_records,
    where_of,
)
from checker.predicates import MISSING, compile_value, getter
from checker.trace import ERROR, PENDING

# ------------------------------------------------------------------ deadlines


LIMIT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"hours": VALUE, "seconds": VALUE, "working_days": VALUE, "agreed_field": FIELD},
    "minProperties": 1,
}
END = {"anyOf": [FIELD, {"type": "array", "items": FIELD, "minItems": 1, "uniqueItems": True}]}


def _due_text(deadline: dt.datetime, inclusive: bool, tz: dt.tzinfo) -> Text:
    """An inclusive deadline as its instant; an exclusive (working-day) one as the last day it allows."""
    if inclusive:
        stamp = deadline.astimezone(tz).isoformat()
        return Text(stamp, stamp)
    last = (deadline.astimezone(tz) - dt.timedelta(microseconds=1)).date().isoformat()
    return Text(f"{last} 当天结束", f"the end of {last}")


def _not_done(label: Callable[[Any, int], str], record: Any, index: int, deadline: dt.datetime, inclusive: bool,
              tz: dt.tzinfo, rule_text: Text) -> Text:
    name, due = label(record, index), _due_text(deadline, inclusive, tz)
    return Text(f"{name}（未完成；期限 {due.zh}，{rule_text.zh}）", f"{name} (not done; due {due.en}, {rule_text.en})")


def _late(label: Callable[[Any, int], str], record: Any, index: int, elapsed: dt.timedelta, end: dt.datetime,
          deadline: dt.datetime, inclusive: bool, tz: dt.tzinfo, rule_text: Text, by_duration: bool) -> Text:
    name = label(record, index)
    if by_duration:
        return Text(f"{name}（用时 {duration(elapsed)}，超过 {rule_text.zh}）", f"{name} ({duration(elapsed)} > {rule_text.en})")
    due, done = _due_text(deadline, inclusive, tz), end.astimezone(tz).isoformat()
    return Text(f"{name}（完成于 {done}；期限 {due.zh}，{rule_text.zh}）", f"{name} (done {done}; due {due.en}, {rule_text.en})")


@register(
    "deadline",
    "Each selected record's `end` comes no later than its deadline after `start`: "
    "a number of hours or seconds (exact to the second), working days on the mainland China calendar, "
    "or an agreed time in `agreed_field` when the record has one (with only `agreed_field`, a record "
    "without it lacks the data to decide). `end` may name several fields, and a field may hold a list "
    "of timestamps: the earliest of them ends the clock. Failures are listed worst first: by how far past its "
    "deadline a record ended, or, not done, how far past it the as-of date is (ties in record order); "
    "the message names the first five, the evidence the first 50.",
    args_schema(RECORDS_ARGS | {"start": FIELD, "end": END, "limit": LIMIT}, ("records", "start", "end", "limit")),
    ("total", "failed_count", "unknown_count", "pending_count", "on_time_count", "examples", "max_elapsed_hours"),
)
def _deadline(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    get_start = getter(args["start"], env, at + ("start",))
    end_fields = args["end"] if isinstance(args["end"], list) else [args["end"]]
    get_ends = [getter(name, env, at + ("end",)) for name in end_fields]
    limit = args["limit"]
    units = [unit for unit in ("hours", "seconds", "working_days") if unit in limit]
    if len(units) > 1 or (not units and "agreed_field" not in limit):
        raise env.error("ECS104", "limit takes one of hours, seconds or working_days, and/or agreed_field", at + ("limit",))
    hours_of = compile_value(limit["hours"], env, at + ("limit", "hours")) if "hours" in limit else None
    seconds_of = compile_value(limit["seconds"], env, at + ("limit", "seconds")) if "seconds" in limit else None
    days_of = compile_value(limit["working_days"], env, at + ("limit", "working_days")) if "working_days" in limit else None
    get_agreed = getter(limit["agreed_field"], env, at + ("limit", "agreed_field")) if "agreed_field" in limit else None
    single_end = get_ends[0] if len(get_ends) == 1 else None
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def end_of(record: Any, parse: Any) -> dt.datetime | None:
        """The earliest timestamp among the `end` fields (each a timestamp or a list of them)."""
        if len(get_ends) == 1:
            value = get_ends[0](record)
            if isinstance(value, str):
                return parse(value)
            if value is MISSING:
                return None
        found = []
        for get_end in get_ends:
            value = get_end(record)
            if value is MISSING:
                continue
            for text in value if isinstance(value, list) else [value]:
                if text is not None:
                    found.append(parse(text))
        return min(found) if found else None

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        parse = ctx.instants.parse
        tz = ctx.tz
        limit_hours = hours_of(ctx)(None) if hours_of else None
        limit_seconds = seconds_of(ctx)(None) if seconds_of else None
        limit_days = days_of(ctx)(None) if days_of else None
        if limit_hours is not None:
            allowed: dt.timedelta | None = dt.timedelta(hours=limit_hours)
            fixed_text = Text(f"{hours(limit_hours)} 小时", f"{hours(limit_hours)} h")
        elif limit_seconds is not None:
            allowed = dt.timedelta(seconds=limit_seconds)
            fixed_text = Text(f"{hours(limit_seconds)} 秒", f"{hours(limit_seconds)} s")
        else:
            allowed = None
            days_word = "working day" if limit_days == 1 else "working days"
            fixed_text = Text(f"{limit_days} 个工作日", f"{limit_days} {days_word}")
        as_of_end = ctx.as_of_end
        trace = ctx.trace
        tally = Tally(trace, path, ranked=True)
        pending: list[int] = []
        calendar_gaps: list[tuple[int, dt.date]] = []
        longest: dt.timedelta | None = None
        for index, record in tally.kept(records, keep, label):
            start_text = get_start(record)
            if trace is not None:
                trace.read(args["start"], start_text, path + (index, *args["start"].split(".")))
            if start_text is MISSING:
                tally.undecided(index, label(record, index))
                continue
            start = parse(start_text)
            agreed = get_agreed(record) if get_agreed else MISSING
            if trace is not None and get_agreed is not None:
                trace.read(limit["agreed_field"], agreed, path + (index, *limit["agreed_field"].split(".")))
            if agreed is not MISSING:
                deadline, inclusive, rule_text = parse(agreed), True, Text("约定时间", "agreed time")
            elif allowed is not None:
                deadline, inclusive, rule_text = start + allowed, True, fixed_text
            elif limit_days is not None:
                try:
                    deadline = timecalc.working_day_deadline(start, limit_days, tz)
                except timecalc.CalendarRangeError as err:
                    calendar_gaps.append((index, err.day))
                    if trace is not None:
                        trace.verdict(ERROR, Text(f"工作日历未覆盖 {err.day}", f"the working-day calendar does not cover {err.day}"))
                    continue
                inclusive, rule_text = False, fixed_text
            else:  # only an agreed_field, and this record has none
                tally.undecided(index, label(record, index))
                continue
            if single_end is not None and isinstance(value := single_end(record), str):  # the usual case, inline
                end: dt.datetime | None = parse(value)
            else:
                end = end_of(record, parse)
            if trace is not None:
                due = _due_text(deadline, inclusive, tz)
                if end is not None:
                    on_time_now: bool | None = end <= deadline if inclusive else end < deadline
                    note = Text(f"期限 {due.zh}（{rule_text.zh}）", f"due {due.en} ({rule_text.en})")
                else:  # not done: late only once the deadline has passed by the as-of date
                    on_time_now = False if as_of_end > deadline else None
                    note = Text(f"未完成；期限 {due.zh}（{rule_text.zh}），评价日 {ctx.as_of}",
                                f"not done; due {due.en} ({rule_text.en}), as of {ctx.as_of}")
                trace.compare(", ".join(end_fields), end.astimezone(tz).isoformat() if end else MISSING,
                              "<=" if inclusive else "<", deadline.astimezone(tz).isoformat(), on_time_now,
                              path + (index, *end_fields[0].split(".")), note)
            if end is None:
                if as_of_end > deadline:  # ranked by how far past its deadline it is as of the as-of date
                    overdue = as_of_end - deadline
                    tally.fail(index, functools.partial(_not_done, label, record, index, deadline, inclusive, tz, rule_text)
                               if tally.shows(overdue) else None, overdue)
                else:
                    pending.append(index)
                    if trace is not None:
                        trace.verdict(PENDING, Text(f"尚未完成，未到期（期限 {due.zh}）", f"not done yet, not yet due ({due.en})"))
                continue
            elapsed = end - start
            if longest is None or elapsed > longest:
                longest = elapsed
            on_time = end <= deadline if inclusive else end < deadline
            if not on_time:  # ranked by how far past its deadline it ended; the detail is written only if it may be shown
                overdue = end - deadline
                tally.fail(index, functools.partial(_late, label, record, index, elapsed, end, deadline, inclusive, tz,
                                                    rule_text, allowed is not None and agreed is MISSING)
                           if tally.shows(overdue) else None, overdue)
        facts: dict[str, Any] = tally.facts()
        del facts["passed_count"]
        facts |= {
            "pending_count": len(pending),
            "on_time_count": tally.total - len(tally.failed) - len(tally.unknown) - len(pending) - len(calendar_gaps),
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
        done = tally.total - len(pending)
        passed = Text(f"{done} 条{noun.zh}均在期限内完成", f"all {done} completed {noun.en} met the deadline")
        if pending:
            passed = passed.join(Text(f"另有 {len(pending)} 条尚未到期", f"{len(pending)} more not yet due"))
        return tally.outcome(
            args, path, facts, noun,
            failed=Text("超过期限", "missed the deadline"),
            undecided=Text("缺少判定所需的时间或数据", "lack the times or data needed to decide"),
            passed=passed,
        )

    return run


