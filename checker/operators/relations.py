"""The matched operator: each selected record has a counterpart in another list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import (
    EVIDENCE_CAP,
    FIELD,
    JSONPATH,
    PREDICATE,
    RECORDS_ARGS,
    TEXT,
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
from checker.predicates import MISSING, compile_predicate, getter


@register(
    "matched",
    "Each selected record has a counterpart in the list `in`: a record whose `on` field equals the "
    "selected record's `key` field (default id) and, if given, satisfies `require` "
    "(e.g. every planned drill was held; every suggestion led to an improvement).",
    args_schema(RECORDS_ARGS | {"key": FIELD, "in": JSONPATH, "on": FIELD, "require": PREDICATE, "counterpart": TEXT},
                ("records", "in", "on")),
    ("total", "failed_count", "unknown_count", "examples"),
)
def _matched(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    source = env.path(args["records"], at + ("records",))
    where = where_of(args, env, at)
    targets = select_records({"records": args["in"]}, env, at + ("in",))
    get_key = getter(args.get("key", "id"), env, at + ("key",))
    get_on = getter(args["on"], env, at + ("on",))
    require = compile_predicate(args["require"], env, at + ("require",)) if "require" in args else None
    label = label_getter(args, env, at)
    noun = noun_of(args)
    other = Text.from_mapping(args["counterpart"]) if "counterpart" in args else Text("对应记录", "counterpart")

    def run(ctx: EvalContext) -> Outcome:
        lists = [(p, v) for p, v in ctx.select(source) if isinstance(v, list)]
        if not lists:
            return missing_collection(args)
        # records from several lists ($.evaluations[*].report.suggestions) keep their own paths
        located = [(p + (i,), record) for p, values in lists for i, record in enumerate(values)]
        path = lists[0][0] if len(lists) == 1 else ()
        records = [record for _, record in located]
        found = targets(ctx)
        if found is None:
            return missing_collection({"records": args["in"], "noun": args.get("counterpart")})
        target_path, target_records = found
        keep = where(ctx) if where else None
        test = require(ctx) if require else None
        by_key: dict[Any, list[int]] = {}
        for index, target in enumerate(target_records):
            value = get_on(target)
            if value is not MISSING:
                by_key.setdefault(value, []).append(index)
        total = 0
        failed: list[int] = []
        unknown: list[int] = []
        matches: list[int] = []
        for index, record in enumerate(records):
            chosen = True if keep is None else keep(record)
            if chosen is False:
                continue
            total += 1
            key = get_key(record)
            if chosen is None or key is MISSING:
                unknown.append(index)
                continue
            candidates = by_key.get(key, [])
            results = [True if test is None else test(target_records[i]) for i in candidates]
            if True in results:
                matches.append(candidates[results.index(True)])
            elif None in results:
                unknown.append(index)
            else:
                failed.append(index)
        facts: dict[str, Any] = {"total": total, "failed_count": len(failed), "unknown_count": len(unknown)}
        if total == 0:
            return none_selected(args, facts, path)
        if failed:
            ex = examples([label(records[i], i) for i in failed])
            facts["examples"] = ex.en
            return Outcome(
                Status.FAIL,
                Text(f"{total} 条{noun.zh}中有 {len(failed)} 条没有{other.zh}：{ex.zh}",
                     f"{len(failed)} of {total} {noun.en} have no {other.en}: {ex.en}"),
                facts,
                [(located[i][0], label(records[i], i)) for i in failed[:EVIDENCE_CAP]],
            )
        if unknown:
            ex = examples([label(records[i], i) for i in unknown])
            facts["examples"] = ex.en
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"{len(unknown)} 条{noun.zh}缺少判定所需的数据：{ex.zh}", f"{len(unknown)} {noun.en} lack the data needed to decide: {ex.en}"),
                facts,
                [(located[i][0], label(records[i], i)) for i in unknown[:EVIDENCE_CAP]],
            )
        return Outcome(
            Status.PASS,
            Text(f"全部 {total} 条{noun.zh}均有{other.zh}", f"all {total} {noun.en} have their {other.en}"),
            facts,
            [(path, f"{total} records checked")] + [(target_path + (i,), None) for i in matches[:EVIDENCE_CAP]],
        )

    return run
