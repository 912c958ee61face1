"""The reports of shipped NJ-ECCS samples, graded by the real pipeline, say what the grade's JSON says.

The stand-in grade of `sample.graded()` cannot catch a reporter reading a
field the real grade does not have; these samples can. Their full Markdown
and HTML are golden files (test_golden.py); here are the lines that matter.
"""

from __future__ import annotations

import json

import pytest
from trestle.oscal.assessment_results import AssessmentResults

from checker.reporters import html, json_report, markdown, oscal, report_model
from tests.reporters import sample

AAAA, BELOW, WITHHELD = sample.GRADED_SAMPLES


def grade_json(name):
    return json.loads(json_report.render(sample.real(name)))["grade"]


def oscal_result(name):
    document = json.loads(oscal.render(sample.real(name)))
    AssessmentResults.model_validate(document["assessment-results"])
    return document["assessment-results"]["results"][0]


def test_the_samples_are_the_three_outcomes():
    outcomes = [(g["grade"], g["withheld"]) for g in map(grade_json, sample.GRADED_SAMPLES)]
    assert outcomes == [("AAAA", False), (None, False), (None, True)]


# ------------------------------------------------------------------ table A.1/A.2 indicators


KPI_MARKDOWN = [
    "#### 表 A.1、A.2 考核指标 / Table A.1 and A.2 indicators",
    "| 表 / Table | 指标 / Indicator | 数值 / Value | 达到级别 / Level | 目标 / Target |",
    "| A.1 | 目标达成率 / target achievement | 107.36 % | AAAAA | — |",
    "| A.1 | 首次响应时间（FRT） / first response time (FRT) | 8.6 s | AAAAA | — |",
    "| A.1 | 询单转化率 / consultation conversion rate | 37.99 % | AAAA | — |",
    "| A.1 | 客户投诉率 / complaint rate | 0.0083 % | AAAAA | — |",
    "| A.2 | 商品差评率 / negative review rate | 0.5 % | — | 1 %: 达到 / met |",
    "| A.2 | 退款退货时长 / refund duration | 3.5 h | — | 达到 / met |",
    "| A.2 | 在线争议发生量 / online disputes | 2 | — | — |",
]


def test_markdown_lists_every_indicator_with_its_table_value_unit_and_band():
    lines = markdown.render(sample.real(AAAA)).splitlines()
    for expected in KPI_MARKDOWN:
        assert expected in lines
    assert sum(line.startswith(("| A.1 |", "| A.2 |")) for line in lines) == len(grade_json(AAAA)["kpis"]) == 13
    assert not any("Indicator(" in line or "| None |" in line for line in lines)


def test_html_lists_every_indicator_with_its_table_value_unit_and_band():
    page = html.render(sample.real(AAAA))
    assert ('<tr><td>A.1</td><td><span lang="zh-CN">目标达成率</span> <span class="en" lang="en">target achievement</span></td>'
            '<td class="num">107.36 %</td><td>AAAAA</td><td>—</td></tr>') in page
    assert ('<tr><td>A.2</td><td><span lang="zh-CN">AI客服系统应答准确率</span> <span class="en" lang="en">AI answer accuracy</span></td>'
            '<td class="num">94.9 %</td><td>—</td><td>90 %: <span lang="zh-CN">达到</span> <span class="en" lang="en">met</span></td></tr>') in page
    assert '<span lang="zh-CN">表 A.1、A.2 考核指标</span> <span class="en" lang="en">Table A.1 and A.2 indicators</span>' in page
    assert "Indicator(" not in page


@pytest.mark.parametrize(("lang", "title", "row"), [
    ("zh", "#### 表 A.1、A.2 考核指标", "| A.1 | 目标达成率 | 107.36 % | AAAAA | — |"),
    ("en", "#### Table A.1 and A.2 indicators", "| A.1 | target achievement | 107.36 % | AAAAA | — |"),
])
def test_indicators_in_one_language(lang, title, row):
    lines = markdown.render(sample.real(AAAA), {"lang": lang}).splitlines()
    assert title in lines and row in lines


# ------------------------------------------------------------------ the next grade


NEXT_GRADE_MARKDOWN = [
    "#### 升级建议 / Next grade: AAAAA",
    "得分须达到 90（还差 3.35 分）；提升下列各行后得分 91.15（AAAAA）。",
    "The score must reach 90 (3.35 more points); raising the rows below gives 91.15 (AAAAA).",
    "| 4 | 服务方案设计 / Service plan design | AAAA → AAAAA | +1.5 |",
    "| 5 | 售前服务：售前接待准备 / Pre-sales: reception readiness | AAAA → AAAAA | +1.5 |",
    "| 6 | 售前服务：咨询接待 / Pre-sales: consultation | AAAA → AAAAA | +1.5 |",
]


def test_the_next_grade_lists_the_rows_to_raise_and_the_points_each_adds():
    raises = grade_json(AAAA)["next_grade"]["raises"]
    assert [(r["row"], r["from"], r["to"], r["adds"]) for r in raises] == [(row, "AAAA", "AAAAA", 1.5) for row in (4, 5, 6)]
    text = markdown.render(sample.real(AAAA))
    lines = text.splitlines()
    for expected in NEXT_GRADE_MARKDOWN:
        assert expected in lines
    section = text[text.index("#### 升级建议"):text.index("## 5 ")]
    assert "无 / none" not in section


def test_html_next_grade_rows():
    page = html.render(sample.real(AAAA))
    for row, zh, en in ((4, "服务方案设计", "Service plan design"), (5, "售前服务：售前接待准备", "Pre-sales: reception readiness"),
                        (6, "售前服务：咨询接待", "Pre-sales: consultation")):
        assert (f'<tr><td class="num">{row}</td><td><span lang="zh-CN">{zh}</span> <span class="en" lang="en">{en}</span><br>') in page
    assert page.count('<td>AAAA → AAAAA</td><td class="num">+1.5</td></tr>') == 3
    assert '<span class="en" lang="en">Next grade</span>: AAAAA</h4>' in page


def test_suggestions_start_with_the_grade_steps_most_points_first():
    for name in sample.GRADED_SAMPLES:
        suggestions = report_model.build(sample.real(name)).suggestions
        raises = grade_json(name)["next_grade"]["raises"]
        steps = suggestions[:len(raises)]
        assert [s.citation for s in steps] == [f"B.1 {r['row']}" for r in sorted(raises, key=lambda r: (-r["adds"], r["row"]))]
        assert [s.gain for s in steps] == sorted((r["adds"] for r in raises), reverse=True)
        assert all(s.gain is None for s in suggestions[len(raises):])
    first = report_model.build(sample.real(AAAA)).suggestions[0]
    assert first.action.en == ("raise this row from AAAA to AAAAA: Written, issued, implemented, with measurable results "
                               "(now: the bundle has no results of the plan in the period backed by a report "
                               "($.service_plan.results is missing))")
    lines = markdown.render(sample.real(AAAA)).splitlines()
    assert any(line.startswith("| 1 | B.1 4 服务方案设计 / Service plan design | 将本行由 AAAA 提升至 AAAAA：") and line.endswith("| +1.5 |")
               for line in lines)


def test_below_aaa_steps_name_the_level_in_words():
    lines = markdown.render(sample.real(BELOW)).splitlines()
    assert "#### 升级建议 / Next grade: AAA" in lines
    assert "| 5 | 售前服务：售前接待准备 / Pre-sales: reception readiness | 低于 AAA / below AAA → AAA | +7 |" in lines
    assert "| 8 | 售后服务：退换货处理 / After-sales: returns and exchanges | 低于 AAA / below AAA → AAA | +2.8 |" in lines


# ------------------------------------------------------------------ the three outcomes


HEADINGS = {
    AAAA: ("### 评级 / Grade: AAAA (得分 / Score 86.65)", "### Grade: AAAA (Score 86.65)", "### 评级: AAAA (得分 86.65)"),
    BELOW: ("### 评级 / Grade: 无等级（低于 AAA） / No grade (below AAA) (得分 / Score 54.2)",
            "### Grade: No grade (below AAA) (Score 54.2)",
            "### 评级: 无等级（低于 AAA） (得分 54.2)"),
    WITHHELD: ("### 评级 / Grade: 不予评级 / Grade withheld (得分 / Score 95; 得分所在等级 / score band AAAAA)",
               "### Grade: Grade withheld (Score 95; score band AAAAA)",
               "### 评级: 不予评级 (得分 95; 得分所在等级 AAAAA)"),
}
MARKS = {
    AAAA: '<span class="grade-mark">AAAA</span>',
    BELOW: '<span class="grade-mark none"><span lang="zh-CN">无等级（低于 AAA）</span> <span class="en" lang="en">No grade (below AAA)</span></span>',
    WITHHELD: '<span class="grade-mark none"><span lang="zh-CN">不予评级</span> <span class="en" lang="en">Grade withheld</span></span>',
}
OSCAL = {AAAA: "AAAA", BELOW: "none", WITHHELD: "withheld"}


@pytest.mark.parametrize("name", sample.GRADED_SAMPLES)
def test_markdown_says_the_grade_no_grade_or_withheld(name):
    both, en, zh = HEADINGS[name]
    assert both in markdown.render(sample.real(name)).splitlines()
    assert en in markdown.render(sample.real(name), {"lang": "en"}).splitlines()
    assert zh in markdown.render(sample.real(name), {"lang": "zh"}).splitlines()


@pytest.mark.parametrize("name", sample.GRADED_SAMPLES)
def test_html_says_the_grade_no_grade_or_withheld(name):
    assert MARKS[name] in html.render(sample.real(name))


@pytest.mark.parametrize("name", sample.GRADED_SAMPLES)
def test_only_the_withheld_sample_says_withheld(name):
    text, page = markdown.render(sample.real(name)), html.render(sample.real(name))
    conclusions = (text[text.index("## 4 "):text.index("## 5 ")],  # clause texts may quote these words
                   page[page.index('<section id="conclusion">'):page.index('<section id="results">')])
    for report in conclusions:
        assert ("不予评级" in report) == ("Grade withheld" in report) == (name == WITHHELD)
        assert ("无等级（低于 AAA）" in report) == ("No grade (below AAA)" in report) == (name == BELOW)


@pytest.mark.parametrize("name", sample.GRADED_SAMPLES)
def test_oscal_grade_properties(name):
    result = oscal_result(name)
    props = {p["name"]: p["value"] for p in result["props"]}
    g = grade_json(name)
    assert props["nj-eccs-grade"] == OSCAL[name]
    assert float(props["nj-eccs-score"]) == g["score"]
    assert props["scoring-model-sha256"] == g["model"]["sha256"]
    assert props.get("nj-eccs-score-grade") == ("AAAAA" if name == WITHHELD else None)
    points = [p for p in result["props"] if p["name"] == "nj-eccs-indicator-points"]
    assert sum(float(p["value"]) for p in points) == pytest.approx(g["score"])


def test_oscal_remarks_say_why_there_is_no_grade():
    assert oscal_result(BELOW)["remarks"] == "无等级：得分 54.2 低于 AAA。 No grade: the score 54.2 is below AAA."
    assert oscal_result(WITHHELD)["remarks"].startswith("第1行（获取资质）为评级前提，未满足：")
    assert "remarks" not in oscal_result(AAAA)
