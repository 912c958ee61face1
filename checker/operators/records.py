"""Record operators: every, count, per_person."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import (
    EVIDENCE_CAP,
    FIELD,
    PREDICATE,
    RECORDS_ARGS,
    VALUE,
    Outcome,
    Rule,
    Tally,
    args_schema,
    examples,
    label_getter,
    missing_collection,
    noun_of,
    register,
    select_records,
    where_of,
)
from checker.predicates import MISSING, compile_predicate, compile_value, getter
from checker.trace import COUNTED, NOT_COUNTED, SKIPPED, UNKNOWN

# ------------------------------------------------------------------ every / count


@register(
    "every",
    "Every selected record satisfies `require`.",
    args_schema(RECORDS_ARGS | {"require": PREDICATE}, ("records", "require")),
    ("total", "failed_count", "unknown_count", "passed_count", "examples"),
)
def _every(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    require = compile_predicate(args["require"], env, at + ("require",))
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        test = require(ctx)
        tally = Tally(ctx.trace, path)
        for index, record in tally.kept(records, where(ctx) if where else None, label):
            result = test(record)
            if result is False:
                tally.fail(index, label(record, index) if tally.detailed else None)
            elif result is None:
                tally.undecided(index, label(record, index) if tally.trace is not None or len(tally.unknown) < EVIDENCE_CAP else None)
        return tally.outcome(
            args, path, tally.facts(), noun,
            failed=Text("不符合要求", "do not meet the requirement"),
            undecided=Text("缺少判定所需的数据", "lack the data needed to decide"),
            passed=Text(f"全部 {tally.total} 条{noun.zh}符合要求", f"all {tally.total} {noun.en} meet the requirement"),
        )

    return run


@register(
    "count",
    "The number of selected records is at least `min` and at most `max`.",
    args_schema(RECORDS_ARGS | {"min": VALUE, "max": VALUE}, ("records",)),
    ("count", "unknown_count", "min", "max"),
)
def _count(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    low = compile_value(args["min"], env, at + ("min",)) if "min" in args else None
    high = compile_value(args["max"], env, at + ("max",)) if "max" in args else None
    if low is None and high is None:
        raise env.error("ECS104", "count needs min, max or both", at)
    label = label_getter(args, env, at)
    noun = noun_of(args)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        keep = where(ctx) if where else None
        matched: list[int] = []
        unknown: list[int] = []
        trace = ctx.trace
        for index, record in enumerate(records):
            if trace is not None:
                trace.begin_record(path + (index,), label(record, index))
                trace.phase = "where"
            chosen = True if keep is None else keep(record)
            if chosen is True:
                matched.append(index)
            elif chosen is None:
                unknown.append(index)
            if trace is not None:
                trace.end_record(COUNTED if chosen else SKIPPED if chosen is False else UNKNOWN)
        n = len(matched)
        lo = low(ctx)(None) if low else None
        hi = high(ctx)(None) if high else None
        if trace is not None:
            for bound, op in ((lo, ">="), (hi, "<=")):
                if bound is not None:
                    trace.compare("count", n, op, bound, n >= bound if op == ">=" else n <= bound)
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


# ------------------------------------------------------------------ per-person yearly counts


@register(
    "per_person",
    "Each selected person has at least `min_per_year` dated events (e.g. trainings) in each calendar "
    "year of the evaluation period they were employed in, pro-rated by days employed unless prorate is false.",
    args_schema(RECORDS_ARGS | {"events": FIELD, "event_date": FIELD, "min_per_year": VALUE, "prorate": {"type": "boolean"},
                          "employed_from": FIELD, "employed_until": FIELD},
          ("records", "events", "event_date", "min_per_year")),
    ("total", "failed_count", "unknown_count", "examples"),
)
def _per_person(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    get_events = getter(args["events"], env, at + ("events",))
    get_event_date = getter(args["event_date"], env, at + ("event_date",))
    get_from = getter(args.get("employed_from", "hired_on"), env, at + ("employed_from",))
    get_until = getter(args.get("employed_until", "left_on"), env, at + ("employed_until",))
    min_of = compile_value(args["min_per_year"], env, at + ("min_per_year",))
    prorate = args.get("prorate", True)
    label = label_getter(args, env, at)
    noun = noun_of(args) if "noun" in args else Text("人员", "people")

    def required(minimum: int, window_days: int, year_days: int) -> int:
        if not prorate:
            return minimum
        return math.floor(minimum * window_days / year_days + 0.5)

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        minimum = min_of(ctx)(None)
        last = min(ctx.period_end, ctx.as_of)
        date = ctx.instants.date
        tally = Tally(ctx.trace, path)
        for index, person in tally.kept(records, where(ctx) if where else None, label):
            start_text = get_from(person)
            if start_text is MISSING:
                tally.undecided(index, label(person, index))
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
                if ctx.trace is not None:
                    days = (hi - lo).days + 1
                    ctx.trace.compare(f"{args['events']} {lo}..{hi}", have, ">=", need, have >= need, note=Text(
                        f"每年至少 {minimum} 次" + (f"，按 {days} 天折算" if prorate else ""),
                        f"at least {minimum} a year" + (f", pro-rated over {days} days" if prorate else "")))
                if have < need:
                    shortfalls.append(f"{year}: {have} < {need}")
            if not counted:  # not employed during the period: not judged at all
                tally.total -= 1
                if ctx.trace is not None:
                    ctx.trace.verdict(NOT_COUNTED, Text("评价期内不在职", "not employed in the evaluation period"))
            elif shortfalls:
                tally.fail(index, f"{label(person, index)} ({'; '.join(shortfalls)})")
        facts = tally.facts()
        del facts["passed_count"]
        rule = "（按在职天数折算）" if prorate else ""
        return tally.outcome(
            args, path, facts, noun, measure="名",
            failed=Text(f"次数不足（每年至少 {minimum} 次）", f"fall short of {minimum} a year"),
            undecided=Text("缺少判定所需的日期", "lack the dates needed to decide"),
            passed=Text(f"全部 {tally.total} 名{noun.zh}每年至少 {minimum} 次{rule}",
                        f"all {tally.total} {noun.en} reach {minimum} a year" + (" (pro-rated by days employed)" if prorate else "")),
        )

    return run


