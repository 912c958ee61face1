"""Record lists kept in files beside the bundle: CSV, JSON Lines or Parquet.

A record-list section of a bundle (complaints, refunds, orders.records,
chats.messages, ...) is either an inline list or a reference:

    complaints:
      $records:
        path: records/complaints.csv     # relative to the bundle directory
        sha256: 3f1c...                  # of the file's bytes
        columns: {id: string, category: string, received_at: timestamp}
        # format: csv|jsonl|parquet (default by extension), encoding, delimiter, time_zone

The file is refused, with a located problem, when it is missing, leaves the
bundle directory, differs from its digest, or does not match its declared
columns; every row is then checked against the same bundle schema and the
same value rules (order of timestamps, nothing after the as-of date, unique
ids) as an inline record, in SQL so that millions of rows stay cheap. A
problem in a row is located at `file:line` with the JSON path the record
would have inline (`$.complaints[17].received_at`).

Rows are brought into Python (the same dicts an inline list holds) only for
sections that policies read; the KPI engines (checker.measures) query the
files in place. DuckDB is imported only when a bundle references a file.

Timestamps without a UTC offset are read in the file's `time_zone`
(default the organization's). One on a day its zone changes offset
(daylight saving) is refused: engines disagree on such local times, and an
exact answer needs the offset (INT-091).
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker import timecalc
from checker.errors import Location, Problem
from checker.loading import Document, sha256_file
from checker.paths import PathTuple, render

TYPES = ("string", "integer", "number", "boolean", "timestamp", "date")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
REPORTED_PER_CHECK = 20
TIMESTAMP_RE = (r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
                r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$")
OFFSET_RE = r"(Z|[+-]\d\d:\d\d)$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
INTEGER_RE = r"^-?(0|[1-9][0-9]*)$"
NUMBER_RE = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
JSON_TYPES = {
    "string": ("VARCHAR",), "timestamp": ("VARCHAR",), "date": ("VARCHAR",),
    "integer": ("UBIGINT", "BIGINT"), "number": ("UBIGINT", "BIGINT", "DOUBLE"), "boolean": ("BOOLEAN",),
}
_INTEGER_SQL = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
PARQUET_TYPES = {
    "string": ("VARCHAR",),
    "integer": _INTEGER_SQL,
    "number": _INTEGER_SQL + ("FLOAT", "DOUBLE", "DECIMAL"),
    "boolean": ("BOOLEAN",),
    "timestamp": ("VARCHAR", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE"),
    "date": ("VARCHAR", "DATE"),
}


@dataclass(frozen=True)
class RecordFile:
    """One record file a bundle references, already found, pinned and checked against its digest."""

    section: tuple[str, ...]
    rel: str
    path: Path
    display: str
    format: str
    sha256: str
    size: int
    encoding: str
    delimiter: str
    zone: str
    columns: Mapping[str, str]

    @property
    def name(self) -> str:
        """The section as an SQL identifier: `chats_messages`."""
        return "_".join(self.section)

    def line(self, row: int) -> int | None:
        """The file line of a 0-based row, for one record per line (CSV after its header; JSON Lines)."""
        if self.format == "csv":
            return row + 2
        if self.format == "jsonl":
            return row + 1
        return None

    def locate(self, row: int | None, column: str | None = None) -> Location:
        path: PathTuple = self.section + ((row,) if row is not None else ()) + ((column,) if column else ())
        return Location(self.display, self.line(row) if row is not None else None, None, render(path))


# ------------------------------------------------------------------ the schema's record sections


@lru_cache(maxsize=1)
def sections() -> tuple[tuple[str, ...], ...]:
    """Every section the bundle schema lets a record file hold (its `then` is a record_file)."""
    from checker.bundle import bundle_schema

    found: list[tuple[str, ...]] = []

    def visit(node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        for name, sub in (node.get("properties") or {}).items():
            if not isinstance(sub, Mapping):
                continue
            if sub.get("then", {}).get("$ref") == "#/$defs/record_file":
                found.append(path + (name,))
            elif sub.get("type") == "object":
                visit(sub, path + (name,))

    visit(bundle_schema(), ())
    return tuple(sorted(found))


def item_schema(section: Sequence[str]) -> dict[str, Any]:
    """The schema of one inline record of `section`, with `$ref`s of its properties resolved."""
    from checker.bundle import bundle_schema

    root = bundle_schema()
    node: Any = root
    for step in section:
        node = node["properties"][step]
    items = dict(node["else"]["items"])
    items["properties"] = {name: _resolved(root, prop) for name, prop in items.get("properties", {}).items()}
    return items


def _resolved(root: Mapping[str, Any], prop: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node: Mapping[str, Any] = prop
    while True:
        out = {**{k: v for k, v in node.items() if k != "$ref"}, **out}
        ref = node.get("$ref")
        if not ref:
            return out
        out.setdefault("x-ref", ref.rsplit("/", 1)[-1])
        node = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]


def field_type(prop: Mapping[str, Any]) -> str | None:
    """The record-file type of a record field, or None for nested values (objects, lists)."""
    ref = prop.get("x-ref")
    if ref == "timestamp":
        return "timestamp"
    if ref == "date":
        return "date"
    kind = prop.get("type")
    if kind in ("string", "integer", "number", "boolean"):
        return kind
    if kind is None and "enum" in prop and all(isinstance(v, str) for v in prop["enum"]):
        return "string"
    return None


def references(data: Mapping[str, Any]) -> list[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """(section, the `$records` mapping) for every section of `data` that references a file."""
    out = []
    for section in sections():
        node: Any = data
        for step in section:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("$records"), dict):
            out.append((section, node["$records"]))
    return out


# ------------------------------------------------------------------ opening the files


def _declared_problems(section: tuple[str, ...], ref: Mapping[str, Any], where: Location) -> list[Problem]:
    """The declared columns against the section's record schema."""
    problems = []
    schema = item_schema(section)
    props = schema.get("properties", {})
    for name, kind in ref["columns"].items():
        if name not in props:
            problems.append(Problem("ECS322", f"column {name!r} is not a field of {render(section)} records "
                                              f"(fields: {', '.join(sorted(props))})", where))
            continue
        expected = field_type(props[name])
        if expected is None:
            problems.append(Problem("ECS322", f"field {name!r} holds nested values and cannot come from a record file column", where))
        elif kind != expected and not (kind == "integer" and expected == "number"):
            problems.append(Problem("ECS322", f"column {name!r} is declared {kind}, but the field is {expected}", where))
    for name in schema.get("required", ()):
        if name not in ref["columns"]:
            problems.append(Problem("ECS322", f"required field {name!r} of {render(section)} records is not a declared column", where))
    return problems


def open_files(doc: Document, data: Mapping[str, Any], directory: Path, directory_display: str,
               default_zone: str, limit: int) -> tuple[list[RecordFile], list[Problem]]:
    """Find, pin and digest every referenced record file; problems are located at the reference."""
    files: list[RecordFile] = []
    problems: list[Problem] = []
    base = directory.resolve()
    for section, ref in references(data):
        at = section + ("$records",)
        line, col = doc.locate(at) or (None, None)
        where = Location(doc.display, line, col, render(at))
        rel = ref["path"]
        display = f"{directory_display.rstrip('/')}/{rel}" if directory_display else rel
        declared = _declared_problems(section, ref, where)
        fmt = ref.get("format") or FORMATS.get(Path(rel).suffix.lower())
        if fmt is None:
            declared.append(Problem("ECS322", f"cannot tell the format of {rel}; add format: csv, jsonl or parquet", where))
        zone_name = ref.get("time_zone", default_zone)
        try:
            timecalc.zone(zone_name)
        except KeyError:
            declared.append(Problem("ECS303", f"unknown time zone {zone_name!r}; use an IANA name such as Asia/Shanghai",
                                    Location(doc.display, line, col, render(at + ("time_zone",)))))
        target = directory / rel
        resolved = target.resolve()
        if not resolved.is_relative_to(base):
            problems.append(Problem("ECS305", f"{rel} resolves outside the bundle directory", where))
            continue
        if not target.is_file():
            problems.append(Problem("ECS320", f"record file {rel} not found in the bundle directory", where))
            continue
        try:
            actual, size = sha256_file(target, limit)
        except OverflowError:
            problems.append(Problem("ECS003", f"record file {rel} is over the limit of {limit} bytes", where))
            continue
        except OSError as err:
            problems.append(Problem("ECS320", f"record file {rel} cannot be read: {err.strerror}", where))
            continue
        if actual != ref["sha256"]:
            problems.append(Problem("ECS321", f"record file {rel} has SHA-256 {actual}, not the declared {ref['sha256']}: "
                                              "it changed after the bundle was written", where))
            continue
        problems.extend(declared)
        if declared:
            continue
        files.append(RecordFile(section, rel, resolved, display, fmt, actual, size, ref.get("encoding", "utf-8"),
                                ref.get("delimiter", ","), zone_name, dict(ref["columns"])))
    return files, problems


# ------------------------------------------------------------------ SQL helpers


def quote(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def micros(value: dt.datetime) -> int:
    """An aware datetime as integer microseconds since 1970-01-01 UTC, exactly."""
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int, tz: dt.tzinfo) -> dt.datetime:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=value)).astimezone(tz)


@lru_cache(maxsize=64)
def offset_change_days(zone_name: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """Local dates in [first, last] on which the zone's UTC offset changes (daylight saving)."""
    tz = timecalc.zone(zone_name)
    days = []
    day = first
    previous = dt.datetime.combine(day, dt.time(), tzinfo=tz).utcoffset()
    while day <= last:
        following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).utcoffset()
        midday = dt.datetime.combine(day, dt.time(12), tzinfo=tz).utcoffset()
        if following != previous or midday != previous:
            days.append(day)
        previous = following
        day += dt.timedelta(days=1)
    return days


def timestamp_sql(column: str, zone_name: str) -> str:
    """DuckDB: text timestamp -> integer microseconds UTC; offset-less text is read in `zone_name`."""
    return (f"epoch_us(CASE WHEN regexp_matches({column}, {quote(OFFSET_RE)}) THEN CAST({column} AS TIMESTAMPTZ) "
            f"ELSE timezone({quote(zone_name)}, CAST({column} AS TIMESTAMP)) END)")


_small_database: tuple[int, Any] | None = None  # (process id, database) shared by small inputs


def connect(small: bool = False) -> Any:
    """An in-memory DuckDB connection in UTC, so nothing depends on the machine's zone.

    One thread for small inputs (threads cost more than they save on a few
    thousand rows); ECS_CHECK_DUCKDB_THREADS overrides. Small inputs share
    one database per process, each with a connection of its own: a batch of
    small bundles then pays 0.4 ms a bundle instead of 13 ms for a new
    database. Temporary tables and session settings belong to the
    connection, so nothing passes from one bundle to the next, and closing
    the connection drops them. A forked worker never uses its parent's
    database.
    """
    import duckdb

    global _small_database
    threads = os.environ.get("ECS_CHECK_DUCKDB_THREADS") or ("1" if small else None)
    if small:
        if _small_database is None or _small_database[0] != os.getpid():
            database = duckdb.connect(":memory:")
            database.execute(f"SET threads = {int(threads or 1)}")
            _small_database = (os.getpid(), database)
        con = _small_database[1].cursor()
    else:
        con = duckdb.connect(":memory:")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
    con.execute("SET TimeZone = 'UTC'")
    return con


# ------------------------------------------------------------------ the store


@dataclass(frozen=True)
class Check:
    """One rule over a column: rows where `condition` holds are problems (empty values skipped unless `nulls`)."""

    column: str
    code: str
    condition: str
    message: str  # with {0}, {1} for the `shown` columns' values, when given
    nulls: bool = False
    shown: tuple[str, ...] = ()


class RecordStore:
    """The record files of one bundle in an embedded DuckDB: raw text, validation, typed tables, rows.

    Tables: `raw_<section>` (__row and one VARCHAR per column, as read),
    `typed_<section>` (timestamps as integer microseconds UTC, numbers and
    booleans typed). Created lazily, once per file.
    """

    def __init__(self, files: Iterable[RecordFile], org_zone: str) -> None:
        self.files: dict[tuple[str, ...], RecordFile] = {f.section: f for f in files}
        self.org_zone = org_zone
        self._con: Any = None
        self._raw: set[str] = set()
        self._typed: set[str] = set()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __getstate__(self) -> dict[str, Any]:  # a bundle crossing a process boundary reopens its files
        state = dict(self.__dict__)
        state.update(_con=None, _raw=set(), _typed=set(), _tmp=None)
        return state

    @property
    def con(self) -> Any:
        if self._con is None:
            self._con = connect(small=sum(f.size for f in self.files.values()) < 4 * 1024 * 1024)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -------------------------------------------------------------- reading

    def _utf8_path(self, rf: RecordFile) -> str:
        """A UTF-8 copy of a text file in another encoding (DuckDB reads UTF-8)."""
        if rf.format == "parquet" or rf.encoding == "utf-8":
            return str(rf.path)
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ecs-check-records-")
        out = Path(self._tmp.name) / f"{rf.name}.{rf.format}"
        if not out.exists():
            decoder = codecs.getincrementaldecoder(rf.encoding)()
            with open(rf.path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(decoder.decode(chunk))
                dst.write(decoder.decode(b"", final=True))
        return str(out)

    def raw(self, rf: RecordFile) -> tuple[str, list[Problem]]:
        """Load the file as text into `raw_<section>`; problems if its shape does not match the declaration."""
        table = f"raw_{rf.name}"
        if table in self._raw:
            return table, []
        import duckdb

        declared = list(rf.columns)
        try:
            path = self._utf8_path(rf)
        except (UnicodeDecodeError, LookupError) as err:
            return table, [Problem("ECS201", f"not valid {rf.encoding} text: {err}", Location(rf.display))]
        try:
            if rf.format == "csv":
                problems = self._raw_csv(rf, path, table, declared)
            elif rf.format == "jsonl":
                problems = self._raw_jsonl(rf, path, table, declared)
            else:
                problems = self._raw_parquet(rf, path, table, declared)
        except duckdb.Error as err:
            message = str(err).split("\n")[0:3]
            return table, [Problem("ECS322", f"cannot read the {rf.format} file: {' '.join(m.strip() for m in message)}",
                                   Location(rf.display))]
        if not problems:
            self._raw.add(table)
        return table, problems

    def _columns_problem(self, rf: RecordFile, found: Sequence[str]) -> list[Problem]:
        declared = set(rf.columns)
        extra, missing = sorted(set(found) - declared), sorted(declared - set(found))
        if not extra and not missing:
            return []
        parts = []
        if extra:
            parts.append(f"undeclared columns {', '.join(extra)}")
        if missing:
            parts.append(f"declared columns missing from the file: {', '.join(missing)}")
        return [Problem("ECS322", f"the file does not match its declared columns: {'; '.join(parts)}", Location(rf.display, 1 if rf.format != "parquet" else None))]

    def _raw_csv(self, rf: RecordFile, path: str, table: str, declared: list[str]) -> list[Problem]:
        import csv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, delimiter=rf.delimiter), [])
        problems = self._columns_problem(rf, header)
        if problems or len(set(header)) != len(header):
            return problems or [Problem("ECS322", "a column name appears twice in the header", Location(rf.display, 1))]
        columns = "{" + ", ".join(f"{quote(name)}: 'VARCHAR'" for name in header) + "}"
        select = ", ".join(ident(name) for name in declared)
        self.con.execute(
            f"CREATE TEMP TABLE {ident(table)} AS SELECT (row_number() OVER () - 1)::BIGINT AS __row, {select} "
            f"FROM read_csv({quote(path)}, header=true, auto_detect=false, columns={columns}, delim={quote(rf.delimiter)}, "
            f"quote='\"', escape='\"', strict_mode=true)")
        return []

    def _raw_jsonl(self, rf: RecordFile, path: str, table: str, declared: list[str]) -> list[Problem]:
        source = f"read_json_objects({quote(path)}, format='newline_delimited')"
        self.con.execute(f"CREATE TEMP TABLE {ident('j_' + table)} AS SELECT (row_number() OVER () - 1)::BIGINT AS __row, json FROM {source}")
        bad = self.con.execute(f"SELECT __row FROM {ident('j_' + table)} WHERE json_type(json) <> 'OBJECT' ORDER BY __row LIMIT 1").fetchall()
        if bad:
            return [Problem("ECS322", "each line must be one JSON object", rf.locate(bad[0][0]))]
        keys = [k for (k,) in self.con.execute(
            f"SELECT DISTINCT unnest(json_keys(json)) AS k FROM {ident('j_' + table)} ORDER BY k").fetchall()]
        extra = sorted(set(keys) - set(rf.columns))
        if extra:
            return [Problem("ECS322", f"the file does not match its declared columns: undeclared keys {', '.join(extra)}",
                            Location(rf.display))]
        parts = []
        for name in declared:
            key = quote('$."' + name.replace('"', '\\"') + '"')
            parts.append(f"json_extract_string(json, {key}) AS {ident(name)}")
            parts.append(f"json_type(json, {key}) AS {ident('__type_' + name)}")
        self.con.execute(f"CREATE TEMP TABLE {ident(table)} AS SELECT __row, {', '.join(parts)} FROM {ident('j_' + table)}")
        self.con.execute(f"DROP TABLE {ident('j_' + table)}")
        return []

    def _raw_parquet(self, rf: RecordFile, path: str, table: str, declared: list[str]) -> list[Problem]:
        source = f"read_parquet({quote(path)}, file_row_number=true)"
        described = self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        types = {row[0]: str(row[1]) for row in described if row[0] != "file_row_number"}
        problems = self._columns_problem(rf, list(types))
        if problems:
            return problems
        parts = []
        for name in declared:
            kind, sql_type = rf.columns[name], types[name]
            base = sql_type.split("(")[0]
            if base not in PARQUET_TYPES[kind]:
                problems.append(Problem("ECS322", f"column {name!r} is declared {kind} but the Parquet file stores {sql_type}",
                                        Location(rf.display, None, None, render(rf.section + ("*", name)))))
                continue
            col = ident(name)
            if base == "TIMESTAMP WITH TIME ZONE":
                text = f"strftime({col}, '%Y-%m-%dT%H:%M:%S.%f') || 'Z'"
            elif base.startswith("TIMESTAMP"):
                text = f"strftime({col}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%f')"
            elif base == "BOOLEAN":
                text = f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} THEN 'true' ELSE 'false' END"
            elif base in ("FLOAT", "DOUBLE"):
                text = f"CAST({col}::DOUBLE AS VARCHAR)"
            else:
                text = f"CAST({col} AS VARCHAR)"
            parts.append(f"{text} AS {col}")
        if problems:
            return problems
        self.con.execute(f"CREATE TEMP TABLE {ident(table)} AS SELECT file_row_number::BIGINT AS __row, {', '.join(parts)} FROM {source}")
        return []

    # -------------------------------------------------------------- validation

    def validate(self, rf: RecordFile, as_of: dt.date, org_tz: dt.tzinfo,
                 ordered: Sequence[tuple[str, str]], events: Sequence[str]) -> list[Problem]:
        """Every row against the section's record schema and the bundle's value rules; problems located per row.

        Two queries: first each value on its own (required, type, enum,
        pattern, length, range, offset), then, when those hold, the rules
        across values (unique ids, order of times, nothing after the as-of date).
        """
        table, problems = self.raw(rf)
        if problems:
            return problems
        schema = item_schema(rf.section)
        props = schema["properties"]
        required = set(schema.get("required", ()))
        checks: list[Check] = []
        for name, kind in rf.columns.items():
            col = ident(name)
            prop = props[name]
            if name in required:
                checks.append(Check(name, "ECS323", f"{col} IS NULL", f"required field {name!r} is empty", nulls=True))
            checks.extend(Check(name, "ECS323", cond, msg) for cond, msg in self._type_checks(rf, name, kind))
            if "enum" in prop and kind == "string":
                allowed = ", ".join(quote(v) for v in prop["enum"])
                checks.append(Check(name, "ECS323", f"{col} NOT IN ({allowed})", f"{name} must be one of {', '.join(map(str, prop['enum']))}"))
            if "pattern" in prop and kind == "string":
                checks.append(Check(name, "ECS323", f"NOT regexp_matches({col}, {quote(re2_pattern(prop['pattern']))})",
                                    f"{name} is not valid here: {prop.get('description', 'pattern ' + prop['pattern'])}"))
            if "minLength" in prop:
                checks.append(Check(name, "ECS323", f"length({col}) < {int(prop['minLength'])}", f"{name} is shorter than {prop['minLength']} characters"))
            if "maxLength" in prop:
                checks.append(Check(name, "ECS323", f"length({col}) > {int(prop['maxLength'])}", f"{name} is longer than {prop['maxLength']} characters"))
            if kind in ("integer", "number"):
                number = f"TRY_CAST({col} AS DOUBLE)"
                for key, op in (("minimum", "<"), ("exclusiveMinimum", "<="), ("maximum", ">"), ("exclusiveMaximum", ">=")):
                    if key in prop:
                        checks.append(Check(name, "ECS323", f"{number} {op} {float(prop[key])!r}", f"{name} must not be {op} {prop[key]}"))
        checks += self._offset_change_checks(rf, table)
        problems = self._run_checks(rf, table, checks)
        if problems:
            return problems
        across = self._ordered(rf, ordered, org_tz) + self._events(rf, events, as_of, org_tz)
        return self._unique_ids(rf, table) + self._run_checks(rf, table, across)

    def _type_checks(self, rf: RecordFile, name: str, kind: str) -> list[tuple[str, str]]:
        col = ident(name)
        checks: list[tuple[str, str]] = []
        if rf.format == "jsonl":
            allowed = ", ".join(quote(t) for t in JSON_TYPES[kind])
            checks.append((f"{ident('__type_' + name)} NOT IN ({allowed}, 'NULL')", f"{name} must be a JSON {kind if kind in ('integer', 'number', 'boolean') else 'string'}"))
        if kind == "timestamp":
            checks.append((f"NOT regexp_matches({col}, {quote(TIMESTAMP_RE)}) OR "
                           f"TRY_CAST(regexp_replace({col}, {quote(OFFSET_RE)}, '') AS TIMESTAMP) IS NULL",
                           f"{name} is not an ISO 8601 date and time (YYYY-MM-DDThh:mm[:ss[.ffffff]][offset])"))
        elif kind == "date":
            checks.append((f"NOT regexp_matches({col}, {quote(DATE_RE)}) OR TRY_CAST({col} AS DATE) IS NULL",
                           f"{name} is not a date (YYYY-MM-DD)"))
        elif kind == "integer" and rf.format == "csv":
            checks.append((f"NOT regexp_matches({col}, {quote(INTEGER_RE)}) OR TRY_CAST({col} AS BIGINT) IS NULL", f"{name} is not an integer"))
        elif kind == "number" and rf.format == "csv":
            checks.append((f"NOT regexp_matches({col}, {quote(NUMBER_RE)}) OR NOT isfinite(TRY_CAST({col} AS DOUBLE))", f"{name} is not a number"))
        elif kind == "boolean" and rf.format == "csv":
            checks.append((f"{col} NOT IN ('true', 'false')", f"{name} must be true or false"))
        return checks

    def _offset_change_checks(self, rf: RecordFile, table: str) -> list[Check]:
        """Offset-less timestamps on a day their zone changes offset (one query for the range of such timestamps)."""
        names = [name for name, kind in rf.columns.items() if kind == "timestamp"]
        if not names:
            return []
        naive = " UNION ALL ".join(
            f"SELECT substr({ident(n)}, 1, 10) AS d FROM {ident(table)} WHERE {ident(n)} IS NOT NULL "
            f"AND NOT regexp_matches({ident(n)}, {quote(OFFSET_RE)}) AND regexp_matches({ident(n)}, {quote(TIMESTAMP_RE)})" for n in names)
        first, last = self.con.execute(f"SELECT min(d), max(d) FROM ({naive})").fetchall()[0]
        if not first:
            return []
        try:
            days = offset_change_days(rf.zone, dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        except ValueError:
            return []
        if not days:
            return []
        listed = ", ".join(quote(d.isoformat()) for d in days)
        return [Check(name, "ECS324", f"NOT regexp_matches({ident(name)}, {quote(OFFSET_RE)}) AND substr({ident(name)}, 1, 10) IN ({listed})",
                      f"{name} has no UTC offset and falls on a day {rf.zone} changes its offset; write the offset (INT-091)")
                for name in names]

    def _run_checks(self, rf: RecordFile, table: str, checks: Sequence[Check]) -> list[Problem]:
        """All checks in one query (one round trip): the first rows failing each, in check then row order."""
        if not checks:
            return []
        parts = []
        for k, check in enumerate(checks):
            guard = "" if check.nulls else f"{ident(check.column)} IS NOT NULL AND "
            shown = " || ' / ' || ".join(f"coalesce({ident(c)}, '')" for c in check.shown or (check.column,))
            parts.append(f"(SELECT {k} AS k, __row, {shown} AS v FROM {ident(table)} WHERE {guard}({check.condition}) "
                         f"ORDER BY __row LIMIT {REPORTED_PER_CHECK})")
        rows = self.con.execute(" UNION ALL ".join(parts) + " ORDER BY k, __row").fetchall()
        problems: list[Problem] = []
        for k, row, value in rows:
            check = checks[k]
            if check.shown:
                message = check.message.format(*value.split(" / "))
            else:
                message = check.message + ("" if check.nulls else f" (found {value!r})")
            problems.append(Problem(check.code, message, rf.locate(row, check.column)))
        return problems

    def _unique_ids(self, rf: RecordFile, table: str) -> list[Problem]:
        if "id" not in rf.columns:
            return []
        (repeated,), = self.con.execute(f"SELECT count(id) > count(DISTINCT id) FROM {ident(table)}").fetchall()
        if not repeated:
            return []
        rows = self.con.execute(
            f"SELECT id, __row, first FROM (SELECT id, __row, min(__row) OVER (PARTITION BY id) AS first FROM {ident(table)} "
            f"WHERE id IS NOT NULL) WHERE __row <> first ORDER BY __row LIMIT {REPORTED_PER_CHECK}").fetchall()
        return [Problem("ECS306", f"id {rid!r} is used twice in this list (first at index {first})", rf.locate(row, "id"))
                for rid, row, first in rows]

    def _instant(self, rf: RecordFile, name: str, org_tz_name: str, as_date: bool) -> str:
        col = ident(name)
        if rf.columns[name] == "date":
            return f"CAST({col} AS DATE)"
        us = timestamp_sql(col, rf.zone)
        return f"CAST(timezone({quote(org_tz_name)}, make_timestamp({us})::TIMESTAMPTZ) AS DATE)" if as_date else us

    def _ordered(self, rf: RecordFile, ordered: Sequence[tuple[str, str]], org_tz: dt.tzinfo) -> list[Check]:
        checks = []
        for earlier, later in ordered:
            if earlier not in rf.columns or later not in rf.columns:
                continue
            as_date = "date" in (rf.columns[earlier], rf.columns[later])
            a, b = self._instant(rf, earlier, str(org_tz), as_date), self._instant(rf, later, str(org_tz), as_date)
            checks.append(Check(later, "ECS302", f"{ident(earlier)} IS NOT NULL AND {b} < {a}",
                                f"{later} ({{1}}) is before {earlier} ({{0}})", shown=(earlier, later)))
        return checks

    def _events(self, rf: RecordFile, events: Sequence[str], as_of: dt.date, org_tz: dt.tzinfo) -> list[Check]:
        checks = []
        limit = micros(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=org_tz))
        for name in events:
            if name not in rf.columns:
                continue
            col = ident(name)
            late = f"CAST({col} AS DATE) > DATE {quote(as_of.isoformat())}" if rf.columns[name] == "date" else f"{timestamp_sql(col, rf.zone)} >= {limit}"
            checks.append(Check(name, "ECS302", late, f"{name} {{0}} is after the as-of date {as_of}; records cannot come from the future",
                                shown=(name,)))
        return checks

    # -------------------------------------------------------------- typed tables and rows

    def typed(self, section: tuple[str, ...]) -> str:
        """`typed_<section>`: __row, then each column typed (timestamps as integer microseconds UTC)."""
        rf = self.files[section]
        table = f"typed_{rf.name}"
        if table in self._typed:
            return table
        raw, problems = self.raw(rf)
        assert not problems, problems
        parts = ["__row"]
        for name, kind in rf.columns.items():
            col = ident(name)
            if kind == "timestamp":
                parts.append(f"{timestamp_sql(col, rf.zone)} AS {col}")
            elif kind == "date":
                parts.append(f"CAST({col} AS DATE) AS {col}")
            elif kind == "integer":
                parts.append(f"CAST({col} AS BIGINT) AS {col}")
            elif kind == "number":
                parts.append(f"CAST({col} AS DOUBLE) AS {col}")
            elif kind == "boolean":
                parts.append(f"CAST({col} AS BOOLEAN) AS {col}")
            else:
                parts.append(col)
        self.con.execute(f"CREATE TEMP TABLE {ident(table)} AS SELECT {', '.join(parts)} FROM {ident(raw)}")
        self._typed.add(table)
        return table

    def rows(self, section: tuple[str, ...]) -> list[dict[str, Any]]:
        """The file's records as the dicts an inline list holds, in file order (empty cells left out)."""
        rf = self.files[section]
        raw, problems = self.raw(rf)
        assert not problems, problems
        names = list(rf.columns)
        fetched = self.con.execute(f"SELECT {', '.join(ident(n) for n in names)} FROM {ident(raw)} ORDER BY __row").fetchall()
        converters = [_converter(rf.columns[n], rf.zone, self.org_zone) for n in names]
        out = []
        for row in fetched:
            record = {}
            for name, convert, value in zip(names, converters, row, strict=True):
                if value is not None:
                    record[name] = convert(value)
            out.append(record)
        return out


_NUMBER_INT = re.compile(INTEGER_RE)


def _converter(kind: str, zone_name: str, org_zone: str) -> Any:
    if kind == "integer":
        return int
    if kind == "number":
        return lambda text: int(text) if _NUMBER_INT.match(text) else float(text)
    if kind == "boolean":
        return lambda text: text == "true"
    if kind == "timestamp" and zone_name != org_zone:
        tz = timecalc.zone(zone_name)
        offset = re.compile(OFFSET_RE)

        def pinned(text: str) -> str:
            if offset.search(text):
                return text
            return dt.datetime.fromisoformat(text).replace(tzinfo=tz).isoformat()

        return pinned
    return str


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def re2_pattern(pattern: str) -> str:
    """A JSON Schema (ECMA-262) pattern in RE2 syntax for DuckDB: `\\uXXXX` becomes `\\x{XXXX}`."""
    return _UNICODE_ESCAPE.sub(lambda m: "\\x{" + m.group(1) + "}", pattern)
