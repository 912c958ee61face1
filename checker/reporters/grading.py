"""The one place reporters read the NJ-ECCS grade from a result.

`Result.grade` is optional: absent or None means the run was not graded, and
every format then says so ("未评级 / not graded"). When present it is read
by field name (attribute or mapping key), so this adapter is the only code
to change if the grade's shape changes. Expected fields: `standard, score,
grade, withheld, reasons, rows, kpis, next_grade` and optionally
`model_sha256`; each row has `row, indicator {zh,en}, level, points,
max_points, evidence, interpretations` and optionally `reason`; `next_grade` is a list of rows to
raise with the points each adds, or an object holding such a list in `rows`
with the `grade` (or `target`) it leads to.

Rows are grouped under Table B.1's five first-level indicators by row
number (1-3, 4-14, 15-16, 17, 18) unless a row names its own `group`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.findings import Text


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
_BY_KEY = {indicator.key: indicator for indicator in B1_INDICATORS}
_BY_ROW = {row: indicator for indicator in B1_INDICATORS for row in indicator.rows}


@dataclass(frozen=True)
class GradeRow:
    row: int | None
    indicator: Text
    group: str
    level: str | None
    points: float
    max_points: float
    evidence: tuple[Any, ...]
    interpretations: tuple[str, ...]
    reason: Text | None = None  # why the row has its level, when the grade says (shown by `explain --grade`)

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
    level: str | None
    target_level: str | None
    advice: Text | None

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "indicator": self.indicator.to_json(),
            "points": self.points,
            "level": self.level,
            "target_level": self.target_level,
            "advice": self.advice.to_json() if self.advice else None,
        }


@dataclass(frozen=True)
class Kpi:
    name: Text
    value: Any
    unit: str | None
    level: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name.to_json(), "value": self.value, "unit": self.unit, "level": self.level}


@dataclass(frozen=True)
class GradeView:
    standard: str
    score: float | None
    grade: str | None
    withheld: bool
    reasons: tuple[Text, ...]
    rows: tuple[GradeRow, ...]
    groups: tuple[GroupScore, ...]
    kpis: tuple[Kpi, ...]
    next_target: str | None
    next_steps: tuple[Step, ...]
    model_sha256: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "score": self.score,
            "grade": self.grade,
            "withheld": self.withheld,
            "reasons": [reason.to_json() for reason in self.reasons],
            "model_sha256": self.model_sha256,
            "indicators": [group.to_json() for group in self.groups],
            "rows": [row.to_json() for row in self.rows],
            "kpis": [kpi.to_json() for kpi in self.kpis],
            "next_grade": {"grade": self.next_target, "steps": [step.to_json() for step in self.next_steps]},
        }


# ------------------------------------------------------------------ reading


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return default


def _text(value: Any) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, Mapping):
        zh, en = value.get("zh"), value.get("en")
        return Text(str(zh if zh is not None else en or ""), str(en if en is not None else zh or ""))
    if value is None:
        return Text("", "")
    return Text(str(value), str(value))


def _number(value: Any) -> float:
    """A JSON-stable number: integral values as int, others rounded to 2 places."""
    if value is None or isinstance(value, bool):
        return 0
    number = round(float(value), 2)
    return int(number) if number.is_integer() else number


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _level(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def indicator_for(row: int | None, group: Any = None) -> Indicator:
    if isinstance(group, str) and group in _BY_KEY:
        return _BY_KEY[group]
    return _BY_ROW.get(row, OTHER) if row is not None else OTHER


def _row(raw: Any) -> GradeRow:
    number = _get(raw, "row")
    number = int(number) if number is not None else None
    group = indicator_for(number, _get(raw, "group", "first_level"))
    return GradeRow(
        row=number,
        indicator=_text(_get(raw, "indicator", "name")),
        group=group.key,
        level=_level(_get(raw, "level")),
        points=_number(_get(raw, "points")),
        max_points=_number(_get(raw, "max_points")),
        evidence=tuple(_plain(e) for e in (_get(raw, "evidence") or ())),
        interpretations=tuple(str(i) for i in (_get(raw, "interpretations") or ())),
        reason=_text(reason) if (reason := _get(raw, "reason", "why")) is not None else None,
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


def _steps(raw: Any, rows: tuple[GradeRow, ...]) -> tuple[str | None, tuple[Step, ...]]:
    if raw is None:
        return None, ()
    target = None
    entries = raw
    if not isinstance(raw, (list, tuple)):
        target = _level(_get(raw, "grade", "target"))
        entries = _get(raw, "rows", "steps", default=()) or ()
    by_row = {row.row: row for row in rows}
    steps = []
    for entry in entries:
        number = _get(entry, "row")
        number = int(number) if number is not None else None
        known = by_row.get(number)
        indicator = _get(entry, "indicator")
        advice = _get(entry, "advice", "action", "suggestion")
        steps.append(Step(
            row=number,
            indicator=_text(indicator) if indicator is not None else (known.indicator if known else Text("", "")),
            points=_number(_get(entry, "points", "gain", "adds")),
            level=_level(_get(entry, "level", "from_level", default=known.level if known else None)),
            target_level=_level(_get(entry, "target_level", "to_level", "target")),
            advice=_text(advice) if advice is not None else None,
        ))
    steps.sort(key=lambda s: (-s.points, s.row if s.row is not None else 10**6))
    return target, tuple(steps)


def _kpis(raw: Any) -> tuple[Kpi, ...]:
    if not raw:
        return ()
    if isinstance(raw, Mapping):
        entries = [({"name": key} | dict(value)) if isinstance(value, Mapping) else {"name": key, "value": value}
                   for key, value in sorted(raw.items())]
    else:
        entries = list(raw)
    return tuple(
        Kpi(
            name=_text(_get(entry, "indicator", "name", "kpi", "id")),
            value=_plain(_get(entry, "value")),
            unit=_get(entry, "unit"),
            level=_level(_get(entry, "level")),
        )
        for entry in entries
    )


def grade_of(result: Any) -> GradeView | None:
    """The result's grade as reporters show it, or None when the run was not graded."""
    raw = getattr(result, "grade", None)
    if raw is None:
        return None
    rows = tuple(_row(r) for r in (_get(raw, "rows") or ()))
    target, steps = _steps(_get(raw, "next_grade"), rows)
    reasons = _get(raw, "reasons") or ()
    return GradeView(
        standard=str(_get(raw, "standard", default="NJ-ECCS")),
        score=_optional_number(_get(raw, "score")),
        grade=_level(_get(raw, "grade")),
        withheld=bool(_get(raw, "withheld", default=False)),
        reasons=tuple(_text(r) for r in reasons),
        rows=rows,
        groups=_groups(rows),
        kpis=_kpis(_get(raw, "kpis")),
        next_target=target,
        next_steps=steps,
        model_sha256=_get(raw, "model_sha256", "scoring_model_sha256") or _get(_get(raw, "model", default={}), "sha256"),
    )
