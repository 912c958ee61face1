"""`ecs-check lint`: one broken-policy fixture per problem code, file:line:col and code asserted exactly."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.operators import OPERATORS
from tests.helpers import FIXTURES, REPO

LINT = FIXTURES / "lint"

# (fixture root under tests/fixtures/lint, every problem line lint prints for it, paths relative to the root)
CASES = [
    ("ECS101-schema", [
        "db33-t-2039-2017/7.5.1.2.yaml:7:1: ECS101 'must' is not one of: shall, shall-not, should, may, descriptive (at $.obligation)",
    ]),
    ("ECS101-unknown-key", [
        "db33-t-2039-2017/7.5.1.2.yaml:31:5: ECS101 missing required key 'start' (at $.check.rule.deadline)",
        "db33-t-2039-2017/7.5.1.2.yaml:33:7: ECS101 unknown key 'stat' (did you mean 'start'?) (at $.check.rule.deadline.stat)",
    ]),
    ("ECS102-duplicate-id", [
        "db33-t-2039-2017/7.5.1.2.yml:2:1: ECS102 id 'db33-t-2039-2017/7.5.1.2' is also defined in "
        "tests/fixtures/lint/ECS102-duplicate-id/db33-t-2039-2017/7.5.1.2.yaml (at $.id)",
    ]),
    ("ECS103-id-path", [
        "db33-t-2039-2017/7.5.1.2.yaml:2:1: ECS103 id 'db33-t-2039-2017/7.5.1.3' does not match its path; "
        "expected 'db33-t-2039-2017/7.5.1.2' (at $.id)",
    ]),
    ("ECS104-unknown-operator", [
        "db33-t-2039-2017/7.5.1.2.yaml:31:5: ECS104 unknown operator 'deadlines' (did you mean 'deadline'?); expected one of: "
        f"{', '.join(sorted(OPERATORS))} (at $.check.rule.deadlines)",
    ]),
    ("ECS104-field-name", [
        "db33-t-2039-2017/7.5.1.2.yaml:34:15: ECS104 field 'received..at' is not a dotted name (at $.check.rule.deadline.where.field)",
    ]),
    ("ECS105-jsonpath", [
        "db33-t-2039-2017/7.5.1.2.yaml:33:7: ECS105 JSONPath '$.complaints[' does not parse: Parse error near the end of string! "
        "(at $.check.rule.deadline.records)",
    ]),
    ("ECS106-parameter", [
        "db33-t-2039-2017/7.5.1.2.yaml:36:23: ECS106 parameter 'deadline_hour' is not declared under parameters "
        "(at $.check.rule.deadline.limit.hours.param)",
    ]),
    ("ECS107-interpretation", [
        "db33-t-2039-2017/7.5.1.2.yaml:37:28: ECS107 interpretation INT-999 is not defined in any INTERPRETATIONS.yaml "
        "of the policy roots (at $.interpretations[1])",
    ]),
    ("ECS108-standard", [
        "db33-t-2039-2017/7.5.1.2.yaml:3:1: ECS108 standard 'DB33/T 2039-2016' is not in the clause inventory "
        "(did you mean 'DB33/T 2039-2017'?); known: DB33/T 2039-2017, NJ-ECCS; declare a standard of your own under "
        "standards in ecs-check.yaml (at $.standard)",
    ]),
    ("ECS108-clause", [
        "db33-t-2039-2017/7.5.1.9.yaml:4:1: ECS108 clause 7.5.1.9 is not in the inventory of DB33/T 2039-2017 "
        "(did you mean '7.5.1.2'?); see policies/CLAUSES.tsv (at $.clause)",
    ]),
    ("ECS109-item-missing", [
        "db33-t-2039-2017/5.3.2.yaml:18:3: ECS109 item c) of DB33/T 2039-2017 5.3.2 is neither checked nor marked out of scope; "
        "add {item: 'c)', title, rule} or {item: 'c)', title, out_of_scope: {zh, en}} (the clause's items: a), b), c)) "
        "(at $.check.items)",
    ]),
    ("ECS109-whole-clause", [
        "db33-t-2039-2017/5.3.2.yaml:18:3: ECS109 clause DB33/T 2039-2017 5.3.2 has lettered items a), b), c): list each under "
        "check.items with a rule or out_of_scope (with the reason) instead of one rule for the whole clause (at $.check.rule)",
    ]),
    ("ECS110-parameter-value", [
        "db33-t-2039-2017/7.5.1.2.yaml:25:3: ECS110 parameter deadline_hours = -1 is below its minimum 0 "
        "(at $.parameters.deadline_hours)",
    ]),
    ("ECS111-outside-schema", [
        "db33-t-2039-2017/7.5.1.2.yaml:33:7: ECS111 JSONPath $.complaint points outside evidence.schema: $ declares no property "
        "'complaint' (did you mean 'complaints'?) (at $.check.rule.deadline.records)",
    ]),
    ("ECS112-placeholder", [
        "db33-t-2039-2017/7.5.1.2.yaml:38:14: ECS112 message uses {late}, which deadline does not provide "
        "(at $.check.rule.messages.fail.zh)",
    ]),
    ("ECS113-duplicate-item", [
        "db33-t-2039-2017/5.3.2.yaml:29:7: ECS113 item a) is listed twice in check.items (first at index 0) "
        "(at $.check.items[3].item)",
    ]),
    ("ECS115-quote-not-in-standard", [
        "db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 text.zh is not found verbatim in standards/DB33-T-2039-2017.txt "
        "(sha256 452d48ee9024…): its first 18 characters match up to line 242, where the standard reads "
        "'24小时内将投诉解决方案' and the quote '48小时内将投诉解决方案'; re-read clause 7.5.1.2 there and correct the quote, "
        "its pin and whatever the policy encodes differently (at $.text.zh)",
    ]),
    ("ECS115-quote-of-another-clause", [
        "db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 text.zh is not the text of clause 7.5.1.2 in "
        "standards/DB33-T-2039-2017.txt (sha256 452d48ee9024…): it is printed in clause 7.5.1.1 (line 240), not in "
        "clause 7.5.1.2 (line 242); re-read clause 7.5.1.2 there and correct the quote, its pin and whatever the policy "
        "encodes differently (at $.text.zh)",
    ]),
    ("ECS115-pin-mismatch", [  # the edited quote drops the clause's first words, so it is also only part of it
        "db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 text.zh is not the text of clause 7.5.1.2 in "
        "standards/DB33-T-2039-2017.txt (sha256 452d48ee9024…): it is only part of clause 7.5.1.2 (line 242), which also "
        "reads '未能及时解决的投诉，'; re-read clause 7.5.1.2 there and correct the quote, its pin and whatever the policy "
        "encodes differently (at $.text.zh)",
        "db33-t-2039-2017/7.5.1.2.yaml:6:43: ECS115 text.sha256 b1b562afe328… is not the digest of text.zh (d7cc7ad088c9…): "
        "the quote changed after it was pinned; if the standard changed, re-read the clause and the policy, then replace "
        "the pin by hand (at $.text.sha256)",
    ]),
    ("ECS115-not-pinned", [
        "db33-t-2039-2017/7.5.1.2.yaml:6:1: ECS115 text is not pinned: add "
        "`sha256: b1b562afe32869e304ee2bd183c2bd17c543dfda83db6be2c63004b079762112` under text (`ecs-check pin "
        "tests/fixtures/lint/ECS115-not-pinned/db33-t-2039-2017/7.5.1.2.yaml` does it) (at $.text)",
    ]),
    ("ECS116-no-text", [
        "db33-t-2039-2017/7.5.1.2.yaml:5:1: ECS116 policy of DB33/T 2039-2017 quotes no text: add text.zh after title, the "
        "clause as printed in standards/DB33-T-2039-2017.txt, then pin it with `ecs-check pin "
        "tests/fixtures/lint/ECS116-no-text/db33-t-2039-2017/7.5.1.2.yaml` (at $.title)",
    ]),
    ("ECS117-one-way-related", [
        "db33-t-2039-2017/7.5.3.1.yaml:51:11: ECS117 related link to nj-eccs/7.1 goes one way: "
        "tests/fixtures/lint/ECS117-one-way-related/nj-eccs/7.1.yaml:35 does not list db33-t-2039-2017/7.5.3.1: "
        "add it to related there (at $.related[0])",
    ]),
    ("ECS203-yaml-syntax", [
        "db33-t-2039-2017/7.5.1.2.yaml:8:11: ECS203 YAML syntax error: did not find expected ',' or ']'",
    ]),
    ("ECS205-duplicate-key", [
        "db33-t-2039-2017/7.5.1.2.yaml:9:1: ECS205 duplicate key 'applies_to' (first defined on line 8)",
    ]),
    ("ECS212-not-a-mapping", [
        "db33-t-2039-2017/7.5.1.2.yaml:1:1: ECS212 a policy file holds a mapping",
    ]),
]


@pytest.mark.parametrize(("fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_broken_fixture_reports_its_code_at_its_position(in_repo, ecs, fixture, expected):
    result = ecs("lint", f"tests/fixtures/lint/{fixture}")
    prefix = f"tests/fixtures/lint/{fixture}/"
    problems = [line for line in result.lines if ": ECS" in line]
    assert problems == [prefix + line for line in expected]
    unreadable = fixture.split("-", 1)[0] in ("ECS203", "ECS205", "ECS212")  # not YAML data, or not a mapping at all
    assert result.code == (2 if unreadable else 1)
    assert result.lines[-1].startswith(f"Found {len(expected)} problem")


def test_every_policy_problem_code_has_a_fixture():
    from checker.codes import CODES

    covered = {name.split("-", 1)[0] for name, _ in CASES}
    policy_codes = {code for code in CODES if code.startswith("ECS1") and code != "ECS114"}  # ECS114 is tested with `test`
    assert policy_codes <= covered


def test_a_clean_root_exits_0(in_repo, ecs):
    result = ecs("lint", "tests/fixtures/lint/good")
    assert result.code == 0
    assert result.lines[-1] == "2 files checked, no problems."


def test_the_shipped_policies_are_clean(in_repo, ecs):
    result = ecs("lint", "policies")
    assert result.code == 0, result.out
    result = ecs("lint")  # default PATH: ./policies
    assert result.code == 0, result.out


def test_an_override_of_a_shipped_policy_is_noted(in_repo, ecs):
    result = ecs("lint", "tests/fixtures/lint/good/db33-t-2039-2017/7.5.1.2.yaml")
    assert result.lines == [
        "tests/fixtures/lint/good/db33-t-2039-2017/7.5.1.2.yaml: note: policy db33-t-2039-2017/7.5.1.2 overrides "
        "policies/db33-t-2039-2017/7.5.1.2.yaml",
        "1 file checked, no problems.",
    ]


def test_problems_in_several_files_are_all_reported_sorted(in_repo, ecs):
    result = ecs("lint", "tests/fixtures/lint/ECS106-parameter", "tests/fixtures/lint/ECS101-schema")
    problems = [line for line in result.lines if ": ECS" in line]
    assert [p.split(": ")[1].split()[0] for p in problems] == ["ECS101", "ECS106"]
    assert result.lines[-1] == "Found 2 problems in 2 of 2 files checked."


def test_json_format(in_repo, ecs):
    result = ecs("lint", "--format", "json", "tests/fixtures/lint/ECS106-parameter")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["problems"] == [{
        "file": "tests/fixtures/lint/ECS106-parameter/db33-t-2039-2017/7.5.1.2.yaml",
        "line": 36, "column": 23, "code": "ECS106",
        "message": "parameter 'deadline_hour' is not declared under parameters",
        "json_path": "$.check.rule.deadline.limit.hours.param",
    }]
    assert document["summary"] == {"files": 1, "problems": 1}
    assert document["overrides"] == [{
        "policy_id": "db33-t-2039-2017/7.5.1.2",
        "winner": "tests/fixtures/lint/ECS106-parameter/db33-t-2039-2017/7.5.1.2.yaml",
        "replaced": "policies/db33-t-2039-2017/7.5.1.2.yaml",
    }]


def test_a_missing_path_is_a_usage_error(in_repo, ecs):
    result = ecs("lint", "no/such/dir")
    assert result.code == 2
    assert "no/such/dir: ECS002 no such file or directory" in result.err


def test_an_unknown_format_is_a_usage_error(in_repo, ecs):
    assert ecs("lint", "--format", "xml", "policies").code == 2


def test_files_that_are_not_policies_are_left_alone(in_repo, ecs, tmp_path):
    scoring = tmp_path / "policies" / "nj-eccs" / "scoring.yaml"
    scoring.parent.mkdir(parents=True)
    scoring.write_text("not: [a policy\n", encoding="utf-8")
    result = ecs("lint", str(scoring), "policies/db33-t-2039-2017/7.5.1.2.yaml")
    assert result.code == 0, result.out


def test_a_broken_interpretations_file_is_a_problem(ecs, tmp_path, monkeypatch):
    root = tmp_path / "company"
    shutil.copytree(LINT / "good", root)
    (root / "INTERPRETATIONS.yaml").write_text("interpretations:\n  - id: INT-081\n    title: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = ecs("lint", "company")
    assert result.code == 2  # a file that is not YAML is unusable input
    assert result.lines[0].startswith("company/INTERPRETATIONS.yaml:4:1: ECS203 YAML syntax error")


def test_a_one_way_link_to_a_policy_without_related_says_to_add_the_key(ecs, tmp_path, monkeypatch):
    root = tmp_path / "company"
    shutil.copytree(LINT / "ECS117-one-way-related", root)
    target = root / "nj-eccs" / "7.1.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("related: [db33-t-2039-2017/A]\n", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = ecs("lint", "company")
    assert result.code == 1
    assert result.lines[0] == (
        "company/db33-t-2039-2017/7.5.3.1.yaml:51:11: ECS117 related link to nj-eccs/7.1 goes one way: "
        "company/nj-eccs/7.1.yaml has no related key: add `related: [db33-t-2039-2017/7.5.3.1]` as its last key "
        "(at $.related[0])"
    )


def test_related_links_are_checked_only_between_policies_of_one_root_loaded_together(ecs, tmp_path, monkeypatch):
    """A link into another root (a company policy citing a shipped one) or to a policy not loaded is not judged."""
    for root, policy in (("company", "db33-t-2039-2017/7.5.3.1.yaml"), ("shared", "nj-eccs/7.1.yaml")):
        (tmp_path / root / policy).parent.mkdir(parents=True)
        shutil.copy(LINT / "ECS117-one-way-related" / policy, tmp_path / root / policy)
    monkeypatch.chdir(tmp_path)
    assert ecs("lint", "company", "shared").code == 0
    assert ecs("lint", "company/db33-t-2039-2017/7.5.3.1.yaml").code == 0


def test_lint_through_a_real_process_prints_file_line_col():
    done = subprocess.run([sys.executable, "-m", "checker", "lint", "tests/fixtures/lint/ECS106-parameter"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.startswith("tests/fixtures/lint/ECS106-parameter/db33-t-2039-2017/7.5.1.2.yaml:36:23: ECS106 ")


def test_check_refuses_what_lint_refuses(in_repo, ecs, tmp_path):
    """One code path: a policy lint rejects stops `check` too, with the same problem."""
    result = ecs("policies", "--policies", "tests/fixtures/lint/ECS111-outside-schema")
    assert result.code == 2
    assert "tests/fixtures/lint/ECS111-outside-schema/db33-t-2039-2017/7.5.1.2.yaml:33:7: ECS111 " in result.err


def test_fixture_paths_exist():
    for name, _ in CASES:
        assert (LINT / name).is_dir(), name
    assert Path(LINT / "good").is_dir()


def test_a_quote_that_is_only_part_of_its_amended_clause_is_reported(in_repo, ecs, amended_standard):
    quote = "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。"
    copy = amended_standard("DB33-T-2039-2017.txt", quote, quote + "反馈后应回访消费者。")
    digest = hashlib.sha256((copy / "DB33-T-2039-2017.txt").read_bytes()).hexdigest()
    result = ecs("lint", "tests/fixtures/lint/good")
    assert [line for line in result.lines if ": ECS" in line] == [
        "tests/fixtures/lint/good/db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 text.zh is not the text of clause 7.5.1.2 in "
        f"standards/DB33-T-2039-2017.txt (sha256 {digest[:12]}…): it is only part of "
        "clause 7.5.1.2 (line 242), which also reads '反馈后应回访消费者。'; re-read clause 7.5.1.2 there and correct the "
        "quote, its pin and whatever the policy encodes differently (at $.text.zh)",
    ]
    assert result.code == 1
