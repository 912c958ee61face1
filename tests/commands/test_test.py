"""`ecs-check test`: PASS/FAIL per case, a summary, exit 1 on a failure or when nothing was tested."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO

PASSING = """\
description: Fed back exactly 24 h after receipt.
bundle:
  complaints:
    - {id: C-1, category: service, received_at: "2025-03-01T10:00:00+08:00", solution_fed_back_at: "2025-03-02T10:00:00+08:00"}
expect:
  status: pass
"""
FAILING = """\
description: One second late.
bundle:
  complaints:
    - {id: C-2, category: service, received_at: "2025-03-01T10:00:00+08:00", solution_fed_back_at: "2025-03-02T10:00:01+08:00"}
expect:
  status: fail
  message: C-2
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy root `company/` holding one policy and two passing cases, used from tmp_path."""
    shutil.copytree(FIXTURES / "lint" / "good" / "db33-t-2039-2017", tmp_path / "company" / "db33-t-2039-2017",
                    ignore=shutil.ignore_patterns("5.3.2.yaml"))
    cases = tmp_path / "company" / "db33-t-2039-2017" / "7.5.1.2"
    cases.mkdir()
    (cases / "pass-on-time.yaml").write_text(PASSING, encoding="utf-8")
    (cases / "fail-late.yaml").write_text(FAILING, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "company"


CASES = "company/db33-t-2039-2017/7.5.1.2"


def _without_notes(lines):
    return [line for line in lines if ": note: " not in line]


def test_all_cases_pass(root, ecs):
    result = ecs("test", "company")
    assert result.lines == [
        f"{CASES}/fail-late.yaml: PASS db33-t-2039-2017/7.5.1.2 (fail)",
        f"{CASES}/pass-on-time.yaml: PASS db33-t-2039-2017/7.5.1.2 (pass)",
        f"company/db33-t-2039-2017/7.5.1.2.yaml: note: policy db33-t-2039-2017/7.5.1.2 overrides "
        f"{REPO / 'policies' / 'db33-t-2039-2017' / '7.5.1.2.yaml'}",
        "2 passed, 0 failed",
    ]
    assert result.code == 0


def test_a_failing_case_is_reported_at_its_expectation(root, ecs):
    (root / "db33-t-2039-2017" / "7.5.1.2" / "fail-late.yaml").write_text(FAILING.replace("10:00:01", "09:59:59"), encoding="utf-8")
    result = ecs("test", "company")
    assert _without_notes(result.lines) == [
        f"{CASES}/fail-late.yaml:6:3: FAIL db33-t-2039-2017/7.5.1.2: status: expected fail, got pass",
        f"{CASES}/fail-late.yaml:7:3: FAIL db33-t-2039-2017/7.5.1.2: message: no finding says 'C-2'; got "
        "all 1 completed records met the deadline",
        f"{CASES}/pass-on-time.yaml: PASS db33-t-2039-2017/7.5.1.2 (pass)",
        "1 passed, 1 failed",
    ]
    assert result.code == 1


def test_a_case_file_runs_alone(root, ecs):
    result = ecs("test", f"{CASES}/pass-on-time.yaml")
    assert _without_notes(result.lines) == [f"{CASES}/pass-on-time.yaml: PASS db33-t-2039-2017/7.5.1.2 (pass)", "1 passed, 0 failed"]
    assert result.code == 0


def test_zero_cases_is_not_green(root, ecs):
    shutil.rmtree(root / "db33-t-2039-2017" / "7.5.1.2")
    result = ecs("test", "company")
    assert _without_notes(result.lines) == [
        "company/db33-t-2039-2017/7.5.1.2.yaml: no test cases for db33-t-2039-2017/7.5.1.2",
        "0 passed, 0 failed; 1 policy has no test cases; no test cases found",
    ]
    assert result.code == 1


def test_an_invalid_case_file_fails_with_ECS114(root, ecs):
    (root / "db33-t-2039-2017" / "7.5.1.2" / "fail-typo.yaml").write_text(
        "description: typo\nexpect:\n  status: failed\n  mesage: x\n", encoding="utf-8")
    result = ecs("test", "company")
    assert result.lines[0] == f"{CASES}/fail-late.yaml: PASS db33-t-2039-2017/7.5.1.2 (fail)"
    assert result.lines[1] == f"{CASES}/fail-typo.yaml: FAIL db33-t-2039-2017/7.5.1.2: the case cannot be run"
    assert result.lines[2] == (f"    {CASES}/fail-typo.yaml:3:3: ECS114 'failed' is not one of: pass, fail, not_applicable, "
                               "insufficient_evidence, manual_review, error (did you mean 'fail'?) (at $.expect.status)")
    assert result.lines[3] == f"    {CASES}/fail-typo.yaml:4:3: ECS114 unknown key 'mesage' (did you mean 'message'?) (at $.expect.mesage)"
    assert result.lines[-1] == "2 passed, 1 failed"
    assert result.code == 1


def test_a_bundle_problem_in_a_case_points_into_the_case(root, ecs):
    (root / "db33-t-2039-2017" / "7.5.1.2" / "fail-bad-time.yaml").write_text(
        FAILING.replace('"2025-03-02T10:00:01+08:00"', '"yesterday"'), encoding="utf-8")
    result = ecs("test", f"{CASES}/fail-bad-time.yaml")
    assert result.code == 1
    assert result.lines[1].startswith(f"    {CASES}/fail-bad-time.yaml:4:")


def test_an_invalid_policy_is_an_error_and_the_others_still_run(root, ecs, tmp_path):
    broken = tmp_path / "company" / "db33-t-2039-2017" / "7.5.1.3.yaml"
    broken.write_text("id: db33-t-2039-2017/7.5.1.3\n", encoding="utf-8")
    result = ecs("test", "company")
    assert result.code == 2
    assert "2 passed, 0 failed" == result.lines[-1]
    assert any(line.startswith("company/db33-t-2039-2017/7.5.1.3.yaml:1:1: ECS101 missing required key") for line in result.lines)


def test_the_shipped_policies_pass_their_cases(in_repo, ecs):
    result = ecs("test", "policies")
    assert result.code == 0, result.out
    assert result.lines[-1].endswith("passed, 0 failed")


def test_a_policy_and_its_override_are_both_tested(root, ecs):
    """Each file is tested with its own cases, even when another root overrides its id."""

    shipped = REPO / "policies" / "db33-t-2039-2017" / "7.5.1.2.yaml"
    company_cases = len(list(root.rglob("7.5.1.2/*.yaml")))
    shipped_cases = len(list(shipped.with_suffix("").glob("*.yaml")))
    result = ecs("test", "company", str(shipped))
    assert result.code == 0, result.out
    assert result.lines[-1] == f"{company_cases + shipped_cases} passed, 0 failed"
