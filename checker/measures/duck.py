"""The DuckDB engine: the figures of checker.measures in SQL (checker/sql/duckdb), in an embedded database.

Record files are queried where they are (the record store's typed tables);
inline lists are loaded into tables of the same shape, timestamps turned
into microseconds by the same parser the rest of the checker uses. Each
section becomes a view with the columns the queries read (TABLES).
"""

from __future__ import annotations

from typing import Any

from checker import sql
from checker.measures import (
    LISTED,
    WORST,
    Basis,
    Consultations,
    Feedback,
    Period,
    Refunds,
    Responses,
    Reviews,
    _section,
)
from checker.records import connect, ident, micros

# view -> (section, [(column, field, type)]): what the queries read of each record list
TABLES: dict[str, tuple[tuple[str, ...], list[tuple[str, str, str]]]] = {
    "messages": (("chats", "messages"), [("id", "id", "VARCHAR"), ("session", "session", "VARCHAR"),
                                         ("sent_us", "sent_at", "BIGINT"), ("sender", "sender", "VARCHAR")]),
    "sessions": (("chats", "sessions"), [("id", "id", "VARCHAR"), ("rating", "rating", "VARCHAR")]),
    "orders": (("orders", "records"), [("id", "id", "VARCHAR"), ("placed_us", "placed_at", "BIGINT"), ("paid_us", "paid_at", "BIGINT"),
                                       ("cancelled_us", "cancelled_at", "BIGINT"), ("session", "session", "VARCHAR")]),
    "reviews": (("reviews",), [("id", "id", "VARCHAR"), ("posted_us", "posted_at", "BIGINT"), ("grade", "grade", "VARCHAR")]),
    "complaints": (("complaints",), [("id", "id", "VARCHAR"), ("received_us", "received_at", "BIGINT")]),
    "feedback": (("feedback",), [("id", "id", "VARCHAR"), ("received_us", "received_at", "BIGINT"), ("fed_back_us", "fed_back_at", "BIGINT")]),
    "refunds": (("refunds",), [("id", "id", "VARCHAR"), ("requested_us", "requested_at", "BIGINT"), ("return_required", "return_required", "BOOLEAN"),
                               ("return_received_us", "return_received_at", "BIGINT"), ("refund_agreed_us", "refund_agreed_at", "BIGINT"),
                               ("refunded_us", "refunded_at", "BIGINT"), ("compensated", "compensated_first_by_platform", "BOOLEAN"),
                               ("agreed_hours", "agreed_within_hours", "DOUBLE")]),
}


class DuckMeasures:
    name = "duckdb"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.period = Period.of(ctx.period_start, ctx.period_end, ctx.tz, ctx.tz_name)
        store = ctx.records
        self.store = store
        self.con = store.con if store is not None else connect()
        self._views: dict[str, bool] = {}
        self._done: dict[Any, Any] = {}

    # -------------------------------------------------------------- tables

    def view(self, name: str) -> bool:
        """Create view `name` from the record file or the inline list; False when the bundle has neither."""
        if name in self._views:
            return self._views[name]
        section, columns = TABLES[name]
        store = self.store
        if store is not None and section in store.files:
            typed = store.typed(section)
            declared = store.files[section].columns
            parts = [f"{ident(field)}::{kind} AS {column}" if field in declared else f"NULL::{kind} AS {column}"
                     for column, field, kind in columns]
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(parts)} FROM {ident(typed)}")
            self._views[name] = True
            return True
        records = _section(self.ctx.data, section)
        if not isinstance(records, list):
            self._views[name] = False
            return False
        parse = self.ctx.instants.parse
        rows = []
        for record in records:
            row = []
            for _, field, kind in columns:
                value = record.get(field)
                if value is not None and kind == "BIGINT":
                    value = micros(parse(value))
                row.append(value)
            rows.append(tuple(row))
        table = f"inline_{name}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(f'{c} {k}' for c, _, k in columns)})")
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {table}")
        self._views[name] = True
        return True

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        text = sql.query("duckdb", name)
        used = sql.parameters("duckdb", name)
        wanted = {key: value for key, value in {**self._params(), **params}.items() if key in used}
        return self.con.execute(text, wanted).fetchall()

    def _params(self) -> dict[str, Any]:
        return {"start_us": self.period.start_us, "end_us": self.period.end_us, "zone": self.period.zone}

    # -------------------------------------------------------------- figures

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
        found = Responses(int(first_total), answered, unanswered, int(turn_total), turns, groups,
                          tuple((s, int(us)) for s, us in self.run("slowest_first_responses", limit=WORST)),
                          tuple((i, int(us)) for i, us in self.run("slowest_turn_responses", limit=WORST)))
        self._done[key] = found
        return found

    def _consultations(self) -> bool:
        if "consultations" not in self._done:
            self._done["consultations"] = self.view("messages") and bool(self.run("consultations") or True)
        return self._done["consultations"]

    def consultations(self) -> Consultations | None:
        if not self._consultations():
            return None
        total, replied = self.run("consultation_counts")[0]
        converted = self.run("converted")[0][0] if self.view("orders") else None
        rated, satisfied = self.run("ratings")[0] if self.view("sessions") else (None, 0)
        unreplied = tuple(s for (s,) in self.run("unreplied", limit=LISTED))
        return Consultations(total, replied, converted, rated, satisfied, unreplied)

    def transactions(self) -> int | None:
        return self.run("transactions")[0][0] if self.view("orders") else None

    def reviews(self) -> Reviews | None:
        if not self.view("reviews"):
            return None
        total, negative = self.run("reviews")[0]
        return Reviews(total, negative)

    def complaints(self) -> int | None:
        return self.run("complaints")[0][0] if self.view("complaints") else None

    def feedback(self) -> Feedback | None:
        if not self.view("feedback"):
            return None
        total, handled = self.run("feedback")[0]
        return Feedback(total, handled, tuple(i for (i,) in self.run("feedback_open", limit=LISTED)))

    def refunds(self, default_hours: Any) -> Refunds | None:
        if not self.view("refunds"):
            return None
        self.run("refunds", default_hours=None if default_hours is None else float(default_hours))
        measured, total, longest, late_count, undecided_count = self.run("refund_totals")[0]
        late = tuple((i, int(us)) for i, us in self.run("refunds_late", limit=LISTED))
        undecided = tuple(i for (i,) in self.run("refunds_undecided", limit=LISTED))
        return Refunds(measured, int(total), int(longest), late, late_count, undecided, undecided_count)
