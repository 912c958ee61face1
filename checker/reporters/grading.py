"""The one place reporters read the NJ-ECCS grade from a result.

`Result.grade` is optional: absent or None means the run was not graded, and
every format then says so ("未评级 / not graded"). When present it is read
through its canonical JSON, `grade.to_json()` (a mapping is taken as that
JSON already), whose shape schemas/findings.schema.json documents
(`$defs/grade`). Reporters therefore depend on that contract only, never on
the scoring module's classes. Fields read: `standard, score, grade,
score_grade, withheld, reasons, rows, kpis, next_grade, model.sha256`; each
row's `row, indicator, level, points, max_points, levels, evidence,
interpretations`; each indicator's `id, table, indicator, value, unit, band,
target, meets`; and `next_grade`'s `grade, min_score, points_needed,
score_after, grade_after` and `raises` (`row, indicator, from, to, adds`).

Three outcomes differ: a grade (AAA to AAAAA); withheld (不予评级: a
prerequisite row is not met, whatever the score); and no grade (无等级: a
score below AAA, not withheld). `GradeView.outcome` names them.

Rows are grouped under Table B.1's five first-level indicators by row
number (1-3, 4-14, 15-16, 17, 18).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.findings import Text

WITHHELD, NO_GRADE = "withheld", "none"
HELD_STATES = frozenset({"met", "not_applicable"})  # a level whose criteria hold (checker.scoring)


@dataclass(frozen=True)
class Indicator:
    """A first-level indicator of Table B.1 and the rows under it."""

    key: str
    name: Text
    weight: int  # percent of the total score, equal to its maximum points
    rows: tuple[int, ...]


B1_INDICATORS: tuple[Indicator, ...] = (
    Indicator("basic", Text("基本要求", "Basic requirements"), 20, (1, 2, 3)),
    Indicator("service", Text("电子商务客户服务要求", "E-commerce customer service requirements"), 60, tuple(range(4, 15))),
    Indicator("emergency", Text("应急管理", "Emergency management"), 5, (15, 16)),
    Indicator("quality", Text("质量指标", "Quality indicators"), 10, (17,)),
    Indicator("improvement", Text("持续改进", "Continuous improvement"), 5, (18,)),
)
OTHER = Indicator("other", Text("其他", "Other"), 0, ())
_BY_ROW = {row: indicator for indicator in B1_INDICATORS for row in indicator.rows}


@dataclass(frozen=True)
class GradeRow:
    row: int | None
    indicator: Text
    group: str
    level: str | None  # AAA, AAAA, AAAAA or "below"
    points: float
    max_points: float
    evidence: tuple[Any, ...]
    interpretations: tuple[str, ...]
    reason: Text | None = None  # what stopped the row at its level: the message of the first level not reached

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "indicator": self.indicator.to_json(),
            "group": self.group,
            "level": self.level,
            "points": self.points,
            "max_points": self.max_points,
            "evidence": list(self.evidence),
            "interpretations": list(self.interpretations),
        }


@dataclass(frozen=True)
class GroupScore:
    key: str
    name: Text
    weight: int
    points: float
    max_points: float

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name.to_json(), "weight": self.weight,
                "points": self.points, "max_points": self.max_points}


@dataclass(frozen=True)
class Step:
    """One row to raise on the way to the next grade, and the points it adds."""

    row: int | None
    indicator: Text
    points: float
    level: str | None  # the row's level now
    target_level: str | None  # the level to raise it to
    criteria: Text | None  # what the target level asks (the scoring model's words), when the grade says

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "indicator": self.indicator.to_json(),
            "points": self.points,
            "level": self.level,
            "target_level": self.target_level,
            "criteria": self.criteria.to_json() if self.criteria else None,
        }


@dataclass(frozen=True)
class NextGrade:
    """The next grade, the score it needs, and the rows to raise to reach it (most points first, then by row)."""

    grade: str | None
    min_score: float | None
    points_needed: float | None
    score_after: float | None
    grade_after: str | None
    steps: tuple[Step, ...]

    def to_json(self) -> dict[str, Any]:
        return {"grade": self.grade, "min_score": self.min_score, "points_needed": self.points_needed,
                "score_after": self.score_after, "grade_after": self.grade_after,
                "steps": [step.to_json() for step in self.steps]}


@dataclass(frozen=True)
class Kpi:
    """A Table A.1 or A.2 indicator: A.1 ones have a band (the level the value reaches), A.2 ones a target."""

    id: str
    table: str  # "A.1" or "A.2"
    name: Text
    value: float | None  # as the JSON has it (each indicator's own precision); None when it cannot be computed
    unit: str  # "%", "s", "h" or "count"
    level: str | None  # the band: AAA, AAAA, AAAAA or "below"; None for A.2 and when there is no value
    target: float | None = None
    meets: bool | None = None

    @property
    def shown_unit(self) -> str:
        """The unit printed after the value: none for a plain count."""
        return "" if self.unit == "count" else self.unit

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "table": self.table, "name": self.name.to_json(), "value": self.value, "unit": self.unit,
                "level": self.level, "target": self.target, "meets": self.meets}


@dataclass(frozen=True)
class GradeView:
    standard: str
    score: float | None
    grade: str | None
    score_grade: str | None  # the grade the score alone reaches, shown when the grade is withheld
    withheld: bool
    reasons: tuple[Text, ...]
    rows: tuple[GradeRow, ...]
    groups: tuple[GroupScore, ...]
    kpis: tuple[Kpi, ...]
    next_grade: NextGrade | None
    model_sha256: str | None

    @property
    def outcome(self) -> str:
        """The grade; WITHHELD (不予评级: a prerequisite row is not met); or NO_GRADE (无等级: the score is below AAA)."""
        if self.withheld:
            return WITHHELD
        return self.grade or NO_GRADE

    def to_json(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "score": self.score,
            "grade": self.grade,
            "score_grade": self.score_grade,
            "withheld": self.withheld,
            "reasons": [reason.to_json() for reason in self.reasons],
            "model_sha256": self.model_sha256,
            "indicators": [group.to_json() for group in self.groups],
            "rows": [row.to_json() for row in self.rows],
            "kpis": [kpi.to_json() for kpi in self.kpis],
            "next_grade": (self.next_grade or NextGrade(None, None, None, None, None, ())).to_json(),
        }


# ------------------------------------------------------------------ reading the grade's JSON


def _text(value: Any) -> Text:
    if isinstance(value, Mapping):
        zh, en = value.get("zh"), value.get("en")
        return Text(str(zh if zh is not None else en or ""), str(en if en is not None else zh or ""))
    if value is None:
        return Text("", "")
    return Text(str(value), str(value))


def _optional_text(value: Any) -> Text | None:
    return None if value is None else _text(value)


def _number(value: Any) -> float:
    """A JSON-stable number: integral values as int, others rounded to 2 places (points and scores are hundredths)."""
    if value is None or isinstance(value, bool):
        return 0
    number = round(float(value), 2)
    return int(number) if number.is_integer() else number


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)


def _measured(value: Any) -> float | None:
    """An indicator's value as the JSON gives it (no rounding: the complaint rate has 4 places); integral as int."""
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    return value


def _level(value: Any) -> str | None:
    return None if value is None else str(value)


def indicator_for(row: int | None) -> Indicator:
    return _BY_ROW.get(row, OTHER) if row is not None else OTHER


def _row_number(raw: Mapping[str, Any]) -> int | None:
    number = raw.get("row")
    return int(number) if number is not None else None


def _stopped_at(levels: Any) -> Text | None:
    """Why a row has its level: the message of the first level whose criteria do not hold."""
    for level in levels or ():
        if level.get("state") not in HELD_STATES:
            return _optional_text(level.get("message"))
    return None


def _criteria(levels: Any, target: str | None) -> Text | None:
    """What `target` asks of a row: its level's criteria ("AAA/AAAA/AAAAA" for a single-criterion row)."""
    for level in levels or ():
        if target is not None and target in str(level.get("level", "")).split("/"):
            return _optional_text(level.get("criteria"))
    return None


def _row(raw: Mapping[str, Any]) -> GradeRow:
    number = _row_number(raw)
    return GradeRow(
        row=number,
        indicator=_text(raw.get("indicator")),
        group=indicator_for(number).key,
        level=_level(raw.get("level")),
        points=_number(raw.get("points")),
        max_points=_number(raw.get("max_points")),
        evidence=tuple(_plain(e) for e in raw.get("evidence") or ()),
        interpretations=tuple(str(i) for i in raw.get("interpretations") or ()),
        reason=_stopped_at(raw.get("levels")),
    )


def _groups(rows: tuple[GradeRow, ...]) -> tuple[GroupScore, ...]:
    groups = []
    for indicator in B1_INDICATORS + (OTHER,):
        members = [row for row in rows if row.group == indicator.key]
        if not members and indicator is OTHER:
            continue
        max_points = _number(sum(row.max_points for row in members)) if members else indicator.weight
        groups.append(GroupScore(indicator.key, indicator.name, indicator.weight,
                                 _number(sum(row.points for row in members)), max_points))
    return tuple(groups)


def _next_grade(raw: Mapping[str, Any] | None, rows: Any) -> NextGrade | None:
    if raw is None:
        return None
    levels = {_row_number(row): row.get("levels") for row in rows}
    steps = sorted((
        Step(
            row=_row_number(entry),
            indicator=_text(entry.get("indicator")),
            points=_number(entry.get("adds")),
            level=_level(entry.get("from")),
            target_level=_level(entry.get("to")),
            criteria=_criteria(levels.get(_row_number(entry)), _level(entry.get("to"))),
        )
        for entry in raw.get("raises") or ()
    ), key=lambda step: (-step.points, step.row if step.row is not None else 10**6))
    return NextGrade(
        grade=_level(raw.get("grade")),
        min_score=_optional_number(raw.get("min_score")),
        points_needed=_optional_number(raw.get("points_needed")),
        score_after=_optional_number(raw.get("score_after")),
        grade_after=_level(raw.get("grade_after")),
        steps=tuple(steps),
    )


def _kpi(raw: Mapping[str, Any]) -> Kpi:
    meets = raw.get("meets")
    return Kpi(
        id=str(raw.get("id", "")),
        table=str(raw.get("table", "")),
        name=_text(raw.get("indicator")),
        value=_measured(raw.get("value")),
        unit=str(raw.get("unit") or ""),
        level=_level(raw.get("band")),
        target=_measured(raw.get("target")),
        meets=None if meets is None else bool(meets),
    )


def grade_json(grade: Any) -> Mapping[str, Any]:
    """The grade as its JSON contract has it: `to_json()` when the object has one, a mapping as it is."""
    to_json = getattr(grade, "to_json", None)
    data = to_json() if callable(to_json) else grade
    if not isinstance(data, Mapping):
        raise TypeError(f"the grade must have to_json() or be a mapping, not {type(grade).__name__}")
    return data


def grade_of(result: Any) -> GradeView | None:
    """The result's grade as reporters show it, or None when the run was not graded."""
    raw = getattr(result, "grade", None)
    if raw is None:
        return None
    data = grade_json(raw)
    raw_rows = data.get("rows") or ()
    rows = tuple(_row(r) for r in raw_rows)
    withheld = bool(data.get("withheld", False))
    return GradeView(
        standard=str(data.get("standard") or "NJ-ECCS"),
        score=_optional_number(data.get("score")),
        grade=None if withheld else _level(data.get("grade")),
        score_grade=_level(data.get("score_grade")),
        withheld=withheld,
        reasons=tuple(_text(r) for r in data.get("reasons") or ()),
        rows=rows,
        groups=_groups(rows),
        kpis=tuple(_kpi(k) for k in data.get("kpis") or ()),
        next_grade=_next_grade(data.get("next_grade"), raw_rows),
        model_sha256=(data.get("model") or {}).get("sha256"),
    )
