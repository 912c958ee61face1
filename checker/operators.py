"""The rule operators: a flat table, name -> (argument schema, compile).

A policy's `check.rule` (or each item's `rule`) is a mapping with exactly
one operator key. Compiling it yields a function `EvalContext -> Outcome`.
Each operator declares the JSON Schema of its arguments (assembled into
schemas/policy.schema.json) and the facts it reports, which message
templates may use as `{placeholders}`.

Record operators read a collection selected once by JSONPath and run
compiled predicates over plain Python objects; nothing is re-parsed per
record.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker import timecalc
from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import SEVERITY, Status, Text, worst
from checker.paths import PathTuple, compile_path
from checker.predicates import MISSING, BoundPred, compile_predicate, compile_value, getter

EXAMPLES_IN_MESSAGE = 5
EVIDENCE_CAP = 50


@dataclass
class Outcome:
    status: Status
    message: Text
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: list[tuple[PathTuple, str | None]] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)


Rule = Callable[[EvalContext], Outcome]
Compiler = Callable[[Mapping[str, Any], CompileEnv, tuple[Any, ...]], Rule]


@dataclass(frozen=True)
class Operator:
    name: str
    summary: str
    schema: Mapping[str, Any]
    facts: tuple[str, ...]
    compile: Compiler


OPERATORS: dict[str, Operator] = {}


def _register(name: str, summary: str, schema: Mapping[str, Any], facts: tuple[str, ...]) -> Callable[[Compiler], Compiler]:
    def decorate(fn: Compiler) -> Compiler:
        OPERATORS[name] = Operator(name, summary, schema, facts, fn)
        return fn

    return decorate


# ------------------------------------------------------------------ schema pieces

VALUE = {"$ref": "#/$defs/value"}
PREDICATE = {"$ref": "#/$defs/predicate"}
RULE = {"$ref": "#/$defs/rule"}
TEXT = {"$ref": "#/$defs/text"}
JSONPATH = {"type": "string", "pattern": r"^\$"}
FIELD = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"}
CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}
STATUS_CHOICE = {"enum": ["pass", "fail", "not_applicable", "insufficient_evidence", "manual_review"]}


def _args(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": dict(properties)}


RECORDS_ARGS = {
    "records": JSONPATH,
    "where": PREDICATE,
    "label": FIELD,
    "noun": TEXT,
    "if_none": STATUS_CHOICE,
}

# ------------------------------------------------------------------ wording helpers

DEFAULT_NOUN = Text("条记录", "records")


def _noun(args: Mapping[str, Any]) -> Text:
    noun = args.get("noun")
    return Text.from_mapping(noun) if noun else DEFAULT_NOUN


def examples(labels: list[str], total: int | None = None) -> Text:
    """`A, B, C and 2 more` / `A、B、C 等 5 条`."""
    total = len(labels) if total is None else total
    shown = labels[:EXAMPLES_IN_MESSAGE]
    if total > len(shown):
        return Text("、".join(shown) + f" 等 {total} 条", ", ".join(shown) + f" and {total - len(shown)} more")
    return Text("、".join(shown), ", ".join(shown))


def duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


def hours(value: float) -> str:
    return f"{value:g}"


def _label_getter(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Callable[[Any, int], str]:
    get = getter(args.get("label", "id"), env, at + ("label",))

    def label(record: Any, index: int) -> str:
        value = get(record)
        return f"#{index}" if value is MISSING else str(value)

    return label


def _select_records(
    args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]
) -> Callable[[EvalContext], tuple[PathTuple, list[Any]] | None]:
    """The record list a record operator reads, or None when the bundle lacks it."""
    path = env.path(args["records"], at + ("records",))

    def select(ctx: EvalContext) -> tuple[PathTuple, list[Any]] | None:
        found = ctx.select(path)
        lists = [(p, v) for p, v in found if isinstance(v, list)]
        if not lists:
            return None
        if len(lists) == 1:
            return lists[0]
        merged: list[Any] = []
        for _, values in lists:
            merged.extend(values)
        return (), merged

    return select


def _missing_collection(args: Mapping[str, Any]) -> Outcome:
    noun = _noun(args)
    return Outcome(
        Status.INSUFFICIENT_EVIDENCE,
        Text(f"证据包中没有{noun.zh}（{args['records']} 缺失）", f"the bundle has no {noun.en} ({args['records']} is missing)"),
        {"total": 0},
    )


def _none_selected(args: Mapping[str, Any], facts: dict[str, Any], path: PathTuple) -> Outcome:
    noun = _noun(args)
    status = Status(args.get("if_none", "not_applicable"))
    return Outcome(
        status,
        Text(f"评价期内没有需要检查的{noun.zh}", f"no {noun.en} to check in the evaluation period"),
        facts,
        [(path, "0 records")],
    )


def _where(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> BoundPred | None:
    return compile_predicate(args["where"], env, at + ("where",)) if "where" in args else None


# ------------------------------------------------------------------ every / count


@_register(
    "every",
    "Every selected record satisfies `require`.",
    _args(RECORDS_ARGS | {"require": PREDICATE}, ("records", "require")),
    ("total", "failed_count", "unknown_count", "passed_count", "examples"),
)
def _every(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = _select_records(args, env, at)
    where = _where(args, env, at)
    require = compile_predicate(args["require"], env, at + ("require",))
    label = _label_getter(args, env, at)
    noun = _noun(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return _missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        test = require(ctx)
        total = 0
        failed: list[int] = []
        unknown: list[int] = []
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
            result = test(record)
            if result is False:
                failed.append(index)
            elif result is None:
                unknown.append(index)
        facts = {"total": total, "failed_count": len(failed), "unknown_count": len(unknown),
                 "passed_count": total - len(failed) - len(unknown)}
        if total == 0:
            return _none_selected(args, facts, path)
        if failed:
            labels = [label(records[i], i) for i in failed]
            ex = examples(labels)
            facts["examples"] = ex.en
            return Outcome(
                Status.FAIL,
                Text(f"{total} 条{noun.zh}中有 {len(failed)} 条不符合要求：{ex.zh}",
                     f"{len(failed)} of {total} {noun.en} do not meet the requirement: {ex.en}"),
                facts,
                [(path + (i,), label(records[i], i)) for i in failed[:EVIDENCE_CAP]],
            )
        if unknown:
            labels = [label(records[i], i) for i in unknown]
            ex = examples(labels)
            facts["examples"] = ex.en
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"{total} 条{noun.zh}中有 {len(unknown)} 条缺少判定所需的数据：{ex.zh}",
                     f"{len(unknown)} of {total} {noun.en} lack the data needed to decide: {ex.en}"),
                facts,
                [(path + (i,), label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
            )
        return Outcome(
            Status.PASS,
            Text(f"全部 {total} 条{noun.zh}符合要求", f"all {total} {noun.en} meet the requirement"),
            facts,
            [(path, f"{total} records checked")],
        )

    return run


@_register(
    "count",
    "The number of selected records is at least `min` and at most `max`.",
    _args(RECORDS_ARGS | {"min": VALUE, "max": VALUE}, ("records",)),
    ("count", "unknown_count", "min", "max"),
)
def _count(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = _select_records(args, env, at)
    where = _where(args, env, at)
    low = compile_value(args["min"], env, at + ("min",)) if "min" in args else None
    high = compile_value(args["max"], env, at + ("max",)) if "max" in args else None
    if low is None and high is None:
        raise env.error("ECS104", "count needs min, max or both", at)
    label = _label_getter(args, env, at)
    noun = _noun(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return _missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        matched: list[int] = []
        unknown: list[int] = []
        for index, record in enumerate(records):
            chosen = True if keep is None else keep(record)
            if chosen is True:
                matched.append(index)
            elif chosen is None:
                unknown.append(index)
        n = len(matched)
        lo = low(ctx)(None) if low else None
        hi = high(ctx)(None) if high else None
        facts = {"count": n, "unknown_count": len(unknown), "min": lo, "max": hi}
        bounds = Text(
            "".join([f"不少于 {lo}" if lo is not None else "", "，" if lo is not None and hi is not None else "",
                     f"不多于 {hi}" if hi is not None else ""]),
            " and ".join(([f"at least {lo}"] if lo is not None else []) + ([f"at most {hi}"] if hi is not None else [])),
        )
        found = Text(f"符合条件的{noun.zh}有 {n} 条（要求{bounds.zh}）", f"{n} matching {noun.en} (required: {bounds.en})")
        evidence = [(path + (i,), label(records[i], i)) for i in matched[:EVIDENCE_CAP]] or [(path, "0 matching")]
        too_few = lo is not None and n < lo
        too_many = hi is not None and n > hi
        if too_many or (too_few and n + len(unknown) < lo):
            return Outcome(Status.FAIL, found, facts, evidence)
        if too_few or (hi is not None and n + len(unknown) > hi):
            ex = examples([label(records[i], i) for i in unknown])
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                found.join(Text(f"{len(unknown)} 条无法判定：{ex.zh}", f"{len(unknown)} cannot be decided: {ex.en}")),
                facts, evidence,
            )
        return Outcome(Status.PASS, found, facts, evidence)

    return run


# ------------------------------------------------------------------ deadlines


LIMIT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"hours": VALUE, "working_days": VALUE, "agreed_field": FIELD},
    "minProperties": 1,
}


@_register(
    "deadline",
    "Each selected record's `end` comes no later than its deadline after `start`: "
    "a number of hours (exact to the second), working days on the mainland China calendar, "
    "or an agreed time in `agreed_field` when the record has one.",
    _args(RECORDS_ARGS | {"start": FIELD, "end": FIELD, "limit": LIMIT}, ("records", "start", "end", "limit")),
    ("total", "failed_count", "unknown_count", "pending_count", "on_time_count", "examples", "max_elapsed_hours"),
)
def _deadline(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = _select_records(args, env, at)
    where = _where(args, env, at)
    get_start = getter(args["start"], env, at + ("start",))
    get_end = getter(args["end"], env, at + ("end",))
    limit = args["limit"]
    if ("hours" in limit) == ("working_days" in limit):
        raise env.error("ECS104", "limit takes exactly one of hours or working_days (plus optional agreed_field)", at + ("limit",))
    hours_of = compile_value(limit["hours"], env, at + ("limit", "hours")) if "hours" in limit else None
    days_of = compile_value(limit["working_days"], env, at + ("limit", "working_days")) if "working_days" in limit else None
    get_agreed = getter(limit["agreed_field"], env, at + ("limit", "agreed_field")) if "agreed_field" in limit else None
    label = _label_getter(args, env, at)
    noun = _noun(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return _missing_collection(args)
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
            return _none_selected(args, facts, path)
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


# ------------------------------------------------------------------ weekly coverage


@_register(
    "weekly_coverage",
    "A weekly schedule gives at least `min_days` days with at least `min_hours` hours of service each "
    "(union over channels; overnight intervals split at midnight).",
    _args({"schedule": JSONPATH, "min_days": VALUE, "min_hours": VALUE,
           "agents": {"type": "array", "items": {"enum": ["human", "bot"]}, "minItems": 1, "uniqueItems": True}},
          ("schedule", "min_days", "min_hours")),
    ("days_meeting", "hours_per_day", "min_days", "min_hours"),
)
def _weekly_coverage(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["schedule"], at + ("schedule",))
    days_of = compile_value(args["min_days"], env, at + ("min_days",))
    hours_of = compile_value(args["min_hours"], env, at + ("min_hours",))
    agents = frozenset(args.get("agents", ["human"]))

    def run(ctx: EvalContext) -> Outcome:
        found = ctx.select(path)
        if not found or not isinstance(found[0][1], dict):
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"证据包中没有服务时间表（{args['schedule']} 缺失）", f"the bundle has no service schedule ({args['schedule']} is missing)"),
            )
        where, schedule = found[0]
        min_days, min_hours = days_of(ctx)(None), hours_of(ctx)(None)
        schedule_tz = timecalc.zone(schedule.get("time_zone") or ctx.tz_name)
        intervals: list[timecalc.Interval] = []
        for entry in schedule.get("schedules", []):
            entry_tz = timecalc.zone(entry["time_zone"]) if entry.get("time_zone") else schedule_tz
            shift = timecalc.zone_shift_minutes(entry_tz, ctx.tz, ctx.period_start)
            for interval in entry["intervals"]:
                if interval.get("agent", "human") in agents:
                    intervals.extend(timecalc.weekly_intervals(interval["days"], interval["start"], interval["end"], shift))
        covered = timecalc.minutes_per_day(intervals)
        per_day = {day: round(minutes / 60, 2) for day, minutes in covered.items()}
        meeting = [day for day, minutes in covered.items() if minutes >= min_hours * 60]
        short = [day for day in timecalc.WEEKDAYS if day not in meeting]
        facts = {"days_meeting": len(meeting), "hours_per_day": per_day, "min_days": min_days, "min_hours": min_hours}
        table = ", ".join(f"{day} {hours(per_day[day])} h" for day in timecalc.WEEKDAYS)
        zh_days = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日"}
        table_zh = "，".join(f"{zh_days[day]} {hours(per_day[day])} 小时" for day in timecalc.WEEKDAYS)
        message = Text(
            f"每周有 {len(meeting)} 天服务时长不少于 {hours(min_hours)} 小时（要求不少于 {min_days} 天）：{table_zh}",
            f"{len(meeting)} days a week have at least {hours(min_hours)} h of service (required: {min_days}): {table}",
        )
        status = Status.PASS if len(meeting) >= min_days else Status.FAIL
        note = "short days: " + ", ".join(short) if short and status is Status.FAIL else f"{len(meeting)} days meet"
        return Outcome(status, message, facts, [(where, note)])

    return run


# ------------------------------------------------------------------ per-person yearly counts


@_register(
    "per_person",
    "Each selected person has at least `min_per_year` dated events (e.g. trainings) in each calendar "
    "year of the evaluation period they were employed in, pro-rated by days employed unless prorate is false.",
    _args(RECORDS_ARGS | {"events": FIELD, "event_date": FIELD, "min_per_year": VALUE, "prorate": {"type": "boolean"},
                          "employed_from": FIELD, "employed_until": FIELD},
          ("records", "events", "event_date", "min_per_year")),
    ("total", "failed_count", "unknown_count", "examples"),
)
def _per_person(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = _select_records(args, env, at)
    where = _where(args, env, at)
    get_events = getter(args["events"], env, at + ("events",))
    get_event_date = getter(args["event_date"], env, at + ("event_date",))
    get_from = getter(args.get("employed_from", "hired_on"), env, at + ("employed_from",))
    get_until = getter(args.get("employed_until", "left_on"), env, at + ("employed_until",))
    min_of = compile_value(args["min_per_year"], env, at + ("min_per_year",))
    prorate = args.get("prorate", True)
    label = _label_getter(args, env, at)
    noun = _noun(args)

    def required(minimum: int, window_days: int, year_days: int) -> int:
        if not prorate:
            return minimum
        return math.floor(minimum * window_days / year_days + 0.5)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return _missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        minimum = min_of(ctx)(None)
        last = min(ctx.period_end, ctx.as_of)
        date = ctx.instants.date
        total = 0
        failed: list[tuple[int, str]] = []
        unknown: list[int] = []
        for index, person in enumerate(records):
            if keep is not None:
                chosen = keep(person)
                if chosen is False:
                    continue
                if chosen is None:
                    total += 1
                    unknown.append(index)
                    continue
            start_text = get_from(person)
            if start_text is MISSING:
                total += 1
                unknown.append(index)
                continue
            employed_from = date(start_text)
            until_text = get_until(person)
            employed_until = date(until_text) if until_text is not MISSING else last
            events = get_events(person)
            event_days = [date(d) for e in (events if isinstance(events, list) else []) if (d := get_event_date(e)) is not MISSING]
            counted = False
            shortfalls = []
            for year in range(ctx.period_start.year, last.year + 1):
                lo = max(dt.date(year, 1, 1), ctx.period_start, employed_from)
                hi = min(dt.date(year, 12, 31), last, employed_until)
                if hi < lo:
                    continue
                counted = True
                year_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                need = required(minimum, (hi - lo).days + 1, year_days)
                have = sum(1 for day in event_days if lo <= day <= hi)
                if have < need:
                    shortfalls.append(f"{year}: {have} < {need}")
            if not counted:
                continue
            total += 1
            if shortfalls:
                failed.append((index, f"{label(person, index)} ({'; '.join(shortfalls)})"))
        facts: dict[str, Any] = {"total": total, "failed_count": len(failed), "unknown_count": len(unknown)}
        if total == 0:
            return _none_selected(args, facts, path)
        if failed:
            ex = examples([detail for _, detail in failed])
            facts["examples"] = ex.en
            return Outcome(
                Status.FAIL,
                Text(f"{total} 名{noun.zh}中有 {len(failed)} 名次数不足（每年至少 {minimum} 次）：{ex.zh}",
                     f"{len(failed)} of {total} {noun.en} fall short of {minimum} a year: {ex.en}"),
                facts,
                [(path + (i,), detail) for i, detail in failed[:EVIDENCE_CAP]],
            )
        if unknown:
            ex = examples([label(records[i], i) for i in unknown])
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"{len(unknown)} 名{noun.zh}缺少判定所需的日期：{ex.zh}", f"{len(unknown)} {noun.en} lack the dates needed to decide: {ex.en}"),
                facts,
                [(path + (i,), label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
            )
        return Outcome(
            Status.PASS,
            Text(f"全部 {total} 名{noun.zh}每年至少 {minimum} 次（按在职天数折算）" if prorate else f"全部 {total} 名{noun.zh}每年至少 {minimum} 次",
                 f"all {total} {noun.en} reach {minimum} a year" + (" (pro-rated by days employed)" if prorate else "")),
            facts,
            [(path, f"{total} people checked")],
        )

    return run


# ------------------------------------------------------------------ documents, attestations, audits


def _attachment_problem(ctx: EvalContext, attachment: Mapping[str, Any] | None) -> tuple[Status, Text] | None:
    if not attachment:
        return Status.INSUFFICIENT_EVIDENCE, Text("没有附件", "no supporting file")
    check = ctx.attachments.get(attachment["path"])
    if check is None or check.status == "missing":
        return Status.INSUFFICIENT_EVIDENCE, Text(f"附件 {attachment['path']} 不存在", f"file {attachment['path']} is missing")
    if check.status == "mismatch":
        return Status.FAIL, Text(
            f"附件 {attachment['path']} 的 SHA-256 与声明不符（已被改动），不能作为证据",
            f"file {attachment['path']} does not match its declared SHA-256 (changed since it was pinned); it does not count as evidence",
        )
    if check.status == "too_large":
        return Status.INSUFFICIENT_EVIDENCE, Text(f"附件 {attachment['path']} 超过大小限制", f"file {attachment['path']} is over the size limit")
    return None


@_register(
    "document",
    "A document of `kind` is in the bundle, in force on the as-of date, its file present and matching "
    "its SHA-256, and covering each topic in `covers`.",
    _args({"kind": CODE, "covers": {"type": "array", "items": CODE, "uniqueItems": True}, "noun": TEXT}, ("kind",)),
    ("documents_found",),
)
def _document(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    kind = args["kind"]
    covers = tuple(args.get("covers", ()))
    noun = _noun(args) if "noun" in args else Text(f"“{kind}”类文件", f"{kind} document")

    def run(ctx: EvalContext) -> Outcome:
        documents = ctx.data.get("documents")
        if not isinstance(documents, list):
            documents = []
        candidates = [(i, d) for i, d in enumerate(documents) if d.get("kind") == kind]
        if not candidates:
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                {"documents_found": 0},
            )
        rejected: list[tuple[int, Status, Text]] = []
        for index, doc in candidates:
            problems: list[tuple[Status, Text]] = []
            issued = ctx.instants.date(doc["issued_on"])
            if issued > ctx.as_of:
                problems.append((Status.FAIL, Text(f"{issued} 才生效", f"not in force until {issued}")))
            if doc.get("valid_until") and ctx.instants.date(doc["valid_until"]) < ctx.as_of:
                problems.append((Status.FAIL, Text(f"已于 {doc['valid_until']} 失效", f"expired on {doc['valid_until']}")))
            missing = [topic for topic in covers if topic not in doc.get("covers", [])]
            if missing:
                problems.append((Status.FAIL, Text(f"未涵盖：{'、'.join(missing)}", f"does not cover: {', '.join(missing)}")))
            attachment = _attachment_problem(ctx, {"path": doc["path"], "sha256": doc["sha256"]})
            if attachment:
                problems.append(attachment)
            if not problems:
                title = doc["title"]
                return Outcome(
                    Status.PASS,
                    Text(f"{noun.zh}《{title}》有效（{doc['issued_on']} 生效，文件摘要已核验）",
                         f"{noun.en} '{title}' is in force (issued {doc['issued_on']}, file digest verified)"),
                    {"documents_found": len(candidates)},
                    [(("documents", index), f"{doc['id']}: {title}")],
                )
            status = worst(p[0] for p in problems)
            reason = problems[0][1]
            for _, text in problems[1:]:
                reason = reason.join(text)
            rejected.append((index, status, Text(f"{doc['id']}：{reason.zh}", f"{doc['id']}: {reason.en}")))
        status = worst(s for _, s, _ in rejected)
        reasons = rejected[0][2]
        for _, _, text in rejected[1:]:
            reasons = reasons.join(text)
        return Outcome(
            status,
            Text(f"没有有效的{noun.zh}：{reasons.zh}", f"no valid {noun.en}: {reasons.en}"),
            {"documents_found": len(candidates)},
            [(("documents", i), None) for i, _, _ in rejected],
        )

    return run


def _same_person(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if not a or not b:
        return False
    if a.get("staff_id") and b.get("staff_id"):
        return bool(a["staff_id"] == b["staff_id"])
    return str(a.get("name", "")).strip().casefold() == str(b.get("name", "")).strip().casefold()


@_register(
    "attestation",
    "A signed attestation on `topic` by a named person, dated within the evaluation period, not by the "
    "person it is about, backed by a digest-verified document; its conclusion decides.",
    _args({"topic": CODE, "roles": {"type": "array", "items": {"type": "string"}, "minItems": 1}, "noun": TEXT}, ("topic",)),
    ("attestations_found",),
)
def _attestation(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    topic = args["topic"]
    roles = tuple(args.get("roles", ()))
    noun = _noun(args) if "noun" in args else Text(f"关于“{topic}”的声明", f"attestation on {topic}")

    def run(ctx: EvalContext) -> Outcome:
        items = ctx.data.get("attestations")
        if not isinstance(items, list):
            items = []
        candidates = [(i, a) for i, a in enumerate(items) if a.get("topic") == topic]
        if not candidates:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                           {"attestations_found": 0})
        valid: list[tuple[int, Mapping[str, Any]]] = []
        rejected: list[tuple[int, Status, Text]] = []
        for index, item in candidates:
            problems: list[tuple[Status, Text]] = []
            on = ctx.instants.date(item["attested_on"])
            if on < ctx.period_start:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(f"日期 {on} 早于评价期", f"dated {on}, before the evaluation period")))
            if _same_person(item.get("attested_by"), item.get("subject")):
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text("由被证明者本人出具", "made by the person it is about")))
            if roles and item["attested_by"].get("role") not in roles:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(
                    f"出具人角色不是 {'/'.join(roles)}", f"attester's role is not one of {', '.join(roles)}")))
            attachment = _attachment_problem(ctx, item.get("document"))
            if attachment:
                problems.append(attachment)
            if problems:
                reason = problems[0][1]
                for _, text in problems[1:]:
                    reason = reason.join(text)
                rejected.append((index, worst(p[0] for p in problems), Text(f"{item['id']}：{reason.zh}", f"{item['id']}: {reason.en}")))
            else:
                valid.append((index, item))
        if not valid:
            reasons = rejected[0][2]
            for _, _, text in rejected[1:]:
                reasons = reasons.join(text)
            return Outcome(
                worst(s for _, s, _ in rejected),
                Text(f"没有可采信的{noun.zh}：{reasons.zh}", f"no acceptable {noun.en}: {reasons.en}"),
                {"attestations_found": len(candidates)},
                [(("attestations", i), None) for i, _, _ in rejected],
            )
        index, item = max(valid, key=lambda pair: (pair[1]["attested_on"], pair[1]["id"]))
        by = item["attested_by"]
        method = item["method"]
        sample = f", sample {method['sample_size']}" if method.get("sample_size") is not None else ""
        sample_zh = f"，样本 {method['sample_size']}" if method.get("sample_size") is not None else ""
        found = f", {method['findings']} findings" if method.get("findings") is not None else ""
        found_zh = f"，发现问题 {method['findings']} 个" if method.get("findings") is not None else ""
        conforms = item["conclusion"] == "conforms"
        verdict = Text("结论：符合" if conforms else "结论：不符合", "conclusion: conforms" if conforms else "conclusion: does not conform")
        message = Text(
            f"经声明核验（非机器判定）：{by['name']}（{by['role']}）于 {item['attested_on']} 以 {method['type']} 方式核查{sample_zh}{found_zh}，{verdict.zh}",
            f"attested, not machine-judged: {by['name']} ({by['role']}) on {item['attested_on']} by {method['type']}{sample}{found}; {verdict.en}",
        )
        return Outcome(
            Status.PASS if conforms else Status.FAIL,
            message,
            {"attestations_found": len(candidates)},
            [(("attestations", index), item["id"])],
        )

    return run


@_register(
    "audit",
    "Quality audits covering the evaluation period checked `check` on sampled conversations, and the "
    "share that complied is at least `min_percent`.",
    _args({"check": CODE, "min_percent": VALUE}, ("check", "min_percent")),
    ("checked", "compliant", "percent", "min_percent"),
)
def _audit(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    check = args["check"]
    min_of = compile_value(args["min_percent"], env, at + ("min_percent",))

    def run(ctx: EvalContext) -> Outcome:
        audits = ctx.data.get("quality_audits")
        if not isinstance(audits, list):
            audits = []
        used = []
        checked = compliant = 0
        for index, audit in enumerate(audits):
            covers = audit["covers"]
            if ctx.instants.date(covers["end"]) < ctx.period_start or ctx.instants.date(covers["start"]) > ctx.period_end:
                continue
            result = audit["checks"].get(check)
            if result is None:
                continue
            used.append((index, audit["id"]))
            checked += result["checked"]
            compliant += result["compliant"]
        minimum = min_of(ctx)(None)
        if not used or checked == 0:
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"评价期内没有检查“{check}”的质检记录", f"no quality audit in the evaluation period checked '{check}'"),
                {"checked": 0, "compliant": 0, "percent": None, "min_percent": minimum},
            )
        percent = round(compliant * 100 / checked, 2)
        facts = {"checked": checked, "compliant": compliant, "percent": percent, "min_percent": minimum}
        message = Text(
            f"质检抽查 {checked} 次会话，{compliant} 次符合“{check}”（{hours(percent)}%，要求不低于 {hours(minimum)}%）",
            f"quality audits checked '{check}' in {checked} sampled conversations: {compliant} complied ({hours(percent)} %, required at least {hours(minimum)} %)",
        )
        status = Status.PASS if compliant * 100 >= minimum * checked else Status.FAIL
        return Outcome(status, message, facts, [(("quality_audits", i), audit_id) for i, audit_id in used])

    return run


# ------------------------------------------------------------------ simple values


@_register(
    "present",
    "A value exists at `path` (and, by default, is not empty).",
    _args({"path": JSONPATH, "nonempty": {"type": "boolean"}, "noun": TEXT}, ("path",)),
    ("size",),
)
def _present(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["path"], at + ("path",))
    nonempty = args.get("nonempty", True)
    noun = _noun(args) if "noun" in args else Text(args["path"], args["path"])

    def run(ctx: EvalContext) -> Outcome:
        found = [(p, v) for p, v in ctx.select(path) if v is not None]
        values = [v for _, v in found if not nonempty or v not in ("", [], {})]
        if not values:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"), {"size": 0})
        size = sum(len(v) if isinstance(v, (list, dict)) else 1 for v in values)
        return Outcome(Status.PASS, Text(f"已提供{noun.zh}（{size} 项）", f"{noun.en} provided ({size} entries)"), {"size": size},
                       [(p, None) for p, _ in found[:EVIDENCE_CAP]])

    return run


_COMPARE = {"ge": (">=", "不低于"), "gt": (">", "高于"), "le": ("<=", "不高于"), "lt": ("<", "低于"), "eq": ("=", "等于"), "ne": ("!=", "不等于")}


@_register(
    "compare",
    "A bundle value compared with a limit: `value` `op` `to`.",
    _args({"value": VALUE, "op": {"enum": list(_COMPARE)}, "to": VALUE, "unit": {"type": "string"}, "noun": TEXT},
          ("value", "op", "to")),
    ("value", "limit"),
)
def _compare(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    value_of = compile_value(args["value"], env, at + ("value",))
    limit_of = compile_value(args["to"], env, at + ("to",))
    op = args["op"]
    unit = f" {args['unit']}" if args.get("unit") else ""
    noun = _noun(args) if "noun" in args else Text("数值", "value")
    test = {"ge": lambda a, b: a >= b, "gt": lambda a, b: a > b, "le": lambda a, b: a <= b,
            "lt": lambda a, b: a < b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}[op]
    symbol, words = _COMPARE[op]
    source = compile_path(args["value"]["path"]) if isinstance(args["value"], Mapping) and "path" in args["value"] else None

    def run(ctx: EvalContext) -> Outcome:
        value, limit = value_of(ctx)(None), limit_of(ctx)(None)
        if value is MISSING or limit is MISSING:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                           {"value": None, "limit": None if limit is MISSING else limit})
        evidence = [(p, None) for p, _ in ctx.select(source)[:1]] if source else []
        return Outcome(
            Status.PASS if test(value, limit) else Status.FAIL,
            Text(f"{noun.zh}为 {value}{unit}（要求{words} {limit}{unit}）", f"{noun.en} is {value}{unit} (required {symbol} {limit}{unit})"),
            {"value": value, "limit": limit},
            evidence,
        )

    return run


@_register(
    "manual",
    "Always manual_review: what the rule cannot decide, with the reason a person must look.",
    _args({"reason": TEXT}, ("reason",)),
    (),
)
def _manual(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    reason = Text.from_mapping(args["reason"])
    return lambda ctx: Outcome(Status.MANUAL_REVIEW, reason)


# ------------------------------------------------------------------ combinators

_GOODNESS = {s: i for i, s in enumerate(reversed(SEVERITY))}  # pass/not_applicable best, error worst
_GOODNESS[Status.PASS], _GOODNESS[Status.NOT_APPLICABLE] = 0, 1


def _merge(outcomes: list[Outcome], status: Status) -> Outcome:
    message = outcomes[0].message
    for outcome in outcomes[1:]:
        message = message.join(outcome.message)
    facts: dict[str, Any] = {}
    for i, outcome in enumerate(outcomes):
        for key, value in outcome.facts.items():
            facts[f"{i + 1}.{key}"] = value
    return Outcome(
        status,
        message,
        facts,
        [ref for outcome in outcomes for ref in outcome.evidence],
        [note for outcome in outcomes for note in outcome.notes],
    )


def _sub_rules(args: Any, env: CompileEnv, at: tuple[Any, ...], name: str) -> list[Rule]:
    if not isinstance(args, list) or not args:
        raise env.error("ECS104", f"{name} takes a non-empty list of rules", at)
    return [compile_rule(rule, env, at + (i,)) for i, rule in enumerate(args)]


@_register("all_of", "Every sub-rule holds; the result is the worst of them.", {"type": "array", "items": RULE, "minItems": 1}, ())
def _all_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "all_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = [rule(ctx) for rule in rules]
        applicable = [o for o in outcomes if o.status is not Status.NOT_APPLICABLE] or outcomes
        return _merge(applicable, worst(o.status for o in outcomes))

    return run


@_register("any_of", "At least one sub-rule holds; the result is the best of them.", {"type": "array", "items": RULE, "minItems": 1}, ())
def _any_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "any_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = [rule(ctx) for rule in rules]
        best = min(outcomes, key=lambda o: _GOODNESS[o.status])
        if best.status in (Status.PASS, Status.NOT_APPLICABLE):
            return best
        return _merge(outcomes, best.status)

    return run


@_register(
    "first_of",
    "The first sub-rule whose evidence is present decides (e.g. records if given, else an aggregate).",
    {"type": "array", "items": RULE, "minItems": 1},
    (),
)
def _first_of(args: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    rules = _sub_rules(args, env, at, "first_of")

    def run(ctx: EvalContext) -> Outcome:
        outcomes = []
        for rule in rules:
            outcome = rule(ctx)
            if outcome.status is not Status.INSUFFICIENT_EVIDENCE:
                return outcome
            outcomes.append(outcome)
        return _merge(outcomes, Status.INSUFFICIENT_EVIDENCE)

    return run


# ------------------------------------------------------------------ rules and messages

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """Substitute `{name}`; no attribute access, no format specs, no code."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), match.group(0))
        return hours(value) if isinstance(value, float) else str(value)

    return _PLACEHOLDER.sub(replace, template)


def compile_rule(spec: Any, env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    if not isinstance(spec, Mapping):
        raise env.error("ECS104", "a rule is a mapping with one operator", at)
    names = [key for key in spec if key != "messages"]
    if len(names) != 1:
        raise env.error("ECS104", f"a rule has exactly one operator; found {', '.join(names) or 'none'}", at)
    name = names[0]
    operator_ = OPERATORS.get(name)
    if operator_ is None:
        raise env.error("ECS104", f"unknown operator {name!r}; known: {', '.join(sorted(OPERATORS))}", at + (name,))
    rule = operator_.compile(spec[name], env, at + (name,))
    templates = spec.get("messages")
    if not templates:
        return rule
    allowed = set(operator_.facts) | set(env.params)
    for status, text in templates.items():
        for lang in ("zh", "en"):
            for placeholder in _PLACEHOLDER.findall(text.get(lang, "")):
                if placeholder not in allowed and placeholder != "detail":
                    raise env.error("ECS112", f"message uses {{{placeholder}}}, which {name} does not provide",
                                    at + ("messages", status, lang))

    def with_messages(ctx: EvalContext) -> Outcome:
        outcome = rule(ctx)
        template = templates.get(outcome.status.value)
        if template:
            values = dict(env.params) | outcome.facts
            values["detail"] = outcome.message.en
            zh_values = values | {"detail": outcome.message.zh}
            outcome.message = Text(render_template(template["zh"], zh_values), render_template(template["en"], values))
        return outcome

    return with_messages
