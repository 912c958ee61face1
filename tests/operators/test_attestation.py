"""The attestation operator, each acceptance rule at its boundary (INT-008, INT-085)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from checker.errors import CheckerError
from checker.findings import Status
from tests.conftest import make_bundle, run_rule

RULE = {"attestation": {"topic": "service_attitude", "roles": ["质检主管", "第三方评价员"]}}
RECORD = b"QA audit 2025-H2: 200 sampled conversations, 2 findings, none about attitude\n"
PERIOD_START, AS_OF = "2025-01-01", "2025-12-31"


def attestation(**extra: Any) -> dict[str, Any]:
    item = {
        "id": "AT-1",
        "topic": "service_attitude",
        "statement": "抽查200个会话，发现2个问题，均与服务态度无关",
        "scope": "2025年7-12月在线客服会话随机抽样200个",
        "attested_by": {"name": "王芳", "role": "质检主管", "staff_id": "S-010"},
        "attested_on": "2025-12-10",
        "subject": {"name": "售前客服组", "role": "客服团队"},
        "method": {"type": "sampling", "sample_size": 200, "findings": 2},
        "conclusion": "conforms",
        "document": {"path": "record.txt", "sha256": hashlib.sha256(RECORD).hexdigest()},
    }
    for key, value in extra.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


def judge(tmp_path: Path, *items: dict[str, Any], as_of: str | None = AS_OF, record: bytes | None = RECORD):
    if record is not None:
        (tmp_path / "record.txt").write_bytes(record)
    return run_rule(RULE, make_bundle({"attestations": list(items)}, as_of=as_of, directory=tmp_path))


def test_an_acceptable_attestation_says_what_was_checked_and_how(tmp_path):
    out = judge(tmp_path, attestation())
    assert out.status is Status.PASS
    assert out.message.en == ("attested, not machine-judged: 王芳 (质检主管) on 2025-12-10 by sampling, sample 200, 2 findings; "
                              "conclusion: conforms; checked: 2025年7-12月在线客服会话随机抽样200个")
    assert out.facts == {"attestations_found": 1, "attestation_id": "AT-1", "attestation_method": "sampling", "sample_size": 200}


@pytest.mark.parametrize(
    ("attested_on", "status"),
    [(PERIOD_START, Status.PASS), ("2024-12-31", Status.INSUFFICIENT_EVIDENCE), (AS_OF, Status.PASS)],
    ids=["first-day-of-period", "day-before-period", "on-the-as-of-date"],
)
def test_date_against_the_period(tmp_path, attested_on, status):
    out = judge(tmp_path, attestation(attested_on=attested_on))
    assert out.status is status
    if status is Status.INSUFFICIENT_EVIDENCE:
        assert "AT-1: dated 2024-12-31, before the evaluation period" in out.message.en


def test_an_attestation_dated_after_the_as_of_date_refuses_the_bundle(tmp_path):
    with pytest.raises(CheckerError) as caught:
        judge(tmp_path, attestation(attested_on="2026-01-01"))
    [problem] = caught.value.problems
    assert problem.code == "ECS302" and "after the as-of date 2025-12-31" in problem.message
    assert problem.location.json_path == "$.attestations[0].attested_on"


@pytest.mark.parametrize(
    ("subject", "status"),
    [
        ({"name": "王芳", "role": "客服"}, Status.INSUFFICIENT_EVIDENCE),
        ({"name": " 王芳 ", "role": "客服"}, Status.INSUFFICIENT_EVIDENCE),
        ({"name": "王 芳", "role": "客服"}, Status.INSUFFICIENT_EVIDENCE),
        ({"name": "王\u3000芳", "role": "客服"}, Status.INSUFFICIENT_EVIDENCE),  # an ideographic space
        ({"name": "王芳\u200b", "role": "客服"}, Status.INSUFFICIENT_EVIDENCE),  # a zero-width space
        ({"name": "Wang  Fang", "role": "客服"}, Status.PASS),  # another name altogether
        ({"name": "王芳", "role": "客服", "staff_id": "S-011"}, Status.PASS),  # same name, another person
        ({"name": "王小芳", "role": "客服", "staff_id": "S-010"}, Status.INSUFFICIENT_EVIDENCE),  # same person by staff id
        (None, Status.PASS),
    ],
    ids=["same-name", "same-name-spaced", "same-name-split", "same-name-ideographic-space", "same-name-zero-width",
         "other-name", "namesake", "same-staff-id", "no-subject"],
)
def test_not_by_the_person_it_is_about(tmp_path, subject, status):
    out = judge(tmp_path, attestation(subject=subject))
    assert out.status is status
    if status is Status.INSUFFICIENT_EVIDENCE:
        assert "made by the person it is about" in out.message.en


@pytest.mark.parametrize(
    ("extra", "record", "status", "fragment"),
    [
        ({"document": None}, RECORD, Status.INSUFFICIENT_EVIDENCE, "no supporting file"),
        ({}, None, Status.INSUFFICIENT_EVIDENCE, "file record.txt is missing"),
        ({}, RECORD + b"edited", Status.FAIL, "does not match its declared SHA-256"),
    ],
    ids=["no-document", "file-missing", "file-changed"],
)
def test_a_digest_verified_document_is_required(tmp_path, extra, record, status, fragment):
    out = judge(tmp_path, attestation(**extra), record=record)
    assert out.status is status and fragment in out.message.en


@pytest.mark.parametrize(
    ("method", "status"),
    [
        ({"type": "sampling", "sample_size": 200}, Status.PASS),
        ({"type": "sampling", "sample_size": 0, "findings": 0}, Status.INSUFFICIENT_EVIDENCE),  # nothing was examined
        ({"type": "sampling"}, Status.INSUFFICIENT_EVIDENCE),
        ({"type": "sampling", "findings": 0}, Status.INSUFFICIENT_EVIDENCE),
        ({"type": "document_review"}, Status.PASS),
        ({"type": "interview"}, Status.PASS),
        ({"type": "observation"}, Status.PASS),
    ],
    ids=["sampling-with-size", "sampling-size-zero", "sampling-without-size", "sampling-findings-only",
         "document-review", "interview", "observation"],
)
def test_method_and_sample_size(tmp_path, method, status):
    out = judge(tmp_path, attestation(method=method))
    assert out.status is status
    if status is Status.INSUFFICIENT_EVIDENCE:
        wanted = "a sample of 0: nothing was examined" if method.get("sample_size") == 0 else "made by sampling without a sample size"
        assert wanted in out.message.en


@pytest.mark.parametrize(("findings", "refused"), [(200, False), (201, True)], ids=["equal-to-sample", "more-than-sample"])
def test_findings_may_not_exceed_the_sample(tmp_path, findings, refused):
    item = attestation(method={"type": "sampling", "sample_size": 200, "findings": findings})
    if not refused:
        assert judge(tmp_path, item).status is Status.PASS
        return
    with pytest.raises(CheckerError) as caught:
        judge(tmp_path, item)
    assert caught.value.problems[0].message == "findings (201) exceeds sample_size (200)"


def test_role_must_be_one_the_policy_names(tmp_path):
    out = judge(tmp_path, attestation(attested_by={"name": "王芳", "role": "客服组长"}))
    assert out.status is Status.INSUFFICIENT_EVIDENCE and "attester's role is not one of 质检主管, 第三方评价员" in out.message.en


def test_the_latest_acceptable_attestation_decides(tmp_path):
    older = attestation(id="AT-1", attested_on="2025-06-30", conclusion="does_not_conform")
    newer = attestation(id="AT-2", attested_on="2025-12-10")
    rejected = attestation(id="AT-3", attested_on="2025-12-20", document=None)
    out = judge(tmp_path, older, newer, rejected)
    assert out.status is Status.PASS and out.facts["attestation_id"] == "AT-2"
