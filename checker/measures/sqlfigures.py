"""The figures of checker.measures from SQL queries: what the DuckDB and Spark engines share.

An engine provides `view(name)` (make the view the queries read, False when
the bundle has no such records) and `run(name, **params)` (run one query of
checker/sql/<engine>, rows back as tuples); this class turns the rows into
the figures. Every count is passed through int(): the engines return their
integers as int, Decimal or numpy types, and the figures must compare equal
across engines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from checker.measures import LISTED, WORST, Basis, Consultations, Feedback, Refunds, Responses, Reviews
from checker.records import micros


def inline_rows(records: list[Any], columns: Sequence[tuple[str, str, str]], parse: Callable[[str], Any]) -> list[tuple[Any, ...]]:
    """An inline record list as rows of the view's columns: timestamps as microseconds UTC, DOUBLE columns as floats."""
    rows = []
    for record in records:
        row = []
        for _, field, kind in columns:
            value = record.get(field)
            if value is not None and kind == "BIGINT":
                value = micros(parse(value))
            elif value is not None and kind == "DOUBLE":
                value = float(value)
            row.append(value)
        rows.append(tuple(row))
    return rows


class SqlFigures:
    """Figures from `view` and `run`, each computed once per engine."""

    def __init__(self) -> None:
        self._views: dict[str, bool] = {}
        self._done: dict[Any, Any] = {}

    ctx: Any
    store: Any

    def view(self, name: str) -> bool:
        """Create view `name` from the record file or the inline list (once); False when the bundle has neither."""
        if name in self._views:
            return self._views[name]
        from checker.measures import _section
        from checker.measures.duck import TABLES

        section, columns = TABLES[name]
        if self.store is not None and section in self.store.files:
            self._file_view(name, section, columns)
            found = True
        else:
            records = _section(self.ctx.data, section)
            found = isinstance(records, list)
            if found:
                self._inline_view(name, columns, inline_rows(records, columns, self.ctx.instants.parse))
        self._views[name] = found
        return found

    def _file_view(self, name: str, section: tuple[str, ...], columns: Sequence[tuple[str, str, str]]) -> None:
        raise NotImplementedError

    def _inline_view(self, name: str, columns: Sequence[tuple[str, str, str]], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def responses(self, basis: Basis) -> Responses | None:
        key = ("responses", basis)
        if key in self._done:
            return self._done[key]
        if not self.view("messages"):
            return None
        lo, hi = basis.window if basis.window else (None, None)
        self.run("turns", bots_excluded=basis.bots_excluded, cap_us=basis.cap_us, lo=lo, hi=hi)
        answered, unanswered, first_total = self.run("first_responses")[0]
        turns, turn_total = self.run("turn_responses")[0]
        groups = tuple((int(n), int(t), int(s)) for n, t, s in self.run("session_groups"))
        found = Responses(int(first_total), int(answered), int(unanswered), int(turn_total), int(turns), groups,
                          tuple((s, int(us)) for s, us in self.run("slowest_first_responses", limit=WORST)),
                          tuple((i, int(us)) for i, us in self.run("slowest_turn_responses", limit=WORST)))
        self._done[key] = found
        return found

    def _consultations(self) -> bool:
        if "consultations" not in self._done:
            ok = self.view("messages")
            if ok:
                self.run("consultations")
            self._done["consultations"] = ok
        return self._done["consultations"]

    def consultations(self) -> Consultations | None:
        if not self._consultations():
            return None
        total, replied = self.run("consultation_counts")[0]
        converted = int(self.run("converted")[0][0]) if self.view("orders") else None
        rated, satisfied = self.run("ratings")[0] if self.view("sessions") else (None, 0)
        unreplied = tuple(s for (s,) in self.run("unreplied", limit=LISTED))
        return Consultations(int(total), int(replied), converted, None if rated is None else int(rated), int(satisfied), unreplied)

    def transactions(self) -> int | None:
        return int(self.run("transactions")[0][0]) if self.view("orders") else None

    def reviews(self) -> Reviews | None:
        if not self.view("reviews"):
            return None
        total, negative = self.run("reviews")[0]
        return Reviews(int(total), int(negative))

    def complaints(self) -> int | None:
        return int(self.run("complaints")[0][0]) if self.view("complaints") else None

    def feedback(self) -> Feedback | None:
        if not self.view("feedback"):
            return None
        total, handled = self.run("feedback")[0]
        return Feedback(int(total), int(handled), tuple(i for (i,) in self.run("feedback_open", limit=LISTED)))

    def refunds(self, default_hours: Any) -> Refunds | None:
        if not self.view("refunds"):
            return None
        self.run("refunds", default_hours=None if default_hours is None else float(default_hours))
        measured, total, longest, late_count, undecided_count = self.run("refund_totals")[0]
        late = tuple((i, int(us)) for i, us in self.run("refunds_late", limit=LISTED))
        undecided = tuple(i for (i,) in self.run("refunds_undecided", limit=LISTED))
        return Refunds(int(measured), int(total), int(longest), late, int(late_count), undecided, int(undecided_count))
