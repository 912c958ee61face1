"""The linked operator: each record is backed by records it cites by id elsewhere in the bundle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Text
from checker.operators.base import (
    FIELD,
    JSONPATH,
    RECORDS_ARGS,
    TEXT,
    Outcome,
    Rule,
    Tally,
    args_schema,
    label_getter,
    missing_collection,
    noun_of,
    register,
    select_records,
    where_of,
)
from checker.predicates import MISSING, getter

# ------------------------------------------------------------------ linked


NOT_AFTER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["target", "record"],
    "properties": {"target": FIELD, "record": FIELD},
    "description": "Each cited record's `target` date or time is on or before the citing record's `record` date or time.",
}


@register(
    "linked",
    "Each selected record cites, in `link` (an id or a list of ids), at least one record of the list at "
    "`target`; every cited id exists there and, with `not_after`, is dated on or before the citing record. "
    "Citing nothing or an unknown id is insufficient_evidence; a cited record dated after the citing one fails.",
    args_schema(RECORDS_ARGS | {"link": FIELD, "target": JSONPATH, "target_noun": TEXT, "not_after": NOT_AFTER},
                ("records", "link", "target")),
    ("total", "failed_count", "unknown_count", "passed_count", "examples"),
)
def _linked(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    select = select_records(args, env, at)
    where = where_of(args, env, at)
    get_link = getter(args["link"], env, at + ("link",))
    target_path = env.path(args["target"], at + ("target",))
    order = args.get("not_after")
    get_target_time = getter(order["target"], env, at + ("not_after", "target")) if order else None
    get_record_time = getter(order["record"], env, at + ("not_after", "record")) if order else None
    label = label_getter(args, env, at)
    noun = noun_of(args)
    target_noun = Text.from_mapping(args["target_noun"]) if "target_noun" in args else Text("被引用的记录", "cited records")

    def when(ctx: EvalContext, text: Any) -> dt.date | dt.datetime:
        return ctx.instants.temporal(str(text))

    def later(ctx: EvalContext, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> bool:
        """Whether a comes after b; a date against a time compares local dates."""
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
            a = ctx.instants.local_date(a) if isinstance(a, dt.datetime) else a
            b = ctx.instants.local_date(b) if isinstance(b, dt.datetime) else b
        return a > b

    def run(ctx: EvalContext) -> Outcome:
        selected = select(ctx)
        if selected is None:
            return missing_collection(args)
        path, records = selected
        targets_found = [(p, v) for p, v in ctx.select(target_path) if isinstance(v, list)]
        index: dict[str, Mapping[str, Any]] = {}
        for _, values in targets_found:
            for value in values:
                if isinstance(value, Mapping) and value.get("id") is not None:
                    index.setdefault(str(value["id"]), value)
        trace = ctx.trace
        tally = Tally(trace, path)
        for i, record in tally.kept(records, where(ctx) if where else None, label):
            name = label(record, i)
            cited = get_link(record)
            ids = [str(cited)] if isinstance(cited, str) else [str(x) for x in cited] if isinstance(cited, list) else []
            if trace is not None:
                trace.read(args["link"], cited, path + (i, *args["link"].split(".")))
            if not ids:
                tally.undecided(i, Text(f"{name}（未引用任何{target_noun.zh}）", f"{name} (cites none)"))
                continue
            if not targets_found:
                tally.undecided(i, Text(f"{name}（引用 {'、'.join(ids)}，但 {args['target']} 缺失）",
                                        f"{name} (cites {', '.join(ids)}; {args['target']} is missing)"))
                continue
            absent = [x for x in ids if x not in index]
            if trace is not None:
                for x in ids:
                    trace.compare(f"{args['target']}[id={x}]", x, "in", args["target"], x not in absent)
            if absent:
                tally.undecided(i, Text(f"{name}（{'、'.join(absent)} 不存在）", f"{name} ({', '.join(absent)} not found)"))
                continue
            if order is None:
                continue
            record_time = get_record_time(record)
            if record_time is MISSING:
                tally.undecided(i, Text(f"{name}（缺少 {order['record']}）", f"{name} (no {order['record']})"))
                continue
            moment = when(ctx, record_time)
            too_late = []
            undated = []
            for x in ids:
                target_time = get_target_time(index[x])
                late = None if target_time is MISSING else later(ctx, when(ctx, target_time), moment)
                if trace is not None:
                    trace.compare(f"{x}.{order['target']}", target_time, "<=", record_time, None if late is None else not late)
                if late is None:
                    undated.append(x)
                elif late:
                    too_late.append((x, target_time))
            if too_late:
                field = order["target"]
                tally.fail(i, Text(
                    f"{name}（{'；'.join(f'{x} 的 {field} 为 {t}' for x, t in too_late)}，晚于 {record_time}）",
                    f"{name} ({'; '.join(f'{x} {field} {t}' for x, t in too_late)}, after {record_time})",
                ))
            elif undated:
                tally.undecided(i, Text(f"{name}（{'、'.join(undated)} 缺少 {order['target']}）",
                                        f"{name} ({', '.join(undated)} has no {order['target']})"))
        dated = Text("且日期不晚于该记录", " dated on or before them") if order else Text("", "")
        return tally.outcome(
            args, path, tally.facts(), noun,
            failed=Text(f"所引用的{target_noun.zh}晚于该记录", f"cite {target_noun.en} dated after them"),
            undecided=Text(f"无法对应到{target_noun.zh}", f"cannot be matched to {target_noun.en}"),
            passed=Text(f"全部 {tally.total} 条{noun.zh}均有对应的{target_noun.zh}{dated.zh}",
                        f"all {tally.total} {noun.en} are backed by {target_noun.en}{dated.en}"),
        )

    return run
