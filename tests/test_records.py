"""Record files: the same records inline and in CSV, JSON Lines or Parquet give the same findings; bad files are refused, located."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import write_records
from checker import records
from checker.bundle import load_bundle
from checker.engine import evaluate
from checker.errors import CheckerError
from checker.fixtures import BASE_BUNDLE
from checker.policy import load_policy_set

COMPLAINT_COLUMNS = {"id": "string", "category": "string", "received_at": "timestamp", "resolved_at_first_contact": "boolean",
                     "solution_fed_back_at": "timestamp", "next_contact_agreed_at": "timestamp", "accepted_at": "timestamp",
                     "suggestion_given": "boolean", "exceeds_authority": "boolean", "escalated_at": "timestamp",
                     "shipping_paid_by": "string"}
REFUND_COLUMNS = {"id": "string", "requested_at": "timestamp", "return_required": "boolean", "return_received_at": "timestamp",
                  "refund_agreed_at": "timestamp", "refunded_at": "timestamp", "compensated_first_by_platform": "boolean",
                  "agreed_within_hours": "number"}
COMPLAINTS = [
    {"id": "C-1", "category": "service", "received_at": "2025-03-01T10:00:00+08:00", "solution_fed_back_at": "2025-03-02T09:00:00+08:00"},
    {"id": "C-2", "category": "service", "received_at": "2025-03-05T10:00:00", "resolved_at_first_contact": False,
     "solution_fed_back_at": "2025-03-06T11:00:00"},
    {"id": "C-3", "category": "service", "received_at": "2025-04-01 08:00", "resolved_at_first_contact": True},
    {"id": "C-4", "category": "service", "received_at": "2025-05-01T08:00:00Z", "next_contact_agreed_at": "2025-05-03T08:00:00Z",
     "solution_fed_back_at": "2025-05-03T09:00:00Z"},
    {"id": "C-5", "category": "product", "received_at": "2025-06-01T08:00:00.250+08:00", "accepted_at": "2025-06-02T09:00:00+08:00",
     "suggestion_given": True, "shipping_paid_by": "operator"},
    {"id": "C-6", "category": "service", "received_at": "2025-07-01T08:00:00+08:00", "exceeds_authority": True,
     "escalated_at": "2025-07-01T09:00:00+08:00", "solution_fed_back_at": "2025-07-01T20:00:00+08:00"},
]
REFUNDS = [
    {"id": "R-1", "requested_at": "2025-09-29T10:00:00+08:00", "return_required": True, "return_received_at": "2025-09-30T10:00:00+08:00",
     "refunded_at": "2025-10-08T09:00:00+08:00"},  # across the National Day holiday: on time (INT-002)
    {"id": "R-2", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": False, "refund_agreed_at": "2025-03-03T10:00:00+08:00",
     "refunded_at": "2025-03-05T10:00:00+08:00", "agreed_within_hours": 36.5},
    {"id": "R-3", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": True, "compensated_first_by_platform": True},
    {"id": "R-4", "requested_at": "2025-04-01T10:00:00+08:00", "return_required": True, "return_received_at": "2025-04-02T10:00:00+08:00"},
]
POLICIES = ("db33-t-2039-2017/7.5.1.2", "db33-t-2039-2017/7.5.2.4", "nj-eccs/5.4.3.3")


def _bundle_dir(tmp_path: Path, fmt: str | None, **extra: Any) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = copy.deepcopy(BASE_BUNDLE)
    data["refund_policy"] = {"platform_default_hours": 48, "basis": "platform rules"}
    data.update(extra)
    if fmt is None:
        data["complaints"], data["refunds"] = COMPLAINTS, REFUNDS
    else:
        data["complaints"] = write_records(tmp_path, f"records/complaints.{fmt}", COMPLAINTS, COMPLAINT_COLUMNS, fmt)
        data["refunds"] = write_records(tmp_path, f"records/refunds.{fmt}", REFUNDS, REFUND_COLUMNS, fmt)
    (tmp_path / "bundle.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return tmp_path


def _findings(directory: Path) -> list[tuple[Any, ...]]:
    result = evaluate(load_policy_set(), load_bundle(directory))
    return [(f.policy_id, f.item, f.status.value, f.message.en, json.dumps(f.facts, sort_keys=True), tuple(e.path for e in f.evidence))
            for f in result.findings if f.policy_id in POLICIES]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_record_files_give_the_findings_of_inline_records(tmp_path, fmt):
    inline = _findings(_bundle_dir(tmp_path / "inline", None))
    from_files = _findings(_bundle_dir(tmp_path / fmt, fmt))
    assert from_files == inline
    statuses = {(f[0], f[1]): f[2] for f in inline}
    assert statuses[("db33-t-2039-2017/7.5.1.2", None)] == "fail"  # C-2 took 25 h
    assert statuses[("db33-t-2039-2017/7.5.2.4", None)] == "fail"  # R-4 never refunded


def test_small_bundles_share_a_database_but_never_each_other_s_tables(tmp_path):
    """Two open stores in one process (as in a batch): each sees only its own files, and closing one leaves the other whole."""
    late = _bundle_dir(tmp_path / "late", "csv")
    on_time_rows = [dict(c, solution_fed_back_at="2025-03-05T12:00:00") if c["id"] == "C-2" else c for c in COMPLAINTS]
    on_time = tmp_path / "on-time"
    _bundle_dir(on_time, "csv")
    data = json.loads((on_time / "bundle.json").read_text(encoding="utf-8"))
    data["complaints"] = write_records(on_time, "records/complaints.csv", on_time_rows, COMPLAINT_COLUMNS, "csv")
    (on_time / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    policies = load_policy_set(standards=["DB33/T 2039-2017"])

    def late_ones(bundle):
        finding = next(f for f in evaluate(policies, bundle).findings if f.policy_id == "db33-t-2039-2017/7.5.1.2")
        return finding.facts["failed_count"], finding.message.en.split(": ", 1)[1]

    first, second = load_bundle(late), load_bundle(on_time)
    assert first.records.con is not second.records.con
    assert late_ones(first) == (2, "C-4 (49h00m00s > 24 h), C-2 (25h00m00s > 24 h)")  # the latest first
    assert late_ones(second) == (1, "C-4 (49h00m00s > 24 h)")
    first.records.close()
    assert late_ones(second) == (1, "C-4 (49h00m00s > 24 h)")
    second.records.close()
    assert late_ones(load_bundle(late))[0] == 2


def test_findings_cite_the_record_file_and_line(tmp_path):
    bundle = load_bundle(_bundle_dir(tmp_path, "csv"))
    result = evaluate(load_policy_set(standards=["DB33/T 2039-2017"]), bundle)
    finding = next(f for f in result.findings if f.policy_id == "db33-t-2039-2017/7.5.1.2")
    cited = [(e.file, e.line, e.path) for e in finding.evidence]
    assert ("records/complaints.csv", 3, "$.complaints[1]") in cited  # C-2: header on line 1, C-1 on line 2
    assert bundle.attachments["records/complaints.csv"].status == "ok"  # listed in the provenance with its digest


def test_a_record_file_read_in_its_own_time_zone(tmp_path):
    rows = [{"id": "C-1", "category": "service", "received_at": "2025-03-01T10:00:00", "solution_fed_back_at": "2025-03-02T11:00:00"}]
    columns = {"id": "string", "category": "string", "received_at": "timestamp", "solution_fed_back_at": "timestamp"}
    data = copy.deepcopy(BASE_BUNDLE)
    data["complaints"] = write_records(tmp_path, "c.csv", rows, columns)
    data["complaints"]["$records"]["time_zone"] = "Europe/London"
    (tmp_path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
    bundle = load_bundle(tmp_path)
    assert bundle.data["complaints"][0]["received_at"] == "2025-03-01T10:00:00+00:00"


# ------------------------------------------------------------------ refused files


def _error(directory: Path) -> list[tuple[str, str, int | None, str | None, str]]:
    with pytest.raises(CheckerError) as caught:
        load_bundle(directory)
    return [(p.code, Path(p.location.file or "").name, p.location.line, p.location.json_path, p.message) for p in caught.value.problems]


def _write(tmp_path: Path, text: str, columns: dict[str, str], name: str = "c.csv", section: str = "complaints",
           **ref: Any) -> Path:
    (tmp_path / name).write_bytes(text.encode("utf-8"))
    import hashlib

    data = copy.deepcopy(BASE_BUNDLE)
    data[section] = {"$records": {"path": name, "sha256": hashlib.sha256(text.encode()).hexdigest(), "columns": columns, **ref}}
    (tmp_path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


SIMPLE = {"id": "string", "category": "string", "received_at": "timestamp"}


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        ("id,category,received_at\nC-1,service,2025-02-30T10:00\n", SIMPLE,
         ("ECS323", "c.csv", 2, "$.complaints[0].received_at", "received_at is not an ISO 8601")),
        ("id,category,received_at\nC-1,service,2025-01-01T24:00\n", SIMPLE,
         ("ECS323", "c.csv", 2, "$.complaints[0].received_at", "received_at is not an ISO 8601")),
        ("id,category,received_at\nC-1,servic,2025-01-01T10:00\n", SIMPLE,
         ("ECS323", "c.csv", 2, "$.complaints[0].category", "category must be one of service, product")),
        ("id,category,received_at\nC-1,,2025-01-01T10:00\n", SIMPLE,
         ("ECS323", "c.csv", 2, "$.complaints[0].category", "required field 'category' is empty")),
        ("id,category,received_at\nC-1,service,2025-01-01T10:00\nC-1,service,2025-01-02T10:00\n", SIMPLE,
         ("ECS306", "c.csv", 3, "$.complaints[1].id", "id 'C-1' is used twice in this list (first at index 0)")),
        ("id,category,received_at\nC-1,service,2026-03-01T10:00\n", SIMPLE,
         ("ECS302", "c.csv", 2, "$.complaints[0].received_at", "received_at 2026-03-01T10:00 is after the as-of date 2025-12-31")),
        ("id,category,received_at,solution_fed_back_at\nC-1,service,2025-03-01T10:00,2025-03-01T09:00\n",
         SIMPLE | {"solution_fed_back_at": "timestamp"},
         ("ECS302", "c.csv", 2, "$.complaints[0].solution_fed_back_at", "solution_fed_back_at (2025-03-01T09:00) is before received_at")),
        ("id,category,received_at,suggestion_given\nC-1,product,2025-03-01T10:00,yes\n", SIMPLE | {"suggestion_given": "boolean"},
         ("ECS323", "c.csv", 2, "$.complaints[0].suggestion_given", "suggestion_given must be true or false")),
        ("id,category,received_at,extra\nC-1,service,2025-03-01T10:00,x\n", SIMPLE,
         ("ECS322", "c.csv", 1, None, "undeclared columns extra")),
        ("id,category\nC-1,service\n", SIMPLE, ("ECS322", "c.csv", 1, None, "declared columns missing from the file: received_at")),
        ("id,category,received_at\nC-1,service,2025-03-01T10:00,5\n", SIMPLE, ("ECS322", "c.csv", None, None, "cannot read the csv file")),
    ],
)
def test_bad_rows_are_refused_at_their_line(tmp_path, text, columns, expected):
    found = _error(_write(tmp_path, text, columns))
    code, file, line, path, message = expected
    assert any(f[:4] == (code, file, line, path) and message in f[4] for f in found), found


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"id": "string", "category": "string", "received_at": "timestamp", "colour": "string"}, "column 'colour' is not a field"),
        ({"id": "string", "category": "string"}, "required field 'received_at' of $.complaints records is not a declared column"),
        ({"id": "string", "category": "string", "received_at": "date"}, "column 'received_at' is declared date, but the field is timestamp"),
    ],
)
def test_declared_columns_must_fit_the_section(tmp_path, columns, message):
    found = _error(_write(tmp_path, "id,category,received_at\n", columns))
    assert any(f[0] == "ECS322" and f[1] == "bundle.json" and message in f[4] for f in found), found


def test_nested_fields_cannot_come_from_a_column(tmp_path):
    found = _error(_write(tmp_path, "id,placed_at,follow_ups\n", {"id": "string", "placed_at": "timestamp", "follow_ups": "string"},
                          section="orders"))
    assert found and found[0][0] == "ECS301"  # orders takes {records: ...}: the reference sits one level down
    data = json.loads((tmp_path / "bundle.json").read_text())
    data["orders"] = {"records": data["orders"]}
    (tmp_path / "bundle.json").write_text(json.dumps(data))
    found = _error(tmp_path)
    assert any(f[0] == "ECS322" and "holds nested values" in f[4] for f in found), found


def test_missing_tampered_and_escaping_files_are_refused(tmp_path):
    directory = _write(tmp_path, "id,category,received_at\n", SIMPLE)
    (directory / "c.csv").write_text("id,category,received_at\nC-9,service,2025-01-01T10:00\n")
    assert _error(directory)[0][0] == "ECS321"
    (directory / "c.csv").unlink()
    assert _error(directory)[0][:2] == ("ECS320", "bundle.json")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text("id,category,received_at\n")
    os.symlink(outside, directory / "c.csv")
    assert _error(directory)[0][0] == "ECS305"
    data = json.loads((directory / "bundle.json").read_text())
    data["complaints"]["$records"]["path"] = "../x.csv"
    (directory / "bundle.json").write_text(json.dumps(data))
    assert _error(directory)[0][0] == "ECS304"  # a path that leaves the bundle directory


def test_jsonl_values_keep_their_json_types(tmp_path):
    text = '{"id": "C-1", "category": "service", "received_at": "2025-03-01T10:00", "suggestion_given": "true"}\n'
    found = _error(_write(tmp_path, text, SIMPLE | {"suggestion_given": "boolean"}, name="c.jsonl"))
    assert found[0][:4] == ("ECS323", "c.jsonl", 1, "$.complaints[0].suggestion_given"), found


def test_parquet_column_types_must_match(tmp_path):
    import duckdb

    duckdb.execute(f"COPY (SELECT 'C-1' AS id, 'service' AS category, 42 AS received_at) TO '{tmp_path / 'c.parquet'}' (FORMAT parquet)")
    import hashlib

    data = copy.deepcopy(BASE_BUNDLE)
    data["complaints"] = {"$records": {"path": "c.parquet", "sha256": hashlib.sha256((tmp_path / "c.parquet").read_bytes()).hexdigest(),
                                       "columns": SIMPLE}}
    (tmp_path / "bundle.json").write_text(json.dumps(data))
    found = _error(tmp_path)
    assert found[0][0] == "ECS322" and "declared timestamp but the Parquet file stores INTEGER" in found[0][4], found


def test_offset_less_times_on_a_daylight_saving_day_are_refused(tmp_path):
    text = "id,category,received_at\nC-1,service,2025-03-09T02:30\nC-2,service,2025-03-10T02:30\n"
    found = _error(_write(tmp_path, text, SIMPLE, time_zone="America/New_York"))
    assert [f[:4] for f in found] == [("ECS324", "c.csv", 2, "$.complaints[0].received_at")]


def test_non_utf8_text_in_a_declared_encoding(tmp_path):
    text = "id,category,received_at,testing_body\nC-1,product,2025-03-01T10:00,浙江省质检院\n"
    raw = text.encode("gb18030")
    (tmp_path / "c.csv").write_bytes(raw)
    import hashlib

    data = copy.deepcopy(BASE_BUNDLE)
    data["complaints"] = {"$records": {"path": "c.csv", "sha256": hashlib.sha256(raw).hexdigest(), "encoding": "gb18030",
                                       "columns": SIMPLE | {"testing_body": "string"}}}
    (tmp_path / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_bundle(tmp_path).data["complaints"][0]["testing_body"] == "浙江省质检院"


def test_the_cli_exits_2_with_the_located_problem(tmp_path, ecs):
    directory = _write(tmp_path, "id,category,received_at\nC-1,service,2025-02-30T10:00\n", SIMPLE)
    run = ecs("check", str(directory))
    assert run.code == 2
    assert "c.csv:2: ECS323 received_at is not an ISO 8601" in run.err and "(at $.complaints[0].received_at)" in run.err


def test_every_record_section_takes_a_file():
    assert records.sections() == (
        ("chats", "messages"), ("chats", "sessions"), ("complaints",), ("disputes",), ("enquiries", "escalations"),
        ("enquiries", "records"), ("exchanges",), ("feedback",), ("orders", "records"), ("refunds",), ("reviews",),
        ("tech_service_requests",),
    )
    for section in records.sections():
        schema = records.item_schema(section)
        flat = [name for name, prop in schema["properties"].items() if records.field_type(prop) is not None]
        assert "id" in flat and set(schema.get("required", ())) <= set(flat), section


def test_check_reads_chats_only_through_the_engines(tmp_path):
    """Chat messages stay in their file for `check`; the A.1 finding names the slowest sessions from it."""
    from benchmarks.generate import generate
    from checker.bundle import bundle_schema
    from checker.evidence import sections_to_read

    directory = generate(tmp_path / "g", 1500, seed=11).parent
    policy_set = load_policy_set(standards=["NJ-ECCS"])
    wanted = sections_to_read(policy_set.policies, bundle_schema()["properties"])
    assert "chats" not in wanted and "reviews" not in wanted and {"complaints", "orders", "refunds"} <= wanted
    bundle = load_bundle(directory, materialize=wanted)
    assert isinstance(bundle.data["chats"]["messages"], dict) and isinstance(bundle.data["complaints"], list)
    finding = next(f for f in evaluate(policy_set, bundle, ["NJ-ECCS"]).findings if f.policy_id == "nj-eccs/A.1")
    assert "slowest: S" in finding.message.en
    assert any(e.file == "records/messages.csv" for e in finding.evidence)


def test_parquet_native_timestamps_read_like_text(tmp_path):
    """A Parquet file may store instants (with zone) and local times (without): both read as the same records."""
    import duckdb

    target = tmp_path / "c.parquet"
    duckdb.execute("SET TimeZone = 'UTC'")
    duckdb.execute(
        "COPY (SELECT 'C-1' AS id, 'service' AS category, TIMESTAMPTZ '2025-03-01 02:00:00+00' AS received_at, "
        f"TIMESTAMP '2025-03-02 11:00:00' AS solution_fed_back_at) TO '{target}' (FORMAT parquet)")
    import hashlib

    data = copy.deepcopy(BASE_BUNDLE)
    data["complaints"] = {"$records": {"path": "c.parquet", "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
                                       "columns": SIMPLE | {"solution_fed_back_at": "timestamp"}}}
    (tmp_path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
    bundle = load_bundle(tmp_path)
    record = bundle.data["complaints"][0]
    parse = bundle.instants.parse
    assert parse(record["received_at"]).isoformat() == "2025-03-01T02:00:00+00:00"
    assert parse(record["solution_fed_back_at"]).isoformat() == "2025-03-02T11:00:00+08:00"  # local, in the organization's zone
    from checker.measures import engine_for

    ctx = load_bundle(tmp_path, materialize=()).context()
    assert engine_for(ctx, "duckdb").complaints() == engine_for(ctx, "python").complaints() == 1
