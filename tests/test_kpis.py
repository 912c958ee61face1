"""Table A.1/A.2 indicators: exact values, the bundle's averaging basis, and every band boundary the interpretations fix."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from checker import kpis, scoring
from checker.policy import load_policy_set
from checker.resources import shipped

MODEL = scoring.load_model(shipped("policies") / "nj-eccs" / "scoring.yaml", load_policy_set())


def band_of(bundle, code: str) -> str | None:
    indicator = kpis.compute(bundle.context(), [code])[code]
    limits, _ = scoring.thresholds(MODEL, code, bundle.data["organization"].get("industry"))
    return scoring.band(indicator, limits)


@pytest.mark.parametrize(
    ("total_seconds", "count", "expected"),
    [
        (10_000, 1000, "AAAAA"),  # exactly 10 s is AAAAA (INT-045)
        (10_001, 1000, "AAAA"),  # 10.001 s
        (20_000, 1000, "AAAA"),  # exactly 20 s
        (30_000, 1000, "AAA"),  # exactly 30 s
        (30_001, 1000, "below"),
    ],
)
def test_first_response_time_bands(nj_bundle, total_seconds, count, expected):
    bundle = nj_bundle({"performance": {"response_times": {"first_response": {"total_seconds": total_seconds, "count": count}}}})
    assert band_of(bundle, "first_response_time") == expected


@pytest.mark.parametrize(("total_seconds", "expected"), [(20_000, "AAAAA"), (30_000, "AAAA"), (40_000, "AAA"), (40_001, "below")])
def test_average_response_time_bands(nj_bundle, total_seconds, expected):
    bundle = nj_bundle({"performance": {"response_times": {"average_response": {"total_seconds": total_seconds, "count": 1000}}}})
    assert band_of(bundle, "average_response_time") == expected


@pytest.mark.parametrize(
    ("orders", "total", "expected"),
    [(400, 1000, "AAAAA"), (3999, 10000, "AAAA"), (350, 1000, "AAAA"), (300, 1000, "AAA"), (2999, 10000, "below")],
)
def test_conversion_rate_bands_apparel(nj_bundle, orders, total, expected):
    bundle = nj_bundle({"performance": {"consultations": {"total": total, "orders": orders}}}, {"industry": "apparel"})
    assert band_of(bundle, "conversion_rate") == expected


def test_conversion_rate_unknown_industry_uses_the_apparel_example_and_says_so(nj_bundle):
    bundle = nj_bundle({"performance": {"consultations": {"total": 1000, "orders": 400}}}, {"industry": "food"})
    limits, notes = scoring.thresholds(MODEL, "conversion_rate", "food")
    assert limits == {"AAA": Decimal(30), "AAAA": Decimal(35), "AAAAA": Decimal(40)}
    assert "INT-044" in notes[0].en and "food" in notes[0].en
    assert band_of(bundle, "conversion_rate") == "AAAAA"


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [(1_020_000, 1_000_000, "AAAAA"), (1_000_000, 1_000_000, "AAAAA"), (950_000, 1_000_000, "AAAAA"),
     (949_999, 1_000_000, "AAAA"), (900_000, 1_000_000, "AAAA"), (850_000, 1_000_000, "AAA"), (849_999, 1_000_000, "below")],
)
def test_target_achievement_above_100_percent_is_aaaaa(nj_bundle, actual, target, expected):
    bundle = nj_bundle({"performance": {"sales": {"actual_amount": actual, "target_amount": target}}})
    assert band_of(bundle, "target_achievement") == expected


@pytest.mark.parametrize(
    ("complaints", "transactions", "expected"),
    [
        (3, 10_000, "AAAAA"),  # exactly 0.03 % (INT-041)
        (29, 100_000, "AAAAA"),
        (31, 100_000, "AAAA"),
        (5, 10_000, "AAAA"),  # exactly 0.05 %
        (51, 100_000, "AAA"),
        (10, 10_000, "AAA"),  # exactly 0.1 %
        (101, 100_000, "below"),
    ],
)
def test_complaint_rate_is_a_percentage_and_lower_is_better(nj_bundle, complaints, transactions, expected):
    bundle = nj_bundle({"performance": {"transactions": transactions, "complaints": complaints}})
    assert band_of(bundle, "complaint_rate") == expected


def test_complaint_rate_counts_the_complaint_list_when_no_total_is_given(nj_bundle):
    complaints = [{"id": f"C-{i}", "category": "product", "received_at": "2025-03-01T10:00:00+08:00"} for i in range(3)]
    complaints.append({"id": "C-old", "category": "product", "received_at": "2024-12-31T10:00:00+08:00"})
    bundle = nj_bundle({"performance": {"transactions": 10_000}, "complaints": complaints})
    indicator = kpis.compute(bundle.context(), ["complaint_rate"])["complaint_rate"]
    assert indicator.value == Fraction(3, 100)
    assert indicator.shown() == Decimal("0.0300")


@pytest.mark.parametrize(("satisfied", "responses", "expected"), [(950, 1000, "AAAAA"), (9499, 10000, "AAAA"), (900, 1000, "AAAA"),
                                                                   (850, 1000, "AAA"), (849, 1000, "below")])
def test_satisfaction_bands(nj_bundle, satisfied, responses, expected):
    bundle = nj_bundle({"satisfaction_evaluations": [
        {"id": "SE", "method": "consumer_rating", "covers": {"start": "2025-01-01", "end": "2025-12-31"}, "responses": responses, "satisfied": satisfied}]})
    assert band_of(bundle, "satisfaction_rate") == expected


@pytest.mark.parametrize(("replied", "expected"), [(950, "AAAAA"), (949, "AAAA"), (850, "AAA"), (849, "below")])
def test_reply_rate_counts_human_replies(nj_bundle, replied, expected):
    bundle = nj_bundle({"performance": {"consultations": {"total": 1000, "replied_by_human": replied}}})
    assert band_of(bundle, "reply_rate") == expected


def test_bot_replies_make_response_times_not_comparable(nj_bundle):
    bundle = nj_bundle({"performance": {"response_times": {"bot_replies_excluded": False,
                                                             "first_response": {"total_seconds": 1000, "count": 1000}}}})
    indicator = kpis.compute(bundle.context(), ["first_response_time"])["first_response_time"]
    assert indicator.state == "not_comparable"
    assert band_of(bundle, "first_response_time") is None


def test_first_response_time_from_records_skips_bots_and_the_declared_off_hours(nj_bundle):
    records = [
        {"id": "E1", "received_at": "2025-03-01T10:00:00+08:00", "first_reply_at": "2025-03-01T10:00:08+08:00", "first_reply_by": "human"},
        {"id": "E2", "received_at": "2025-03-01T11:00:00+08:00", "first_reply_at": "2025-03-01T11:00:12+08:00", "first_reply_by": "human"},
        {"id": "E3", "received_at": "2025-03-01T12:00:00+08:00", "first_reply_at": "2025-03-01T12:00:01+08:00", "first_reply_by": "bot"},
        {"id": "E4", "received_at": "2025-03-02T03:00:00+08:00", "first_reply_at": "2025-03-02T08:30:00+08:00", "first_reply_by": "human"},
    ]
    bundle = nj_bundle({"enquiries": {"records": records},
                          "performance": {"response_times": {"off_hours_excluded": {"start": "00:00", "end": "08:00"}}}})
    indicator = kpis.compute(bundle.context(), ["first_response_time"])["first_response_time"]
    assert indicator.value == Fraction(10)
    assert indicator.denominator == Decimal(2)
    assert any("00:00-08:00" in note.en for note in indicator.notes)


def test_records_without_the_replier_leave_the_response_time_undecided(nj_bundle):
    records = [{"id": "E1", "received_at": "2025-03-01T10:00:00+08:00", "first_reply_at": "2025-03-01T10:00:08+08:00"}]
    bundle = nj_bundle({"enquiries": {"records": records}})
    assert kpis.compute(bundle.context(), ["first_response_time"])["first_response_time"].state == "missing"


def test_missing_sections_are_missing_never_zero(nj_bundle):
    found = kpis.compute(nj_bundle({}).context())
    assert {code: ind.state for code, ind in found.items()} == {code: "missing" for code in kpis.COMPUTE}


def test_feedback_handling_rate_and_an_empty_list(nj_bundle):
    feedback = [{"id": "F1", "received_at": "2025-03-01T10:00:00+08:00", "fed_back_at": "2025-03-02T10:00:00+08:00"},
                {"id": "F2", "received_at": "2025-03-01T10:00:00+08:00"}]
    assert kpis.compute(nj_bundle({"feedback": feedback}).context(), ["feedback_handling_rate"])["feedback_handling_rate"].value == 50
    empty = kpis.compute(nj_bundle({"feedback": []}).context(), ["feedback_handling_rate"])["feedback_handling_rate"]
    assert empty.state == "empty" and empty.value is None


def test_refund_duration_uses_each_refunds_own_limit_then_the_platform_default(nj_bundle):
    refunds = [
        {"id": "R1", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": False, "refund_agreed_at": "2025-03-01T10:00:00+08:00",
         "refunded_at": "2025-03-01T16:00:00+08:00", "agreed_within_hours": 6},
        {"id": "R2", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": True, "return_received_at": "2025-03-03T10:00:00+08:00",
         "refunded_at": "2025-03-05T10:00:00+08:00"},
    ]
    ind = kpis.compute(nj_bundle({"refunds": refunds, "refund_policy": {"platform_default_hours": 48, "basis": "x"}}).context(),
                       ["refund_duration"])["refund_duration"]
    assert ind.value == 27 and ind.extra["within_limit"] is True
    late = kpis.compute(nj_bundle({"refunds": refunds, "refund_policy": {"platform_default_hours": 47, "basis": "x"}}).context(),
                        ["refund_duration"])["refund_duration"]
    assert late.extra["late"] == ["R2"]


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [(Fraction(1, 8), 2, "0.12"), (Fraction(3, 8), 2, "0.38"), (Fraction(5, 2), 0, "2"), (Fraction(7, 2), 0, "4"),
     (Fraction(2, 3), 4, "0.6667"), (Fraction(70), 2, "70.00")],
)
def test_rounding_is_half_to_even(value, places, shown):
    assert str(kpis.rounded(value, places)) == shown


def test_bands_use_the_exact_value_not_the_rounded_one(nj_bundle):
    # 10.0004 s is shown as 10.00 but is over the 10 s limit (GB/T 8170 full-value comparison, INT-047)
    bundle = nj_bundle({"performance": {"response_times": {"first_response": {"total_seconds": 100_004, "count": 10_000}}}})
    indicator = kpis.compute(bundle.context(), ["first_response_time"])["first_response_time"]
    assert str(indicator.shown()) == "10.00"
    assert band_of(bundle, "first_response_time") == "AAAA"
