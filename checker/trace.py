"""An evaluation trace: what each rule read, compared and decided, recorded while the engine runs.

`ecs-check explain POLICY --bundle B` passes a `Trace` in `EvalContext.trace`;
`check` passes none. The hooks that feed it sit where a rule is called
(`checker.operators.base.compile_rule`), where a predicate is bound to a run
(`checker.predicates`) and in the operators' record loops, and each tests
`ctx.trace` once per rule or per binding, never per record: with tracing off
the per-record code is the same closures as before.

The trace mirrors the evaluation: per check (the whole clause or one
lettered item) the applicability tests, then a tree of steps, one per rule
evaluated (an `all_of` holds its sub-rules). A step holds the values it read,
the comparisons it made and the records it judged, each with the
comparisons made on it and its verdict. Every record that failed or could
not be decided is kept; of the rest only the first `keep` per verdict, with
a count of all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from checker.findings import Status, Text
from checker.paths import PathTuple, field_steps

# record verdicts
PASSED, FAILED, UNKNOWN, SKIPPED = "pass", "fail", "unknown", "skipped"
COUNTED, PENDING, ERROR, NOT_COUNTED = "counted", "pending", "error", "not counted"
DECIDING = frozenset({FAILED, UNKNOWN, ERROR})  # always kept


@dataclass
class Comparison:
    """A value read, and what it was compared with (op empty for a plain read)."""

    subject: str  # a dotted field, a JSONPath, or the name of a computed value
    left: Any
    op: str = ""
    right: Any = None
    result: bool | None = None
    path: PathTuple | None = None  # where `left` is in the bundle, for file:line
    phase: str | None = None  # "applies_if", "where", "require", "if"
    note: Text | None = None


@dataclass
class RecordTrace:
    path: PathTuple
    label: str
    verdict: str = PASSED
    detail: Text | None = None
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass
class StepTrace:
    """One rule as evaluated: its operator, where it is written, and what it found."""

    operator: str
    at: tuple[Any, ...]
    comparisons: list[Comparison] = field(default_factory=list)
    records: list[RecordTrace] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    children: list[StepTrace] = field(default_factory=list)
    status: Status | None = None
    message: Text | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: list[tuple[PathTuple, str | None]] = field(default_factory=list)


@dataclass
class CheckTrace:
    item: str | None
    comparisons: list[Comparison] = field(default_factory=list)  # applicability
    steps: list[StepTrace] = field(default_factory=list)
    status: Status | None = None


class Trace:
    """The collector. One per traced evaluation; not shared between threads."""

    def __init__(self, keep: int = 20) -> None:
        self.keep = keep
        self.preamble: list[Comparison] = []  # what the engine tested before the first check (the policy's applies_if)
        self.checks: list[CheckTrace] = []
        self.phase: str | None = None
        self._steps: list[StepTrace] = []
        self._record: RecordTrace | None = None
        self._last: StepTrace | None = None
        self._muted = 0

    # ---------------------------------------------------------------- structure

    def begin_check(self, item: str | None) -> CheckTrace:
        check = CheckTrace(item)
        self.checks.append(check)
        self._steps.clear()
        self._record = None
        return check

    def enter(self, operator: str, at: tuple[Any, ...]) -> StepTrace:
        step = StepTrace(operator, at)
        if self._steps:
            self._steps[-1].children.append(step)
        elif self.checks:
            self.checks[-1].steps.append(step)
        self._steps.append(step)
        return step

    def leave(self, step: StepTrace, outcome: Any) -> None:
        while self._steps and self._steps[-1] is not step:  # a sub-rule that raised
            self._steps.pop()
        if self._steps:
            self._steps.pop()
        self._record = None
        self._last = step
        if outcome is not None:
            step.status, step.message = outcome.status, outcome.message
            step.facts, step.evidence = dict(outcome.facts), list(outcome.evidence)

    def worded(self, message: Text) -> None:
        """The policy's message template reworded the outcome of the step just left."""
        if self._last is not None:
            self._last.message = message

    # ---------------------------------------------------------------- records

    def begin_record(self, path: PathTuple, label: str) -> RecordTrace:
        record = RecordTrace(path, label)
        if self._steps:
            self._steps[-1].records.append(record)
        self._record = record
        return record

    def verdict(self, verdict: str, detail: Text | None = None) -> None:
        """Set the current record's verdict ahead of `end_record` (a pending or uncounted record)."""
        if self._record is not None:
            self._record.verdict, self._record.detail = verdict, detail

    def end_record(self, verdict: str | None = None, detail: Text | None = None) -> None:
        record = self._record
        if record is None:
            return
        if verdict is not None and record.verdict == PASSED:
            record.verdict, record.detail = verdict, detail
        self._record = None
        self.phase = None
        if not self._steps:
            return
        step = self._steps[-1]
        step.counts[record.verdict] += 1
        if record.verdict not in DECIDING and step.counts[record.verdict] > self.keep and step.records and step.records[-1] is record:
            step.records.pop()

    # ---------------------------------------------------------------- values

    def add(self, comparison: Comparison) -> None:
        if self._muted:
            return
        if comparison.phase is None:
            comparison.phase = self.phase
        if self._record is not None:
            self._record.comparisons.append(comparison)
        elif self._steps:
            self._steps[-1].comparisons.append(comparison)
        elif self.checks:
            self.checks[-1].comparisons.append(comparison)
        else:
            self.preamble.append(comparison)

    def read(self, subject: str, value: Any, path: PathTuple | None = None, note: Text | None = None) -> None:
        self.add(Comparison(subject, value, path=path, note=note))

    def compare(self, subject: str, left: Any, op: str, right: Any, result: bool | None,
                path: PathTuple | None = None, note: Text | None = None) -> None:
        self.add(Comparison(subject, left, op, right, result, path, note=note))

    def field(self, name: str, left: Any, op: str, right: Any, result: bool | None, note: Text | None = None) -> None:
        """A predicate on a dotted field of the current record (or of the whole bundle, outside a record)."""
        base = self._record.path if self._record is not None else ()
        self.add(Comparison(name, left, op, right, result, tuple(base) + tuple(field_steps(name)), note=note))

    def mute(self) -> None:
        """Inside a list predicate (some/every) only the list's own answer is recorded."""
        self._muted += 1

    def unmute(self) -> None:
        self._muted -= 1
