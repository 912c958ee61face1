"""Operators added for NJ-ECCS: share, matched, satisfies, optional, within_hours, kpi, and the attached predicate."""

from __future__ import annotations

import hashlib

import pytest

from checker.compiling import CompileEnv
from checker.errors import CheckerError
from checker.findings import Status
from checker.operators import compile_rule


def evaluate(rule: dict, bundle, params: dict | None = None):
    return compile_rule(rule, CompileEnv("test", None, params or {}), ())(bundle.context())


STAFF = [{"id": f"S{i}", "name": f"n{i}", "roles": ["pre_sales"], "hired_on": "2024-01-01", "post_requires_certificate": ok}
         for i, ok in enumerate([True, True, False, None])]


@pytest.mark.parametrize(("minimum", "status"), [(50, Status.PASS), (51, Status.INSUFFICIENT_EVIDENCE), (75, Status.INSUFFICIENT_EVIDENCE),
                                                 (76, Status.FAIL)])
def test_share_counts_undecided_records_against_it_only_when_they_could_matter(nj_bundle, minimum, status):
    staff = [dict(s) for s in STAFF]
    staff[3].pop("post_requires_certificate")
    bundle = nj_bundle({"staff": staff})
    outcome = evaluate({"share": {"records": "$.staff", "require": {"field": "post_requires_certificate", "equals": True},
                                  "min_percent": minimum}}, bundle)
    assert outcome.status is status
    assert outcome.facts["met_count"] == 2 and outcome.facts["unknown_count"] == 1


def test_share_exactly_at_the_limit_passes(nj_bundle):
    bundle = nj_bundle({"staff": [dict(s, post_requires_certificate=i < 3) for i, s in enumerate(STAFF)]})
    outcome = evaluate({"share": {"records": "$.staff", "require": {"field": "post_requires_certificate", "equals": True}, "min_percent": 75}}, bundle)
    assert outcome.status is Status.PASS and "75.00%" in outcome.message.zh


def test_matched_reads_several_lists_and_points_at_the_unmatched_record(nj_bundle):
    bundle = nj_bundle({
        "evaluations": [
            {"id": "E1", "kind": "internal", "report": {"document": {"path": "r.md", "sha256": "0" * 64}, "issued_on": "2025-06-01",
                                                        "suggestions": [{"id": "SG-1", "text": "a"}]}},
            {"id": "E2", "kind": "internal", "report": {"document": {"path": "r.md", "sha256": "0" * 64}, "issued_on": "2025-12-01",
                                                        "suggestions": [{"id": "SG-2", "text": "b"}, {"id": "SG-3", "text": "c"}]}},
        ],
        "improvements": [{"id": "I1", "source": "evaluation", "source_ref": "SG-1", "issue": "x", "action": "y", "status": "done"},
                         {"id": "I2", "source": "evaluation", "source_ref": "SG-3", "issue": "x", "action": "y", "status": "planned"}],
    })
    outcome = evaluate({"matched": {"records": "$.evaluations[*].report.suggestions", "in": "$.improvements", "on": "source_ref"}}, bundle)
    assert outcome.status is Status.FAIL and "SG-2" in outcome.message.en
    assert outcome.evidence[0][0] == ("evaluations", 1, "report", "suggestions", 0)


def test_satisfies_is_undecided_when_a_field_is_missing(nj_bundle):
    bundle = nj_bundle({"crm": {"system": "x", "in_use_since": "2024-01-01"}})
    rule = {"satisfies": {"path": "$.crm", "require": {"field": "customer_archives", "gt": 0}}}
    assert evaluate(rule, bundle).status is Status.INSUFFICIENT_EVIDENCE
    assert evaluate(rule, nj_bundle({"crm": {"system": "x", "in_use_since": "2024-01-01", "customer_archives": 0}})).status is Status.FAIL
    assert evaluate(rule, nj_bundle({})).status is Status.INSUFFICIENT_EVIDENCE


@pytest.mark.parametrize(("inner", "if_missing", "status"), [
    ({"present": {"path": "$.crm"}}, "not_applicable", Status.NOT_APPLICABLE),
    ({"present": {"path": "$.crm"}}, "insufficient_evidence", Status.INSUFFICIENT_EVIDENCE),
    ({"satisfies": {"path": "$.crm", "require": {"field": "system", "equals": "none"}}}, "insufficient_evidence", Status.NOT_APPLICABLE),
    ({"satisfies": {"path": "$.crm", "require": {"field": "system", "equals": "x"}}}, "not_applicable", Status.PASS),
])
def test_optional_never_fails(nj_bundle, inner, if_missing, status):
    bundle = nj_bundle({"crm": {"system": "x", "in_use_since": "2024-01-01"}} if "satisfies" in inner else {})
    assert evaluate({"optional": {"rule": inner, "if_missing": if_missing}}, bundle).status is status


REFUNDS = [
    {"id": "R1", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": False, "refund_agreed_at": "2025-03-01T10:00:00+08:00",
     "refunded_at": "2025-03-01T16:00:00+08:00", "agreed_within_hours": 6},
    {"id": "R2", "requested_at": "2025-03-01T10:00:00+08:00", "return_required": False, "refund_agreed_at": "2025-03-01T10:00:00+08:00",
     "refunded_at": "2025-03-03T10:00:00+08:00"},
]
WITHIN = {"within_hours": {"records": "$.refunds", "start": "refund_agreed_at", "end": "refunded_at", "hours_field": "agreed_within_hours",
                           "default_hours": {"path": "$.refund_policy.platform_default_hours"}}}


@pytest.mark.parametrize(("default", "status"), [(48, Status.PASS), (47.99, Status.FAIL), (None, Status.INSUFFICIENT_EVIDENCE)])
def test_within_hours_uses_the_records_own_limit_then_the_default(nj_bundle, default, status):
    sections = {"refunds": REFUNDS}
    if default is not None:
        sections["refund_policy"] = {"platform_default_hours": default, "basis": "x"}
    outcome = evaluate(WITHIN, nj_bundle(sections))
    assert outcome.status is status
    if status is Status.INSUFFICIENT_EVIDENCE:
        assert "R2" in outcome.message.en and "R1" not in outcome.message.en


def test_kpi_compares_exactly_and_reports_nothing_to_measure(nj_bundle):
    bundle = nj_bundle({"performance": {"response_times": {"first_response": {"total_seconds": 3000, "count": 100}}}, "feedback": []})
    assert evaluate({"kpi": {"indicators": ["first_response_time"], "op": "le", "to": 30}}, bundle).status is Status.PASS
    assert evaluate({"kpi": {"indicators": ["first_response_time"], "op": "lt", "to": 30}}, bundle).status is Status.FAIL
    assert evaluate({"kpi": {"indicators": ["feedback_handling_rate"], "op": "ge", "to": 100}}, bundle).status is Status.NOT_APPLICABLE
    assert evaluate({"kpi": {"indicators": ["reply_rate"]}}, bundle).status is Status.INSUFFICIENT_EVIDENCE


def test_kpi_needs_op_and_to_together():
    with pytest.raises(CheckerError):
        compile_rule({"kpi": {"indicators": ["reply_rate"], "op": "ge"}}, CompileEnv("test", None, {}), ())


def test_attached_distinguishes_a_missing_file_from_a_changed_one(nj_bundle, tmp_path):
    bundle = nj_bundle({"service_plan": {"implementation_record": {"path": "rollout.md", "sha256": hashlib.sha256(b"x").hexdigest()}}})
    rule = {"satisfies": {"path": "$.service_plan", "require": {"field": "implementation_record", "attached": True}}}
    assert evaluate(rule, bundle).status is Status.INSUFFICIENT_EVIDENCE  # no such file in the bundle directory
    (bundle.directory / "rollout.md").write_bytes(b"x")
    from checker.bundle import load_bundle

    assert evaluate(rule, load_bundle(bundle.directory)).status is Status.PASS
    (bundle.directory / "rollout.md").write_bytes(b"changed")
    assert evaluate(rule, load_bundle(bundle.directory)).status is Status.FAIL
