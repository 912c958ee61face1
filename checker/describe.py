"""A policy's check in words: what each rule decides, how to fix a failure, which fields it reads.

`ecs-check explain` prints these beside the clause's own text. They are
read off the rule as written in the policy (its operator and arguments), so
they say what the engine does, never what a clause means: that is the
policy's `requirement`.

Predicates are written in a small notation shared by both languages:
`=`, `≠`, `∈`, `∉`, `≥`, `>`, `≤`, `<` (numbers and times alike),
`∈ period` (within the evaluation period), `has(f)`, `nonempty(f)`,
`v ∈ f` (a list field contains v), `len(f) ≥ v`, `any(f: P)`, `all(f: P)`
over a list field, `∧`, `∨`, `¬`; `[missing: true]` is the answer when the
field is absent. `{param}` values show the parameter and its value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from checker.findings import Text

_FIELD_OPS = {
    "equals": "=", "not_equals": "≠", "in": "∈", "not_in": "∉", "ge": "≥", "gt": ">", "le": "≤", "lt": "<",
    "before": "<", "on_or_before": "≤", "after": ">", "on_or_after": "≥",
}
_COMPARE_OPS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "=", "ne": "≠"}
AGENTS = {"human": Text("人工", "human"), "bot": Text("机器人", "bot")}


def literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def value(spec: Any, params: Mapping[str, Any]) -> str:
    """A value expression: a literal, `name (= value)` for a parameter, a field, a path or a context value."""
    if isinstance(spec, Mapping) and len(spec) == 1:
        ((kind, arg),) = spec.items()
        if kind == "param":
            return f"{arg} (= {literal(params.get(arg))})"
        if kind in ("field", "path", "context"):
            return str(arg)
    if isinstance(spec, list):
        return "{" + ", ".join(literal(v) for v in spec) + "}"
    return literal(spec)


def predicate(spec: Any, params: Mapping[str, Any]) -> str:
    if not isinstance(spec, Mapping):
        return literal(spec)
    if "field" not in spec:
        ((kind, arg),) = spec.items()
        if kind in ("all", "any"):
            joined = (" ∧ " if kind == "all" else " ∨ ").join(predicate(p, params) for p in arg)
            return f"({joined})" if len(arg) > 1 else joined
        return f"¬{predicate(arg, params)}"
    name = spec["field"]
    op = next(key for key in spec if key not in ("field", "if_missing"))
    arg = spec[op]
    if op in _FIELD_OPS:
        text = f"{name} {_FIELD_OPS[op]} {value(arg, params)}"
    elif op == "present":
        text = f"has({name})" if arg else f"¬has({name})"
    elif op == "nonempty":
        text = f"nonempty({name})" if arg else f"¬nonempty({name})"
    elif op == "within_period":
        text = f"{name} ∈ period"
    elif op == "contains":
        text = f"{value(arg, params)} ∈ {name}"
    elif op == "length_ge":
        text = f"len({name}) ≥ {value(arg, params)}"
    elif op == "attached":
        text = f"attached({name})" if arg else f"¬attached({name})"
    else:  # some, every
        text = f"{'any' if op == 'some' else 'all'}({name}: {predicate(arg, params)})"
    if "if_missing" in spec:
        text += f" [missing: {literal(spec['if_missing'])}]"
    return text


def _noun(args: Mapping[str, Any], default: Text) -> Text:
    noun = args.get("noun")
    return Text(noun["zh"], noun["en"]) if isinstance(noun, Mapping) else default


def _where(args: Mapping[str, Any], params: Mapping[str, Any]) -> Text:
    if "where" not in args:
        return Text("", "")
    condition = predicate(args["where"], params)
    return Text(f"（满足 {condition}）", f" where {condition}")


RECORDS = Text("条记录", "records")


def _limit(limit: Mapping[str, Any], params: Mapping[str, Any]) -> Text:
    parts_zh, parts_en = [], []
    for unit, zh, en in (("hours", "小时", "h"), ("seconds", "秒", "s"), ("working_days", "个工作日", "working days")):
        if unit in limit:
            shown = value(limit[unit], params)
            parts_zh.append(f"{shown} {zh}")
            parts_en.append(f"{shown} {en}")
    if "agreed_field" in limit:
        parts_zh.append(f"记录中有 {limit['agreed_field']} 时以其约定时间为准")
        parts_en.append(f"or the time agreed in {limit['agreed_field']} when a record has one")
    return Text("，".join(parts_zh), ", ".join(parts_en))


# ------------------------------------------------------------------ one function per operator: (how it decides, how to fix)

Explained = tuple[Text, Text]


def _every(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where, require = _noun(args, RECORDS), _where(args, params), predicate(args["require"], params)
    return (Text(f"{args['records']} 中每条{noun.zh}{where.zh}都须满足 {require}",
                 f"each of the {noun.en} in {args['records']}{where.en} must satisfy {require}"),
            Text(f"使每条{noun.zh}{where.zh}满足 {require}；缺少所读字段的记录无法判定，须补全",
                 f"make each of the {noun.en}{where.en} satisfy {require}; a record lacking a field read here cannot be "
                 "decided, so fill it in"))


def _count(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where = _noun(args, RECORDS), _where(args, params)
    bounds_zh = "，".join(([f"不少于 {value(args['min'], params)}"] if "min" in args else [])
                         + ([f"不多于 {value(args['max'], params)}"] if "max" in args else []))
    bounds_en = " and ".join(([f"at least {value(args['min'], params)}"] if "min" in args else [])
                             + ([f"at most {value(args['max'], params)}"] if "max" in args else []))
    return (Text(f"{args['records']} 中{where.zh}的{noun.zh}条数须{bounds_zh}",
                 f"the number of {noun.en} in {args['records']}{where.en} must be {bounds_en}"),
            Text(f"使{args['records']} 中{where.zh}的{noun.zh}条数{bounds_zh}",
                 f"keep {bounds_en} {noun.en}{where.en} in {args['records']}"))


def _deadline(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where, limit = _noun(args, RECORDS), _where(args, params), _limit(args["limit"], params)
    end = args["end"] if isinstance(args["end"], str) else " / ".join(args["end"])
    return (Text(f"{args['records']} 中每条{noun.zh}{where.zh}：{end} 不晚于 {args['start']} 起 {limit.zh}；"
                 "到评价日已过期限仍未完成的记为超时",
                 f"for each of the {noun.en} in {args['records']}{where.en}: {end} no later than {args['start']} + {limit.en}; "
                 "one still open after its deadline by the as-of date is late"),
            Text(f"每条{noun.zh}都在 {args['start']} 起 {limit.zh}内完成，并如实记录 {end}",
                 f"complete each of the {noun.en} within {limit.en} of {args['start']} and record the time in {end}"))


def _per_person(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where = _noun(args, Text("人员", "people")), _where(args, params)
    minimum = value(args["min_per_year"], params)
    prorate = args.get("prorate", True)
    start, end = args.get("employed_from", "hired_on"), args.get("employed_until", "left_on")
    rule_zh = "（按在职天数折算）" if prorate else ""
    rule_en = " (pro-rated by days employed)" if prorate else ""
    return (Text(f"{args['records']} 中每名{noun.zh}{where.zh}在评价期内每个在职年度（{start}–{end}）"
                 f"{args['events']} 中按 {args['event_date']} 计至少 {minimum} 次{rule_zh}",
                 f"each of the {noun.en} in {args['records']}{where.en} has at least {minimum} {args['events']} "
                 f"dated by {args['event_date']} in each calendar year employed ({start} to {end}){rule_en}"),
            Text(f"为每名{noun.zh}每年安排至少 {minimum} 次并记入 {args['events']}（含 {args['event_date']}），记录 {start}",
                 f"give each person at least {minimum} a year, recorded in {args['events']} with {args['event_date']}, "
                 f"and record {start}"))


def _weekly_coverage(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    agents = [AGENTS[a] for a in args.get("agents", ["human"])]
    who = Text("、".join(a.zh for a in agents), " or ".join(a.en for a in agents))
    days, hours = value(args["min_days"], params), value(args["min_hours"], params)
    return (Text(f"{args['schedule']} 的服务时间表每周至少 {days} 天、每天{who.zh}服务不少于 {hours} 小时（各渠道合并，跨夜时段按日拆分）",
                 f"the schedule at {args['schedule']} gives at least {days} days a week with at least {hours} h of "
                 f"{who.en} service (channels merged, overnight hours split at midnight)"),
            Text(f"安排并在 {args['schedule']} 中声明每周至少 {days} 天、每天不少于 {hours} 小时的{who.zh}服务",
                 f"staff and declare in {args['schedule']} at least {hours} h of {who.en} service on at least {days} days a week"))


def _document(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    covers = args.get("covers", ())
    topics = Text(f"，涵盖 {'、'.join(covers)}", f", covering {', '.join(covers)}") if covers else Text("", "")
    return (Text(f"$.documents 中有 kind 为 {args['kind']} 的文件：issued_on ≤ 评价日 ≤ valid_until，附件存在且 SHA-256 一致{topics.zh}",
                 f"$.documents holds a document of kind {args['kind']}: issued_on ≤ as-of ≤ valid_until, its file present "
                 f"with a matching SHA-256{topics.en}"),
            Text(f"在 documents 中登记 kind 为 {args['kind']}、评价日有效的文件，附上文件及其 SHA-256{topics.zh}",
                 f"add to documents an entry of kind {args['kind']} in force on the as-of date, with its file in the "
                 f"bundle and that file's SHA-256{topics.en}"))


def _attestation(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    roles = args.get("roles", ())
    by = Text(f"（角色为 {'/'.join(roles)}）", f" (role one of {', '.join(roles)})") if roles else Text("", "")
    return (Text(f"$.attestations 中有关于 {args['topic']} 的声明：具名出具人{by.zh}、非被证明者本人、日期在评价期内、"
                 "附签署文件且 SHA-256 一致；其结论决定结果",
                 f"$.attestations holds an attestation on {args['topic']}: by a named person{by.en} other than its subject, "
                 "dated in the evaluation period, backed by a signed file with a matching SHA-256; its conclusion decides"),
            Text(f"由具名人员{by.zh}（非被证明者）在评价期内出具关于 {args['topic']} 的签署声明并附文件，结论为 conforms",
                 f"obtain a signed statement on {args['topic']} from a named person{by.en} who is not its subject, dated "
                 "in the evaluation period, with the signed file attached; its conclusion must be conforms"))


def _audit(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    minimum = value(args["min_percent"], params)
    return (Text(f"覆盖评价期的质检记录（$.quality_audits）检查了 {args['check']}，合格 / 抽查 ≥ {minimum}%",
                 f"quality audits covering the evaluation period ($.quality_audits) checked {args['check']}, "
                 f"with compliant / checked ≥ {minimum} %"),
            Text(f"质检抽查会话时检查 {args['check']}，记录 checks.{args['check']}.checked 与 .compliant，合格率不低于 {minimum}%",
                 f"have quality audits of sampled conversations check {args['check']}, record checks.{args['check']}.checked "
                 f"and .compliant, with at least {minimum} % compliant"))


def _present(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    empty = Text("且不为空", " and is not empty") if args.get("nonempty", True) else Text("", "")
    return (Text(f"{args['path']} 有值{empty.zh}", f"a value exists at {args['path']}{empty.en}"),
            Text(f"在证据包中提供 {args['path']}", f"provide {args['path']} in the bundle"))


def _includes(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    wanted = args["values"]
    return (Text(f"{args['path']} 列表包含 {'、'.join(wanted)}", f"the list at {args['path']} holds {', '.join(wanted)}"),
            Text(f"在 {args['path']} 中声明 {'、'.join(wanted)}（并确实提供）",
                 f"declare {', '.join(wanted)} in {args['path']} (and provide them)"))


def _linked(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where = _noun(args, RECORDS), _where(args, params)
    order = args.get("not_after")
    dated = Text(f"，其 {order['target']} 不晚于本记录的 {order['record']}", f", dated ({order['target']}) no later than "
                 f"its {order['record']}") if order else Text("", "")
    return (Text(f"{args['records']} 中每条{noun.zh}{where.zh}在 {args['link']} 中引用 {args['target']} 中存在的记录{dated.zh}",
                 f"each of the {noun.en} in {args['records']}{where.en} cites in {args['link']} records that exist in "
                 f"{args['target']}{dated.en}"),
            Text(f"在每条{noun.zh}的 {args['link']} 中填写 {args['target']} 中相应记录的 id{dated.zh}",
                 f"fill in {args['link']} of each of the {noun.en} with the id of a record in {args['target']}{dated.en}"))


def _compare(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    unit = f" {args['unit']}" if args.get("unit") else ""
    formula = f"{value(args['value'], params)} {_COMPARE_OPS[args['op']]} {value(args['to'], params)}{unit}"
    return (Text(formula, formula), Text(f"使 {formula} 成立", f"bring the value to {formula}"))


def _manual(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    reason = Text(args["reason"]["zh"], args["reason"]["en"])
    return (Text(f"由人员判断：{reason.zh}", f"a person decides: {reason.en}"),
            Text(f"备齐人工评审所需材料：{reason.zh}", f"prepare what the reviewer needs: {reason.en}"))


def _share(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where, require = _noun(args, RECORDS), _where(args, params), predicate(args["require"], params)
    share = value(args["min_percent"], params)
    return (Text(f"{args['records']} 中{where.zh}的{noun.zh}至少 {share}% 满足 {require}（无法判定的记录计为不满足，除非结论不受影响）",
                 f"at least {share} % of the {noun.en} in {args['records']}{where.en} satisfy {require} (an undecided record "
                 "counts against the share unless the result is the same either way)"),
            Text(f"使至少 {share}% 的{noun.zh}满足 {require}，并补全无法判定的记录",
                 f"bring at least {share} % of the {noun.en} to satisfy {require}, and complete the undecided records"))


def _matched(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where = _noun(args, RECORDS), _where(args, params)
    key = args.get("key", "id")
    extra = f"，且满足 {predicate(args['require'], params)}" if "require" in args else ""
    extra_en = f" and satisfies {predicate(args['require'], params)}" if "require" in args else ""
    return (Text(f"{args['records']} 中每条{noun.zh}{where.zh}在 {args['in']} 中都有对应记录（其 {args['on']} 等于本记录的 {key}{extra}）",
                 f"each of the {noun.en} in {args['records']}{where.en} has a counterpart in {args['in']} whose {args['on']} "
                 f"equals its {key}{extra_en}"),
            Text(f"为每条{noun.zh}在 {args['in']} 中补上对应记录", f"record the counterpart in {args['in']} for each of the {noun.en}"))


def _satisfies(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun = _noun(args, Text(args["path"], args["path"]))
    require = predicate(args["require"], params)
    return (Text(f"{noun.zh}（{args['path']}）须满足 {require}；对象或所需字段缺失为证据不足",
                 f"{noun.en} ({args['path']}) must satisfy {require}; a missing object or field is insufficient evidence"),
            Text(f"使 {args['path']} 满足 {require}", f"make {args['path']} satisfy {require}"))


def _within_hours(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    noun, where = _noun(args, RECORDS), _where(args, params)
    default = value(args["default_hours"], params)
    own = f"记录自身的 {args['hours_field']}，否则 " if "hours_field" in args else ""
    own_en = f"the record's own {args['hours_field']}, else " if "hours_field" in args else ""
    end = args["end"] if isinstance(args["end"], str) else " / ".join(args["end"])
    return (Text(f"{args['records']} 中每条{noun.zh}{where.zh}：{end} 不晚于 {args['start']} 起 {own}{default} 小时（恰好等于为按时）",
                 f"for each of the {noun.en} in {args['records']}{where.en}: {end} within {own_en}{default} h of {args['start']} "
                 "(exactly on the limit is on time)"),
            Text(f"在时限内完成每条{noun.zh}，并记录开始与完成时间", f"complete each of the {noun.en} within its limit and record both times"))


def _kpi(args: Mapping[str, Any], params: Mapping[str, Any]) -> Explained:
    names = ", ".join(args["indicators"])
    if "op" in args:
        bound = f"{_FIELD_OPS.get(args['op'], args['op'])} {value(args['to'], params)}"
        return (Text(f"由证据包的计数与记录重新计算指标 {names}，每项须 {bound}", f"indicators {names}, recomputed from the bundle's counts and records, each {bound}"),
                Text(f"使指标 {names} 达到 {bound}，并提供计算所需的计数", f"bring {names} to {bound} and give the counts they are computed from"))
    return (Text(f"指标 {names} 须能按标准口径由证据包重新计算", f"indicators {names} must be computable from the bundle on the standard's basis"),
            Text(f"提供计算 {names} 所需的计数与记录（见 docs/nj-eccs-grading.md）", f"give the counts and records {names} need (see docs/nj-eccs-grading.md)"))


OPERATORS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Explained]] = {
    "share": _share, "matched": _matched, "satisfies": _satisfies, "within_hours": _within_hours, "kpi": _kpi,
    "every": _every, "count": _count, "deadline": _deadline, "per_person": _per_person,
    "weekly_coverage": _weekly_coverage, "document": _document, "attestation": _attestation, "audit": _audit,
    "present": _present, "includes": _includes, "linked": _linked, "compare": _compare, "manual": _manual,
}
COMBINATORS = {
    "all_of": Text("以下全部成立（取最差结果）：", "all of these hold (the worst outcome counts):"),
    "any_of": Text("以下任一成立（取最好结果）：", "any of these holds (the best outcome counts):"),
    "first_of": Text("以下第一个证据齐备者决定：", "the first of these whose evidence is present decides:"),
}


def rule_lines(spec: Mapping[str, Any], params: Mapping[str, Any], at: tuple[Any, ...]) -> list[dict[str, Any]]:
    """A rule as a tree of lines: `{depth, at, operator, how: Text, fix: Text | None}`, parents before children."""
    name = next(key for key in spec if key != "messages")
    args = spec[name]
    here = at + (name,)
    if name in COMBINATORS:
        lines = [{"depth": 0, "at": here, "operator": name, "how": COMBINATORS[name], "fix": None}]
        for index, sub in enumerate(args):
            lines += [dict(line, depth=line["depth"] + 1) for line in rule_lines(sub, params, here + (index,))]
        return lines
    if name == "when":
        lines = [{"depth": 0, "at": here, "operator": name, "fix": None,
                  "how": Text("按情形选择，第一个成立的条件决定：", "by case; the first condition that holds decides:")}]
        for index, case in enumerate(args):
            condition = predicate(case["if"], params)
            lines.append({"depth": 1, "at": here + (index, "if"), "operator": "if", "fix": None,
                          "how": Text(f"情形 {index + 1}：若 {condition}", f"case {index + 1}: if {condition}")})
            lines += [dict(line, depth=line["depth"] + 2) for line in rule_lines(case["then"], params, here + (index, "then"))]
        return lines
    if name == "optional":
        lines = [{"depth": 0, "at": here, "operator": name, "fix": None,
                  "how": Text("允许的做法（可）：采用时须满足下列规则，未采用为不适用（绝不判为不符合）：",
                              "a permitted practice (可): when used it must meet the rule below; not used is not_applicable, never fail:")}]
        return lines + [dict(line, depth=line["depth"] + 1) for line in rule_lines(args["rule"], params, here + ("rule",))]
    how, fix = OPERATORS[name](args, params)
    return [{"depth": 0, "at": here, "operator": name, "how": how, "fix": fix}]


# ------------------------------------------------------------------ evidence fields


def _type_of(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return "any"
    if "enum" in schema:
        return " | ".join(literal(v) for v in schema["enum"])
    if "const" in schema:
        return literal(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"array of {_type_of(schema.get('items'))}" if isinstance(schema.get("items"), Mapping) else "array"
    if kind:
        return str(kind)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return " | ".join(_type_of(branch) for branch in schema[key])
    return "object" if "properties" in schema else "any"


def fields(schema: Any, prefix: str = "$", depth: int = 0) -> list[dict[str, Any]]:
    """The fields an evidence schema declares, flattened: `{path, type, required}`, in schema order."""
    if not isinstance(schema, Mapping) or depth > 6:
        return []
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):
        return fields(schema["items"], f"{prefix}[*]", depth + 1)
    out = []
    required = set(schema.get("required", ()))
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}"
        out.append({"path": path, "type": _type_of(sub), "required": name in required})
        out += fields(sub, path, depth + 1)
    return out
