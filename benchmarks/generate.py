"""Seeded, realistic record sets for an NJ-ECCS bundle: chats, orders, reviews, complaints, refunds, feedback.

    python benchmarks/generate.py OUT --messages 1000000 [--format csv|jsonl|parquet] [--inline] [--seed N]

Writes OUT/bundle.yaml and, unless --inline, one record file per section
under OUT/records/ with its SHA-256 in the bundle. The same seed gives the
same bytes. What it models, so the KPIs have something to find:

- sessions start around the clock with an evening peak and a quiet night;
  weekends and public holidays (the official calendar) bring more traffic
  and slower agents; about 10 messages per session in 1-5 customer turns;
- a bot answers first in many sessions within seconds; a human agent
  follows after a log-normal delay (slower at night, some never at night);
- orders name the session that led to them; some are unpaid or cancelled;
- reviews on about half the orders, about 1.5 % negative;
- complaints, some fed back after 24 hours or after the agreed next contact;
- refunds measured in working days, some late across holidays;
- feedback, a few never fed back.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TZ = dt.timezone(dt.timedelta(hours=8))
YEAR = 2025
COLUMNS: dict[str, dict[str, str]] = {
    "messages": {"id": "string", "session": "string", "sent_at": "timestamp", "sender": "string"},
    "sessions": {"id": "string", "customer": "string", "started_at": "timestamp", "rating": "string"},
    "orders": {"id": "string", "placed_at": "timestamp", "paid_at": "timestamp", "cancelled_at": "timestamp", "session": "string"},
    "reviews": {"id": "string", "posted_at": "timestamp", "grade": "string", "order": "string"},
    "complaints": {"id": "string", "category": "string", "received_at": "timestamp", "resolved_at_first_contact": "boolean",
                   "solution_fed_back_at": "timestamp", "next_contact_agreed_at": "timestamp", "accepted_at": "timestamp",
                   "suggestion_given": "boolean", "shipping_paid_by": "string"},
    "refunds": {"id": "string", "requested_at": "timestamp", "return_required": "boolean", "return_received_at": "timestamp",
                "refund_agreed_at": "timestamp", "refunded_at": "timestamp", "agreed_within_hours": "number"},
    "feedback": {"id": "string", "received_at": "timestamp", "category": "string", "fed_back_at": "timestamp"},
}
SECTIONS = {"messages": ("chats", "messages"), "sessions": ("chats", "sessions"), "orders": ("orders", "records"),
            "reviews": ("reviews",), "complaints": ("complaints",), "refunds": ("refunds",), "feedback": ("feedback",)}
HOURLY = [2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 7, 6, 6, 7, 9, 10, 8, 5]


@functools.cache
def _special_days() -> frozenset[dt.date]:
    """Weekends and public holidays of the year, makeup working days excluded."""
    import chinese_calendar

    days = set()
    day = dt.date(YEAR, 1, 1)
    while day.year == YEAR:
        if not chinese_calendar.is_workday(day):
            days.add(day)
        day += dt.timedelta(days=1)
    return days


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Generator:
    def __init__(self, messages: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target = messages
        self.off = _special_days()
        self.start = dt.datetime(YEAR, 1, 1, tzinfo=TZ)
        self.end = dt.datetime(YEAR, 12, 15, tzinfo=TZ)  # later events (reviews, refunds) stay inside the year
        days = (self.end - self.start).days
        weights = [1.6 if (self.start + dt.timedelta(days=d)).date() in self.off else 1.0 for d in range(days)]
        self.day_weights = [w * h for w in weights for h in HOURLY]
        self.hours = days * 24
        self.orders: list[dict[str, Any]] = []

    def when(self) -> dt.datetime:
        hour = self._hour()
        return self.start + dt.timedelta(hours=hour, seconds=self.rng.randrange(3600))

    def _hour(self) -> int:
        """An hour of the year, drawn by the weights (inverse CDF)."""
        if not hasattr(self, "_cdf"):
            total, cdf = 0.0, []
            for w in self.day_weights:
                total += w
                cdf.append(total)
            self._cdf, self._total = cdf, total
        return bisect.bisect_left(self._cdf, self.rng.random() * self._total)

    def chats(self) -> Iterator[tuple[str, dict[str, Any]]]:
        rng = self.rng
        made = 0
        n = 0
        while made < self.target:
            n += 1
            sid = f"S{n:08d}"
            t = self.when()
            night = t.hour < 8
            slow = 1.8 if t.date() in self.off else 1.0
            rating = rng.choices(["very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied", ""],
                                 weights=[45, 30, 8, 3, 1, 40])[0]
            yield "sessions", {"id": sid, "customer": f"U{rng.randrange(10**7):07d}", "started_at": _iso(t), "rating": rating or None}
            k = 0
            turns = rng.choice([1, 1, 2, 2, 3, 4, 5])
            for turn in range(turns):
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    k += 1
                    yield "messages", {"id": f"{sid}-{k:03d}", "session": sid, "sent_at": _iso(t), "sender": "customer"}
                    t += dt.timedelta(seconds=rng.randrange(2, 25))
                if turn == 0 and rng.random() < 0.6:
                    k += 1
                    yield "messages", {"id": f"{sid}-{k:03d}", "session": sid,
                                       "sent_at": _iso(t + dt.timedelta(seconds=rng.randrange(0, 3))), "sender": "bot"}
                if night and rng.random() < 0.35:
                    break  # nobody answered at night
                delay = rng.lognormvariate(math.log(9 if not night else 60), 0.9) * slow
                t += dt.timedelta(seconds=max(1, round(delay)))
                k += 1
                yield "messages", {"id": f"{sid}-{k:03d}", "session": sid, "sent_at": _iso(t), "sender": "human"}
                t += dt.timedelta(seconds=rng.randrange(5, 120))
            made += k
            if rng.random() < 0.33:
                self.orders.append({"session": sid, "placed_at": t + dt.timedelta(minutes=rng.randrange(1, 240))})

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        rng = self.rng
        extra = len(self.orders) // 2
        placed = [(o["placed_at"], o["session"]) for o in self.orders] + [(self.when(), None) for _ in range(extra)]
        placed.sort(key=lambda p: (p[0], p[1] or ""))
        o_n = r_n = c_n = f_n = v_n = 0
        for at, session in placed:
            o_n += 1
            oid = f"O{o_n:08d}"
            roll = rng.random()
            yield "orders", {"id": oid, "placed_at": _iso(at), "paid_at": _iso(at + dt.timedelta(minutes=2)) if roll < 0.93 else None,
                             "cancelled_at": _iso(at + dt.timedelta(hours=1)) if 0.90 <= roll < 0.93 else None, "session": session}
            if roll < 0.90 and rng.random() < 0.5:
                v_n += 1
                grade = rng.choices(["positive", "neutral", "negative"], weights=[93, 5.5, 1.5])[0]
                yield "reviews", {"id": f"V{v_n:08d}", "posted_at": _iso(at + dt.timedelta(days=rng.randrange(3, 9))), "grade": grade, "order": oid}
            if roll < 0.90 and rng.random() < 0.0006:
                c_n += 1
                yield "complaints", self._complaint(c_n, at + dt.timedelta(days=rng.randrange(2, 6), minutes=rng.randrange(600)))
            if roll < 0.90 and rng.random() < 0.02:
                r_n += 1
                yield "refunds", self._refund(r_n, at + dt.timedelta(days=rng.randrange(1, 5), minutes=rng.randrange(600)))
            if rng.random() < 0.001:
                f_n += 1
                got = at + dt.timedelta(days=1, minutes=rng.randrange(600))
                fed = got + dt.timedelta(hours=rng.randrange(2, 48)) if rng.random() < 0.97 else None
                yield "feedback", {"id": f"F{f_n:07d}", "received_at": _iso(got), "category": rng.choice(["product", "service", "logistics", "suggestion"]),
                                   "fed_back_at": _iso(fed) if fed else None}

    def _complaint(self, n: int, got: dt.datetime) -> dict[str, Any]:
        rng = self.rng
        row: dict[str, Any] = {"id": f"C{n:06d}", "category": rng.choice(["service", "product"]), "received_at": _iso(got)}
        if row["category"] == "product":
            row.update(accepted_at=_iso(got + dt.timedelta(minutes=rng.randrange(5, 600))), suggestion_given=True,
                       shipping_paid_by=rng.choice(["operator", "platform", "not_applicable"]))
        if rng.random() < 0.4:
            row["resolved_at_first_contact"] = True
            return row
        row["resolved_at_first_contact"] = False
        if rng.random() < 0.2:
            agreed = got + dt.timedelta(hours=rng.randrange(26, 60))
            row["next_contact_agreed_at"] = _iso(agreed)
            row["solution_fed_back_at"] = _iso(agreed - dt.timedelta(hours=1) if rng.random() < 0.9 else agreed + dt.timedelta(hours=3))
        else:
            hours = rng.expovariate(1 / 7) if rng.random() < 0.93 else 24 + rng.random() * 30
            row["solution_fed_back_at"] = _iso(got + dt.timedelta(hours=hours))
        return row

    def _refund(self, n: int, asked: dt.datetime) -> dict[str, Any]:
        rng = self.rng
        needs_return = rng.random() < 0.6
        row: dict[str, Any] = {"id": f"R{n:07d}", "requested_at": _iso(asked), "return_required": needs_return}
        start = asked + dt.timedelta(days=rng.randrange(1, 4) if needs_return else 0, hours=rng.randrange(1, 8))
        row["return_received_at" if needs_return else "refund_agreed_at"] = _iso(start)
        late = rng.random() < 0.05 or start.date() + dt.timedelta(days=1) in self.off
        row["refunded_at"] = _iso(start + dt.timedelta(hours=rng.randrange(30, 90) if late else rng.randrange(1, 20)))
        if rng.random() < 0.3:
            row["agreed_within_hours"] = rng.choice([24, 48, 72])
        return row


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else ("true" if row[c] is True else "false" if row[c] is False else row[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def _jsonl(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    return "".join(json.dumps({c: row[c] for c in columns if row.get(c) is not None}, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


SQL_TYPES = {"boolean": "BOOLEAN", "number": "DOUBLE", "integer": "BIGINT"}


def _parquet(rows: list[dict[str, Any]], columns: dict[str, str], path: Path) -> None:
    import duckdb

    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_bytes(_jsonl(rows, list(columns)))
    spec = ", ".join(f"'{c}': '{SQL_TYPES.get(kind, 'VARCHAR')}'" for c, kind in columns.items())
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_json('{tmp}', format='newline_delimited', columns={{{spec}}})) TO '{path}' (FORMAT parquet)")
    con.close()
    tmp.unlink()


def write_records(directory: Path, rel: str, rows: list[dict[str, Any]], columns: dict[str, str], fmt: str = "csv") -> dict[str, Any]:
    """Write `rows` as a record file at `directory/rel`; returns the bundle's `$records` reference to it."""
    path = directory / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_bytes(_csv(rows, list(columns)))
    elif fmt == "jsonl":
        path.write_bytes(_jsonl(rows, list(columns)))
    else:
        _parquet(rows, columns, path)
    return {"$records": {"path": rel, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "columns": dict(columns)}}


def bundle_header(name: str) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "organization": {"name": name, "unified_social_credit_code": "91320106MA2B3C4D5E", "role": "operator",
                         "time_zone": "Asia/Shanghai", "industry": "apparel"},
        "period": {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"},
        "refund_policy": {"platform_default_hours": 48, "basis": "平台退款规则第12条"},
        "performance": {"response_times": {"unit": "session", "bot_replies_excluded": True,
                                           "off_hours_excluded": {"start": "00:00", "end": "08:00"}}},
    }


def generate(out: Path, messages: int, seed: int = 20250101, fmt: str = "csv", inline: bool = False,
             name: str = "南京示例服饰电子商务有限公司") -> Path:
    """Write a bundle with about `messages` chat messages to `out`; returns the bundle file."""
    gen = Generator(messages, seed)
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key in COLUMNS}
    for kind, row in gen.chats():
        rows[kind].append(row)
    for kind, row in gen.records():
        rows[kind].append(row)
    data = bundle_header(name)
    out.mkdir(parents=True, exist_ok=True)
    for kind, section in SECTIONS.items():
        columns = list(COLUMNS[kind])
        if inline:
            value: Any = [{c: r[c] for c in columns if r.get(c) is not None} for r in rows[kind]]
        else:
            value = write_records(out, f"records/{kind}.{fmt}", rows[kind], COLUMNS[kind], fmt)
        node = data
        for step in section[:-1]:
            node = node.setdefault(step, {})
        node[section[-1]] = value
    target = out / ("bundle.json" if inline else "bundle.yaml")
    if inline:
        target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        import yaml

        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--format", choices=["csv", "jsonl", "parquet"], default="csv")
    parser.add_argument("--inline", action="store_true", help="write every record inline in bundle.json instead of record files")
    args = parser.parse_args()
    path = generate(args.out, args.messages, args.seed, args.format, args.inline)
    sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
