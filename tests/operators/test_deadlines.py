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
