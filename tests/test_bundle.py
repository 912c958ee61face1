"""Bundle validation: every problem listed, located, in plain words; attachments never trusted blindly."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap

import pytest

from checker.bundle import load_bundle, schema_patterns
from checker.errors import CheckerError

HEAD = """\
schema_version: "1.0"
organization:
  name: 杭州示例电子商务有限公司
  unified_social_credit_code: 91330106MA2B3C4D5E
  role: operator
period: {start: 2025-01-01, end: 2025-12-31}
"""


def write(tmp_path, body, name="bundle.yaml"):
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


def problems_of(path, **kwargs):
    with pytest.raises(CheckerError) as info:
        load_bundle(path, **kwargs)
    return [(p.code, p.location.line, p.location.json_path, p.message) for p in info.value.problems]


def test_every_schema_problem_is_listed_with_its_line(tmp_path):
    path = write(tmp_path, """\
        complaints:
          - {id: C-1, category: service, received_at: "2025-02-30T10:00:00+08:00"}
          - {id: C-2, category: services, received_at: "2025-03-01T10:00:00+08:00"}
          - {id: C-3, received_at: "2025-03-01T10:00:00+08:00", colour: red}
        """)
    found = problems_of(path)
    assert [(code, line, where) for code, line, where, _ in found] == [
        ("ECS301", 8, "$.complaints[0].received_at"),
        ("ECS301", 9, "$.complaints[1].category"),
        ("ECS301", 10, "$.complaints[2]"),
        ("ECS301", 10, "$.complaints[2]"),
    ]
    assert found[0][3] == ('"2025-02-30T10:00:00+08:00" is not a real date and time (day is out of range for month); '
                           "expected an ISO 8601 date and time in the years 1900-2199, such as 2025-03-01T09:30:00+08:00")
    assert {found[2][3], found[3][3]} == {"required field 'category' is missing",
                                          "unknown field 'colour' here (check the spelling; `ecs-check schema bundle` lists the fields)"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("as_of: 2024-06-01\n", "as-of date 2024-06-01 is before the evaluation period starts (2025-01-01)"),
        ("complaints:\n  - {id: C-1, category: service, received_at: '2025-03-02T10:00:00+08:00', solution_fed_back_at: '2025-03-01T10:00:00+08:00'}\n",
         "solution_fed_back_at (2025-03-01T10:00:00+08:00) is before received_at (2025-03-02T10:00:00+08:00)"),
        ("complaints:\n  - {id: C-1, category: service, received_at: '2026-01-01T00:00:00+08:00'}\n",
         "received_at 2026-01-01T00:00:00+08:00 is after the as-of date 2025-12-31; records cannot come from the future"),
        ("complaints:\n  - {id: C-1, category: service, received_at: '2025-03-01T10:00:00+08:00'}\n  - {id: C-1, category: service, received_at: '2025-03-01T10:00:00+08:00'}\n",
         "id 'C-1' is used twice in this list (first at index 0)"),
        ("staff:\n  - {id: S-1, name: 甲, roles: [pre_sales], born_on: 2000-05-01, hired_on: 2020-01-01, trainings: [{date: 1999-01-01, topic: x}]}\n",
         "training on 1999-01-01 is not after the birth date 2000-05-01"),
        ("staff:\n  - {id: S-1, name: 甲, roles: [pre_sales], hired_on: 2025-03-01, first_duty_on: 2025-02-01}\n",
         "first_duty_on (2025-02-01) is before hired_on (2025-03-01)"),
        ("satisfaction_evaluations:\n  - {id: E-1, method: consumer_survey, covers: {start: 2025-01-01, end: 2025-06-30}, responses: 10, satisfied: 11}\n",
         "satisfied (11) exceeds responses (10)"),
        ("service_hours:\n  time_zone: Mars/Olympus\n  schedules: [{channel: c, intervals: [{days: [mon], start: '09:00', end: '17:00'}]}]\n",
         "unknown time zone 'Mars/Olympus'; use an IANA name such as Asia/Shanghai"),
        ("service_hours:\n  schedules: [{channel: c, intervals: [{days: [mon], start: '09:00', end: '09:00'}]}]\n",
         "interval starts and ends at the same time; write 00:00-24:00 for a whole day"),
    ],
    ids=["as-of-before-period", "end-before-start", "future-record", "duplicate-id", "trained-before-born",
         "duty-before-hire", "part-over-whole", "unknown-zone", "zero-interval"],
)
def test_impossible_values_are_refused(tmp_path, body, message):
    found = problems_of(write(tmp_path, body))
    assert [m for _, _, _, m in found] == [message]


def test_as_of_option_overrides_the_bundle(tmp_path):
    path = write(tmp_path, "complaints:\n  - {id: C-1, category: service, received_at: '2025-12-20T10:00:00+08:00'}\n")
    assert problems_of(path, as_of=__import__("datetime").date(2025, 12, 1))[0][3].startswith("received_at 2025-12-20")


@pytest.mark.parametrize(
    ("bad_path", "reason"),
    [("../outside.txt", "climbs out with '..'"), ("/etc/passwd", "is absolute"), ("a/../../x.txt", "climbs out with '..'"),
     ("C:/x.txt", "is absolute"), ("a\\b.txt", "uses '\\' as a separator")],
)
def test_attachment_paths_that_leave_the_bundle_are_refused(tmp_path, bad_path, reason):
    body = f"documents:\n  - {{id: D-1, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: '{bad_path}', sha256: '{'0' * 64}'}}\n"
    [(code, _, where, message)] = problems_of(write(tmp_path, body))
    assert (code, where) == ("ECS304", "$.documents[0].path")
    assert message.startswith(f"attachment path {json.dumps(bad_path)} {reason}; expected a path relative to the bundle directory")


def test_symlink_leaving_the_bundle_directory_is_refused(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    bundle_dir = tmp_path / "b"
    bundle_dir.mkdir()
    os.symlink(outside, bundle_dir / "link.txt")
    body = f"documents:\n  - {{id: D-1, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: link.txt, sha256: '{'0' * 64}'}}\n"
    found = problems_of(write(bundle_dir, body))
    assert found == [("ECS305", 8, "$.documents[0].path", "link.txt resolves outside the bundle directory")]


def test_attachments_are_checked_and_reported_not_trusted(tmp_path):
    (tmp_path / "good.txt").write_bytes(b"good")
    (tmp_path / "bad.txt").write_bytes(b"tampered")
    good = hashlib.sha256(b"good").hexdigest()
    body = (
        "documents:\n"
        f"  - {{id: D-1, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: good.txt, sha256: '{good}'}}\n"
        f"  - {{id: D-2, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: bad.txt, sha256: '{good}'}}\n"
        f"  - {{id: D-3, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: gone.txt, sha256: '{good}'}}\n"
    )
    bundle = load_bundle(write(tmp_path, body))
    assert {k: v.status for k, v in bundle.attachments.items()} == {"bad.txt": "mismatch", "gone.txt": "missing", "good.txt": "ok"}


def test_directory_bundle_finds_bundle_yaml(tmp_path):
    write(tmp_path, "")
    bundle = load_bundle(tmp_path)
    assert bundle.file_name == "bundle.yaml" and bundle.as_of.isoformat() == "2025-12-31"


def test_wrong_top_level_type(tmp_path):
    (tmp_path / "b.json").write_text("[1, 2]")
    assert problems_of(tmp_path / "b.json")[0][0] == "ECS212"


def test_schema_knows_where_attachments_and_id_lists_are():
    patterns = schema_patterns()
    assert ("documents", "*") in patterns["document"]
    assert ("attestations", "*", "document") in patterns["attachment"]
    assert ("complaints",) in patterns["id_list"]


def _doc_line(path, digest, index=0):
    return f"  - {{id: D-{index}, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: '{path}', sha256: '{digest}'}}\n"


def test_each_attachment_file_is_read_once_however_it_is_named(tmp_path, monkeypatch):
    import checker.bundle as bundle_module

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "p.txt").write_bytes(b"policy")
    os.symlink("p.txt", tmp_path / "docs" / "alias.txt")
    digest = hashlib.sha256(b"policy").hexdigest()
    reads = []
    real = bundle_module.sha256_file
    monkeypatch.setattr(bundle_module, "sha256_file", lambda path, limit: reads.append(path) or real(path, limit))
    names = ["docs/p.txt", "./docs/p.txt", "././docs/p.txt", "docs//p.txt", "docs/alias.txt"]
    bundle = load_bundle(write(tmp_path, "documents:\n" + "".join(_doc_line(name, digest, i) for i, name in enumerate(names))))
    assert len(reads) == 1
    assert {check.status for check in bundle.attachments.values()} == {"ok"}


def test_an_attachment_over_the_limit_is_not_read(tmp_path, monkeypatch):
    import checker.bundle as bundle_module
    from checker.bundle import Limits

    (tmp_path / "big.bin").write_bytes(b"x" * 100)
    monkeypatch.setattr(bundle_module, "sha256_file", lambda *args: pytest.fail("read a file over the limit"))
    bundle = load_bundle(write(tmp_path, "documents:\n" + _doc_line("big.bin", "0" * 64)), limits=Limits(attachment_bytes=99))
    check = bundle.attachments["big.bin"]
    assert (check.status, check.size, check.limit, check.actual_sha256) == ("too_large", 100, 99, None)


def test_an_unreadable_attachment_stops_the_run_at_its_reference(tmp_path, monkeypatch):
    import checker.bundle as bundle_module

    (tmp_path / "p.txt").write_bytes(b"policy")

    def refuse(path, limit):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(bundle_module, "sha256_file", refuse)
    found = problems_of(write(tmp_path, "documents:\n" + _doc_line("p.txt", "0" * 64)))
    assert found == [("ECS002", 8, "$.documents[0].path", "attachment p.txt cannot be read: Permission denied")]


def test_a_named_pipe_as_attachment_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    found = problems_of(write(tmp_path, "documents:\n" + _doc_line("pipe.txt", "0" * 64)))
    assert found == [("ECS002", 8, "$.documents[0].path", "attachment pipe.txt is not a regular file")]


def test_a_bundle_file_linked_out_of_its_directory_is_refused(tmp_path):
    elsewhere = write(tmp_path, "")
    (tmp_path / "bundle").mkdir()
    os.symlink(elsewhere, tmp_path / "bundle" / "bundle.yaml")
    assert problems_of(tmp_path / "bundle")[0][0] == "ECS305"


def test_extension_sections_are_nested_at_most_64_deep(tmp_path):
    shallow = write(tmp_path, "x-deep: " + "[" * 60 + "]" * 60 + "\n", name="ok.yaml")
    load_bundle(shallow)
    deep = tmp_path / "deep.json"
    text = json.dumps({"schema_version": "1.0", "organization": {"name": "x", "unified_social_credit_code": "91330106MA2B3C4D5E",
                                                                 "role": "operator"},
                       "period": {"start": "2025-01-01", "end": "2025-12-31"}})
    deep.write_text(text[:-1] + ', "x-deep": ' + "[" * 70 + "]" * 70 + "}")
    (code, _, where, message), = problems_of(deep)
    assert (code, message) == ("ECS209", "nesting deeper than 64 levels")
    assert where.startswith("$['x-deep'][0]")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("satisfaction_evaluations:\n  - {id: E-1, method: consumer_survey, covers: {start: 2025-01-01, end: 2025-06-30}, "
         "responses: 9007199254740992, satisfied: 1}\n", "9007199254740992 is not a count; expected a whole number from 0 to 9007199254740991"),
        ("staff:\n  - {id: S-1, name: n, roles: [pre_sales], hired_on: 2024-01-01, pre_job_assessment: {date: 2024-01-02, passed: true, "
         "score: 100.5}}\n", "100.5 is not a percentage; expected a number from 0 to 100"),
        ("complaints:\n  - {id: \"C-1\\u202e\", category: service, received_at: '2025-03-01T10:00:00+08:00'}\n",
         '"C-1\u202e" is not valid here; expected a record id, unique within its list: no control characters, no leading or trailing blanks'),
        ("as_of: 1899-12-31\n", '"1899-12-31" is not valid here; expected a calendar date, YYYY-MM-DD, in the years 1900-2199'),
        ("complaints:\n  - {id: C-1, category: service, received_at: '2025-03-01T10:00:00+08:00', resolved_at_first_contact: no}\n",
         '"no" is text; expected true or false; in a bundle only true and false are booleans'),
        ("service_hours:\n  schedules: [{channel: c, intervals: [{days: [mon], start: '24:00', end: '08:00'}]}]\n",
         "an interval cannot start at 24:00; 24:00 only ends a day (start at 00:00)"),
        ("quality_audits:\n  - {id: Q-1, date: 2025-06-30, auditor: {name: a, role: b}, sample_size: 1, covers: {start: 2025-01-01, "
         "end: 2025-07-31}, checks: {greeting: {checked: 1, compliant: 1}}}\n",
         "the audit is dated 2025-06-30 but covers conversations up to 2025-07-31; an audit cannot cover days after its own date"),
        ("licences:\n  activities:\n    - {code: '', description: x}\n",
         '"" is not valid here; expected a code: lower-case letters, digits and underscores, starting with a letter, '
         'such as information_leak or apparel_retail'),
    ],
    ids=["count-over-2-53", "percent-over-100", "id-with-bidi-override", "date-before-1900", "yes-no-are-text", "start-at-24",
         "audit-covers-after-its-date", "code-beside-a-field-named-description"],
)
def test_more_impossible_values_are_refused_in_plain_words(tmp_path, body, message):
    assert [m for _, _, _, m in problems_of(write(tmp_path, body))] == [message]


def _numbers(node, path=()):
    """Every number or integer schema in the bundle schema (its $defs included), with where it is."""
    if isinstance(node, dict):
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "number" in kinds or "integer" in kinds:
            yield path, node
        for key, value in node.items():
            yield from _numbers(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, path + (index,))


def test_every_number_in_the_bundle_schema_is_bounded_and_percentages_and_counts_use_their_definitions():
    """No field takes 1e308 or 10**30 (arithmetic on it could overflow); a percentage is 0-100; a count fits 2^53."""
    from checker.bundle import bundle_schema

    defs = bundle_schema()["$defs"]
    assert (defs["count"]["minimum"], defs["count"]["maximum"]) == (0, 2**53 - 1)
    assert (defs["percent"]["minimum"], defs["percent"]["maximum"]) == (0, 100)
    fields = list(_numbers(bundle_schema()))
    assert len(fields) > 3
    for path, node in fields:
        where = "/".join(map(str, path))
        name = str(path[-1]) if path[-1] not in ("items", "additionalProperties") else str(path[-2])
        assert ("minimum" in node or "exclusiveMinimum" in node) and ("maximum" in node or "exclusiveMaximum" in node), \
            f"{where} has no bounds"
        assert "integer" not in str(node["type"]) or node.get("maximum", 2**53) <= 2**53 - 1, f"{where} goes past 2^53 - 1"
        if set(name.split("_")) & {"percent", "rate", "ratio"}:
            assert (node.get("minimum"), node.get("maximum")) == (0, 100), f"{where}: a percentage is 0-100 ($defs/percent)"


def test_percentage_and_count_fields_refer_to_their_definitions():
    """Fields that hold a percentage or a count use $defs/percent or $defs/count, so their messages are the plain ones."""
    from checker.bundle import bundle_schema

    def fields(node, name=None):
        if isinstance(node, dict):
            if name is not None and ("type" in node or "$ref" in node):
                yield name, node
            for key, value in node.get("properties", {}).items():
                yield from fields(value, key)
            for key, value in node.items():
                if key != "properties":
                    yield from fields(value, None)
        elif isinstance(node, list):
            for value in node:
                yield from fields(value, None)

    for name, node in fields(bundle_schema()):
        words = set(name.split("_"))
        if words & {"percent", "rate", "ratio"}:
            assert node.get("$ref") == "#/$defs/percent", name
        if name in ("participants", "sample_size", "responses", "satisfied", "checked", "compliant", "findings") \
                or name.endswith("_count"):
            assert node.get("$ref") == "#/$defs/count", name


def test_long_record_lists_are_validated_in_slices_with_the_same_findings(tmp_path, monkeypatch):
    import checker.bundle as bundle_module

    records = [{"id": f"C-{i}", "category": "service", "received_at": "2025-03-01T10:00:00+08:00"} for i in range(70)]
    for index in (0, 9, 10, 31, 69):
        records[index]["category"] = "servic"
    data = {"schema_version": "1.0", "organization": {"name": "x", "unified_social_credit_code": "91330106MA2B3C4D5E",
                                                      "role": "operator"},
            "period": {"start": "2025-01-01", "end": "2025-12-31"}, "complaints": records, "orders": {"records": [{}] * 25}}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    whole = problems_of(path)
    monkeypatch.setattr(bundle_module, "SCHEMA_SLICE", 10)
    assert problems_of(path) == whole
    assert [where for _, _, where, _ in whole if where.startswith("$.complaints")] == [
        f"$.complaints[{i}].category" for i in (0, 9, 10, 31, 69)]


def test_record_lists_have_no_list_level_constraints_that_slices_would_miss():
    from checker.bundle import _resolve, bundle_schema, schema_patterns

    root = bundle_schema()
    for pattern in schema_patterns()["id_list"]:
        if "*" in pattern:
            continue
        node = root
        for key in pattern:
            node = node["properties"][key]
            node = _resolve(root, node["$ref"]) if "$ref" in node else node
        if "if" in node:  # inline or a record file: a list is held to the `else` branch
            assert node["then"] == {"$ref": "#/$defs/record_file"} and node["if"] == {"type": "object"}, pattern
            node = node["else"]
        assert set(node) <= {"type", "items", "description"}, f"{pattern}: slicing would miss {set(node)}"


def test_thousands_of_problems_stop_at_200_with_a_note(tmp_path):
    complaints = "".join("  - {id: C-1, category: service, received_at: '2025-03-01T10:00:00+08:00'}\n" for _ in range(400))
    found = problems_of(write(tmp_path, "complaints:\n" + complaints))
    assert len(found) == 201
    assert found[-1] == ("ECS302", None, None, "... and 199 more problems (only the first 200 are listed)")
    bad = "".join(f"  - {{id: C-{i}, category: x, received_at: '2025-03-01T10:00:00+08:00'}}\n" for i in range(400))
    found = problems_of(write(tmp_path, "complaints:\n" + bad, name="b2.yaml"))
    assert len(found) == 201 and found[-1][3] == "... and more problems (only the first 200 are listed)"


def test_a_bad_timestamp_is_reported_once_though_two_schema_keywords_reject_it(tmp_path):
    path = write(tmp_path, """\
        complaints:
          - {id: C-1, category: service, received_at: notadate}
          - {id: C-2, category: service, received_at: later}
        """)
    found = [(code, where) for code, _, where, _ in problems_of(path)]
    assert found == [("ECS301", "$.complaints[0].received_at"), ("ECS301", "$.complaints[1].received_at")]


def test_a_directory_with_both_bundle_files_is_refused_rather_than_one_picked(tmp_path):
    write(tmp_path, "")
    (tmp_path / "bundle.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CheckerError) as info:
        load_bundle(tmp_path)
    (problem,) = info.value.problems
    assert (problem.code, problem.message) == ("ECS002", "both bundle.yaml and bundle.json are here; keep one bundle file per directory")
