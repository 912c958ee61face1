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


def test_reads_mappings_and_a_plain_list_of_steps():
    grade = {
        "standard": "NJ-ECCS", "score": 71.5, "grade": "AAA", "withheld": False, "reasons": ["below 80"],
        "rows": [{"row": 2, "indicator": {"zh": "法律法规", "en": "Laws"}, "level": "AAA", "points": 7.0, "max_points": 10,
                  "evidence": [{"path": "$.x"}], "interpretations": ["INT-040"]},
                 {"row": 17, "indicator": {"zh": "质量指标", "en": "Quality"}, "level": None, "points": 0, "max_points": 10}],
        "kpis": {"first_response_s": {"value": 25, "unit": "s", "level": "AAA"}},
        "next_grade": [{"row": 2, "gain": 1.5}, {"row": 17, "points": 7, "advice": {"zh": "建立指标", "en": "set targets"}}],
    }
    view = grade_of(with_grade(grade))
    assert view.grade == "AAA" and view.score == 71.5 and view.reasons == (Text("below 80", "below 80"),)
    assert [step.row for step in view.next_steps] == [17, 2]
    assert view.next_steps[1].indicator == Text("法律法规", "Laws") and view.next_steps[1].points == 1.5
    groups = {group.key: group for group in view.groups}
    assert (groups["basic"].points, groups["basic"].max_points) == (7, 10)
    assert (groups["emergency"].points, groups["emergency"].max_points) == (0, 5)
    assert view.kpis[0].name == Text("first_response_s", "first_response_s") and view.kpis[0].value == 25
    assert view.model_sha256 is None


def test_a_withheld_grade_is_shown_as_withheld():
    grade = sample.grade()
    grade.grade, grade.withheld = None, True
    grade.reasons = (Text("第1行（获取资质）未达要求，暂不评级", "row 1 (licences) is not met, so no grade is given"),)
    result = with_grade(grade)
    page = html.render(result)
    assert "暂不评级" in page and "Grade withheld" in page and "row 1 (licences) is not met" in page
    assert "暂不评级" in markdown.render(result)
    props = {p["name"]: p["value"] for p in json.loads(oscal.render(result))["assessment-results"]["results"][0]["props"]}
    assert props["nj-eccs-grade"] == "withheld"
    assert json.loads(json_report.render(result))["grade"]["withheld"] is True
