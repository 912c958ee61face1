"""The DuckDB engine: the figures of checker.measures in SQL (checker/sql/duckdb), in an embedded database.

Record files are queried where they are (the record store's typed tables);
inline lists are loaded into tables of the same shape, timestamps turned
into microseconds by the same parser the rest of the checker uses. Each
section becomes a view with the columns the queries read (TABLES).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checker import sql
from checker.measures import Period
from checker.measures.sqlfigures import SqlFigures
from checker.records import connect, ident

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


class DuckMeasures(SqlFigures):
    name = "duckdb"

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.period = Period.of(ctx.period_start, ctx.period_end, ctx.tz, ctx.tz_name)
        store = ctx.records
        self.store = store
        self.con = store.con if store is not None else connect()

    # -------------------------------------------------------------- tables

    def _file_view(self, name: str, section: tuple[str, ...], columns: Sequence[tuple[str, str, str]]) -> None:
        store = self.store
        typed = store.typed(section)
        declared = store.files[section].columns
        parts = [f"{ident(field)}::{kind} AS {column}" if field in declared else f"NULL::{kind} AS {column}"
                 for column, field, kind in columns]
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(parts)} FROM {ident(typed)}")

    def _inline_view(self, name: str, columns: Sequence[tuple[str, str, str]], rows: list[tuple[Any, ...]]) -> None:
        table = f"inline_{name}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(f'{c} {k}' for c, _, k in columns)})")
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {table}")

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        text = sql.query("duckdb", name)
        used = sql.parameters("duckdb", name)
        wanted = {key: value for key, value in {**self._params(), **params}.items() if key in used}
        return self.con.execute(text, wanted).fetchall()

    def _params(self) -> dict[str, Any]:
        return {"start_us": self.period.start_us, "end_us": self.period.end_us, "zone": self.period.zone}
