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
from checker.predicates import MISSING, compile_predicate, compile_value, getter

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
            return none_selected(args, facts, path)
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
            return none_selected(args, facts, path)
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


