"""ecs-check.yaml: custom policy directories and standards, found from the working directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.config import find_config, load_config
from checker.errors import CheckerError
from tests.helpers import FIXTURES

CUSTOM_POLICY = """\
id: acme-cs/1.1
standard: ACME-CS-2025
clause: "1.1"
title: {zh: 退款照片, en: Refund photos}
requirement: {zh: 退款申请附照片。, en: Refund requests carry a photo.}
obligation: shall
applies_to: operator
verification: automated
evidence:
  paths: [$.refunds]
  schema:
    type: object
    properties:
      refunds: {type: array, items: {type: object, properties: {id: {type: string}, photo: {type: string}}}}
check:
  rule:
    every:
      records: $.refunds
      require: {field: photo, nonempty: true}
"""

CONFIG = """\
policies: [company]
standards:
  - id: ACME-CS-2025
    title: {zh: 某公司客服规范, en: ACME customer service rules}
    clauses: ["1.1", {clause: "2.3", items: ["a)", "b)"]}]
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecs-check.yaml").write_text(CONFIG, encoding="utf-8")
    policy = tmp_path / "company" / "acme-cs" / "1.1.yaml"
    policy.parent.mkdir(parents=True)
    policy.write_text(CUSTOM_POLICY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_declared_custom_standard_lints_clean(repo, ecs):
    result = ecs("lint")  # default PATH: the configured directories
    assert result.lines == ["1 file checked, no problems."], result.out
    assert result.code == 0


def test_a_clause_missing_from_the_declared_list_is_ECS108(repo, ecs):
    policy = repo / "company" / "acme-cs" / "1.1.yaml"
    policy.write_text(CUSTOM_POLICY.replace('clause: "1.1"', 'clause: "9.9"'), encoding="utf-8")
    result = ecs("lint")
    assert result.lines[0] == ("company/acme-cs/1.1.yaml:3:1: ECS108 clause 9.9 is not in the inventory of ACME-CS-2025; "
                               "see ecs-check.yaml (at $.clause)")


def test_declared_items_must_be_covered(repo, ecs):
    policy = repo / "company" / "acme-cs" / "2.3.yaml"
    policy.write_text(CUSTOM_POLICY.replace("acme-cs/1.1", "acme-cs/2.3").replace('"1.1"', '"2.3"'), encoding="utf-8")
    result = ecs("lint", "company/acme-cs/2.3.yaml")
    assert result.lines[0].startswith("company/acme-cs/2.3.yaml:16:3: ECS109 clause ACME-CS-2025 2.3 has lettered items a), b)")


def test_without_the_config_the_standard_is_unknown(repo, ecs):
    (repo / "ecs-check.yaml").unlink()
    result = ecs("lint", "company")
    assert result.code == 1
    assert result.lines[0].startswith("company/acme-cs/1.1.yaml:2:1: ECS108 standard 'ACME-CS-2025' is not in the clause inventory")


def test_the_config_is_found_from_a_subdirectory_but_not_above_the_repository(repo, tmp_path):
    sub = repo / "company" / "acme-cs"
    assert find_config(sub) == repo / "ecs-check.yaml"
    inner = repo / "nested-repo"
    (inner / ".git").mkdir(parents=True)
    assert find_config(inner) is None


def test_configured_directories_feed_check_and_policies(repo, ecs):
    result = ecs("policies")
    assert "acme-cs/1.1" in result.out
    assert result.code == 0


def test_an_explicit_config_file(repo, ecs, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("policies: [company]\n", encoding="utf-8")
    result = ecs("lint", "--config", str(other))
    assert result.code == 1  # the custom standard is not declared there
    assert ecs("lint", "--config", "missing.yaml").code == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("polices: [company]\n", "ecs-check.yaml:1:1: ECS005 unknown key 'polices' (did you mean 'policies'?) (at $.polices)"),
    ("policies: [nowhere]\n", "ecs-check.yaml:1:12: ECS002 policy directory 'nowhere' not found (relative to ecs-check.yaml) "
                              "(at $.policies[0])"),
    ("standards:\n  - id: NJ-ECCS\n", "ecs-check.yaml:2:5: ECS005 standard 'NJ-ECCS' is shipped with ecs-check; declare only "
                                      "standards of your own (at $.standards[0].id)"),
    ("standards:\n  - id: X\n    clauses: [1.1]\n", "ecs-check.yaml:3:15: ECS005 1.1 is not valid here: expected a string "
                                                   "or a mapping (quote it to make it a string) (at $.standards[0].clauses[0])"),
])
def test_an_invalid_config_is_a_usage_error_at_its_line(repo, ecs, text, expected):
    (repo / "ecs-check.yaml").write_text(text, encoding="utf-8")
    result = ecs("lint")
    assert result.code == 2
    assert result.err.splitlines() == [f"ecs-check: error: {expected}"]
    with pytest.raises(CheckerError):
        load_config()


def test_check_reports_which_file_won_an_override(repo, ecs, tmp_path):
    shutil.copytree(FIXTURES / "lint" / "good" / "db33-t-2039-2017", repo / "company" / "db33-t-2039-2017",
                    ignore=shutil.ignore_patterns("5.3.2.yaml"))
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(
        'schema_version: "1.0"\n'
        "organization: {name: 示例公司, unified_social_credit_code: 91330106MA2B3C4D5E, role: operator}\n"
        'period: {start: "2025-01-01", end: "2025-12-31"}\n'
        "complaints: []\nrefunds: []\n", encoding="utf-8")
    result = ecs("check", "bundle.yaml", "--no-color")
    assert result.code in (0, 1), result.err  # the verdicts depend on the shipped set; the report is what matters here
    override = [line for line in result.lines if line.startswith("override:")]
    assert len(override) == 1
    assert override == ["override: policy db33-t-2039-2017/7.5.1.2 from company/db33-t-2039-2017/7.5.1.2.yaml "
                        "(replaces policies/db33-t-2039-2017/7.5.1.2.yaml)"]  # the names the JSON report gives
    json_result = ecs("check", "bundle.yaml", "--format", "json")
    assert '"overrides": [\n      {\n        "policy_id": "db33-t-2039-2017/7.5.1.2"' in json_result.out
    listed = json.loads(ecs("policies", "--format", "json").out)
    entry = next(e for e in listed if e["id"] == "db33-t-2039-2017/7.5.1.2")
    assert (entry["file"], entry["replaces"]) == ("company/db33-t-2039-2017/7.5.1.2.yaml", "policies/db33-t-2039-2017/7.5.1.2.yaml")
