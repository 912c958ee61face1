"""Broken policies are refused with the problem named where it is, in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import CheckerError
from checker.policy import load_policy_set

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "tests" / "hostile" / "policies" / "ecs-hostile" / "90.1.yaml").read_text(encoding="utf-8")


def _inventory():
    from checker.config import load_config
    from checker.inventory import shipped_inventory

    return shipped_inventory().with_standards(load_config(Path(__file__).parent / "hostile" / "ecs-check.yaml").standards)


INVENTORY = _inventory()


def refusal(tmp_path: Path, text: str) -> tuple[str, str, str | None, int | None]:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "1.yaml").write_text(text.replace("id: ecs-hostile/90.1", "id: t/1"), encoding="utf-8")
    with pytest.raises(CheckerError) as info:
        load_policy_set([tmp_path], inventory=INVENTORY)
    problem = info.value.problems[0]
    return problem.code, problem.message, problem.location.json_path, problem.location.line


def all_refusals(tmp_path: Path, text: str) -> list[tuple[str, str, str | None]]:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "1.yaml").write_text(text.replace("id: ecs-hostile/90.1", "id: t/1"), encoding="utf-8")
    with pytest.raises(CheckerError) as info:
        load_policy_set([tmp_path], inventory=INVENTORY)
    return [(p.code, p.message, p.location.json_path) for p in info.value.problems]


def test_an_unknown_operator_is_named_at_its_key(tmp_path):
    code, message, where, _ = refusal(tmp_path, BASE.replace("    deadline:\n", "    dedline:\n"))
    assert (code, where) == ("ECS104", "$.check.rule.dedline")
    assert message.startswith("unknown operator 'dedline' (did you mean 'deadline'?); expected one of: all_of, any_of,")


def test_a_typo_deep_in_a_rule_is_reported_where_it_is(tmp_path):
    code, message, where, _ = refusal(tmp_path, BASE.replace("within_period: true", "within_periods: true"))
    assert (code, where) == ("ECS101", "$.check.rule.deadline.where.within_periods")
    assert message == "unknown key 'within_periods' (did you mean 'within_period'?)"


def test_a_misspelt_argument_is_reported_in_its_operator(tmp_path):
    found = all_refusals(tmp_path, BASE.replace("      start: received_at\n", "      begin: received_at\n"))
    assert ("ECS101", "missing required key 'start'", "$.check.rule.deadline") in found
    assert [where for code, message, where in found if message.startswith("unknown key 'begin'")] == ["$.check.rule.deadline.begin"]


def test_a_bundle_in_the_policy_directory_is_told_apart(tmp_path):
    text = "schema_version: '1.0'\norganization: {name: x}\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
    assert refusal(tmp_path, text)[:2] == (
        "ECS101", "this file is not a policy (it looks like an evidence bundle): it has none of the keys id, standard, clause, "
                  "evidence, check")


@pytest.mark.parametrize("ref", ["https://example.invalid/s.json", "file:///etc/passwd", "other.json#/x"])
def test_an_evidence_schema_never_refers_outside_itself(tmp_path, ref):
    text = BASE.replace("schema: {type: object, properties: {complaints: {type: array}}}",
                        f"schema: {{type: object, properties: {{complaints: {{$ref: '{ref}'}}}}}}")
    code, message, where, _ = refusal(tmp_path, text)
    assert (code, where) == ("ECS101", "$.evidence.schema.properties.complaints['$ref']")
    assert message == (f"evidence schema refers to {ref!r}; only references inside the policy (starting with '#') are allowed, "
                       "and nothing is ever fetched")


def test_a_local_reference_in_an_evidence_schema_is_fine(tmp_path):
    text = BASE.replace("schema: {type: object, properties: {complaints: {type: array}}}",
                        "schema: {type: object, $defs: {list: {type: array}}, properties: {complaints: {$ref: '#/$defs/list'}}}")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "1.yaml").write_text(text.replace("id: ecs-hostile/90.1", "id: t/1"), encoding="utf-8")
    assert [p.policy.id for p in load_policy_set([tmp_path], inventory=INVENTORY).policies] == ["t/1"]


def test_an_evidence_schema_of_another_draft_is_refused_before_anything_is_fetched(tmp_path):
    text = BASE.replace("schema: {type: object, properties: {complaints: {type: array}}}",
                        "schema: {$schema: 'http://json-schema.org/draft-07/schema#', type: object}")
    code, message, where, _ = refusal(tmp_path, text)
    assert (code, where) == ("ECS101", "$.evidence.schema['$schema']")
    assert message.startswith("evidence schema declares $schema 'http://json-schema.org/draft-07/schema#'")
