"""What a compiled rule sees at evaluation time: the bundle, read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.paths import JsonPath, PathTuple
from checker.timecalc import Instants, Window
from checker.trace import Trace


@dataclass(frozen=True)
class AttachmentCheck:
    """The state of one attachment the bundle references."""

    path: str
    declared_sha256: str
    actual_sha256: str | None
    status: str  # "ok", "missing", "mismatch", "too_large"
    size: int | None = None  # bytes, when the file exists
    limit: int | None = None  # the size limit it was checked against

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class EvalContext:
    data: Mapping[str, Any]
    tz: dt.tzinfo
    tz_name: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    role: str
    attachments: Mapping[str, AttachmentCheck]
    instants: Instants
    trace: Trace | None = None  # set only by `explain --bundle`; see checker.trace
    records: Any = None  # checker.records.RecordStore of the bundle's record files, if any
    measures: Any = None  # the checker.measures engine measuring the records, chosen on first use
    digests: Any = None  # checker.cited.Digests of what findings cite, made on first use
    _selections: dict[str, list[tuple[PathTuple, Any]]] = field(default_factory=dict)
    _period_window: Window | None = None

    def select(self, path: JsonPath) -> list[tuple[PathTuple, Any]]:
        """Select once per run; every policy reading the same path shares the result."""
        found = self._selections.get(path.text)
        if found is None:
            found = self._selections[path.text] = path.select(self.data)
        return found

    def period_window(self) -> Window:
        """The evaluation period as [first instant, first instant after it) in the bundle's zone (one per run)."""
        if self._period_window is None:
            start = dt.datetime.combine(self.period_start, dt.time(), tzinfo=self.tz)
            end = dt.datetime.combine(self.period_end + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)
            self._period_window = Window(start, end, self.instants)
        return self._period_window

    @property
    def as_of_end(self) -> dt.datetime:
        """The first instant after the as-of date: anything still open then is overdue."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)
