"""The deadline operator: seconds, agreed-time-only limits, several end fields, bilingual details."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.bundle import bundle_from_data
from checker.engine import evaluate_policy
from checker.errors import CheckerError
from checker.findings import Finding, Status
from checker.fixtures import BASE_BUNDLE
from checker.loading import load_document
from checker.policy import compile_policy, policy_from_document


def _policy(tmp_path: Path, rule: dict[str, Any], parameters: dict[str, Any] | None = None) -> Any:
    data = {
        "id": "test/deadline",
        "standard": "TEST",
        "clause": "1",
        "title": {"zh": "测试", "en": "test"},
        "requirement": {"zh": "测试", "en": "test"},
        "obligation": "shall",
        "applies_to": "both",
        "verification": "automated",
        "evidence": {"paths": ["$.orders"], "schema": {"type": "object"}},
        "parameters": parameters or {},
        "check": {"rule": {"deadline": rule}},
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return compile_policy(policy_from_document(load_document(path), None))


def _run(tmp_path: Path, rule: dict[str, Any], records: list[dict[str, Any]], parameters: dict[str, Any] | None = None) -> Finding:
    compiled = _policy(tmp_path, rule, parameters)
    data = dict(BASE_BUNDLE) | {"orders": {"records": records}}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    doc = load_document(path)
    bundle = bundle_from_data(doc, doc.data, tmp_path, "bundle.json")
    (finding,) = evaluate_policy(compiled, bundle, bundle.context())
    return finding


SECONDS = {"records": "$.orders.records", "start": "placed_at", "end": "shipped_at",
           "limit": {"seconds": {"param": "max_seconds"}}}
MAX_SECONDS = {"max_seconds": {"type": "number", "default": 30, "unit": "s", "description": {"zh": "秒", "en": "seconds"}}}


@pytest.mark.parametrize(
    ("shipped", "status"),
    [
        ("2025-03-01T10:00:29+08:00", Status.PASS),
        ("2025-03-01T10:00:30+08:00", Status.PASS),
        ("2025-03-01T10:00:31+08:00", Status.FAIL),
    ],
)
def test_seconds_limit_is_exact_to_the_second(tmp_path: Path, shipped: str, status: Status) -> None:
    finding = _run(tmp_path, SECONDS, [{"id": "O-1", "placed_at": "2025-03-01T10:00:00+08:00", "shipped_at": shipped}], MAX_SECONDS)
    assert finding.status is status
    if status is Status.FAIL:
        assert "O-1 (0h00m31s > 30 s)" in finding.message.en
        assert "O-1（用时 0h00m31s，超过 30 秒）" in finding.message.zh


AGREED_ONLY = {"records": "$.orders.records", "start": "placed_at", "end": "shipped_at", "limit": {"agreed_field": "ship_by"}}


@pytest.mark.parametrize(
    ("record", "status"),
    [
        ({"shipped_at": "2025-03-02T18:00:00+08:00"}, Status.PASS),
        ({"shipped_at": "2025-03-02T18:00:01+08:00"}, Status.FAIL),
        ({}, Status.FAIL),  # never shipped, and the promised time has passed
        ({"ship_by": None}, Status.INSUFFICIENT_EVIDENCE),  # no promised time: cannot decide
    ],
)
def test_agreed_field_alone(tmp_path: Path, record: dict[str, Any], status: Status) -> None:
    base = {"id": "O-1", "placed_at": "2025-03-01T10:00:00+08:00", "ship_by": "2025-03-02T18:00:00+08:00"}
    merged = {k: v for k, v in (base | record).items() if v is not None}
    assert _run(tmp_path, AGREED_ONLY, [merged]).status is status


def test_agreed_only_not_done_detail_is_bilingual(tmp_path: Path) -> None:
    finding = _run(tmp_path, AGREED_ONLY, [{"id": "O-1", "placed_at": "2025-03-01T10:00:00+08:00", "ship_by": "2025-03-02T18:00:00+08:00"}])
    assert "O-1 (not done; due 2025-03-02T18:00:00+08:00, agreed time)" in finding.message.en
    assert "O-1（未完成；期限 2025-03-02T18:00:00+08:00，约定时间）" in finding.message.zh


EARLIEST = {"records": "$.orders.records", "start": "placed_at", "end": ["shipped_at", "follow_ups"], "limit": {"agreed_field": "ship_by"}}


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"shipped_at": "2025-03-02T17:00:00+08:00"}, Status.PASS),
        ({"shipped_at": "2025-03-04T09:00:00+08:00", "follow_ups": ["2025-03-03T09:00:00+08:00", "2025-03-02T12:00:00+08:00"]}, Status.PASS),
        ({"shipped_at": "2025-03-04T09:00:00+08:00", "follow_ups": ["2025-03-03T09:00:00+08:00"]}, Status.FAIL),
        ({"follow_ups": []}, Status.FAIL),
    ],
)
def test_earliest_of_several_end_fields_and_lists(tmp_path: Path, extra: dict[str, Any], status: Status) -> None:
    record = {"id": "O-1", "placed_at": "2025-03-01T10:00:00+08:00", "ship_by": "2025-03-02T18:00:00+08:00"} | extra
    assert _run(tmp_path, EARLIEST, [record]).status is status


WORKING = {"records": "$.orders.records", "start": "placed_at", "end": "shipped_at", "limit": {"working_days": 1}}


def test_working_day_detail_names_the_last_allowed_day(tmp_path: Path) -> None:
    finding = _run(tmp_path, WORKING, [{"id": "O-1", "placed_at": "2025-09-30T10:00:00+08:00", "shipped_at": "2025-10-10T09:00:00+08:00"}])
    assert finding.status is Status.FAIL
    assert "due the end of 2025-10-09, 1 working day" in finding.message.en
    assert "期限 2025-10-09 当天结束，1 个工作日" in finding.message.zh


@pytest.mark.parametrize("limit", [{"hours": 1, "seconds": 30}, {"hours": 1, "working_days": 1}])
def test_limit_takes_one_unit(tmp_path: Path, limit: dict[str, Any]) -> None:
    with pytest.raises(CheckerError, match="one of hours, seconds or working_days"):
        _policy(tmp_path, SECONDS | {"limit": limit})


# ------------------------------------------------------------------ the worst offenders first

HOURS_48 = {"records": "$.orders.records", "start": "placed_at", "end": "shipped_at", "limit": {"hours": 48}}


def _order(id_: str, placed: str, late_hours: int | None) -> dict[str, Any]:
    """An order shipped 48 h + `late_hours` after it was placed (placed on 1 March at `placed`), or not shipped (None)."""
    import datetime as dt

    start = dt.datetime.fromisoformat(f"2025-03-01T{placed}+08:00")
    record: dict[str, Any] = {"id": id_, "placed_at": start.isoformat()}
    if late_hours is not None:
        record["shipped_at"] = (start + dt.timedelta(hours=48 + late_hours)).isoformat()
    return record


def test_the_latest_records_are_named_first_ties_in_file_order(tmp_path: Path) -> None:
    records = [
        _order("O-52", "10:00:00", 4),  # 52 h: 4 h late
        {"id": "O-OPEN-DEC", "placed_at": "2025-12-29T18:00:00+08:00"},  # not done, due 31 Dec 18:00: 6 h past as of its end
        _order("O-OK", "10:00:00", 0),
        _order("O-89", "10:00:00", 41),
        _order("O-60a", "10:00:00", 12),
        {"id": "O-OPEN-NOV", "placed_at": "2025-11-01T10:00:00+08:00"},  # not done, due 3 Nov: weeks past
        _order("O-60b", "09:00:00", 12),  # as late as O-60a, later in the file
        _order("O-49", "10:00:00", 1),
    ]
    finding = _run(tmp_path, HOURS_48, records)
    assert finding.status is Status.FAIL
    assert finding.facts["failed_count"] == 7 and finding.facts["total"] == 8 and finding.facts["on_time_count"] == 1
    assert [e.path for e in finding.evidence] == [f"$.orders.records[{i}]" for i in (5, 3, 4, 6, 1, 0, 7)]
    assert finding.message.en == (
        "7 of 8 records missed the deadline: O-OPEN-NOV (not done; due 2025-11-03T10:00:00+08:00, 48 h), "
        "O-89 (89h00m00s > 48 h), O-60a (60h00m00s > 48 h), O-60b (60h00m00s > 48 h), "
        "O-OPEN-DEC (not done; due 2025-12-31T18:00:00+08:00, 48 h) and 2 more")
    assert finding.facts["max_elapsed_hours"] == 89


def test_only_the_worst_fifty_are_shown_of_many_and_the_counts_are_unchanged(tmp_path: Path) -> None:
    lateness = [(i * 37) % 120 for i in range(120)]  # a permutation of 0..119 h late, in no particular order
    lateness[7] = lateness[8] = 200  # a tie at the top: the earlier record first
    records = [_order(f"O-{i:03d}", "10:00:00", 1 + late) for i, late in enumerate(lateness)]
    finding = _run(tmp_path, HOURS_48, records)
    expected = sorted(range(120), key=lambda i: (-lateness[i], i))[:50]
    assert expected[:2] == [7, 8]
    assert [e.path for e in finding.evidence] == [f"$.orders.records[{i}]" for i in expected]
    assert finding.facts["failed_count"] == 120 and finding.facts["total"] == 120
    assert finding.facts["examples"].startswith("O-007 (249h00m00s > 48 h), O-008 (249h00m00s > 48 h), ")
    assert finding.facts["examples"].endswith(" and 115 more")
    assert [e.note for e in finding.evidence][:3] == [
        "O-007 (249h00m00s > 48 h)", "O-008 (249h00m00s > 48 h)", f"O-{expected[2]:03d} ({48 + 1 + lateness[expected[2]]}h00m00s > 48 h)"]


def test_a_traced_run_shows_the_same_records_in_the_same_order(tmp_path: Path) -> None:
    from checker.engine import trace_policy

    lateness = [(i * 37) % 120 for i in range(120)]
    records = [_order(f"O-{i:03d}", "10:00:00", 1 + late) for i, late in enumerate(lateness)]
    plain = _run(tmp_path, HOURS_48, records)
    compiled = _policy(tmp_path, HOURS_48)
    doc = load_document(tmp_path / "bundle.json")
    bundle = bundle_from_data(doc, doc.data, tmp_path, "bundle.json")
    (traced,), _ = trace_policy(compiled, bundle)
    assert [e.path for e in traced.evidence] == [e.path for e in plain.evidence]
    assert traced.message == plain.message and traced.facts == plain.facts
