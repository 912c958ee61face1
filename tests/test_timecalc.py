"""Calendar arithmetic: working days with makeup days, weekly coverage, instants."""

from __future__ import annotations

import datetime as dt

import pytest

from checker import timecalc

SHANGHAI = timecalc.zone("Asia/Shanghai")
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        ("2025-03-03", 1, "2025-03-04"),  # Monday -> Tuesday
        ("2025-03-07", 1, "2025-03-10"),  # Friday -> Monday
        ("2025-03-08", 1, "2025-03-10"),  # Saturday -> Monday
        ("2025-09-26", 1, "2025-09-28"),  # Friday -> Sunday 28th, a makeup working day (调休)
        ("2025-09-30", 1, "2025-10-09"),  # before the National Day holiday (Oct 1-8)
        ("2025-10-03", 1, "2025-10-09"),  # inside the holiday
        ("2025-10-08", 1, "2025-10-09"),
        ("2025-10-10", 1, "2025-10-11"),  # Saturday 11th is a makeup working day
        ("2024-02-28", 1, "2024-02-29"),  # leap day is a working day
        ("2025-03-03", 2, "2025-03-05"),
        ("2025-03-08", 0, "2025-03-10"),  # 0 days: the day itself if working, else the next
        ("2025-03-03", 0, "2025-03-03"),
    ],
)
def test_add_working_days(day, count, expected):
    assert timecalc.add_working_days(D(day), count) == D(expected)


def test_working_day_deadline_is_the_end_of_the_next_working_day_in_the_bundle_zone():
    start = dt.datetime(2025, 9, 30, 23, 30, tzinfo=SHANGHAI)
    assert timecalc.working_day_deadline(start, 1, SHANGHAI) == dt.datetime(2025, 10, 10, 0, 0, tzinfo=SHANGHAI)


def test_working_day_deadline_uses_the_local_date_not_utc():
    start = dt.datetime(2025, 3, 7, 17, 0, tzinfo=dt.timezone.utc)  # Saturday 01:00 in Shanghai
    assert timecalc.working_day_deadline(start, 1, SHANGHAI) == dt.datetime(2025, 3, 11, tzinfo=SHANGHAI)


def test_a_year_outside_the_calendar_is_an_error_not_a_guess():
    with pytest.raises(timecalc.CalendarRangeError) as info:
        timecalc.add_working_days(D("2031-05-06"), 1)
    assert info.value.day == D("2031-05-07")


def coverage(*rows, shift=0):
    intervals = []
    for days, start, end in rows:
        intervals.extend(timecalc.weekly_intervals(days, start, end, shift))
    return {day: minutes / 60 for day, minutes in timecalc.minutes_per_day(intervals).items()}


ALL = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_exactly_eight_hours_every_day():
    assert coverage((ALL, "09:00", "17:00")) == dict.fromkeys(ALL, 8.0)


def test_overnight_interval_is_split_at_midnight():
    hours = coverage((["sat"], "22:00", "06:00"))
    assert hours["sat"] == 2.0 and hours["sun"] == 6.0 and hours["mon"] == 0.0


def test_sunday_overnight_wraps_into_monday():
    hours = coverage((["sun"], "20:00", "04:00"))
    assert hours["sun"] == 4.0 and hours["mon"] == 4.0


def test_overlapping_intervals_are_merged_not_double_counted():
    hours = coverage((["mon"], "09:00", "13:00"), (["mon"], "12:00", "18:00"), (["mon"], "18:00", "19:00"))
    assert hours["mon"] == 10.0


def test_whole_day_is_00_to_24():
    assert coverage((["wed"], "00:00", "24:00"))["wed"] == 24.0


def test_zone_shift_moves_wall_clock_hours():
    utc = timecalc.zone("UTC")
    shift = timecalc.zone_shift_minutes(utc, SHANGHAI, D("2025-06-01"))
    assert shift == 480
    hours = coverage((["mon"], "20:00", "24:00"), shift=shift)  # 20:00-24:00 UTC = Tue 04:00-08:00 Shanghai
    assert hours["mon"] == 0.0 and hours["tue"] == 4.0


def test_naive_timestamps_read_in_the_bundle_zone_and_counted():
    instants = timecalc.Instants(SHANGHAI)
    value = instants.parse("2025-03-01 10:00")
    assert value == dt.datetime(2025, 3, 1, 2, 0, tzinfo=dt.timezone.utc)
    instants.parse("2025-03-01T10:00:00+00:00")
    instants.parse("2025-03-01 10:00")
    assert instants.naive_reads == 2


def test_temporal_tells_dates_from_timestamps():
    instants = timecalc.Instants(SHANGHAI)
    assert instants.temporal("2025-03-01") == D("2025-03-01")
    assert isinstance(instants.temporal("2025-03-01T00:00:00Z"), dt.datetime)


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        ("2025-01-01T00:00:00+08:00", True),
        ("2024-12-31T23:59:59+08:00", False),
        ("2024-12-31T16:00:00+00:00", True),  # = 2025-01-01 00:00 in Shanghai, compared as text in its own offset
        ("2024-12-31T15:59:59Z", False),
        ("2025-12-31T23:59:59+08:00", True),
        ("2026-01-01T00:00:00+08:00", False),
        ("2025-12-31T16:00:00-00:00", False),
        ("2025-06-01 12:00", True),  # no offset: read in the bundle's zone
        ("2025-12-31", True),
        ("2026-01-01", False),
    ],
)
def test_window_agrees_with_parsed_comparison(text, inside):
    instants = timecalc.Instants(SHANGHAI)
    start = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert timecalc.Window(start, end, instants).contains(text) is inside


def test_no_day_counts_more_than_24_hours_however_intervals_are_stacked():
    whole_days = timecalc.weekly_intervals(timecalc.WEEKDAYS, "00:00", "24:00") * 5
    overnight = timecalc.weekly_intervals(timecalc.WEEKDAYS, "12:00", "11:59")  # 23 h 59 min, past midnight
    shifted = timecalc.weekly_intervals(timecalc.WEEKDAYS, "09:00", "17:00", shift_minutes=13 * 60)
    covered = timecalc.minutes_per_day(whole_days + overnight + shifted)
    assert covered == {day: 24 * 60 for day in timecalc.WEEKDAYS}


def test_zones_come_from_the_tzdata_package_by_listed_name_only():
    assert timecalc.zone("Asia/Shanghai") is timecalc.zone("Asia/Shanghai")
    for name in ("localtime", "posixrules", "../etc/passwd", "Asia/../Asia/Shanghai", "", "/usr/share/zoneinfo/UTC"):
        with pytest.raises(KeyError):
            timecalc.zone(name)


def test_a_window_notes_an_offset_less_timestamp_every_time_it_is_asked():
    """Each policy that reads a naive timestamp says so in its finding, even when the answer was known."""
    instants = timecalc.Instants(SHANGHAI)
    window = timecalc.Window(dt.datetime(2025, 1, 1, tzinfo=SHANGHAI), dt.datetime(2026, 1, 1, tzinfo=SHANGHAI), instants)
    for _ in range(2):  # as for two policies in turn
        instants.naive_read.clear()
        assert window.contains("2025-06-01 12:00") is True
        assert instants.naive_read == {"2025-06-01 12:00"}
    instants.naive_read.clear()
    assert window.contains("2025-06-01T12:00:00+08:00") is True
    assert window.contains("2025-06-01T12:00:00+08:00") is True
    assert instants.naive_read == set()
