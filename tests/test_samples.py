"""The shipped evidence samples give exactly the results their headers promise.

Each sample runs through the real command line (`ecs-check check --format json`)
against DB33/T 2039-2017. The exit code and the status of every finding that
is not `pass` are compared whole, so a sample that starts passing a clause it
should fail (or the reverse) breaks here. Every expected failure must name the
record that decided it, in the message and in the evidence it points at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.bundle import load_bundle
from checker.cli import main
from checker.evidence import evidence_problems
from checker.policy import load_policy_set

SAMPLES = Path(__file__).resolve().parent.parent / "evidence_samples"
DB33 = "DB33/T 2039-2017"
P = "db33-t-2039-2017/"

NA, REVIEW, FAIL = "not_applicable", "manual_review", "fail"

PLATFORM_ONLY = {
    **{(P + "6.1.1.1", item): NA for item in ("a)", "b)", "c)", "d)")},
    **{(P + "6.1.1.2", item): NA for item in ("a)", "b)", "c)")},
    **{(P + "6.1.1.3", item): NA for item in ("a)", "b)")},
    (P + "7.5.3.1", None): NA,
    (P + "7.5.3.2", None): NA,
    (P + "A", None): NA,
}
OPERATOR_ONLY = {
    **{(P + "6.1.2.1", item): NA for item in ("a)", "b)", "c)")},
    **{(P + "6.1.2.2", item): NA for item in ("a)", "b)", "c)", "d)")},
    **{(P + "6.1.2.3", item): NA for item in ("a)", "b)", "c)", "d)", "e)")},
    **{(P + clause, None): NA for clause in ("7.2", "7.3", "7.4", "7.5.2.1", "7.5.2.2", "7.5.2.3", "B")},
}
# Clauses whose last step is a person's judgement (INT-012, INT-007).
OPERATOR_REVIEW = {(P + "5.1.1", None): REVIEW, (P + "6.2", None): REVIEW, (P + "B", None): REVIEW}
PLATFORM_REVIEW = {(P + "5.1.1", None): REVIEW, (P + "6.2", None): REVIEW, (P + "A", None): REVIEW}

EXPECTED: dict[str, tuple[int, dict[tuple[str, str | None], str]]] = {
    "hangzhou-operator-compliant": (0, {**PLATFORM_ONLY, **OPERATOR_REVIEW}),
    "hangzhou-operator-gaps": (1, {
        **PLATFORM_ONLY,
        **OPERATOR_REVIEW,
        (P + "5.3.2", "c)"): NA,  # no phone, voice or video channel (INT-020)
        (P + "4.2", None): FAIL,
        (P + "4.4", None): FAIL,
        (P + "5.1.2", None): FAIL,
        (P + "7.5.1.2", None): FAIL,
        (P + "7.5.2.3", None): FAIL,
        (P + "7.5.2.4", None): FAIL,
    }),
    "hangzhou-platform": (0, {
        **OPERATOR_ONLY,
        **PLATFORM_REVIEW,
        (P + "7.5.2.4", None): NA,  # every refund on record was compensated first by the platform (INT-035)
    }),
}

# Each failure of the gaps sample: fragments its English and Chinese messages must hold, and
# the ids of the records its evidence must point at (None where the deciding value is not a
# record with an id: the weekly schedule of 4.2).
GAPS_FAILURES: dict[str, tuple[list[str], list[str], set[str] | None]] = {
    P + "4.2": (["sat 4 h", "sun 4 h"], ["周六 4 小时", "周日 4 小时"], None),
    P + "4.4": (["DOC-ERP-02", "docs/emergency-response-plan.md", "SHA-256"],
                ["DOC-ERP-02", "docs/emergency-response-plan.md"], {"DOC-ERP-02"}),
    # 5.1.2 names staff by their record id, never by personal name.
    P + "5.1.2": (["KF-12"], ["KF-12"], {"KF-12"}),
    P + "7.5.1.2": (["C-2025-008 (26h30m00s > 24 h)", "C-2025-023 (not done"], ["C-2025-008", "C-2025-023"],
                    {"C-2025-008", "C-2025-023"}),
    P + "7.5.2.3": (["C-2025-002"], ["C-2025-002"], {"C-2025-002"}),
    P + "7.5.2.4": (["R-2025-021", "due the end of 2025-10-09"], ["R-2025-021", "2025-10-09 当天结束"], {"R-2025-021"}),
}

# The gaps sample's emergency plan was edited after its digest was pinned; nothing else was.
TAMPERED = {"hangzhou-operator-gaps": {"docs/emergency-response-plan.md"}}


def run_check(capsys: pytest.CaptureFixture[str], sample: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", str(SAMPLES / sample), "--standard", DB33, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def not_passing(report: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    return {(f["policy_id"], f["item"]): f["status"] for f in report["findings"] if f["status"] != "pass"}


_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def resolve(data: Any, json_path: str) -> Any:
    """The value at a simple JSON path such as `$.staff[11]`."""
    assert json_path.startswith("$")
    node = data
    for name, index in _STEP.findall(json_path[1:]):
        node = node[name] if name else node[int(index)]
    return node


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_gives_the_promised_result(capsys, sample):
    code, report = run_check(capsys, sample)
    expected_code, expected = EXPECTED[sample]
    assert not_passing(report) == expected
    assert code == expected_code
    assert report["standards"] == [DB33]


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_attachments_match_their_pinned_digests(capsys, sample):
    _, report = run_check(capsys, sample)
    changed = {a["path"] for a in report["bundle"]["attachments"] if a["status"] != "ok"}
    assert changed == TAMPERED.get(sample, set())
    assert all(a["status"] == "mismatch" for a in report["bundle"]["attachments"] if a["path"] in changed)


@pytest.mark.parametrize("policy_id", sorted(GAPS_FAILURES))
def test_each_gap_names_the_record_that_decided_it(capsys, policy_id):
    _, report = run_check(capsys, "hangzhou-operator-gaps")
    (finding,) = [f for f in report["findings"] if f["policy_id"] == policy_id]
    assert finding["status"] == FAIL
    en, zh, ids = GAPS_FAILURES[policy_id]
    for fragment in en:
        assert fragment in finding["message"]["en"]
    for fragment in zh:
        assert fragment in finding["message"]["zh"]
    if ids is None:
        return
    data = yaml.safe_load((SAMPLES / "hangzhou-operator-gaps" / "bundle.yaml").read_text(encoding="utf-8"))
    cited = {record.get("id") for record in (resolve(data, ref["path"]) for ref in finding["evidence"])
             if isinstance(record, dict)}
    assert ids <= cited


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_satisfies_every_policy_evidence_schema(sample):
    bundle = load_bundle(SAMPLES / sample)
    assert evidence_problems(load_policy_set().policies, bundle, sections="all") == []


def test_every_sample_is_tested():
    """DB33 samples here; the NJ-ECCS grade samples in tests/commands/test_check_grade.py."""
    from tests.commands.test_check_grade import GRADE_SAMPLES

    on_disk = {p.name for p in SAMPLES.iterdir() if (p / "bundle.yaml").is_file()}
    assert on_disk == set(EXPECTED) | set(GRADE_SAMPLES)
