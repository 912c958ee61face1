"""The NJ-ECCS scoring model: its arithmetic properties, the score bands of 9.3.3.1, and model validation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import scoring
from checker.errors import CheckerError
from checker.findings import Text
from checker.policy import load_policy_set
from checker.resources import shipped

POLICY_SET = load_policy_set()
MODEL_PATH = shipped("policies") / "nj-eccs" / "scoring.yaml"
MODEL = scoring.load_model(MODEL_PATH, POLICY_SET)
SPECS = {spec.row: spec for spec in MODEL.rows}


def rows_at(levels: dict[int, str]) -> tuple[scoring.RowResult, ...]:
    """Row results with the given levels, scored by the model (what score_row produces, minus the evidence)."""
    return tuple(
        scoring.RowResult(
            row=spec.row, group=spec.group, indicator=spec.indicator, content=spec.content, level=levels[spec.row],
            points=MODEL.points(spec, levels[spec.row]), max_points=spec.points, prerequisite=spec.prerequisite, levels=(),
            measure=None, requirements=(), evidence=(), interpretations=(), single_criterion=spec.single,
        )
        for spec in MODEL.rows
    )


def uniform(level: str) -> dict[int, str]:
    """Every row exactly at `level`; a single-criterion row (1-3) met is at AAAAA (INT-051)."""
    return {spec.row: ("AAAAA" if spec.single and level != "below" else level) for spec in MODEL.rows}


levels_strategy = st.fixed_dictionaries({spec.row: st.sampled_from(spec.reachable()) for spec in MODEL.rows})


def test_the_model_is_table_b1():
    assert [spec.row for spec in MODEL.rows] == list(range(1, 19))
    assert [float(spec.points) for spec in MODEL.rows] == [5, 10, 5, 10, 10, 10, 5, 4, 4, 4, 4, 4, 2, 3, 2, 3, 10, 5]
    assert {g["id"]: g["weight"] for g in MODEL.groups} == {
        "basic_requirements": 20, "customer_service": 60, "emergency_management": 5, "quality_indicators": 10, "continuous_improvement": 5}
    assert [spec.row for spec in MODEL.rows if spec.prerequisite] == [1, 2, 3]


@pytest.mark.parametrize(("level", "score"), [("AAA", "76.00"), ("AAAA", "88.00"), ("AAAAA", "100.00")])
def test_every_row_at_a_level_gets_that_grade(level, score):
    rows = rows_at(uniform(level))
    assert scoring.total(rows) == Decimal(score)
    assert MODEL.grade_of(scoring.total(rows)) == level


def test_every_graded_row_at_aaa_with_the_prerequisites_only_just_met_is_still_aaa():
    # rows 4-18 at AAA earn exactly 70 % of their 80 points (56.00); rows 1-3 add 20.00
    levels = uniform("AAA")
    assert sum(MODEL.points(SPECS[r], levels[r]) for r in range(4, 19)) == Decimal("56.00")


@given(levels_strategy, st.data())
@settings(max_examples=300, deadline=None)
def test_raising_any_row_never_lowers_the_score(levels, data):
    row = data.draw(st.sampled_from(sorted(levels)))
    higher = [lv for lv in SPECS[row].reachable() if scoring.LEVELS.index(lv) > scoring.LEVELS.index(levels[row])]
    if not higher:
        return
    raised = dict(levels) | {row: data.draw(st.sampled_from(higher))}
    assert scoring.total(rows_at(raised)) >= scoring.total(rows_at(levels))


@given(levels_strategy)
@settings(max_examples=300, deadline=None)
def test_the_score_is_the_sum_of_the_rows_shown_to_the_hundredth(levels):
    rows = rows_at(levels)
    score = scoring.total(rows)
    assert score == score.quantize(Decimal("0.01"))
    assert score == sum((Decimal(str(row.to_json()["points"])) for row in rows), Decimal(0))
    assert Decimal(0) <= score <= Decimal(100)


@given(st.integers(min_value=0, max_value=10_000))
def test_the_grade_follows_the_score_bands(hundredths):
    score = Decimal(hundredths) / 100
    expected = "AAAAA" if score >= 90 else "AAAA" if score >= 80 else "AAA" if score >= 70 else None
    assert MODEL.grade_of(score) == expected


@pytest.mark.parametrize(("score", "grade"), [("79.5", "AAA"), ("79.99", "AAA"), ("80.00", "AAAA"), ("69.99", None), ("70.00", "AAA"),
                                             ("89.99", "AAAA"), ("90.00", "AAAAA"), ("100.00", "AAAAA")])
def test_score_band_edges(score, grade):
    assert MODEL.grade_of(Decimal(score)) == grade


def test_a_score_of_79_5_is_reachable_and_is_aaa():
    levels = uniform("AAAAA") | {4: "below", 5: "AAA", 6: "AAA", 7: "AAA", 8: "AAA", 9: "AAA", 10: "AAAA"}
    score = scoring.total(rows_at(levels))
    assert score == Decimal("79.50"), score
    assert MODEL.grade_of(score) == "AAA"


@given(levels_strategy)
@settings(max_examples=200, deadline=None)
def test_next_grade_reaches_its_target_with_the_points_it_lists(levels):
    rows = rows_at(levels)
    score = scoring.total(rows)
    withheld = any(r.prerequisite and r.level == "below" for r in rows)
    found = scoring.next_grade(MODEL, MODEL.rows, rows, score, withheld)
    awarded = None if withheld else MODEL.grade_of(score)
    if awarded == "AAAAA":
        assert found is None
        return
    assert found is not None
    raised = dict(levels) | {r.row: r.to_level for r in found.raises}
    after = scoring.total(rows_at(raised))
    assert after == found.score_after == score + sum((r.adds for r in found.raises), Decimal(0))
    assert after >= found.min_score
    assert scoring.GRADES.index(MODEL.grade_of(after)) >= scoring.GRADES.index(found.grade)
    if withheld:
        assert all(raised[r] != "below" for r in (1, 2, 3))


def test_next_grade_prefers_the_fewest_steps():
    levels = uniform("AAAA") | {17: "AAA"}  # 86.50: one step on row 17 (+1.50) is not enough for 90
    rows = rows_at(levels)
    score = scoring.total(rows)
    assert score == Decimal("86.50")
    found = scoring.next_grade(MODEL, MODEL.rows, rows, score, False)
    assert found.grade == "AAAAA" and found.points_needed == Decimal("3.50")
    # two steps add at most 3.00; three steps add at most 4.50; among those, the earliest rows are listed first
    steps = sum(scoring.LEVELS.index(r.to_level) - scoring.LEVELS.index(r.from_level) for r in found.raises)
    assert steps == 3 and sum(r.adds for r in found.raises) == Decimal("4.50")
    assert [r.row for r in found.raises] == [4, 5, 6]


def test_withheld_grade_still_shows_the_score_and_needs_the_prerequisite_first():
    levels = uniform("AAAA") | {2: "below"}
    rows = rows_at(levels)
    score = scoring.total(rows)
    assert score == Decimal("78.00")
    found = scoring.next_grade(MODEL, MODEL.rows, rows, score, True)
    assert found.raises[0].row == 2 and found.raises[0].adds == Decimal("10.00")
    assert found.grade_after == "AAAA"


# ------------------------------------------------------------------ model validation


def load_variant(tmp_path: Path, change) -> scoring.Model:
    data = yaml.safe_load(MODEL_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return scoring.load_model(path, POLICY_SET)


def problems(tmp_path: Path, change) -> str:
    with pytest.raises(CheckerError) as info:
        load_variant(tmp_path, change)
    return str(info.value)


def test_points_that_are_not_exact_hundredths_are_refused(tmp_path):
    def change(data):
        data["rows"][12]["points"] = 2.5
        data["rows"][13]["points"] = 2.5

    text = problems(tmp_path, change)
    assert "ECS501" in text and "2.125" in text and "scoring.yaml:" in text


def test_weights_that_do_not_add_up_are_refused(tmp_path):
    def change(data):
        data["rows"][16]["points"] = 12

    assert "quality_indicators" in problems(tmp_path, change)


def test_a_decreasing_level_share_is_refused(tmp_path):
    def change(data):
        data["levels"]["AAAA"] = 65

    assert "must not decrease" in problems(tmp_path, change)


def test_a_finding_of_a_policy_that_does_not_exist_is_refused(tmp_path):
    def change(data):
        data["rows"][0]["criterion"]["when"] = {"finding": {"policy": "nj-eccs/4.9", "item": "a)"}}

    assert "nj-eccs/4.9" in problems(tmp_path, change)


def test_an_unknown_item_is_refused(tmp_path):
    def change(data):
        data["rows"][0]["criterion"]["when"] = {"finding": {"policy": "nj-eccs/4.2", "item": "f)"}}

    assert "has no item f)" in problems(tmp_path, change)


def test_an_unknown_interpretation_is_refused(tmp_path):
    def change(data):
        data["rows"][0]["interpretations"] = ["INT-079"]

    assert "ECS107" in problems(tmp_path, change)


def test_a_bad_operator_argument_is_refused_with_its_location(tmp_path):
    def change(data):
        data["rows"][3]["levels"]["AAAAA"]["when"] = {"rule": {"count": {"records": "$.service_plan.results"}}}

    text = problems(tmp_path, change)
    assert "count needs min, max or both" in text


def test_bands_must_get_stricter(tmp_path):
    def change(data):
        data["indicators"]["complaint_rate"]["bands"] = {"AAA": 0.03, "AAAA": 0.05, "AAAAA": 0.1}

    assert "stricter" in problems(tmp_path, change)


def test_schema_errors_are_located(tmp_path):
    def change(data):
        data["levels"]["AAAAA"] = 120

    text = problems(tmp_path, change)
    assert "ECS501" in text and "$.levels.AAAAA" in text


def test_wanted():
    assert scoring.wanted(["all"]) and scoring.wanted(["NJ-ECCS"]) and scoring.wanted(["nj-eccs"])
    assert not scoring.wanted(["DB33/T 2039-2017"])


def test_reasons_are_bilingual_texts():
    assert isinstance(scoring.STATE_WORDS[scoring.MET], Text)


# ------------------------------------------------------------------ row 17 and requirement shares


def test_a_looser_declared_target_is_tightened_to_the_aaa_limit(nj_bundle):
    bundle = nj_bundle({
        "performance": {"response_times": {"first_response": {"total_seconds": 3500, "count": 100}}},
        "quality_targets": [{"id": "QT-1", "indicator": "first_response_time", "target": 40, "basis": "x"}],
    })
    from checker import kpis

    targets = scoring.quality_targets(MODEL, bundle.data, kpis.compute(bundle.context()))
    frt = next(t for t in targets.targets if t.indicator == "first_response_time")
    assert (frt.source, frt.target, frt.state) == ("tightened", Decimal(30), "not_met")  # 35 s would meet 40 s, not 30 s
    assert targets.total == 7 and targets.met == 0  # the other six A.1 indicators cannot be computed: counted as not met


def test_without_quality_targets_x_is_unknown(nj_bundle):
    from checker import kpis

    bundle = nj_bundle({})
    targets = scoring.quality_targets(MODEL, bundle.data, kpis.compute(bundle.context()))
    assert targets.percent is None and "quality_targets" in targets.reason.en


def _fixed(state: str) -> scoring.Condition:
    return lambda sc: scoring.Check(state, Text(state, state))


@pytest.mark.parametrize(("states", "minimum", "expected"), [
    ((scoring.MET, scoring.MET, scoring.NOT_APPLICABLE, scoring.NOT_MET), 66, scoring.MET),       # 2 of 3 applicable
    ((scoring.MET, scoring.MET, scoring.NOT_APPLICABLE, scoring.NOT_MET), 67, scoring.NOT_MET),
    ((scoring.MET, scoring.UNKNOWN, scoring.NOT_MET, scoring.NOT_MET), 50, scoring.UNKNOWN),
    ((scoring.NOT_APPLICABLE, scoring.NOT_APPLICABLE), 100, scoring.NOT_APPLICABLE),
])
def test_requirement_shares_leave_inapplicable_requirements_out(states, minimum, expected):
    condition = scoring._requirements_condition({"min_percent": minimum})
    sc = scoring.Scoring(ctx=None, bundle=None, findings={}, indicators={}, targets=scoring.Targets(None, 0, 0, ()))
    sc.requirements = {f"r{i}": scoring.Check(state, Text("", "")) for i, state in enumerate(states)}
    assert condition(sc).state == expected
