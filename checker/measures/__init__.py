"""Figures measured over a bundle's records, by one of three engines with identical results.

The NJ-ECCS indicators (checker.kpis) are defined once, there; what they
need from raw records (sums of response times, counts of sessions, orders,
reviews, complaints, feedback and refunds in the period) is measured here:

- `python` (checker.measures.pure): plain Python over inline lists, the
  reference and the floor benchmarks compare with;
- `duckdb` (checker.measures.duck): SQL in an embedded DuckDB, over record
  files in place and inline lists alike;
- `spark` (checker.measures.spark): the same SQL on Apache Spark.

Every figure is an integer (counts, microseconds), so the three agree
exactly; checker.kpis turns them into exact fractions. Which records count
is documented in INT-090 (chat messages), INT-092 (orders, reviews) and
INT-093 (order of the records listed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from checker.records import micros

ENGINES = ("python", "duckdb", "spark")
SMALL_FILES = 4 * 1024 * 1024  # below this, record files are read into Python: fewer round trips than SQL for a few rows
WORST = 10  # records listed as the worst offenders of an indicator
LISTED = 20  # open or late records listed by id
SATISFIED = ("very_satisfied", "satisfied")
# sections the SQL engines read in place; any other record file is read into Python
SQL_SECTIONS = (("chats", "messages"), ("chats", "sessions"), ("orders", "records"), ("reviews",), ("complaints",),
                ("feedback",), ("refunds",))


@dataclass(frozen=True)
class Period:
    """The evaluation period as [start, end) in integer microseconds UTC, and the zone for local times."""

    start_us: int
    end_us: int
    zone: str

    @classmethod
    def of(cls, start: dt.date, end: dt.date, tz: dt.tzinfo, zone: str) -> Period:
        first = dt.datetime.combine(start, dt.time(), tzinfo=tz)
        after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return cls(micros(first), micros(after), zone)


@dataclass(frozen=True)
class Basis:
    """How response times are measured from chat messages (performance.response_times, INT-042, INT-090)."""

    unit: str = "session"
    bots_excluded: bool = True
    window: tuple[int, int] | None = None  # minutes of the local day [lo, hi); wraps past midnight when lo > hi
    cap_us: int | None = None


@dataclass(frozen=True)
class Responses:
    """Response times of the consultations in the period, in microseconds."""

    first_total_us: int  # Σ first responses (capped), one per answered session
    first_count: int
    unanswered: int  # sessions (outside the window) with no counted reply at all
    turn_total_us: int  # Σ responses to every consumer turn (capped)
    turn_count: int
    session_groups: tuple[tuple[int, int, int], ...]  # (answered turns in a session, Σ their responses, sessions)
    slowest_first: tuple[tuple[str, int], ...]  # (session id, first response, uncapped), slowest first
    slowest_turns: tuple[tuple[str, int], ...]  # (message id opening the turn, response, uncapped), slowest first


@dataclass(frozen=True)
class Consultations:
    """Chat sessions a customer started in the period (consultations)."""

    total: int
    replied_by_human: int
    converted: int | None  # None when the bundle has no order records
    rated: int | None  # None when the bundle has no session records
    satisfied: int
    unreplied: tuple[str, ...]  # session ids, earliest first


@dataclass(frozen=True)
class Feedback:
    total: int
    handled: int
    open: tuple[str, ...]  # ids of feedback not fed back, earliest first


@dataclass(frozen=True)
class Refunds:
    count: int  # completed refunds measured
    total_us: int
    longest_us: int
    late: tuple[tuple[str, int], ...]  # (id, duration), longest first
    late_count: int
    undecided: tuple[str, ...]  # ids, earliest request first
    undecided_count: int


@dataclass(frozen=True)
class Reviews:
    total: int
    negative: int


class Measures(Protocol):
    """What checker.kpis asks of the records; None when the bundle lacks the section."""

    name: str

    def responses(self, basis: Basis) -> Responses | None: ...
    def consultations(self) -> Consultations | None: ...
    def transactions(self) -> int | None: ...
    def reviews(self) -> Reviews | None: ...
    def complaints(self) -> int | None: ...
    def feedback(self) -> Feedback | None: ...
    def refunds(self, default_hours: Any) -> Refunds | None: ...


def engine_for(ctx: Any, name: str | None = None, **options: Any) -> Measures:
    """The engine `name`, or the cheapest for this bundle: Python unless megabytes of records stay in files (same figures)."""
    cached = ctx.measures if name is None else None
    if cached is not None:
        return cached
    store = ctx.records
    if name is None:
        in_files = [rf for s, rf in store.files.items() if not isinstance(_section(ctx.data, s), list)] if store is not None else []
        name = "duckdb" if sum(rf.size for rf in in_files) > SMALL_FILES else "python"
    if name == "python":
        from checker.measures.pure import PythonMeasures

        engine: Measures = PythonMeasures(ctx)
    elif name == "duckdb":
        from checker.measures.duck import DuckMeasures

        engine = DuckMeasures(ctx)
    elif name == "spark":
        from checker.measures.spark import SparkMeasures

        engine = SparkMeasures(ctx, **options)
    else:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    return Memoized(engine)  # type: ignore[return-value]


class Memoized:
    """An engine whose figures are computed once per arguments: indicators, policies and the grade ask for the same ones."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.name = engine.name
        self._found: dict[tuple[Any, ...], Any] = {}

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.engine, method)
        if not callable(call):
            return call

        def cached(*args: Any) -> Any:
            key = (method, *args)
            if key not in self._found:
                self._found[key] = call(*args)
            return self._found[key]

        return cached


def _section(data: Any, section: tuple[str, ...]) -> Any:
    node = data
    for step in section:
        node = node.get(step) if isinstance(node, dict) else None
    return node


def local_minute(us: int, tz: dt.tzinfo) -> int:
    from checker.records import from_micros

    local = from_micros(us, tz)
    return local.hour * 60 + local.minute


def in_window(minute: int, window: tuple[int, int] | None) -> bool:
    if window is None:
        return False
    lo, hi = window
    return lo <= minute < hi if lo < hi else (minute >= lo or minute < hi)
