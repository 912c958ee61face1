"""Time arithmetic the standards need: instants, working days, weekly coverage.

All calendar reasoning happens in the bundle's declared time zone, never in
the machine's. Readings of the text that these functions encode are
documented in policies/INTERPRETATIONS.yaml (INT-001, INT-002, INT-004).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


class CalendarRangeError(Exception):
    """A date outside the years the official holiday calendar knows."""

    def __init__(self, day: dt.date) -> None:
        super().__init__(f"{day.isoformat()} is outside the official working-day calendar")
        self.day = day


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    from importlib import resources

    return frozenset(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


@cache  # one object per name (bounded by the list of names), so `is` tells zones apart
def zone(name: str) -> dt.tzinfo:
    """An IANA zone, read from the `tzdata` package; raises KeyError for a name it does not list.

    Never the machine's zone files: `localtime` or a system database of
    another release would make the same bundle read differently on
    another machine.
    """
    if name not in _zone_names():
        raise KeyError(name)
    from importlib import resources

    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)


class Instants:
    """Parses timestamps once per run, reading offset-less ones in `tz`.

    Counts how many naive timestamps it read, so findings can say so.
    """

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._cache: dict[str, dt.datetime] = {}
        self._dates: dict[str, dt.date] = {}
        self.naive: set[str] = set()
        self.naive_reads = 0
        self.naive_read: set[str] = set()  # the distinct offset-less texts read since the caller last cleared it

    def date(self, text: str) -> dt.date:
        value = self._dates.get(text)
        if value is None:
            value = self._dates[text] = dt.date.fromisoformat(text)
        return value

    def temporal(self, text: str) -> dt.date | dt.datetime:
        """A date for YYYY-MM-DD, an aware datetime for anything longer."""
        return self.date(text) if len(text) == 10 else self.parse(text)

    def parse(self, text: str) -> dt.datetime:
        value = self._cache.get(text)
        if value is None:
            value = dt.datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.tz)
                self.naive.add(text)
            self._cache[text] = value
        if value.tzinfo is self.tz:  # only offset-less texts get the zone object itself
            self.naive_reads += 1
            self.naive_read.add(text)
        return value

    def local_date(self, value: dt.datetime) -> dt.date:
        return value.astimezone(self.tz).date()


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant after `day` in `tz` (deadlines are exclusive of it)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def is_working_day(day: dt.date) -> bool:
    """Mainland China working day, including makeup working days (调休)."""
    import chinese_calendar  # imported lazily: it is only needed by working-day rules

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarRangeError(day) from None


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (the day itself does not count).

    With `count` 0 it is `day` itself when that is a working day, else the
    next working day.
    """
    current = day
    if count == 0:
        while not is_working_day(current):
            current += dt.timedelta(days=1)
        return current
    found = 0
    while found < count:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def working_day_deadline(start: dt.datetime, count: int, tz: dt.tzinfo) -> dt.datetime:
    """Exclusive deadline: the end of the `count`-th working day after the start's local date (INT-002)."""
    local = start.astimezone(tz).date()
    return end_of_day(add_working_days(local, count), tz)


# ------------------------------------------------------------------ weekly coverage


@dataclass(frozen=True)
class Interval:
    """One weekly service interval, as minutes from Monday 00:00."""

    start: int
    end: int


def parse_clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def weekly_intervals(days: Iterable[str], start: str, end: str, shift_minutes: int = 0) -> list[Interval]:
    """Expand `days` x [start, end) into week-minute intervals.

    An end at or before the start runs past midnight into the next day
    (22:00-06:00); 00:00-24:00 is a whole day. `shift_minutes` moves the
    interval into another zone's wall clock.
    """
    begin, finish = parse_clock(start), parse_clock(end)
    if finish <= begin:
        finish += MINUTES_PER_DAY
    result = []
    for day in days:
        offset = WEEKDAYS.index(day) * MINUTES_PER_DAY + shift_minutes
        lo = (begin + offset) % MINUTES_PER_WEEK
        hi = lo + (finish - begin)
        if hi > MINUTES_PER_WEEK:  # wraps past Sunday midnight into Monday
            result.append(Interval(lo, MINUTES_PER_WEEK))
            result.append(Interval(0, hi - MINUTES_PER_WEEK))
        else:
            result.append(Interval(lo, hi))
    return result


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals, sorted, overlapping and touching ones merged."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return merged


def minutes_per_day(intervals: Sequence[Interval]) -> dict[str, int]:
    """Covered minutes on each weekday; an overnight interval counts on both days (INT-001)."""
    covered = {day: 0 for day in WEEKDAYS}
    for interval in merge(intervals):
        for index, day in enumerate(WEEKDAYS):
            lo, hi = index * MINUTES_PER_DAY, (index + 1) * MINUTES_PER_DAY
            covered[day] += max(0, min(hi, interval.end) - max(lo, interval.start))
    return covered


def zone_shift_minutes(source: dt.tzinfo, target: dt.tzinfo, on: dt.date) -> int:
    """Minutes to add to a wall-clock time in `source` to read it in `target` on `on`."""
    noon = dt.datetime.combine(on, dt.time(12))
    source_offset = noon.replace(tzinfo=source).utcoffset() or dt.timedelta()
    target_offset = noon.replace(tzinfo=target).utcoffset() or dt.timedelta()
    return int((target_offset - source_offset).total_seconds() // 60)


class Window:
    """A half-open span of time [start, end) that tests ISO texts cheaply.

    A timestamp with an explicit offset is compared as text against the
    bounds written in that same offset (string order is time order there);
    anything else (dates, offset-less or irregular texts) is parsed.
    """

    def __init__(self, start: dt.datetime, end: dt.datetime, instants: Instants) -> None:
        self.start, self.end = start, end
        self.instants = instants
        self._bounds: dict[str, tuple[str, str] | None] = {}
        self.seen: dict[str, bool] = {}  # the answers so far: every policy reading the same timestamps asks again

    def _bounds_for(self, suffix: str) -> tuple[str, str] | None:
        if suffix not in self._bounds:
            try:
                offset = dt.datetime.fromisoformat("2000-01-01T00:00:00" + suffix).utcoffset()
            except ValueError:
                offset = None
            if offset is None:
                self._bounds[suffix] = None
            else:
                fixed = dt.timezone(offset)
                self._bounds[suffix] = (self.start.astimezone(fixed).isoformat(), self.end.astimezone(fixed).isoformat())
        return self._bounds[suffix]

    def contains(self, text: str) -> bool:
        known = self.seen.get(text)
        if known is None:
            known = self._contains(text)
            if text not in self.instants.naive:  # an offset-less text is parsed (and so noted) at every reading
                self.seen[text] = known
        return known

    def _contains(self, text: str) -> bool:
        if len(text) == 25 and text[10] == "T" and text[19] in "+-":
            bounds = self._bounds_for(text[19:])
            if bounds is not None:
                return bounds[0] <= text < bounds[1]
        moment = self.instants.temporal(text)
        if not isinstance(moment, dt.datetime):  # a date is inside when its first instant is
            moment = dt.datetime.combine(moment, dt.time(), tzinfo=self.instants.tz)
        return self.start <= moment < self.end
