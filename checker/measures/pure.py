"""The reference engine: the figures of checker.measures in plain Python over lists of dicts.

Straightforward on purpose: it is what the SQL engines are tested against
and the floor the benchmarks compare them with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from checker.measures import (
    LISTED,
    SATISFIED,
    WORST,
    Basis,
    Consultations,
    Feedback,
    Period,
    Refunds,
    Responses,
    Reviews,
    _section,
    in_window,
    local_minute,
)
from checker.records import micros


def _worst(pairs: Iterable[tuple[str, int]], n: int = WORST) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(pairs, key=lambda p: (-p[1], p[0]))[:n])


def exact_hours_limit(value: Any) -> Fraction:
    """A limit in hours as an exact fraction, to the microsecond of an hour's 3.6e9 (the SQL engines' precision)."""
    from decimal import Decimal

    text = repr(value) if isinstance(value, float) else str(value)
    return Fraction(Decimal(text))


class PythonMeasures:
    name = "python"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.tz = ctx.tz
        self.period = Period.of(ctx.period_start, ctx.period_end, ctx.tz, ctx.tz_name)
        self._cache: dict[Any, Any] = {}

    # -------------------------------------------------------------- inputs

    def _records(self, section: tuple[str, ...]) -> list[dict[str, Any]] | None:
        found = _section(self.ctx.data, section)
        if isinstance(found, list):
            return found
        store = self.ctx.records
        if store is not None and section in store.files:
            return store.rows(section)
        return None

    def _us(self, text: str | None) -> int | None:
        return None if text is None else micros(self.ctx.instants.parse(text))

    def _in_period(self, us: int | None) -> bool:
        return us is not None and self.period.start_us <= us < self.period.end_us

    # -------------------------------------------------------------- chats

    def _sessions(self) -> dict[str, list[tuple[int, bool, str, str]]] | None:
        """Messages per session as (time, not from the customer, id, sender), in conversation order."""
        if "sessions" in self._cache:
            return self._cache["sessions"]
        messages = self._records(("chats", "messages"))
        if messages is None:
            self._cache["sessions"] = None
            return None
        by_session: dict[str, list[tuple[int, bool, str, str]]] = defaultdict(list)
        for m in messages:
            us = self._us(m["sent_at"])
            assert us is not None
            by_session[m["session"]].append((us, m["sender"] != "customer", m["id"], m["sender"]))
        for rows in by_session.values():
            rows.sort()
        # consultations: sessions with a customer message, the first of them in the period
        kept = {}
        for session, rows in by_session.items():
            first = next((r for r in rows if r[3] == "customer"), None)
            if first is not None and self._in_period(first[0]):
                kept[session] = rows
        self._cache["sessions"] = kept
        return kept

    def responses(self, basis: Basis) -> Responses | None:
        sessions = self._sessions()
        if sessions is None:
            return None
        counted = {"human"} if basis.bots_excluded else {"human", "bot"}
        cap = basis.cap_us
        first_total = first_count = unanswered = turn_total = turn_count = 0
        groups: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        slowest_first: list[tuple[str, int]] = []
        slowest_turns: list[tuple[str, int]] = []
        for session, rows in sessions.items():
            seq = [r for r in rows if r[3] == "customer" or r[3] in counted]
            turns: list[tuple[str, int, int | None]] = []  # (opening message id, its time, reply time)
            previous = None
            for index, (us, _, mid, sender) in enumerate(seq):
                if sender == "customer" and previous != "customer":
                    reply = next((r[0] for r in seq[index + 1:] if r[3] != "customer"), None)
                    turns.append((mid, us, reply))
                previous = sender
            mid, us, reply = turns[0]
            if not in_window(local_minute(us, self.tz), basis.window):
                if reply is None:
                    unanswered += 1
                else:
                    taken = reply - us
                    first_total += min(taken, cap) if cap is not None else taken
                    first_count += 1
                    slowest_first.append((session, taken))
            n = total = 0
            for mid, us, reply in turns:
                if reply is None or in_window(local_minute(us, self.tz), basis.window):
                    continue
                taken = reply - us
                counted_us = min(taken, cap) if cap is not None else taken
                turn_total += counted_us
                turn_count += 1
                n += 1
                total += counted_us
                slowest_turns.append((mid, taken))
            if n:
                groups[n][0] += total
                groups[n][1] += 1
        return Responses(first_total, first_count, unanswered, turn_total, turn_count,
                         tuple((n, t, s) for n, (t, s) in sorted(groups.items())),
                         _worst(slowest_first), _worst(slowest_turns))

    def consultations(self) -> Consultations | None:
        sessions = self._sessions()
        if sessions is None:
            return None
        replied = 0
        unreplied: list[tuple[int, str]] = []
        for session, rows in sessions.items():
            first = next(r[0] for r in rows if r[3] == "customer")
            if any(r[3] == "human" and r[0] >= first for r in rows):
                replied += 1
            else:
                unreplied.append((first, session))
        orders = self._records(("orders", "records"))
        converted = None
        if orders is not None:
            linked = {o["session"] for o in orders if o.get("session") is not None and self._in_period(self._us(o["placed_at"]))}
            converted = sum(1 for s in sessions if s in linked)
        records = self._records(("chats", "sessions"))
        rated = satisfied = 0
        if records is not None:
            for record in records:
                if record["id"] in sessions and record.get("rating") is not None:
                    rated += 1
                    satisfied += record["rating"] in SATISFIED
        return Consultations(len(sessions), replied, converted, rated if records is not None else None, satisfied,
                             tuple(s for _, s in sorted(unreplied)[:LISTED]))

    # -------------------------------------------------------------- other records

    def transactions(self) -> int | None:
        orders = self._records(("orders", "records"))
        if orders is None:
            return None
        return sum(1 for o in orders if self._in_period(self._us(o["placed_at"])) and o.get("paid_at") is not None
                   and o.get("cancelled_at") is None)

    def reviews(self) -> Reviews | None:
        reviews = self._records(("reviews",))
        if reviews is None:
            return None
        chosen = [r for r in reviews if self._in_period(self._us(r["posted_at"]))]
        return Reviews(len(chosen), sum(1 for r in chosen if r["grade"] == "negative"))

    def complaints(self) -> int | None:
        complaints = self._records(("complaints",))
        if complaints is None:
            return None
        return sum(1 for c in complaints if self._in_period(self._us(c["received_at"])))

    def feedback(self) -> Feedback | None:
        feedback = self._records(("feedback",))
        if feedback is None:
            return None
        chosen = [(self._us(f["received_at"]), f) for f in feedback]
        chosen = [(us, f) for us, f in chosen if self._in_period(us)]
        handled = sum(1 for _, f in chosen if f.get("fed_back_at"))
        still_open = sorted((us, f["id"]) for us, f in chosen if not f.get("fed_back_at"))
        return Feedback(len(chosen), handled, tuple(i for _, i in still_open[:LISTED]))

    def refunds(self, default_hours: Any) -> Refunds | None:
        refunds = self._records(("refunds",))
        if refunds is None:
            return None
        count = total = longest = 0
        late: list[tuple[str, int]] = []
        undecided: list[tuple[int, str]] = []
        for r in refunds:
            requested = self._us(r["requested_at"])
            if r.get("compensated_first_by_platform") or not self._in_period(requested):
                continue
            assert requested is not None
            start = r.get("return_received_at") if r["return_required"] else r.get("refund_agreed_at")
            if not start or not r.get("refunded_at"):
                undecided.append((requested, r["id"]))
                continue
            taken = self._us(r["refunded_at"]) - self._us(start)  # type: ignore[operator]
            count += 1
            total += taken
            longest = max(longest, taken)
            limit = r.get("agreed_within_hours", default_hours)
            if limit is None:
                undecided.append((requested, r["id"]))
            elif taken > exact_hours_limit(limit) * 3_600_000_000:
                late.append((r["id"], taken))
        undecided.sort()
        return Refunds(count, total, longest, _worst(late, LISTED), len(late), tuple(i for _, i in undecided[:LISTED]), len(undecided))
