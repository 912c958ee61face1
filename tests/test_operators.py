"""Each operator on real records: outcomes, boundaries and the messages that name records."""

from __future__ import annotations

import hashlib

import pytest

from checker.compiling import CompileEnv
from checker.errors import CheckerError
from checker.findings import Status
from checker.operators import compile_rule
from tests.conftest import make_bundle, run_rule

S = Status


def complaints(*rows):
    keys = ("id", "received_at", "solution_fed_back_at")
    return {"complaints": [{k: v for k, v in zip(keys, row, strict=False) if v is not None} | {"category": "service"} for row in rows]}


DEADLINE_24H = {"deadline": {"records": "$.complaints", "start": "received_at", "end": "solution_fed_back_at",
                             "limit": {"hours": 24}, "noun": {"zh": "投诉", "en": "complaints"}}}


# ------------------------------------------------------------------ every / count


def test_every_names_the_failing_records():
    bundle = make_bundle({"staff": [{"id": "S-1", "name": "甲", "roles": ["pre_sales"], "hired_on": "2025-01-01"},
                                    {"id": "S-2", "name": "乙", "roles": ["after_sales"], "hired_on": "2025-01-01"}]})
    out = run_rule({"every": {"records": "$.staff", "require": {"field": "roles", "contains": "pre_sales"},
                              "noun": {"zh": "客服人员", "en": "staff"}}}, bundle)
    assert out.status is S.FAIL
    assert out.message.en == "1 of 2 staff do not meet the requirement: S-2"
    assert out.message.zh == "2 条客服人员中有 1 条不符合要求：S-2"
    assert out.evidence == [(("staff", 1), "S-2")]
    assert out.facts == {"total": 2, "failed_count": 1, "unknown_count": 0, "passed_count": 1, "examples": "S-2"}


def test_every_with_unknown_records_is_insufficient_not_pass():
    bundle = make_bundle(complaints(("C-1", "2025-03-01T10:00:00+08:00", None)))
    out = run_rule({"every": {"records": "$.complaints", "require": {"field": "solution_fed_back_at", "present": True},
                              "where": {"field": "resolved_at_first_contact", "equals": False}}}, bundle)
    assert out.status is S.INSUFFICIENT_EVIDENCE


@pytest.mark.parametrize(("sections", "status"), [({}, S.INSUFFICIENT_EVIDENCE), ({"complaints": []}, S.NOT_APPLICABLE)])
def test_missing_section_is_insufficient_but_an_empty_list_is_not_applicable(sections, status):
    out = run_rule({"every": {"records": "$.complaints", "require": {"field": "id", "present": True}}}, make_bundle(sections))
    assert out.status is status


def test_if_none_overrides_the_empty_list_outcome():
    rule = {"every": {"records": "$.complaints", "require": {"field": "id", "present": True}, "if_none": "insufficient_evidence"}}
    assert run_rule(rule, make_bundle({"complaints": []})).status is S.INSUFFICIENT_EVIDENCE


@pytest.mark.parametrize(("minimum", "status"), [(2, S.PASS), (3, S.FAIL)])
def test_count_against_a_minimum(minimum, status):
    bundle = make_bundle({"emergency": {"drills": [{"id": f"D-{i}", "date": f"2025-0{i}-10", "scenario": "information_leak"} for i in (1, 2)]}})
    out = run_rule({"count": {"records": "$.emergency.drills", "where": {"field": "date", "within_period": True}, "min": minimum}}, bundle)
    assert out.status is status
    assert out.facts["count"] == 2


# ------------------------------------------------------------------ deadlines


@pytest.mark.parametrize(
    ("fed_back", "status"),
    [("2025-03-02T10:00:00+08:00", S.PASS), ("2025-03-02T10:00:01+08:00", S.FAIL), ("2025-03-02T02:00:00Z", S.PASS),
     ("2025-03-02T02:00:01Z", S.FAIL)],
    ids=["exactly-24h", "24h-plus-1s", "exactly-24h-other-offset", "plus-1s-other-offset"],
)
def test_deadline_is_exact_to_the_second_across_offsets(fed_back, status):
    out = run_rule(DEADLINE_24H, make_bundle(complaints(("C-1", "2025-03-01T10:00:00+08:00", fed_back))))
    assert out.status is status


def test_deadline_failure_message_names_the_record_and_elapsed_time():
    bundle = make_bundle(complaints(("C-0001", "2025-03-01T10:00:00+08:00", "2025-03-01T12:00:00+08:00"),
                                    ("C-0042", "2025-03-01T10:00:00+08:00", "2025-03-02T12:30:00+08:00")))
    out = run_rule(DEADLINE_24H, bundle)
    assert out.message.en == "1 of 2 complaints missed the deadline: C-0042 (26h30m00s > 24 h)"
    assert out.facts["max_elapsed_hours"] == 26.5


def test_open_record_is_late_once_its_deadline_passed_before_the_as_of_date():
    bundle = make_bundle(complaints(("C-1", "2025-12-30T10:00:00+08:00", None), ("C-2", "2025-12-31T10:00:00+08:00", None)),
                         as_of="2025-12-31")
    out = run_rule(DEADLINE_24H, bundle)
    assert out.status is S.FAIL
    assert "C-1 (not done; due 2025-12-31T10:00:00+08:00, 24 h)" in out.message.en
    assert out.facts["pending_count"] == 1


def test_agreed_time_replaces_the_hour_limit_when_present():
    rule = {"deadline": DEADLINE_24H["deadline"] | {"limit": {"hours": 24, "agreed_field": "next_contact_agreed_at"}}}
    rows = [{"id": "C-1", "category": "service", "received_at": "2025-03-01T10:00:00+08:00",
             "next_contact_agreed_at": "2025-03-04T10:00:00+08:00", "solution_fed_back_at": "2025-03-04T09:00:00+08:00"},
            {"id": "C-2", "category": "service", "received_at": "2025-03-01T10:00:00+08:00",
             "next_contact_agreed_at": "2025-03-02T09:00:00+08:00", "solution_fed_back_at": "2025-03-02T09:30:00+08:00"}]
    out = run_rule(rule, make_bundle({"complaints": rows}))
    assert out.status is S.FAIL
    assert out.facts["failed_count"] == 1 and "C-2" in out.message.en and "agreed time" in out.message.en


REFUND_RULE = {"deadline": {"records": "$.refunds", "start": "return_received_at", "end": "refunded_at",
                            "limit": {"working_days": 1}}}


@pytest.mark.parametrize(
    ("received", "refunded", "status"),
    [
        ("2025-09-26T17:55:00+08:00", "2025-09-28T23:59:59+08:00", S.PASS),  # Sunday 28th is a makeup working day
        ("2025-09-26T17:55:00+08:00", "2025-09-29T00:00:00+08:00", S.FAIL),
        ("2025-09-30T10:00:00+08:00", "2025-10-09T18:00:00+08:00", S.PASS),  # National Day holiday in between
        ("2025-09-30T10:00:00+08:00", "2025-10-10T10:00:00+08:00", S.FAIL),
        ("2024-02-28T10:00:00+08:00", "2024-02-29T20:00:00+08:00", S.PASS),  # leap day
    ],
)
def test_refund_within_one_working_day(received, refunded, status):
    bundle = make_bundle({"period": {"start": "2024-01-01", "end": "2025-12-31"},
                          "refunds": [{"id": "R-1", "requested_at": received, "return_required": True,
                                       "return_received_at": received, "refunded_at": refunded}]})
    assert run_rule(REFUND_RULE, bundle).status is status


def test_working_day_outside_the_calendar_is_an_error():
    bundle = make_bundle({"period": {"start": "2031-01-01", "end": "2031-12-31"},
                          "refunds": [{"id": "R-9", "requested_at": "2031-05-06T10:00:00+08:00", "return_required": True,
                                       "return_received_at": "2031-05-06T10:00:00+08:00", "refunded_at": "2031-05-07T10:00:00+08:00"}]})
    out = run_rule(REFUND_RULE, bundle)
    assert out.status is S.ERROR
    assert "2031-05-07" in out.message.en


def test_deadline_limit_needs_exactly_one_kind():
    with pytest.raises(CheckerError) as info:
        compile_rule({"deadline": REFUND_RULE["deadline"] | {"limit": {"hours": 1, "working_days": 1}}},
                     CompileEnv("t", None, {}), ("r",))
    assert info.value.problems[0].code == "ECS104"


# ------------------------------------------------------------------ weekly coverage


def schedule(*intervals):
    return {"service_hours": {"schedules": [{"channel": "chat", "intervals": [
        {"days": days, "start": start, "end": end} | ({"agent": agent} if agent else {})
        for days, start, end, agent in intervals]}]}}


COVERAGE = {"weekly_coverage": {"schedule": "$.service_hours", "min_days": 7, "min_hours": 8}}
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_seven_days_of_exactly_eight_hours_pass():
    out = run_rule(COVERAGE, make_bundle(schedule((WEEK, "09:00", "17:00", None))))
    assert out.status is S.PASS and out.facts["days_meeting"] == 7


def test_weekend_gap_fails_and_says_which_days():
    out = run_rule(COVERAGE, make_bundle(schedule((WEEK[:5], "09:00", "21:00", None), (["sat", "sun"], "10:00", "16:00", None))))
    assert out.status is S.FAIL
    assert out.message.en.startswith("5 days a week have at least 8 h of service (required: 7)")
    assert out.evidence == [(("service_hours",), "short days: sat, sun")]


def test_overnight_hours_count_on_both_days():
    out = run_rule(COVERAGE, make_bundle(schedule((WEEK, "12:00", "18:00", None), (WEEK, "22:00", "02:00", None))))
    assert out.status is S.PASS and out.facts["hours_per_day"]["mon"] == 10.0


def test_bot_only_hours_do_not_count():
    out = run_rule(COVERAGE, make_bundle(schedule((WEEK, "09:00", "13:00", None), (WEEK, "13:00", "18:00", "bot"))))
    assert out.status is S.FAIL and out.facts["days_meeting"] == 0


def test_no_schedule_is_insufficient():
    assert run_rule(COVERAGE, make_bundle()).status is S.INSUFFICIENT_EVIDENCE


# ------------------------------------------------------------------ per person


def person(pid, hired, trainings, left=None):
    row = {"id": pid, "name": pid, "roles": ["pre_sales"], "hired_on": hired, "trainings": [{"date": d, "topic": "t"} for d in trainings]}
    return row | ({"left_on": left} if left else {})


TRAINING = {"per_person": {"records": "$.staff", "events": "trainings", "event_date": "date", "min_per_year": 2}}


@pytest.mark.parametrize(
    ("staff", "status"),
    [
        ([person("S-1", "2020-01-01", ["2025-03-01", "2025-09-01"])], S.PASS),
        ([person("S-1", "2020-01-01", ["2025-03-01"])], S.FAIL),
        ([person("S-1", "2025-07-01", ["2025-09-01"])], S.PASS),  # half a year employed: 1 needed
        ([person("S-1", "2025-07-01", [])], S.FAIL),
        ([person("S-1", "2025-11-01", [])], S.PASS),  # two months: rounds to 0
        ([person("S-1", "2020-01-01", ["2024-12-31", "2025-03-01"])], S.FAIL),  # last year's training does not count
        ([person("S-1", "2020-01-01", ["2025-03-01", "2025-04-01"], left="2025-04-30")], S.PASS),
    ],
)
def test_trainings_per_year_pro_rated(staff, status):
    assert run_rule(TRAINING, make_bundle({"staff": staff})).status is status


def test_leap_year_counts_366_days():
    # 274 days employed to 31 December: 2 x 274/365 = 1.501 rounds to 2, but 2 x 274/366 = 1.497 rounds to 1
    def one_training(year):
        return make_bundle({"period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                            "staff": [person("S-1", f"{year}-04-02", [f"{year}-06-01"])]})

    assert run_rule(TRAINING, one_training(2024)).status is S.PASS
    out = run_rule(TRAINING, one_training(2025))
    assert out.status is S.FAIL and "2025: 1 < 2" in out.message.en


def test_without_prorating_a_late_hire_still_needs_the_full_number():
    rule = {"per_person": TRAINING["per_person"] | {"prorate": False}}
    assert run_rule(rule, make_bundle({"staff": [person("S-1", "2025-11-01", ["2025-12-01"])]})).status is S.FAIL


# ------------------------------------------------------------------ documents and attestations


def attach(tmp_path, name, content=b"plan v1"):
    (tmp_path / name).write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def doc(digest, **extra):
    return {"id": "DOC-1", "kind": "emergency_response_plan", "title": "应急预案", "issued_on": "2025-01-01",
            "path": "plan.txt", "sha256": digest, "covers": ["information_leak", "information_loss"]} | extra


DOCUMENT = {"document": {"kind": "emergency_response_plan", "covers": ["information_leak", "information_loss"]}}


def test_current_document_with_matching_digest_passes(tmp_path):
    digest = attach(tmp_path, "plan.txt")
    out = run_rule(DOCUMENT, make_bundle({"documents": [doc(digest)]}, directory=tmp_path))
    assert out.status is S.PASS and "file digest verified" in out.message.en


@pytest.mark.parametrize(
    ("extra", "content", "status", "fragment"),
    [
        ({"valid_until": "2025-06-30"}, b"plan v1", S.FAIL, "expired on 2025-06-30"),
        ({"issued_on": "2026-02-01"}, b"plan v1", S.FAIL, "not in force until 2026-02-01"),
        ({"covers": ["information_leak"]}, b"plan v1", S.FAIL, "does not cover: information_loss"),
        ({}, b"plan v2 edited", S.FAIL, "does not match its declared SHA-256"),
    ],
    ids=["expired", "future", "not-covering", "tampered"],
)
def test_document_problems(tmp_path, extra, content, status, fragment):
    digest = hashlib.sha256(b"plan v1").hexdigest()
    (tmp_path / "plan.txt").write_bytes(content)
    out = run_rule(DOCUMENT, make_bundle({"documents": [doc(digest, **extra)]}, directory=tmp_path, as_of="2025-12-31"))
    assert out.status is status and fragment in out.message.en


def test_document_whose_file_is_missing_is_insufficient(tmp_path):
    out = run_rule(DOCUMENT, make_bundle({"documents": [doc("0" * 64)]}, directory=tmp_path))
    assert out.status is S.INSUFFICIENT_EVIDENCE and "is missing" in out.message.en


def test_no_document_of_the_kind_is_insufficient():
    assert run_rule(DOCUMENT, make_bundle({"documents": []})).status is S.INSUFFICIENT_EVIDENCE


def attestation(digest, **extra):
    return {"id": "AT-1", "topic": "service_attitude", "statement": "抽查200个会话，服务态度良好",
            "attested_by": {"name": "王芳", "role": "质检主管"}, "attested_on": "2025-12-10",
            "method": {"type": "sampling", "sample_size": 200, "findings": 2}, "conclusion": "conforms",
            "document": {"path": "plan.txt", "sha256": digest}} | extra


ATTEST = {"attestation": {"topic": "service_attitude"}}


def test_acceptable_attestation_passes_and_says_it_is_not_machine_judged(tmp_path):
    digest = attach(tmp_path, "plan.txt")
    out = run_rule(ATTEST, make_bundle({"attestations": [attestation(digest)]}, directory=tmp_path))
    assert out.status is S.PASS
    assert out.message.en == ("attested, not machine-judged: 王芳 (质检主管) on 2025-12-10 by sampling, sample 200, "
                              "2 findings; conclusion: conforms")


@pytest.mark.parametrize(
    ("extra", "status", "fragment"),
    [
        ({"attested_on": "2024-12-31"}, S.INSUFFICIENT_EVIDENCE, "before the evaluation period"),
        ({"subject": {"name": "王芳", "role": "客服"}}, S.INSUFFICIENT_EVIDENCE, "made by the person it is about"),
        ({"document": None}, S.INSUFFICIENT_EVIDENCE, "no supporting file"),
        ({"conclusion": "does_not_conform"}, S.FAIL, "conclusion: does not conform"),
    ],
    ids=["too-old", "self-attested", "no-document", "negative"],
)
def test_attestation_rules(tmp_path, extra, status, fragment):
    digest = attach(tmp_path, "plan.txt")
    item = {k: v for k, v in (attestation(digest) | extra).items() if v is not None}
    out = run_rule(ATTEST, make_bundle({"attestations": [item]}, directory=tmp_path))
    assert out.status is status and fragment in out.message.en


def test_tampered_attestation_document_fails(tmp_path):
    attach(tmp_path, "plan.txt", b"changed")
    out = run_rule(ATTEST, make_bundle({"attestations": [attestation("a" * 64)]}, directory=tmp_path))
    assert out.status is S.FAIL


def audit(checked, compliant, start="2025-01-01", end="2025-06-30"):
    return {"id": f"QA-{start}", "date": end, "auditor": {"name": "李静", "role": "质检专员"}, "covers": {"start": start, "end": end},
            "sample_size": checked, "checks": {"greeting": {"checked": checked, "compliant": compliant}}}


@pytest.mark.parametrize(
    ("audits", "status"),
    [([audit(100, 100), audit(50, 50, "2025-07-01", "2025-12-31")], S.PASS),
     ([audit(100, 100), audit(50, 49, "2025-07-01", "2025-12-31")], S.FAIL),
     ([audit(100, 90, "2024-01-01", "2024-12-31")], S.INSUFFICIENT_EVIDENCE),
     ([], S.INSUFFICIENT_EVIDENCE)],
)
def test_audit_share_must_reach_the_minimum(audits, status):
    out = run_rule({"audit": {"check": "greeting", "min_percent": 100}}, make_bundle({"quality_audits": audits}))
    assert out.status is status


# ------------------------------------------------------------------ values and combinators


def test_compare_and_present():
    bundle = make_bundle({"service_scripts": {"greetings": ["您好"], "forbidden_phrases": []}})
    assert run_rule({"present": {"path": "$.service_scripts.greetings"}}, bundle).status is S.PASS
    assert run_rule({"present": {"path": "$.service_scripts.forbidden_phrases"}}, bundle).status is S.INSUFFICIENT_EVIDENCE
    rule = {"compare": {"value": {"path": "$.period.start"}, "op": "le", "to": "2025-01-01"}}
    assert run_rule(rule, bundle).status is S.PASS
    rule = {"compare": {"value": {"path": "$.kpis.x"}, "op": "le", "to": 1}}
    assert run_rule(rule, bundle).status is S.INSUFFICIENT_EVIDENCE


def test_combinators():
    bundle = make_bundle({"complaints": []})
    ok = {"present": {"path": "$.period"}}
    missing = {"present": {"path": "$.nothing"}}
    review = {"manual": {"reason": {"zh": "需人工审阅", "en": "needs a person"}}}
    assert run_rule({"all_of": [ok, review]}, bundle).status is S.MANUAL_REVIEW
    assert run_rule({"all_of": [ok, missing]}, bundle).status is S.INSUFFICIENT_EVIDENCE
    assert run_rule({"any_of": [missing, ok]}, bundle).status is S.PASS
    assert run_rule({"first_of": [missing, review, ok]}, bundle).status is S.MANUAL_REVIEW
    assert run_rule({"first_of": [missing, missing]}, bundle).status is S.INSUFFICIENT_EVIDENCE


def test_message_templates_use_facts_and_parameters():
    rule = dict(DEADLINE_24H, messages={"fail": {"zh": "{failed_count} 条超过 {deadline_hours} 小时：{detail}",
                                                 "en": "{failed_count} over {deadline_hours} h: {detail}"}})
    bundle = make_bundle(complaints(("C-9", "2025-03-01T10:00:00+08:00", "2025-03-03T10:00:00+08:00")))
    out = run_rule(rule, bundle, {"deadline_hours": 24})
    assert out.message.en == "1 over 24 h: 1 of 1 complaints missed the deadline: C-9 (48h00m00s > 24 h)"


def test_unknown_placeholder_is_refused():
    rule = dict(DEADLINE_24H, messages={"fail": {"zh": "{nope}", "en": "x"}})
    with pytest.raises(CheckerError) as info:
        compile_rule(rule, CompileEnv("t", None, {}), ("r",))
    assert info.value.problems[0].code == "ECS112"


@pytest.mark.parametrize(
    ("spec", "code"),
    [({"frobnicate": {}}, "ECS104"), ({"every": {}, "count": {}}, "ECS104"),
     ({"every": {"records": "$..[", "require": {"field": "a", "present": True}}}, "ECS105"),
     ({"count": {"records": "$.x", "min": {"param": "undeclared"}}}, "ECS106")],
)
def test_bad_rules_are_refused(spec, code):
    with pytest.raises(CheckerError) as info:
        compile_rule(spec, CompileEnv("t", None, {}), ("r",))
    assert info.value.problems[0].code == code
