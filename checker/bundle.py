"""Evidence bundles: read, validate against the schema, check attachments.

A bundle is a YAML or JSON file, or a directory holding `bundle.yaml`
(or `bundle.yml`, `bundle.json`) and the files it references. Validation
collects every problem (schema first, then values the schema cannot judge:
impossible dates, end before start, events after the as-of date, ids used
twice, counts larger than their totals, paths leaving the directory) and
reports them together, each with file:line and JSON path.

Attachments are checked but never stop the run: a missing file leaves the
evidence insufficient, and a file whose SHA-256 differs from the declared
one never counts as evidence (the finding that relies on it says so).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker import records as record_files
from checker import timecalc
from checker.context import AttachmentCheck, EvalContext
from checker.errors import CheckerError, Location, Problem
from checker.loading import DEFAULT_LIMIT, Document, load_document, sha256_file
from checker.measures import SQL_SECTIONS
from checker.paths import PathTuple, render
from checker.resources import schema_path

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

    def context(self) -> EvalContext:
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
        bundle_schema(), formats={"ecs-timestamp": _is_timestamp}, validate_formats=True
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
        if isinstance(node, Mapping) and "$ref" in node and "description" not in node:
            target = _resolve(root, node["$ref"])
            if isinstance(target, Mapping) and "description" in target:
                described = target
        if isinstance(node, Mapping) and "description" in node:
            described = node
    return described


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _plain_message(error: Any) -> str:
    kind = type(error.kind).__name__
    if kind in ("Pattern", "Format"):
        node = _schema_node(list(error.schema_path)[:-1])
        description = node.get("description", "")
        shown = json.dumps(error.instance, ensure_ascii=False)
        return f"{shown} is not valid here: {description}" if description else error.message
    return str(error.message)


def schema_problems(doc: Document) -> list[Problem]:
    problems = []
    for error in _validator().iter_errors(doc.data):
        path = tuple(error.instance_path)
        line, col = doc.locate(path) or (None, None)
        problems.append(Problem("ECS301", _plain_message(error), Location(doc.display, line, col, render(path))))
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

    def add(self, code: str, message: str, path: PathTuple) -> None:
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
            if interval["start"] == interval["end"]:
                check.add("ECS302", "interval starts and ends at the same time; write 00:00-24:00 for a whole day",
                          ("service_hours", "schedules", i, "intervals", j))

    patterns = schema_patterns()
    for pattern in patterns["id_list"]:
        for path, records in walk(data, pattern):
            if not isinstance(records, list):  # a record file, checked in checker.records
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
        for path, record in each_record(data, pattern):
            for earlier_steps, later_steps, earlier, later in pairs:
                a, b = _get(record, earlier_steps), _get(record, later_steps)
                if a is None or b is None:
                    continue
                after = a > b if _same_shape(a, b) else check.compare(check.when(a), check.when(b)) > 0
                if after:
                    check.add("ECS302", f"{later} ({b}) is before {earlier} ({a})", _field_path(path, later))
            for steps, name in events:
                value = _get(record, steps)
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
                    if bound is not None and _same_shape(value, bound):
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
                target = (directory / ref["path"]).resolve()
                if not target.is_relative_to(base):
                    check.add("ECS305", f"{ref['path']} resolves outside the bundle directory", path + ("path",))
    return check.problems


def check_attachments(data: Mapping[str, Any], directory: Path, limit: int) -> dict[str, AttachmentCheck]:
    results: dict[str, AttachmentCheck] = {}
    patterns = schema_patterns()
    for kind in ("attachment", "document"):
        for pattern in patterns[kind]:
            for _, ref in walk(data, pattern):
                rel = ref["path"]
                if rel in results:
                    continue
                target = directory / rel
                if not target.is_file():
                    results[rel] = AttachmentCheck(rel, ref["sha256"], None, "missing")
                    continue
                try:
                    actual, _ = sha256_file(target, limit)
                except OverflowError:
                    results[rel] = AttachmentCheck(rel, ref["sha256"], None, "too_large")
                    continue
                status = "ok" if actual == ref["sha256"] else "mismatch"
                results[rel] = AttachmentCheck(rel, ref["sha256"], actual, status)
    return {key: results[key] for key in sorted(results)}


# ------------------------------------------------------------------ entry point


def locate_bundle_file(path: Path) -> tuple[Path, Path]:
    """The bundle's main file and the directory its attachments are relative to."""
    if path.is_dir():
        for name in BUNDLE_NAMES:
            if (path / name).is_file():
                return path / name, path
        raise CheckerError.at("ECS002", f"no {' or '.join(BUNDLE_NAMES)} in this directory", str(path))
    if not path.exists():
        raise CheckerError.at("ECS002", "bundle not found", str(path))
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
    doc = load_document(main, display or str(main), limits.bundle_bytes)
    if display is None:
        directory_display = str(directory)
    else:
        directory_display = display if path.is_dir() else str(Path(display).parent)
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
        raise CheckerError.at("ECS212", "a bundle is a mapping (YAML) or object (JSON) at the top level", doc.display, 1, 1)
    view = Document(doc.path, doc.display, data, doc.sha256, doc.size, doc.source_map, doc.format)
    problems = schema_problems(view)
    if problems:
        raise CheckerError(_cap(problems))
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
        raise CheckerError(_cap(problems))
    attachments = check_attachments(data, directory, limits.attachment_bytes)
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
