"""SARIF: valid against the official 2.1.0 schema, and each result traceable to its evidence."""

from __future__ import annotations

import json

import jsonschema
import pytest

from checker.findings import Status
from checker.reporters import sarif
from tests.reporters import sample


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    if not sample.SARIF_SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not at {sample.SARIF_SCHEMA} (shared/external-schemas is beside the project)")
    schema = json.loads(sample.SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def errors(validator: jsonschema.Draft4Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("options", [{}, {"sarif_all": True}, {"lang": "en"}, {"lang": "zh", "sarif_all": True}],
                         ids=["default", "all", "en", "zh-all"])
def test_validates_against_the_official_schema(validator, options):
    for result in (sample.result(), sample.graded()):
        document = json.loads(sarif.render(result, options))
        assert errors(validator, document) == []


def test_schema_validation_catches_a_broken_log(validator):
    document = json.loads(sarif.render(sample.result()))
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert errors(validator, document)


def test_one_rule_per_policy_with_standard_and_clause():
    run = sarif.document(sample.result())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(c.policy.id for c in sample.result().policy_set.policies)
    rule = next(r for r in rules if r["id"] == "db33-t-2039-2017/7.5.1.2")
    assert rule["properties"]["standard"] == "DB33/T 2039-2017"
    assert rule["properties"]["clause"] == "7.5.1.2"
    assert "24小时" in rule["shortDescription"]["text"] and "24 hours" in rule["shortDescription"]["text"]
    assert rule["help"]["text"]


def test_results_levels_and_locations():
    run = sarif.document(sample.result())["runs"][0]
    findings = [f for f in sample.result().findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    assert len(run["results"]) == len(findings)
    by_citation = {r["properties"]["citation"]: r for r in run["results"]}
    late = by_citation["DB33/T 2039-2017 7.5.1.2"]
    assert late["level"] == "error"
    location = late["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/data/sample-bundle/bundle.yaml"
    bundle_lines = (sample.ROOT / sample.BUNDLE / "bundle.yaml").read_text(encoding="utf-8").splitlines()
    line = bundle_lines[location["region"]["startLine"] - 1]
    assert line[location["region"]["startColumn"] - 1:].startswith("id: C-0002")
    assert late["relatedLocations"][-1]["physicalLocation"]["artifactLocation"]["uri"] == "policies/db33-t-2039-2017/7.5.1.2.yaml"
    assert by_citation["NJ-ECCS 5.4.2.3 e)"]["level"] == "warning"
    assert by_citation["NJ-ECCS 5.4.2.3 b)"]["level"] == "note"
    assert by_citation["NJ-ECCS 5.4.2.3 c)"]["level"] == "error"


def test_sarif_all_reports_passes_and_not_applicable_with_level_none():
    run = sarif.document(sample.result(), {"sarif_all": True})["runs"][0]
    assert len(run["results"]) == len(sample.result().findings)
    kinds = {r["properties"]["status"]: (r.get("kind", "fail"), r["level"]) for r in run["results"]}
    assert kinds["pass"] == ("pass", "none")
    assert kinds["not_applicable"] == ("notApplicable", "none")


def test_fingerprints_are_stable_and_unique():
    run = sarif.document(sample.result(), {"sarif_all": True})["runs"][0]
    prints = [r["partialFingerprints"]["ecsCheckFinding/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    assert run["automationDetails"]["guid"] == sarif.document(sample.result())["runs"][0]["automationDetails"]["guid"]


def test_error_and_waived_findings(validator):
    import dataclasses
    import types

    from checker.findings import AppliedWaiver, Text

    base = sample.result()
    first = base.findings[0]
    waiver = AppliedWaiver("W-1", Text("已与评价方商定", "agreed with the evaluator"), "张三 (客服经理)", "王敏 (总经理)",
                           "2025-12-01", "2026-03-31", None, "waivers.yaml", 3)
    extra = (
        dataclasses.replace(first, status=Status.ERROR, message=Text("内部错误", "internal error")),
        dataclasses.replace(first, item="z)", status=Status.WAIVED, original_status=Status.FAIL, waiver=waiver),
    )
    result = types.SimpleNamespace(findings=base.findings + extra, bundle=base.bundle, policy_set=base.policy_set,
                                   standards=base.standards)
    document = sarif.document(result)
    assert errors(validator, document) == []
    by_status = {r["properties"]["status"]: r for r in document["runs"][0]["results"]}
    assert by_status["error"]["level"] == "error"
    waived = by_status["waived"]
    assert waived["suppressions"][0]["status"] == "accepted"
    assert waived["suppressions"][0]["justification"] == "已与评价方商定 / agreed with the evaluator"
    assert waived["suppressions"][0]["properties"]["expires_on"] == "2026-03-31"
    assert waived["level"] == "error", "a suppressed result keeps the level of what it was"
    assert waived["properties"]["original_status"] == "fail"
