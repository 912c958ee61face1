"""The grade adapter reads a grade by field name, from objects or mappings, and groups rows as Table B.1 does."""

from __future__ import annotations

import json
import types

import pytest

from checker.findings import Text
from checker.reporters import html, json_report, markdown, oscal
from checker.reporters.grading import B1_INDICATORS, grade_of, indicator_for
from tests.reporters import sample


def with_grade(grade):
    base = sample.result()
    return types.SimpleNamespace(findings=base.findings, bundle=base.bundle, policy_set=base.policy_set,
                                 standards=base.standards, grade=grade)


def test_no_grade_attribute_or_none_means_not_graded():
    assert grade_of(sample.result()) is None
    assert grade_of(with_grade(None)) is None


@pytest.mark.parametrize(("row", "key"), [(1, "basic"), (3, "basic"), (4, "service"), (14, "service"),
                                          (15, "emergency"), (16, "emergency"), (17, "quality"), (18, "improvement"),
                                          (19, "other"), (None, "other")])
def test_rows_fall_under_their_first_level_indicator(row, key):
    assert indicator_for(row).key == key


def test_weights_add_up_to_100():
    assert sum(indicator.weight for indicator in B1_INDICATORS) == 100


def test_reads_the_grade_json_contract():
    grade = {  # the shape of checker.scoring.Grade.to_json() (schemas/findings.schema.json $defs/grade)
        "standard": "NJ-ECCS", "score": 71.5, "grade": "AAA", "score_grade": "AAA", "withheld": False,
        "reasons": [{"zh": "低于 80", "en": "below 80"}],
        "rows": [{"row": 2, "group": "basic_requirements", "indicator": {"zh": "法律法规", "en": "Laws"}, "level": "AAA",
                  "points": 7.0, "max_points": 10.0, "evidence": [{"path": "$.x"}], "interpretations": ["INT-040"],
                  "levels": [{"level": "AAA", "criteria": {"zh": "有", "en": "exists"}, "state": "met", "message": {"zh": "有", "en": "yes"}},
                             {"level": "AAAA", "criteria": {"zh": "实施", "en": "implemented"}, "state": "not_met",
                              "message": {"zh": "未实施", "en": "not implemented"}}]},
                 {"row": 17, "indicator": {"zh": "质量指标", "en": "Quality"}, "level": "below", "points": 0.0, "max_points": 10.0,
                  "levels": [{"level": "AAA", "criteria": {"zh": "建立指标", "en": "set targets"}, "state": "unknown",
                              "message": {"zh": "无目标", "en": "no targets"}}]}],
        "kpis": [{"id": "complaint_rate", "table": "A.1", "indicator": {"zh": "客户投诉率", "en": "complaint rate"},
                  "value": 0.0083, "unit": "%", "band": "AAAAA", "inputs": []},
                 {"id": "online_disputes", "table": "A.2", "indicator": {"zh": "在线争议发生量", "en": "online disputes"},
                  "value": 2.0, "unit": "count", "band": None, "inputs": [], "target": None, "meets": None}],
        "next_grade": {"grade": "AAAA", "min_score": 80.0, "points_needed": 8.5, "score_after": 81.5, "grade_after": "AAAA",
                       "raises": [{"row": 2, "indicator": {"zh": "法律法规", "en": "Laws"}, "from": "AAA", "to": "AAAA", "adds": 1.5},
                                  {"row": 17, "indicator": {"zh": "质量指标", "en": "Quality"}, "from": "below", "to": "AAA", "adds": 7.0}]},
        "model": {"file": "policies/nj-eccs/scoring.yaml", "sha256": "ab" * 32},
    }
    view = grade_of(with_grade(grade))
    assert (view.grade, view.outcome, view.score, view.reasons) == ("AAA", "AAA", 71.5, (Text("低于 80", "below 80"),))
    assert view.rows[0].reason == Text("未实施", "not implemented") and view.rows[1].reason == Text("无目标", "no targets")
    upgrade = view.next_grade
    assert (upgrade.grade, upgrade.min_score, upgrade.points_needed, upgrade.score_after) == ("AAAA", 80, 8.5, 81.5)
    assert [(s.row, s.level, s.target_level, s.points) for s in upgrade.steps] == [(17, "below", "AAA", 7), (2, "AAA", "AAAA", 1.5)]
    assert upgrade.steps[0].criteria == Text("建立指标", "set targets") and upgrade.steps[1].indicator == Text("法律法规", "Laws")
    groups = {group.key: group for group in view.groups}
    assert (groups["basic"].points, groups["basic"].max_points) == (7, 10)
    assert (groups["emergency"].points, groups["emergency"].max_points) == (0, 5)
    rate, disputes = view.kpis
    assert (rate.table, rate.name.en, rate.value, rate.shown_unit, rate.level) == ("A.1", "complaint rate", 0.0083, "%", "AAAAA")
    assert (disputes.table, disputes.value, disputes.shown_unit, disputes.level) == ("A.2", 2, "", None)
    assert view.model_sha256 == "ab" * 32


def test_an_object_is_read_through_its_to_json():
    """The JSON is the contract: attributes that disagree with it are not read."""
    grade = types.SimpleNamespace(grade="AAAAA", kpis=("not", "read"), to_json=lambda: {"grade": "AAA", "withheld": False, "rows": []})
    view = grade_of(with_grade(grade))
    assert view.grade == "AAA" and view.kpis == ()


def test_a_grade_that_is_neither_json_nor_has_to_json_is_an_error():
    with pytest.raises(TypeError, match="to_json"):
        grade_of(with_grade(types.SimpleNamespace(grade="AAA")))


def outcome_of(grade_value, withheld):
    grade = sample.grade()
    grade.grade, grade.withheld = grade_value, withheld
    if withheld:
        grade.reasons = (Text("第1行（获取资质）未达要求，不予评级", "row 1 (licences) is not met, so no grade is given"),)
    return with_grade(grade)


def oscal_props(result):
    return {p["name"]: p["value"] for p in json.loads(oscal.render(result))["assessment-results"]["results"][0]["props"]}


def test_a_withheld_grade_is_shown_as_withheld():
    result = outcome_of(None, True)
    assert grade_of(result).outcome == "withheld"
    page = html.render(result)
    assert "不予评级" in page and "Grade withheld" in page and "row 1 (licences) is not met" in page
    assert "无等级" not in page and "No grade" not in page
    assert "### 评级 / Grade: 不予评级 / Grade withheld (得分 / Score 83.67)" in markdown.render(result)
    assert oscal_props(result)["nj-eccs-grade"] == "withheld"
    assert json.loads(json_report.render(result))["grade"]["withheld"] is True


def test_a_score_below_aaa_is_no_grade_not_withheld():
    result = outcome_of(None, False)
    assert grade_of(result).outcome == "none"
    page, text = html.render(result), markdown.render(result)
    assert "无等级（低于 AAA）" in page and "No grade (below AAA)" in page
    assert "### 评级 / Grade: 无等级（低于 AAA） / No grade (below AAA) (得分 / Score 83.67)" in text
    for report in (page, text):
        assert "不予评级" not in report and "Grade withheld" not in report
    assert oscal_props(result)["nj-eccs-grade"] == "none"
