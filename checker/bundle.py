"""Evidence bundles: read, validate against the schema, check attachments.

A bundle is a YAML or JSON file, or a directory holding `bundle.yaml`
(or `bundle.yml`, `bundle.json`) and the files it references. Validation
collects every problem (schema first, then values the schema cannot judge:
impossible dates, end before start, events after the as-of date, ids used
twice, counts larger than their totals, paths leaving the directory) and
reports them together, each with file:line and JSON path.

Attachments are checked, each file read once: a missing file, or one over
the size limit (not read at all), leaves the evidence insufficient, and a
file whose SHA-256 differs from the declared one never counts as evidence
(the finding that relies on it fails and says why). A path that leaves the
bundle directory (absolute, `..`, or through a symbolic link), a file that
is not a regular file (a directory, a named pipe) or cannot be read stops
the run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker import records as record_files
from checker import timecalc
from checker.context import AttachmentCheck, EvalContext
from checker.errors import CheckerError, Location, Problem
from checker.loading import DEFAULT_LIMIT, MAX_DEPTH, Document, load_document, sha256_file
from checker.measures import SQL_SECTIONS
from checker.paths import PathTuple, render
from checker.resources import schema_path
from checker.trace import Trace

BUNDLE_NAMES = ("bundle.yaml", "bundle.yml", "bundle.json")
DEFAULT_TIME_ZONE = "Asia/Shanghai"
MAX_REPORTED = 200
DEFAULT_ATTACHMENT_LIMIT = 64 * 1024 * 1024
DEFAULT_RECORD_FILE_LIMIT = 64 * 1024 * 1024 * 1024  # record files hold millions of rows; DuckDB streams them


@dataclass(frozen=True)
class Limits:
    bundle_bytes: int = DEFAULT_LIMIT
    attachment_bytes: int = DEFAULT_ATTACHMENT_LIMIT
    record_file_bytes: int = DEFAULT_RECORD_FILE_LIMIT


@dataclass(frozen=True)
class Bundle:
    document: Document
    directory: Path
    file_name: str  # the main file relative to the bundle directory, as reports cite it
    data: Mapping[str, Any]
    tz_name: str
    tz: dt.tzinfo
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    role: str
    attachments: Mapping[str, AttachmentCheck]
    instants: timecalc.Instants
    records: record_files.RecordStore | None = None  # record files, validated; sections left in them are not in `data`

    @property
    def display(self) -> str:
        return self.document.display

    def context(self, trace: Trace | None = None) -> EvalContext:
        return EvalContext(
            data=self.data,
            tz=self.tz,
            tz_name=self.tz_name,
            period_start=self.period_start,
            period_end=self.period_end,
            as_of=self.as_of,
            role=self.role,
            attachments=self.attachments,
            instants=self.instants,
            trace=trace,
            records=self.records,
        )

    def locate(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        position = self.document.locate(path)
        return position if position else (None, None)

    def cite(self, path: Sequence[str | int]) -> tuple[str, int | None, int | None]:
        """The file (relative to the bundle directory), line and column of the value at `path`.

        A record that came from a record file is cited in that file, at its line.
        """
        if self.records is not None:
            for section, rf in self.records.files.items():
                n = len(section)
                if tuple(path[:n]) == section:
                    row = path[n] if len(path) > n and isinstance(path[n], int) else None
                    return rf.rel, rf.line(row) if row is not None else None, None
        line, col = self.locate(path)
        return self.file_name, line, col


# ------------------------------------------------------------------ schema


@lru_cache(maxsize=1)
def bundle_schema() -> dict[str, Any]:
    with open(schema_path("bundle"), encoding="utf-8") as handle:
        return json.load(handle)


def _is_timestamp(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(
        bundle_schema(), formats={"ecs-timestamp": _is_timestamp}, validate_formats=True, offline=True
    )


def _schema_node(schema_path_parts: Sequence[Any]) -> Mapping[str, Any]:
    """The innermost described schema object an error's schema path passes through."""
    root = bundle_schema()
    node: Any = root
    described: Mapping[str, Any] = {}
    for part in schema_path_parts:
        if part == "$ref" and isinstance(node, Mapping) and "$ref" in node:
            node = _resolve(root, node["$ref"])
        elif isinstance(node, Mapping):
            node = node.get(part, node.get(str(part)))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        if _described(node):
            described = node
        elif isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            target = _resolve(root, node["$ref"])
            if _described(target):
                described = target
    return described


def _described(node: Any) -> bool:
    """A schema object with a description (not a `properties` map that has a field named "description")."""
    return isinstance(node, Mapping) and isinstance(node.get("description"), str)


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _shown(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Why a path is not a plain relative path inside the bundle directory, in the order asked.
_PATH_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(/|\\|[A-Za-z]:)"), "is absolute"),
    (re.compile(r"(^|/|\\)\.\.($|/|\\)"), "climbs out with '..'"),
    (re.compile(r"\\"), "uses '\\' as a separator"),
    (re.compile("\x00"), "contains a NUL character"),
)
MAX_COUNT = 2**53 - 1


def _plain_problem(error: Any) -> tuple[str, str]:
    """A problem code and a plain message for one schema error: what was found, what was expected."""
    kind = type(error.kind).__name__
    parts = list(error.schema_path)
    defined = parts[1] if len(parts) > 1 and parts[0] == "$defs" else None
    value = error.instance
    if defined == "relative_path" and kind == "Pattern" and isinstance(value, str):
        reason = next((why for pattern, why in _PATH_REASONS if pattern.search(value)), "is not a plain relative path")
        return "ECS304", (f"attachment path {_shown(value)} {reason}; expected a path relative to the bundle "
                          "directory, inside it, with '/' separators")
    if defined == "count" and kind in ("Type", "Minimum", "Maximum"):
        return "ECS301", f"{_shown(value)} is not a count; expected a whole number from 0 to {MAX_COUNT}"
    if defined == "percent" and kind in ("Type", "Minimum", "Maximum"):
        return "ECS301", f"{_shown(value)} is not a percentage; expected a number from 0 to 100"
    if kind in ("Pattern", "Format"):
        description = _schema_node(parts[:-1]).get("description", "")
        expected = description.split(". ")[0].rstrip(".")
        expected = f"; expected {expected[0].lower()}{expected[1:]}" if expected else ""
        if defined in ("date", "timestamp") and kind == "Format" and isinstance(value, str):
            try:
                (dt.date if defined == "date" else dt.datetime).fromisoformat(value)
            except ValueError as err:
                reason = "its UTC offset is 24 hours or more" if "offset" in str(err) else str(err)
                if not reason.startswith("Invalid isoformat"):
                    what = "date" if defined == "date" else "date and time"
                    return "ECS301", f"{_shown(value)} is not a real {what} ({reason}){expected}"
        if expected:
            return "ECS301", f"{_shown(value)} is not valid here{expected}"
    if kind == "AdditionalProperties":
        names = ", ".join(repr(name) for name in error.kind.unexpected)
        plural = "s" if len(error.kind.unexpected) > 1 else ""
        return "ECS301", f"unknown field{plural} {names} here (check the spelling; `ecs-check schema bundle` lists the fields)"
    if kind == "Required":
        return "ECS301", f"required field {error.kind.property!r} is missing"
    if kind == "Type":
        wanted = [_TYPE_WORDS.get(name, name) for name in error.kind.types]
        hint = "; in a bundle only true and false are booleans" if isinstance(value, str) and value.lower() in _YAML11_BOOLS else ""
        return "ECS301", f"{_shown(value)} is {_kind_of(value)}; expected {' or '.join(wanted)}{hint}"
    return "ECS301", str(error.message)


_TYPE_WORDS = {"boolean": "true or false", "integer": "a whole number", "number": "a number", "string": "text",
               "array": "a list", "object": "a mapping", "null": "null"}
_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "text", list: "a list", dict: "a mapping"}.get(type(value), "empty")


SCHEMA_SLICE = 2000


def _with(data: Mapping[str, Any], replacements: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    """A shallow copy of `data` with the values at some key paths replaced (the originals are untouched)."""
    root = dict(data)
    for path, value in replacements.items():
        node = root
        for step in path[:-1]:
            node[step] = dict(node[step])
            node = node[step]
        node[path[-1]] = value
    return root


def _schema_errors(data: Mapping[str, Any]) -> Iterator[tuple[PathTuple, Any]]:
    """(instance path, error) for the schema errors of `data`, a slice of each long record list at a time.

    The validator reports every error of what it is given at once, at tens of
    microseconds each, so a file of a million broken records would take
    minutes; given slices, the caller can stop after the first few hundred.
    """
    validator = _validator()
    if validator.is_valid(data):
        return
    long_lists = [(path, items) for pattern in schema_patterns()["id_list"] if "*" not in pattern
                  for path, items in walk(data, pattern) if isinstance(items, list) and len(items) > SCHEMA_SLICE]
    if not long_lists:
        for error in validator.iter_errors(data):
            yield tuple(error.instance_path), error
        return
    first = _with(data, {path: items[:SCHEMA_SLICE] for path, items in long_lists})
    for error in validator.iter_errors(first):
        yield tuple(error.instance_path), error
    for path, items in long_lists:
        for start in range(SCHEMA_SLICE, len(items), SCHEMA_SLICE):
            part = _with(data, {other: (items[start:start + SCHEMA_SLICE] if other == path else [])
                                for other, _ in long_lists})
            for error in validator.iter_errors(part):
                at = tuple(error.instance_path)
                if len(at) > len(path) and at[:len(path)] == path:  # the rest was reported with the first slice
                    yield path + (at[len(path)] + start,) + at[len(path) + 1:], error


def schema_problems(doc: Document) -> list[Problem]:
    """Schema problems, located; at most MAX_REPORTED, then a note that there are more."""
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for path, error in _schema_errors(doc.data):
        code, message = _plain_problem(error)
        where = render(path)
        if (code, message, where) in seen:  # two keywords (a pattern and a format) saying the same thing
            continue
        seen.add((code, message, where))
        if len(problems) == MAX_REPORTED:
            problems.append(Problem("ECS301", f"... and more problems (only the first {MAX_REPORTED} are listed)",
                                    Location(doc.display)))
            break
        line, col = doc.locate(path) or (None, None)
        problems.append(Problem(code, message, Location(doc.display, line, col, where)))
    return problems


# ------------------------------------------------------------------ walking the data


def walk(data: Any, pattern: Sequence[str]) -> Iterator[tuple[PathTuple, Any]]:
    """Values at a pattern of keys where `*` means every list element."""
    stack: list[tuple[PathTuple, Any, int]] = [((), data, 0)]
    while stack:
        path, node, depth = stack.pop()
        if depth == len(pattern):
            yield path, node
            continue
        step = pattern[depth]
        if step == "*":
            if isinstance(node, list):
                for index in range(len(node) - 1, -1, -1):
                    stack.append((path + (index,), node[index], depth + 1))
        elif isinstance(node, dict) and node.get(step) is not None:
            stack.append((path + (step,), node[step], depth + 1))


@lru_cache(maxsize=1)
def schema_patterns() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Where attachments, documents and id-carrying record lists sit in a bundle."""
    root = bundle_schema()
    found: dict[str, list[tuple[str, ...]]] = {"attachment": [], "document": [], "id_list": []}

    def visit(node: Any, pattern: tuple[str, ...], seen: frozenset[str]) -> None:
        if not isinstance(node, Mapping):
            return
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name in ("attachment", "document"):
                found[name].append(pattern)
            if ref not in seen:
                visit(_resolve(root, ref), pattern, seen | {ref})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, ()):
                visit(option, pattern, seen)
        for key in ("then", "else"):  # a record list inline (else) or in a record file (then)
            if isinstance(node.get(key), Mapping):
                visit(node[key], pattern, seen)
        items = node.get("items")
        if isinstance(items, Mapping):
            item_props = items.get("properties", {})
            if "id" in item_props:
                found["id_list"].append(pattern)
            visit(items, pattern + ("*",), seen)
        for name, sub in node.get("properties", {}).items():
            visit(sub, pattern + (name,), seen)

    visit(root, (), frozenset())
    return {key: tuple(sorted(set(value))) for key, value in found.items()}


# ------------------------------------------------------------------ semantic checks

# (record pattern, earlier field, later field): the later must not precede the earlier.
ORDERED: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("staff", "*"), "born_on", "hired_on"),
    (("staff", "*"), "hired_on", "first_duty_on"),
    (("staff", "*"), "hired_on", "left_on"),
    (("staff", "*"), "born_on", "pre_job_training.completed_on"),
    (("staff", "*"), "born_on", "pre_job_assessment.date"),
    (("documents", "*"), "issued_on", "valid_until"),
    (("quality_audits", "*"), "covers.start", "covers.end"),
    (("quality_audits", "*"), "covers.end", "date"),
    (("satisfaction_evaluations", "*"), "covers.start", "covers.end"),
    (("complaints", "*"), "received_at", "solution_fed_back_at"),
    (("complaints", "*"), "received_at", "escalated_at"),
    (("complaints", "*"), "received_at", "accepted_at"),
    (("complaints", "*"), "received_at", "next_contact_agreed_at"),
    (("enquiries", "records", "*"), "received_at", "first_reply_at"),
    (("enquiries", "records", "*"), "received_at", "answered_at"),
    (("enquiries", "escalations", "*"), "recorded_at", "reported_at"),
    (("enquiries", "escalations", "*"), "recorded_at", "fed_back_at"),
    (("orders", "records", "*"), "placed_at", "shipped_at"),
    (("orders", "records", "*"), "placed_at", "cancelled_at"),
    (("tech_service_requests", "*"), "requested_at", "passed_on_at"),
    (("exchanges", "*"), "requested_at", "handled_at"),
    (("refunds", "*"), "requested_at", "refund_agreed_at"),
    (("disputes", "*"), "received_at", "facts_verified_at"),
    (("emergency", "incidents", "*"), "detected_at", "response_started_at"),
    (("emergency", "incidents", "*"), "detected_at", "customers_notified_at"),
    (("improvements", "*"), "planned_on", "completed_on"),
    (("improvements", "*"), "planned_on", "due_on"),
    (("staff", "*", "certificates", "*"), "issued_on", "valid_until"),
    (("licences", "business_licence"), "issued_on", "valid_until"),
    (("licences", "permits", "*"), "issued_on", "valid_until"),
    (("feedback", "*"), "received_at", "solution_at"),
    (("feedback", "*"), "received_at", "fed_back_at"),
    (("feedback", "*"), "received_at", "tracked_on"),
    (("orders", "records", "*"), "placed_at", "paid_at"),
    (("orders", "records", "*"), "placed_at", "logistics_exception.reported_at"),
    (("orders", "records", "*"), "logistics_exception.reported_at", "logistics_exception.resolved_at"),
    (("exchanges", "*"), "requested_at", "manufacturer_contacted_at"),
    (("evaluations", "*"), "carried_out.start", "carried_out.end"),
)

# Plainer words for some pairs of ORDERED; {a} is the earlier value, {b} the later.
ORDER_MESSAGES: dict[tuple[tuple[str, ...], str, str], str] = {
    (("quality_audits", "*"), "covers.end", "date"):
        "the audit is dated {b} but covers conversations up to {a}; an audit cannot cover days after its own date",
}

# (record pattern, field): an event that cannot lie after the as-of date.
EVENTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("staff", "*"), "hired_on"),
    (("staff", "*"), "first_duty_on"),
    (("staff", "*"), "pre_job_training.completed_on"),
    (("staff", "*"), "pre_job_assessment.date"),
    (("staff", "*", "trainings", "*"), "date"),
    (("emergency", "drills", "*"), "date"),
    (("emergency", "incidents", "*"), "detected_at"),
    (("emergency", "incidents", "*"), "response_started_at"),
    (("quality_audits", "*"), "date"),
    (("quality_audits", "*"), "covers.end"),
    (("satisfaction_evaluations", "*"), "covers.end"),
    (("attestations", "*"), "attested_on"),
    (("complaints", "*"), "received_at"),
    (("complaints", "*"), "solution_fed_back_at"),
    (("complaints", "*"), "escalated_at"),
    (("complaints", "*"), "accepted_at"),
    (("enquiries", "records", "*"), "received_at"),
    (("enquiries", "records", "*"), "first_reply_at"),
    (("enquiries", "records", "*"), "answered_at"),
    (("enquiries", "escalations", "*"), "recorded_at"),
    (("enquiries", "escalations", "*"), "reported_at"),
    (("enquiries", "escalations", "*"), "fed_back_at"),
    (("orders", "records", "*"), "placed_at"),
    (("orders", "records", "*"), "shipped_at"),
    (("tech_service_requests", "*"), "requested_at"),
    (("tech_service_requests", "*"), "passed_on_at"),
    (("exchanges", "*"), "requested_at"),
    (("exchanges", "*"), "handled_at"),
    (("refunds", "*"), "requested_at"),
    (("refunds", "*"), "return_received_at"),
    (("refunds", "*"), "refund_agreed_at"),
    (("refunds", "*"), "refunded_at"),
    (("disputes", "*"), "received_at"),
    (("disputes", "*"), "facts_verified_at"),
    (("privacy", "consent_records", "*"), "obtained_at"),
    (("privacy", "third_party_disclosures", "*"), "date"),
    (("improvements", "*"), "completed_on"),
    (("licences", "business_licence"), "issued_on"),
    (("licences", "permits", "*"), "issued_on"),
    (("legal", "violations", "*"), "date"),
    (("service_plan",), "published_on"),
    (("service_plan",), "implemented_on"),
    (("service_plan", "results", "*"), "measured_on"),
    (("feedback", "*"), "received_at"),
    (("feedback", "*"), "solution_at"),
    (("feedback", "*"), "fed_back_at"),
    (("feedback", "*"), "tracked_on"),
    (("orders", "records", "*"), "paid_at"),
    (("orders", "records", "*"), "logistics_notified_at"),
    (("orders", "records", "*"), "logistics_exception.resolved_at"),
    (("exchanges", "*"), "manufacturer_contacted_at"),
    (("crm",), "in_use_since"),
    (("information_service", "integrations", "*"), "since"),
    (("evaluations", "*"), "plan.approved_on"),
    (("evaluations", "*"), "report.issued_on"),
)

# (record pattern, part, whole): a count that cannot exceed its total.
PARTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("satisfaction_evaluations", "*"), "satisfied", "responses"),
    (("crm",), "tagged_archives", "customer_archives"),
    (("performance", "consultations"), "replied_by_human", "total"),
    (("performance", "reviews"), "negative", "total"),
    (("performance", "ai_answers"), "accurate", "total"),
    (("attestations", "*", "method"), "findings", "sample_size"),
)

# (record pattern, field, list pattern): the field names the id of a record in that list.
REFERENCES: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (("emergency", "drills", "*"), "plan", ("emergency", "drill_plan", "*")),
    (("service_plan",), "document", ("documents", "*")),
)

# (list pattern, key): lists without ids whose entries must not repeat a key.
UNIQUE_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("evaluation_content", "items"), "item"),
)


def _get(record: Any, steps: tuple[str, ...] | str) -> Any:
    if type(steps) is str:
        return record.get(steps) if isinstance(record, dict) else None
    node = record
    for step in steps:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _head(steps: tuple[str, ...] | str) -> str:
    """The record key a field starts at."""
    return steps if type(steps) is str else steps[0]


def each_record(data: Any, pattern: Sequence[str]) -> Iterator[tuple[PathTuple, Any]]:
    """Like `walk`, but a trailing `*` is iterated in place (the hot path for long lists)."""
    if pattern and pattern[-1] == "*":
        for path, items in walk(data, pattern[:-1]):
            if isinstance(items, list):
                for index, item in enumerate(items):
                    yield path + (index,), item
    else:
        yield from walk(data, pattern)


def _steps(dotted: str) -> tuple[str, ...] | str:
    """A plain key stays a string (one dict lookup); a dotted path becomes its steps."""
    return tuple(dotted.split(".")) if "." in dotted else dotted


def _grouped() -> dict[tuple[str, ...], tuple[list[Any], list[Any]]]:
    """ORDERED and EVENTS by record pattern, so each list is walked once."""
    groups: dict[tuple[str, ...], tuple[list[Any], list[Any]]] = {}
    for pattern, earlier, later in ORDERED:
        groups.setdefault(pattern, ([], []))[0].append((_steps(earlier), _steps(later), earlier, later))
    for pattern, name in EVENTS:
        groups.setdefault(pattern, ([], []))[1].append((_steps(name), name))
    return groups


def _same_shape(a: str, b: str) -> bool:
    """Two ISO texts whose string order is their time order: equal length and the same offset."""
    if len(a) != len(b):
        return False
    if len(a) == 10:
        return True
    return a[10:11] == b[10:11] and (a[-1] == b[-1] == "Z" or (a[-6] in "+-" and a[-6:] == b[-6:]))


def _field_path(path: PathTuple, dotted: str) -> PathTuple:
    return path + tuple(dotted.split("."))


class _Checker:
    """Collects value problems, each located in the bundle file."""

    def __init__(self, doc: Document, instants: timecalc.Instants) -> None:
        self.doc = doc
        self.instants = instants
        self.problems: list[Problem] = []
        self.more = 0  # problems past MAX_REPORTED: counted, not located

    def add(self, code: str, message: str, path: PathTuple) -> None:
        if len(self.problems) >= MAX_REPORTED:
            self.more += 1
            return
        line, col = self.doc.locate(path) or (None, None)
        self.problems.append(Problem(code, message, Location(self.doc.display, line, col, render(path))))

    def when(self, text: str) -> dt.date | dt.datetime:
        return self.instants.temporal(text)

    def compare(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
            a = self.instants.local_date(a) if isinstance(a, dt.datetime) else a
            b = self.instants.local_date(b) if isinstance(b, dt.datetime) else b
        return (a > b) - (a < b)


def value_problems(doc: Document, data: Mapping[str, Any], instants: timecalc.Instants,
                   as_of: dt.date, directory: Path) -> list[Problem]:
    check = _Checker(doc, instants)
    tz = instants.tz
    period = data["period"]
    start, end = instants.date(period["start"]), instants.date(period["end"])
    if end < start:
        check.add("ECS302", f"period ends ({end}) before it starts ({start})", ("period", "end"))
    if as_of < start:
        check.add("ECS302", f"as-of date {as_of} is before the evaluation period starts ({start})",
                  ("as_of",) if "as_of" in data else ("period",))
    hours = data.get("service_hours") or {}
    for path, name in [(("service_hours", "time_zone"), hours.get("time_zone"))] + [
        (("service_hours", "schedules", i, "time_zone"), s.get("time_zone")) for i, s in enumerate(hours.get("schedules", []))
    ]:
        if name is not None:
            try:
                timecalc.zone(name)
            except KeyError:
                check.add("ECS303", f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai", path)
    channel_ids = {c["id"] for c in data.get("channels", [])}
    for i, schedule in enumerate(hours.get("schedules", [])):
        if "channels" in data and schedule["channel"] not in channel_ids:
            check.add("ECS302", f"schedule names channel {schedule['channel']!r}, which is not under channels",
                      ("service_hours", "schedules", i, "channel"))
        for j, interval in enumerate(schedule["intervals"]):
            if interval["start"] == "24:00":
                check.add("ECS302", "an interval cannot start at 24:00; 24:00 only ends a day (start at 00:00)",
                          ("service_hours", "schedules", i, "intervals", j, "start"))
            elif interval["start"] == interval["end"]:
                check.add("ECS302", "interval starts and ends at the same time; write 00:00-24:00 for a whole day",
                          ("service_hours", "schedules", i, "intervals", j))

    patterns = schema_patterns()
    for pattern in patterns["id_list"]:
        for path, records in walk(data, pattern):
            if not isinstance(records, list):  # a record file, checked in checker.records
                continue
            ids = [record.get("id") for record in records if isinstance(record, dict)]
            if len(set(ids)) == len(ids):  # the usual case, told at C speed; else find and locate each repeat
                continue
            seen: dict[Any, int] = {}
            for index, record in enumerate(records):
                rid = record.get("id") if isinstance(record, dict) else None
                if rid is None:
                    continue
                if rid in seen:
                    check.add("ECS306", f"id {rid!r} is used twice in this list (first at index {seen[rid]})",
                              path + (index, "id"))
                else:
                    seen[rid] = index

    limit = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    as_of_text = as_of.isoformat()
    limit_texts: dict[str, str] = {}
    for pattern, (pairs, events) in _grouped().items():
        # Which pairs and events can apply depends only on the record's keys,
        # and most records of a list share the same few: work that out once per
        # set of keys, then only those fields are read (this loop runs for
        # every record of every list).
        heads = frozenset(_head(steps) for pair in pairs for steps in pair[:2]) | {_head(steps) for steps, _ in events}
        applicable: dict[frozenset[str], tuple[list[Any], list[Any]]] = {}
        for path, record in each_record(data, pattern):
            if not isinstance(record, dict):
                continue
            keys = heads.intersection(record)
            chosen = applicable.get(keys)
            if chosen is None:
                chosen = applicable[keys] = (
                    [pair for pair in pairs if _head(pair[0]) in keys and _head(pair[1]) in keys],
                    [event for event in events if _head(event[0]) in keys],
                )
            get = record.get
            for earlier_steps, later_steps, earlier, later in chosen[0]:
                a = get(earlier_steps) if type(earlier_steps) is str else _get(record, earlier_steps)
                b = get(later_steps) if type(later_steps) is str else _get(record, later_steps)
                if a is None or b is None:
                    continue
                after = a > b if _same_shape(a, b) else check.compare(check.when(a), check.when(b)) > 0
                if after:
                    template = ORDER_MESSAGES.get((pattern, earlier, later), "{later} ({b}) is before {earlier} ({a})")
                    check.add("ECS302", template.format(earlier=earlier, later=later, a=a, b=b), _field_path(path, later))
            for steps, name in chosen[1]:
                value = get(steps) if type(steps) is str else _get(record, steps)
                if value is None:
                    continue
                if len(value) == 10:
                    late = value > as_of_text
                else:
                    suffix = value[-6:]
                    bound = limit_texts.get(suffix)
                    if bound is None and suffix[0] in "+-" and suffix[3] == ":":
                        try:
                            offset = dt.datetime.fromisoformat("2000-01-01T00:00:00" + suffix).utcoffset()
                            bound = limit_texts[suffix] = limit.astimezone(dt.timezone(offset)).isoformat()
                        except ValueError:
                            bound = None
                    # the same offset (the key) and the same layout: string order is time order
                    if bound is not None and len(value) == len(bound) and value[10] == "T":
                        late = value >= bound
                    else:
                        late = check.when(value) >= limit if len(value) > 10 else False
                if late:
                    check.add("ECS302", f"{name} {value} is after the as-of date {as_of}; records cannot come from the future",
                              _field_path(path, name))

    for pattern, name, target in REFERENCES:
        known = {record.get("id") for _, record in walk(data, target) if isinstance(record, dict)}
        for path, record in walk(data, pattern):
            value = _get(record, name)
            if value is not None and value not in known:
                check.add("ECS302", f"{name} {value!r} names no record under {render(target[:-1])}", _field_path(path, name))

    for path, person in walk(data, ("staff", "*")):
        born = person.get("born_on")
        if born is None:
            continue
        for index, training in enumerate(person.get("trainings", [])):
            if check.compare(check.when(training["date"]), check.when(born)) <= 0:
                check.add("ECS302", f"training on {training['date']} is not after the birth date {born}",
                          path + ("trainings", index, "date"))

    for path, audit in walk(data, ("quality_audits", "*")):
        for name, result in audit.get("checks", {}).items():
            if result["compliant"] > result["checked"]:
                check.add("ECS302", f"{result['compliant']} compliant out of {result['checked']} checked is impossible",
                          path + ("checks", name, "compliant"))
    for pattern, key in UNIQUE_KEYS:
        for path, entries in walk(data, pattern):
            first: dict[Any, int] = {}
            for index, entry in enumerate(entries):
                value = entry.get(key) if isinstance(entry, dict) else None
                if value is None:
                    continue
                if value in first:
                    check.add("ECS306", f"{key} {value!r} is listed twice (first at index {first[value]})", path + (index, key))
                else:
                    first[value] = index
    for pattern, part, whole in PARTS:
        for path, record in walk(data, pattern):
            if record.get(part) is not None and record.get(whole) is not None and record[part] > record[whole]:
                check.add("ECS302", f"{part} ({record[part]}) exceeds {whole} ({record[whole]})", path + (part,))

    base = directory.resolve()
    for kind in ("attachment", "document"):
        for pattern in patterns[kind]:
            for path, ref in walk(data, pattern):
                try:
                    target = (directory / ref["path"]).resolve()
                except (RuntimeError, OSError):  # RuntimeError: a loop of symbolic links (Python < 3.13)
                    check.add("ECS002", f"attachment {ref['path']} cannot be read: its symbolic links form a loop",
                              path + ("path",))
                    continue
                if not target.is_relative_to(base):
                    check.add("ECS305", f"{ref['path']} resolves outside the bundle directory", path + ("path",))
    if check.more:
        check.problems.append(Problem("ECS302", f"... and {check.more} more problems (only the first {MAX_REPORTED} are listed)",
                                      Location(doc.display)))
    return check.problems


def check_attachments(data: Mapping[str, Any], directory: Path, limit: int,
                      doc: Document | None = None) -> dict[str, AttachmentCheck]:
    """Digest every referenced file once (by file identity, so no spelling or link is read twice).

    A missing file or one over `limit` bytes is recorded, not fatal; a file that
    exists but cannot be read, or is not a regular file, stops the run.
    """
    results: dict[str, AttachmentCheck] = {}
    by_identity: dict[tuple[int, int], tuple[str | None, str, int]] = {}
    patterns = schema_patterns()
    for kind in ("attachment", "document"):
        for pattern in patterns[kind]:
            for path, ref in walk(data, pattern):
                rel = ref["path"]
                if rel in results:
                    continue
                target = directory / rel
                try:
                    info = os.stat(target)
                except (FileNotFoundError, NotADirectoryError):
                    results[rel] = AttachmentCheck(rel, ref["sha256"], None, "missing")
                    continue
                except OSError as err:
                    raise _attachment_error(doc, path, f"attachment {rel} cannot be read: {err.strerror}") from None
                if not stat.S_ISREG(info.st_mode):
                    raise _attachment_error(doc, path, f"attachment {rel} is not a regular file")
                identity = (info.st_dev, info.st_ino)
                if identity not in by_identity:
                    if info.st_size > limit:
                        by_identity[identity] = (None, "too_large", info.st_size)
                    else:
                        try:
                            actual, size = sha256_file(target, limit)
                            by_identity[identity] = (actual, "", size)
                        except OverflowError as grown:
                            by_identity[identity] = (None, "too_large", int(grown.args[0]))
                        except OSError as err:
                            raise _attachment_error(doc, path, f"attachment {rel} cannot be read: {err.strerror}") from None
                actual, status, size = by_identity[identity]
                if not status:
                    status = "ok" if actual == ref["sha256"] else "mismatch"
                results[rel] = AttachmentCheck(rel, ref["sha256"], actual, status, size, limit)
    return {key: results[key] for key in sorted(results)}


def _attachment_error(doc: Document | None, path: PathTuple, message: str) -> CheckerError:
    where = path + ("path",)
    line, col = (doc.locate(where) if doc else None) or (None, None)
    return CheckerError.at("ECS002", message, doc.display if doc else None, line, col, render(where))


def _too_deep(value: Any, limit: int, start: PathTuple) -> PathTuple | None:
    """The path of the first container nested more than `limit` levels deep (root at level 1), iteratively."""
    stack: list[tuple[Any, int, PathTuple]] = [(value, len(start) + 1, start)]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return path
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, path + (key,)))
    return None


# ------------------------------------------------------------------ entry point


def locate_bundle_file(path: Path) -> tuple[Path, Path]:
    """The bundle's main file and the directory its attachments are relative to."""
    try:
        if path.is_dir():
            found = [path / name for name in BUNDLE_NAMES if (path / name).is_file()]
            if len(found) > 1:  # which one is the evidence? refuse rather than pick one silently
                raise CheckerError.at("ECS002", f"both {' and '.join(f.name for f in found)} are here; keep one bundle file "
                                                "per directory", str(path))
            for candidate in found:
                if not candidate.resolve().is_relative_to(path.resolve()):
                    raise CheckerError.at("ECS305", f"{candidate.name} is a link to a file outside the bundle directory",
                                          str(candidate))
                return candidate, path
            raise CheckerError.at("ECS002", f"no {' or '.join(BUNDLE_NAMES)} in this directory", str(path))
        if not path.exists():
            raise CheckerError.at("ECS002", "bundle not found", str(path))
    except OSError as err:
        raise CheckerError.at("ECS002", f"cannot read the bundle path: {err.strerror}", str(path)) from None
    return path, path.parent


def _cap(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_REPORTED:
        return problems
    shown = sorted(problems, key=Problem.sort_key)[:MAX_REPORTED]
    last = shown[-1].location
    shown.append(Problem("ECS301", f"... and {len(problems) - MAX_REPORTED} more problems", Location(last.file)))
    return shown


def load_bundle(path: Path, as_of: dt.date | None = None, limits: Limits = Limits(), display: str | None = None,
                materialize: Collection[str] | None = None) -> Bundle:
    """Read and validate a bundle file or directory; raises CheckerError listing every problem.

    `materialize` names the top-level sections whose record files are read
    into `data` as inline lists (default: all); the others stay in the
    record store for the KPI engines.
    """
    main, directory = locate_bundle_file(path)
    if display is None:
        file_display, directory_display = str(main), str(directory)
    elif path.is_dir():  # errors name the file inside, which an editor can open at the line
        file_display, directory_display = f"{display.rstrip('/')}/{main.name}", display
    else:
        file_display, directory_display = display, str(Path(display).parent)
    doc = load_document(main, file_display, limits.bundle_bytes)
    return bundle_from_data(doc, doc.data, directory, main.relative_to(directory).as_posix(), as_of, limits,
                            materialize=materialize, directory_display=directory_display)


def _record_rules(section: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    """ORDERED pairs and EVENTS fields of a record section, for checking its record file."""
    pattern = section + ("*",)
    ordered = [(a, b) for p, a, b in ORDERED if p == pattern and "." not in a and "." not in b]
    events = [name for p, name in EVENTS if p == pattern and "." not in name]
    return ordered, events


def _with_records(data: dict[str, Any], store: record_files.RecordStore, materialize: Collection[str] | None) -> dict[str, Any]:
    """`data` with the wanted record files read in as inline lists (a copy; the document's data is untouched)."""
    out = dict(data)
    for section in sorted(store.files):
        if materialize is not None and section[0] not in materialize and section in SQL_SECTIONS:
            continue
        node = out
        for step in section[:-1]:
            node[step] = dict(node[step])
            node = node[step]
        node[section[-1]] = store.rows(section)
    return out


def bundle_from_data(doc: Document, data: Any, directory: Path, file_name: str,
                     as_of: dt.date | None = None, limits: Limits = Limits(),
                     materialize: Collection[str] | None = None, directory_display: str | None = None) -> Bundle:
    """Validate already-parsed bundle data; `doc` locates its values (the data may be a merge built on doc's)."""
    if not isinstance(data, dict):
        found = {list: "a list", str: "a string", type(None): "an empty document"}.get(type(data), "a single value")
        raise CheckerError.at("ECS212", f"the file holds {found}; a bundle is a mapping (YAML) or object (JSON) "
                              "with schema_version, organization and period", doc.display, 1, 1)
    for key in sorted(k for k in data if isinstance(k, str) and k.startswith("x-")):
        deep = _too_deep(data[key], MAX_DEPTH, (key,))
        if deep is not None:
            line, col = doc.locate(deep) or (None, None)
            raise CheckerError.at("ECS209", f"nesting deeper than {MAX_DEPTH} levels", doc.display, line, col, render(deep))
    view = Document(doc.path, doc.display, data, doc.sha256, doc.size, doc.source_map, doc.format)
    problems = schema_problems(view)
    if problems:
        raise CheckerError(problems)
    tz_name = data["organization"].get("time_zone", DEFAULT_TIME_ZONE)
    try:
        tz = timecalc.zone(tz_name)
    except KeyError:
        line, col = doc.locate(("organization", "time_zone")) or (None, None)
        raise CheckerError.at("ECS303", f"unknown time zone {tz_name!r}; use an IANA name such as Asia/Shanghai",
                              doc.display, line, col, "$.organization.time_zone") from None
    instants = timecalc.Instants(tz)
    effective_as_of = as_of or instants.date(data.get("as_of") or data["period"]["end"])
    problems = value_problems(view, data, instants, effective_as_of, directory)
    store = None
    if record_files.references(data):
        files, found = record_files.open_files(view, data, directory, directory_display if directory_display is not None else str(directory),
                                              tz_name, limits.record_file_bytes)
        problems += found
        store = record_files.RecordStore(files, tz_name)
        if not problems:
            for rf in files:
                ordered, events = _record_rules(rf.section)
                problems += store.validate(rf, effective_as_of, tz, ordered, events)
    if problems:
        if store is not None:
            store.close()
        raise CheckerError(_cap(problems) if store is not None else problems)  # value and schema problems cap themselves
    attachments = check_attachments(data, directory, limits.attachment_bytes, view)
    if store is not None:
        data = _with_records(data, store, materialize)
        pinned = {rf.rel: AttachmentCheck(rf.rel, rf.sha256, rf.sha256, "ok") for rf in store.files.values()}
        attachments = {key: value for key, value in sorted((dict(attachments) | pinned).items())}
    return Bundle(
        document=view,
        directory=directory,
        file_name=file_name,
        data=data,
        tz_name=tz_name,
        tz=tz,
        period_start=instants.date(data["period"]["start"]),
        period_end=instants.date(data["period"]["end"]),
        as_of=effective_as_of,
        role=data["organization"]["role"],
        attachments=attachments,
        instants=instants,
        records=store,
    )
