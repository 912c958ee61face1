"""Operator registry, outcome model and the helpers operators share.

A policy's `check.rule` (or each item's `rule`) is a mapping with exactly
one operator key. Compiling it yields a function `EvalContext -> Outcome`.
Each operator declares the JSON Schema of its arguments (assembled into
schemas/policy.schema.json) and the facts it reports, which message
templates may use as `{placeholders}`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.paths import PathTuple
from checker.predicates import MISSING, BoundPred, compile_predicate, getter
from checker.trace import FAILED, PASSED, SKIPPED, UNKNOWN, Trace

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


def register(name: str, summary: str, schema: Mapping[str, Any], facts: tuple[str, ...]) -> Callable[[Compiler], Compiler]:
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


def args_schema(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
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


def noun_of(args: Mapping[str, Any]) -> Text:
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


def label_getter(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Callable[[Any, int], str]:
    get = getter(args.get("label", "id"), env, at + ("label",))

    def label(record: Any, index: int) -> str:
        value = get(record)
        return f"#{index}" if value is MISSING else str(value)

    return label


def select_records(
    args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]
) -> Callable[[EvalContext], tuple[PathTuple, list[Any]] | None]:
    """The record list a record operator reads, or None when the bundle lacks it."""
    path = env.path(args["records"], at + ("records",))

    def select(ctx: EvalContext) -> tuple[PathTuple, list[Any]] | None:
        found = ctx.select(path)
        lists = [(p, v) for p, v in found if isinstance(v, list)]
        if ctx.trace is not None:
            for p, v in lists or found[:1]:
                ctx.trace.read(path.text, v, p, Text(f"{len(v)} 条记录", f"{len(v)} records") if isinstance(v, list)
                               else Text("不是列表", "not a list"))
            if not found:
                ctx.trace.read(path.text, MISSING)
        if not lists:
            return None
        if len(lists) == 1:
            return lists[0]
        merged: list[Any] = []
        for _, values in lists:
            merged.extend(values)
        return (), merged

    return select


def missing_collection(args: Mapping[str, Any]) -> Outcome:
    noun = noun_of(args)
    return Outcome(
        Status.INSUFFICIENT_EVIDENCE,
        Text(f"证据包中没有{noun.zh}（{args['records']} 缺失）", f"the bundle has no {noun.en} ({args['records']} is missing)"),
        {"total": 0},
    )


def none_selected(args: Mapping[str, Any], facts: dict[str, Any], path: PathTuple) -> Outcome:
    noun = noun_of(args)
    status = Status(args.get("if_none", "not_applicable"))
    return Outcome(
        status,
        Text(f"评价期内没有需要检查的{noun.zh}", f"no {noun.en} to check in the evaluation period"),
        facts,
        [(path, "0 records")],
    )


def where_of(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> BoundPred | None:
    return compile_predicate(args["where"], env, at + ("where",)) if "where" in args else None



# ------------------------------------------------------------------ record helpers

# ------------------------------------------------------------------ rules and messages

@dataclass
class Tally:
    """What a record operator found: records judged, those that failed and those it could not decide.

    `kept` runs the `where` filter; a record the filter cannot decide still
    counts and is undecided. `outcome` turns the tally into the usual verdict:
    any failure fails, else any undecided record is insufficient evidence,
    else no record at all is the rule's `if_none`, else pass.

    With a trace (`ctx.trace`), `kept` runs a second loop that also opens a
    trace record per record and closes it with the verdict the operator gave.
    """

    trace: Trace | None = None
    path: PathTuple = ()  # where the records are, for the trace
    ranked: bool = False  # failures carry a severity (`fail(..., worse=)`) and the worst are shown first
    total: int = 0
    failed: list[tuple[int, Any]] = field(default_factory=list)  # detail: Text, a callable writing it on demand, or None
    unknown: list[tuple[int, Text | None]] = field(default_factory=list)  # None: named by the record's label, on demand
    _records: list[Any] = field(default_factory=list)
    _label: Callable[[Any, int], str] | None = None
    # ranked: the EVIDENCE_CAP worst failures so far as a min-heap of (severity, -index, detail), the least bad on top
    _worst: list[tuple[Any, int, Any]] = field(default_factory=list)

    def kept(self, records: list[Any], keep: Callable[[Any], bool | None] | None,
             label: Callable[[Any, int], str]) -> Iterator[tuple[int, Any]]:
        self._records, self._label = records, label
        if self.trace is not None:
            yield from self._kept_traced(self.trace, records, keep, label)
            return
        if keep is None:
            self.total += len(records)
            yield from enumerate(records)
            return
        unknown = self.unknown
        counted = 0  # added to total when the loop ends (the operators read it after)
        for index, record in enumerate(records):
            chosen = keep(record)
            if chosen is True:
                counted += 1
                yield index, record
            elif chosen is None:  # undecided by the filter: it counts, and is named only if shown
                counted += 1
                unknown.append((index, None))
        self.total += counted

    def _detail(self, index: int, detail: Text | Callable[[], Text] | None) -> Text:
        if isinstance(detail, Text):
            return detail
        if detail is not None:  # written on demand: only shown records are described
            return detail()
        name = self._label(self._records[index], index) if self._label else f"#{index}"
        return Text(name, name)

    def _kept_traced(self, trace: Trace, records: list[Any], keep: Callable[[Any], bool | None] | None,
                     label: Callable[[Any, int], str]) -> Iterator[tuple[int, Any]]:
        for index, record in enumerate(records):
            name = label(record, index)
            trace.begin_record(self.path + (index,), name)
            if keep is not None:
                trace.phase = "where"
                chosen = keep(record)
                if chosen is False:
                    trace.end_record(SKIPPED)
                    continue
                if chosen is None:
                    self.total += 1
                    self.unknown.append((index, Text(name, name)))
                    trace.end_record(UNKNOWN, Text("筛选条件无法判定", "the where condition cannot be decided"))
                    continue
            self.total += 1
            trace.phase = "require"
            failed, unknown = len(self.failed), len(self.unknown)
            yield index, record
            if len(self.failed) > failed:
                trace.end_record(FAILED, self._detail(*self.failed[-1]))
            elif len(self.unknown) > unknown:
                trace.end_record(UNKNOWN, self.unknown[-1][1])
            else:
                trace.end_record(PASSED)

    @property
    def detailed(self) -> bool:
        """Whether the next failure's detail can be shown: only the first EVIDENCE_CAP are, unless traced.

        An operator skips writing the detail of a failure nobody will read
        (`fail(index, None)` still counts it), which on long lists is most of
        the work. A ranked tally asks `shows(severity)` instead.
        """
        return self.trace is not None or len(self.failed) < EVIDENCE_CAP

    def shows(self, severity: Any) -> bool:
        """Whether a failure of this severity, found after every one so far, would be among the EVIDENCE_CAP shown.

        Ties go to the earlier record, so a later one must be strictly worse
        than the least bad shown. Cheap: one comparison once the heap is full.
        """
        worst = self._worst
        return self.trace is not None or len(worst) < EVIDENCE_CAP or severity > worst[0][0]

    def fail(self, index: int, detail: Text | str | Callable[[], Text] | None, worse: Any = None) -> None:
        """Count a failed record. A ranked tally needs `worse`, its severity (larger is worse; any ordered values),
        and a detail exactly when `shows(worse)`: the details kept are those of the EVIDENCE_CAP worst, ties by
        record order."""
        if not self.ranked:
            self.failed.append((index, Text(detail, detail) if isinstance(detail, str) else detail))
            return
        if detail is None:  # counted only: `shows` said it is not among the worst (the usual case on long lists)
            self.failed.append((index, None))
            return
        detail = Text(detail, detail) if isinstance(detail, str) else detail
        self.failed.append((index, detail if self.trace is not None else None))  # counted; shown from the heap
        worst = self._worst
        if len(worst) < EVIDENCE_CAP:
            heapq.heappush(worst, (worse, -index, detail))
        elif (worse, -index) > worst[0][:2]:
            heapq.heapreplace(worst, (worse, -index, detail))

    def shown_failures(self) -> list[tuple[int, Any]]:
        """The failures a finding shows, at most EVIDENCE_CAP: in record order, or the worst first when ranked."""
        if not self.ranked:
            return self.failed[:EVIDENCE_CAP]
        return [(-negated, detail) for _, negated, detail in sorted(self._worst, key=lambda e: (e[0], e[1]), reverse=True)]

    def undecided(self, index: int, detail: Text | str | None) -> None:
        self.unknown.append((index, Text(detail, detail) if isinstance(detail, str) else detail))

    def facts(self) -> dict[str, Any]:
        return {"total": self.total, "failed_count": len(self.failed), "unknown_count": len(self.unknown),
                "passed_count": self.total - len(self.failed) - len(self.unknown)}

    def outcome(self, args: Mapping[str, Any], path: PathTuple, facts: dict[str, Any], noun: Text, *, failed: Text,
                undecided: Text, passed: Text, measure: str = "条") -> Outcome:
        """`failed`/`undecided` complete "N of TOTAL <noun> ..." (zh: "TOTAL 条<noun>中有 N 条...")."""
        for entries, status, words in ((self.failed, Status.FAIL, failed), (self.unknown, Status.INSUFFICIENT_EVIDENCE, undecided)):
            if not entries or (status is Status.INSUFFICIENT_EVIDENCE and self.total == 0):
                continue
            chosen = self.shown_failures() if status is Status.FAIL else entries[:EVIDENCE_CAP]
            shown = [(i, self._detail(i, d)) for i, d in chosen]
            first = shown[:EXAMPLES_IN_MESSAGE]
            ex = Text(examples([d.zh for _, d in first], len(entries)).zh, examples([d.en for _, d in first], len(entries)).en)
            facts["examples"] = ex.en
            return Outcome(
                status,
                Text(f"{self.total} {measure}{noun.zh}中有 {len(entries)} {measure}{words.zh}：{ex.zh}",
                     f"{len(entries)} of {self.total} {noun.en} {words.en}: {ex.en}"),
                facts,
                [(path + (i,), d.en) for i, d in shown],
            )
        if self.total == 0:
            return none_selected(args, facts, path)
        return Outcome(Status.PASS, passed, facts, [(path, f"{self.total} records checked")])


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """Substitute `{name}`; no attribute access, no format specs, no code."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), match.group(0))
        return hours(value) if isinstance(value, float) else str(value)

    return _PLACEHOLDER.sub(replace, template)


def _fills(template: Mapping[str, str], known: set[str]) -> bool:
    """Whether this outcome provides every placeholder the template names.

    The same status can arise in ways that report different facts (a missing
    collection has no examples); the operator's own message is kept then.
    """
    return all(name in known for lang in ("zh", "en") for name in _PLACEHOLDER.findall(template.get(lang, "")))


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
    rule = _traced(operator_.compile(spec[name], env, at + (name,)), name, at + (name,))
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
        if template and _fills(template, set(env.params) | set(outcome.facts) | {"detail"}):
            values = dict(env.params) | outcome.facts
            values["detail"] = outcome.message.en
            zh_values = values | {"detail": outcome.message.zh}
            outcome.message = Text(render_template(template["zh"], zh_values), render_template(template["en"], values))
            if ctx.trace is not None:
                ctx.trace.worded(outcome.message)
        return outcome

    return with_messages


def _traced(rule: Rule, name: str, at: tuple[Any, ...]) -> Rule:
    """The rule, opening a trace step around each evaluation when the run is traced (one test per call)."""

    def run(ctx: EvalContext) -> Outcome:
        trace = ctx.trace
        if trace is None:
            return rule(ctx)
        step = trace.enter(name, at)
        outcome = None
        try:
            outcome = rule(ctx)
        finally:
            trace.leave(step, outcome)
        return outcome

    return run
