"""Waivers: the file is checked before anything runs; each rule holds at its boundary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import CheckerError
from checker.findings import Finding, Status, Text, exit_code
from checker.waivers import (
    WaiverReport,
    apply_waivers,
    check_max_active,
    effective_status_for_scoring,
    load_waivers,
    unwaived,
)

AS_OF = dt.date(2025, 12, 31)
DAY = dt.timedelta(days=1)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def waiver(**extra: Any) -> dict[str, Any]:
    return {
        "id": "W-1",
        "policy": "std/1.1",
        "justification": {"zh": "系统迁移", "en": "system migration"},
        "author": {"name": "张三", "role": "客服经理"},
        "approved_by": {"name": "王敏", "role": "总经理"},
        "approved_on": "2025-06-01",
        "expires_on": "2026-03-31",
    } | extra


def write(tmp_path: Path, *waivers: dict[str, Any]) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.dump({"waivers": list(waivers)}, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(tmp_path: Path, *waivers: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    with pytest.raises(CheckerError) as caught:
        load_waivers(write(tmp_path, *waivers))
    return [(p.code, p.message, p.location.line) for p in caught.value.problems]


def finding(policy: str = "std/1.1", item: str | None = None, status: Status = Status.FAIL) -> Finding:
    return Finding(policy_id=policy, standard="STD", clause=policy.split("/")[1], item=item, title=Text("标题", "title"),
                   status=status, obligation="shall", applies_to="both", verification="automated",
                   message=Text(f"原结论 {status.value}", f"original {status.value}"))


POLICY_SET = types.SimpleNamespace(available=("std/1.1", "std/1.2", "std/2.1", "std/9.9"))


def run(tmp_path: Path, findings: list[Finding], *waivers: dict[str, Any], as_of: dt.date = AS_OF):
    return apply_waivers(findings, load_waivers(write(tmp_path, *waivers)), as_of, POLICY_SET)


def states(report: WaiverReport) -> dict[str, str]:
    return {o.waiver.id: o.state for o in report.outcomes}


# ------------------------------------------------------------------ the file


def test_a_valid_file_loads(tmp_path):
    loaded = load_waivers(write(tmp_path, waiver(item="b)", reference="OA-1")))
    [w] = loaded.waivers
    assert (w.policy_id, w.item, w.expires_on, w.reference) == ("std/1.1", "b)", dt.date(2026, 3, 31), "OA-1")
    assert w.line == 2 and loaded.file.endswith("waivers.yaml") and len(loaded.sha256) == 64


@pytest.mark.parametrize(
    ("entry", "code", "fragment"),
    [
        ({k: v for k, v in waiver().items() if k != "expires_on"}, "ECS411", "missing required key 'expires_on'"),
        ({k: v for k, v in waiver().items() if k != "approved_by"}, "ECS411", "missing required key 'approved_by'"),
        ({k: v for k, v in waiver().items() if k != "justification"}, "ECS411", "missing required key 'justification'"),
        (waiver(justification=" "), "ECS411", ""),
        (waiver(expires_on="2026-02-30"), "ECS411", "'2026-02-30' is not a calendar date"),
        (waiver(expires_on="31/03/2026"), "ECS411", "does not match"),
        (waiver(item="b"), "ECS411", "does not match"),
        (waiver(expiry="2026-01-01"), "ECS411", "unknown key 'expiry'"),
        (waiver(approved_by={"name": "张三", "role": "客服总监"}), "ECS413", "approved by its own author, 张三"),
        (waiver(approved_by={"name": " zhang  SAN ", "role": "x"}, author={"name": "Zhang San", "role": "y"}), "ECS413", ""),
        (waiver(approved_by={"name": "张\u3000三", "role": "x"}), "ECS413", "approved by its own author"),
        (waiver(approved_by={"name": "张 三", "role": "x"}), "ECS413", "approved by its own author"),
        (waiver(approved_by={"name": "王敏", "role": "x", "staff_id": "S-1"},
                author={"name": "张三", "role": "y", "staff_id": "S-1"}), "ECS413", "approved by its own author"),
        (waiver(approved_on="2026-04-01"), "ECS414", "expires on 2026-03-31, before it was approved on 2026-04-01"),
    ],
    ids=["no-expiry", "no-approver", "no-justification", "blank-justification", "impossible-date", "date-format",
         "bad-item", "unknown-key", "approver-is-author", "same-name-other-spelling", "same-name-ideographic-space",
         "same-name-split", "same-staff-id", "expires-before-approval"],
)
def test_a_malformed_file_is_refused_at_its_line(tmp_path, entry, code, fragment):
    found = refused(tmp_path, entry)
    assert any(c == code and fragment in m for c, m, _ in found), found
    assert all(line is not None for _, _, line in found)


def test_approver_with_the_same_name_but_another_staff_id_is_another_person(tmp_path):
    entry = waiver(approved_by={"name": "张伟", "role": "总经理", "staff_id": "S-2"}, author={"name": "张伟", "role": "x", "staff_id": "S-1"})
    assert len(load_waivers(write(tmp_path, entry)).waivers) == 1


def test_expiry_on_the_approval_day_is_allowed(tmp_path):
    assert load_waivers(write(tmp_path, waiver(approved_on="2025-12-31", expires_on="2025-12-31"))).waivers


def entry_lines(path: Path) -> list[int]:
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("- id:")]


def test_every_problem_is_reported_together(tmp_path):
    entries = (waiver(), waiver(approved_by={"name": "张三", "role": "x"}), waiver(id="W-2", approved_on="2027-01-01"))
    found = refused(tmp_path, *entries)
    starts = entry_lines(tmp_path / "waivers.yaml")
    assert [c for c, _, _ in found] == ["ECS412", "ECS413", "ECS414"]
    assert starts[1] <= found[0][2] < starts[2] and starts[1] <= found[1][2] < starts[2] and found[2][2] > starts[2]


@pytest.mark.parametrize("text", ["", "waivers: 3\n", "- a\n", "waivers:\n  - {id: W-1\n"])
def test_unusable_files(tmp_path, text):
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CheckerError):
        load_waivers(path)


# ------------------------------------------------------------------ dates: the as-of date, never the clock


@pytest.mark.parametrize(
    ("approved_on", "expires_on", "state"),
    [
        (AS_OF - 30 * DAY, AS_OF, "active"),             # expires today: still in force
        (AS_OF - 30 * DAY, AS_OF - DAY, "expired"),      # expired yesterday
        (AS_OF - 30 * DAY, AS_OF + DAY, "active"),
        (AS_OF, AS_OF + 30 * DAY, "active"),             # approved today
        (AS_OF + DAY, AS_OF + 30 * DAY, "not_yet_effective"),  # approved tomorrow
        (AS_OF, AS_OF, "active"),                        # a one-day waiver on its day
    ],
    ids=["expires-today", "expired-yesterday", "expires-tomorrow", "approved-today", "approved-tomorrow", "one-day"],
)
def test_in_force_from_approval_through_expiry(tmp_path, approved_on, expires_on, state):
    findings, report = run(tmp_path, [finding()], waiver(approved_on=approved_on.isoformat(), expires_on=expires_on.isoformat()))
    assert states(report) == {"W-1": state}
    [result] = findings
    if state == "active":
        assert result.status is Status.WAIVED and result.original_status is Status.FAIL
        assert result.waiver.expires_on == expires_on.isoformat()
    else:
        assert result.status is Status.FAIL and result.original_status is None and result.waiver is None
        assert "not applied" in result.notes[-1].en


def test_expired_waiver_is_reported_with_its_date(tmp_path):
    findings, report = run(tmp_path, [finding()], waiver(expires_on="2025-12-30"))
    [outcome] = report.outcomes
    assert outcome.reason.en == "expired on 2025-12-30; it has no effect"
    assert findings[0].notes[-1] == Text("豁免 W-1 已于 2025-12-30 到期，未适用", "waiver W-1 expired on 2025-12-30; not applied")


# ------------------------------------------------------------------ what a waiver changes


def test_waived_finding_keeps_its_original_status_and_message(tmp_path):
    original = finding()
    [result], report = run(tmp_path, [original], waiver())
    assert result.status is Status.WAIVED and result.original_status is Status.FAIL
    assert result.message == original.message
    assert result.waiver.id == "W-1" and result.waiver.approved_by == "王敏 (总经理)" and result.waiver.author == "张三 (客服经理)"
    data = result.to_json()
    assert (data["status"], data["original_status"], data["waiver"]["expires_on"]) == ("waived", "fail", "2026-03-31")
    assert report.outcomes[0].findings == ("STD 1.1",)


def test_waived_findings_do_not_fail_the_run(tmp_path):
    findings, _ = run(tmp_path, [finding(), finding("std/1.2", status=Status.PASS)], waiver())
    assert exit_code(findings) == 0
    assert exit_code([finding()]) == 1


def test_insufficient_evidence_is_waivable(tmp_path):
    [result], report = run(tmp_path, [finding(status=Status.INSUFFICIENT_EVIDENCE)], waiver())
    assert result.status is Status.WAIVED and result.original_status is Status.INSUFFICIENT_EVIDENCE


@pytest.mark.parametrize(
    ("findings", "entry", "reason"),
    [
        ([finding(status=Status.PASS)], waiver(), "nothing to waive: std/1.1 is pass"),
        ([finding(status=Status.NOT_APPLICABLE)], waiver(), "nothing to waive: std/1.1 is not_applicable"),
        ([finding(status=Status.MANUAL_REVIEW)], waiver(), "nothing to waive: std/1.1 is manual_review"),
        ([finding(status=Status.ERROR)], waiver(), "std/1.1 is error; a finding that could not be evaluated is never waived"),
        ([finding()], waiver(policy="std/7.7"), "there is no policy std/7.7 in the policy set"),
        ([finding()], waiver(policy="std/9.9"), "policy std/9.9 was not evaluated in this run (not selected)"),
        ([finding(item="a)"), finding(item="b)")], waiver(item="c)"), "policy std/1.1 has no item c) (its items: a), b))"),
    ],
    ids=["passes", "not-applicable", "manual-review", "error", "no-such-policy", "not-selected", "no-such-item"],
)
def test_orphaned_waivers(tmp_path, findings, entry, reason):
    result, report = run(tmp_path, findings, entry)
    assert states(report) == {"W-1": "orphaned"} and report.outcomes[0].reason.en == reason
    assert result == findings, "an orphaned waiver changes no finding"


def test_an_item_waiver_waives_only_its_item(tmp_path):
    findings, _ = run(tmp_path, [finding(item="a)"), finding(item="b)")], waiver(item="b)"))
    assert [f.status for f in findings] == [Status.FAIL, Status.WAIVED]


def test_a_clause_waiver_waives_every_failing_item(tmp_path):
    items = [finding(item="a)"), finding(item="b)", status=Status.PASS), finding(item="c)", status=Status.INSUFFICIENT_EVIDENCE)]
    findings, report = run(tmp_path, items, waiver())
    assert [f.status for f in findings] == [Status.WAIVED, Status.PASS, Status.WAIVED]
    assert report.outcomes[0].findings == ("STD 1.1 a)", "STD 1.1 c)")


def test_which_of_several_waivers_applies(tmp_path):
    entries = [waiver(id="W-1"), waiver(id="W-2", expires_on="2026-06-30"), waiver(id="W-3", item="a)", expires_on="2026-01-31")]
    findings, report = run(tmp_path, [finding(item="a)"), finding(item="b)")], *entries)
    assert [f.waiver.id for f in findings] == ["W-3", "W-2"], "the item's own waiver, then the latest expiry"
    assert states(report) == {"W-1": "orphaned", "W-2": "active", "W-3": "active"}
    assert report.outcomes[0].reason.en == "every finding it covers is already waived by W-2, W-3"


def test_max_waivers_at_and_past_the_limit(tmp_path):
    _, report = run(tmp_path, [finding("std/1.1"), finding("std/1.2")], waiver(), waiver(id="W-2", policy="std/1.2"),
                    waiver(id="W-3", policy="std/2.1"))
    assert [o.waiver.id for o in report.active] == ["W-1", "W-2"]
    check_max_active(report, 2)
    check_max_active(report, None)
    with pytest.raises(CheckerError) as caught:
        check_max_active(report, 1)
    [problem] = caught.value.problems
    assert problem.code == "ECS415" and problem.location.line == entry_lines(tmp_path / "waivers.yaml")[1], \
        "at the first waiver past the limit"
    assert problem.message == ("2 active waivers, more than --max-waivers 1 allows: W-1 (std/1.1, expires 2026-03-31), "
                               "W-2 (std/1.2, expires 2026-03-31)")


def test_orphaned_and_expired_waivers_do_not_count_as_active(tmp_path):
    _, report = run(tmp_path, [finding()], waiver(expires_on="2025-12-30"), waiver(id="W-2", policy="std/1.2"))
    check_max_active(report, 0)
    assert report.counts() == {"active": 0, "expired": 1, "not_yet_effective": 0, "orphaned": 1}


# ------------------------------------------------------------------ for the NJ-ECCS grade


def test_scoring_sees_the_original_status(tmp_path):
    findings, _ = run(tmp_path, [finding(), finding("std/1.2", status=Status.PASS)], waiver())
    assert [effective_status_for_scoring(f) for f in findings] == [Status.FAIL, Status.PASS]
    restored = unwaived(findings)
    assert [f.status for f in restored] == [Status.FAIL, Status.PASS]
    assert restored[0].waiver is not None, "the waiver stays visible, only the status is the original one"


def test_scoring_status_of_a_finding_that_was_never_waived():
    for status in Status:
        if status is not Status.WAIVED:
            assert effective_status_for_scoring(finding(status=status)) is status
    legacy = dataclasses.replace(finding(), status=Status.WAIVED)
    assert effective_status_for_scoring(legacy) is Status.WAIVED
