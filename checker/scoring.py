"""The NJ-ECCS grade: table B.1 evaluated from a declarative scoring model.

The model (`policies/nj-eccs/scoring.yaml`, validated against
schemas/scoring.schema.json) holds the rows, their points, each level's
criteria as conditions over the bundle and the clause findings, the share of
a row's points each level earns, and the grade bands. Nothing about the
table is in this module; it only evaluates what the model says.

All arithmetic is exact: indicators are fractions (checker.kpis), points
are Decimal hundredths, and the score is the sum of the rows shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker import kpis
from checker.bundle import Bundle
from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.errors import CheckerError, Location, Problem
from checker.findings import EvidenceRef, Finding, Status, Text
from checker.loading import Document, load_document
from checker.operators import Outcome, compile_rule
from checker.paths import PathTuple, render
from checker.policy import POLICY_LIMIT, PolicySet, standard_slug

STANDARD = "NJ-ECCS"
MODEL_DIR = "nj-eccs"
MODEL_FILE = "scoring.yaml"
MODEL_ID = "nj-eccs/scoring"
LEVELS = ("below", "AAA", "AAAA", "AAAAA")  # ascending
GRADES = ("AAA", "AAAA", "AAAAA")  # ascending
HUNDREDTH = Decimal("0.01")

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"
_STATUS_STATE = {
    Status.PASS: MET,
    Status.FAIL: NOT_MET,
    Status.NOT_APPLICABLE: NOT_APPLICABLE,
    Status.INSUFFICIENT_EVIDENCE: UNKNOWN,
    Status.MANUAL_REVIEW: UNKNOWN,
    Status.ERROR: UNKNOWN,
    Status.WAIVED: UNKNOWN,
}
STATE_WORDS = {
    MET: Text("满足", "met"),
    NOT_MET: Text("不满足", "not met"),
    UNKNOWN: Text("证据不足，按不满足计", "not shown by the evidence; counted as not met"),
    NOT_APPLICABLE: Text("不适用，视为满足", "not applicable; counted as met"),
}


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Check:
    """The outcome of one condition: met, not_met, unknown or not_applicable, and why."""

    state: str
    message: Text
    evidence: tuple[Mapping[str, Any], ...] = ()

    @property
    def holds(self) -> bool:
        return self.state in (MET, NOT_APPLICABLE)


@dataclass(frozen=True)
class LevelResult:
    level: str
    criteria: Text
    state: str
    message: Text

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "criteria": self.criteria.to_json(), "state": self.state, "message": self.message.to_json()}


@dataclass(frozen=True)
class RowResult:
    row: int
    group: str
    indicator: Text
    content: Text
    level: str
    points: Decimal
    max_points: Decimal
    prerequisite: bool
    levels: tuple[LevelResult, ...]
    measure: Mapping[str, Any] | None
    requirements: tuple[Mapping[str, Any], ...]
    evidence: tuple[Mapping[str, Any], ...]
    interpretations: tuple[str, ...]
    single_criterion: bool

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "row": self.row,
            "group": self.group,
            "indicator": self.indicator.to_json(),
            "content": self.content.to_json(),
            "level": self.level,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "prerequisite": self.prerequisite,
            "levels": [level.to_json() for level in self.levels],
            "evidence": list(self.evidence),
            "interpretations": list(self.interpretations),
        }
        if self.measure is not None:
            data["measure"] = dict(self.measure)
        if self.requirements:
            data["requirements"] = list(self.requirements)
        return data


@dataclass(frozen=True)
class KpiResult:
    indicator: kpis.Indicator
    band: str | None
    thresholds: Mapping[str, Decimal] | None
    requirement: Text | None
    target: Decimal | None
    meets: bool | None
    inputs: tuple[Mapping[str, Any], ...]
    notes: tuple[Text, ...]
    interpretations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        ind = self.indicator
        shown = ind.shown()
        data: dict[str, Any] = {
            "id": ind.id,
            "table": ind.table,
            "indicator": ind.name.to_json(),
            "value": float(shown) if shown is not None else None,
            "unit": ind.unit,
            "band": self.band,
            "state": ind.state,
            "formula": ind.formula,
            "numerator": float(ind.numerator) if ind.numerator is not None else None,
            "denominator": float(ind.denominator) if ind.denominator is not None else None,
            "inputs": list(self.inputs),
            "notes": [note.to_json() for note in self.notes],
            "interpretations": list(self.interpretations),
        }
        if self.thresholds is not None:
            data["thresholds"] = {level: float(value) for level, value in self.thresholds.items()}
        if ind.table == "A.2":
            data["requirement"] = self.requirement.to_json() if self.requirement else None
            data["target"] = float(self.target) if self.target is not None else None
            data["meets"] = self.meets
        if ind.reason is not None:
            data["reason"] = ind.reason.to_json()
        return data


@dataclass(frozen=True)
class TargetResult:
    indicator: str
    name: Text
    target: Decimal
    direction: str
    source: str  # declared | tightened | table
    actual: Decimal | None
    state: str
    bundle_path: str | None

    def to_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "name": self.name.to_json(), "target": float(self.target), "direction": self.direction,
                "source": self.source, "actual": float(self.actual) if self.actual is not None else None, "state": self.state,
                "path": self.bundle_path}


@dataclass(frozen=True)
class Targets:
    percent: Fraction | None
    met: int
    total: int
    targets: tuple[TargetResult, ...]
    reason: Text | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "percent": float(kpis.rounded(self.percent, 2)) if self.percent is not None else None,
            "met": self.met,
            "total": self.total,
            "targets": [t.to_json() for t in self.targets],
            "reason": self.reason.to_json() if self.reason else None,
        }


@dataclass(frozen=True)
class Raise:
    row: int
    indicator: Text
    from_level: str
    to_level: str
    adds: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "indicator": self.indicator.to_json(), "from": self.from_level, "to": self.to_level, "adds": float(self.adds)}


@dataclass(frozen=True)
class NextGrade:
    grade: str
    min_score: Decimal
    points_needed: Decimal
    raises: tuple[Raise, ...]
    score_after: Decimal
    grade_after: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "min_score": float(self.min_score),
            "points_needed": float(self.points_needed),
            "raises": [r.to_json() for r in self.raises],
            "score_after": float(self.score_after),
            "grade_after": self.grade_after,
        }


@dataclass(frozen=True)
class Grade:
    """The grade object every reporter renders (`result.grade`)."""

    standard: str
    score: Decimal
    grade: str | None
    score_grade: str | None
    withheld: bool
    reasons: tuple[Text, ...]
    rows: tuple[RowResult, ...]
    groups: tuple[Mapping[str, Any], ...]
    kpis: tuple[KpiResult, ...]
    quality_targets: Targets
    next_grade: NextGrade | None
    model: Mapping[str, Any]
    interpretations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "score": float(self.score),
            "max_score": 100.0,
            "grade": self.grade,
            "score_grade": self.score_grade,
            "withheld": self.withheld,
            "reasons": [reason.to_json() for reason in self.reasons],
            "rows": [row.to_json() for row in self.rows],
            "groups": [dict(group) for group in self.groups],
            "kpis": [kpi.to_json() for kpi in self.kpis],
            "quality_targets": self.quality_targets.to_json(),
            "next_grade": self.next_grade.to_json() if self.next_grade else None,
            "model": dict(self.model),
            "interpretations": list(self.interpretations),
        }


# ------------------------------------------------------------------ evaluation context


@dataclass
class Scoring:
    """What conditions read while one bundle is scored."""

    ctx: EvalContext
    bundle: Bundle
    findings: Mapping[tuple[str, str | None], Finding]
    indicators: Mapping[str, kpis.Indicator]
    targets: Targets
    measure: tuple[Fraction, Fraction] | None = None  # lower and upper bound of the row's measure
    measure_check: Check | None = None
    requirements: dict[str, Check] = field(default_factory=dict)

    def locate(self, path: PathTuple, note: str | None = None) -> dict[str, Any]:
        file_name, line, col = self.bundle.cite(path)
        return EvidenceRef(render(path), file_name, line, col, note or None).to_json()


Condition = Callable[[Scoring], Check]


def _finding_condition(spec: Mapping[str, Any]) -> Condition:
    policy_id, item = spec["policy"], spec.get("item")

    def run(sc: Scoring) -> Check:
        found = sc.findings.get((policy_id, item))
        if found is None:
            label = f"{policy_id} {item}" if item else policy_id
            return Check(UNKNOWN, Text(f"未评估 {label}", f"{label} was not evaluated"))
        ref = {"finding": found.policy_id, "item": found.item, "citation": found.citation, "status": found.status.value}
        if found.evidence:
            first = found.evidence[0]
            ref |= {"path": first.path, "file": first.file, "line": first.line, "column": first.column}
        text = Text(f"{found.citation}：{found.status.value}（{found.message.zh}）", f"{found.citation}: {found.status.value} ({found.message.en})")
        return Check(_STATUS_STATE[found.status], text, (ref,))

    return run


def _outcome_check(outcome: Outcome, sc: Scoring) -> Check:
    evidence = tuple(sc.locate(path, note) for path, note in outcome.evidence[:10])
    return Check(_STATUS_STATE[outcome.status], outcome.message, evidence)


def _rule_condition(spec: Any, env: CompileEnv, at: tuple[Any, ...]) -> Condition:
    rule = compile_rule(spec, env, at)
    return lambda sc: _outcome_check(rule(sc.ctx), sc)


_COMPARE: dict[str, tuple[Callable[[Fraction, Fraction], bool], str]] = {
    "ge": (lambda a, b: a >= b, "≥"), "gt": (lambda a, b: a > b, ">"), "le": (lambda a, b: a <= b, "≤"), "lt": (lambda a, b: a < b, "<"),
}


def _comparison(spec: Mapping[str, Any]) -> tuple[Callable[[Fraction], bool], Fraction, str]:
    ((op, limit),) = ((k, v) for k, v in spec.items() if k in _COMPARE)
    test, symbol = _COMPARE[op]
    bound = kpis.exact(limit)
    return (lambda value: test(value, bound)), bound, symbol


def _fmt(value: Fraction) -> str:
    return f"{kpis.rounded(value, 2)}"


def _indicator_condition(spec: Mapping[str, Any]) -> Condition:
    code = spec["id"]
    test, bound, symbol = _comparison(spec)

    def run(sc: Scoring) -> Check:
        if code == "quality_targets_met":
            value = sc.targets.percent
            name = Text("质量目标达成比例", "share of quality targets met")
            if value is None:
                return Check(UNKNOWN, sc.targets.reason or Text("无法计算", "cannot be computed"))
            evidence: tuple[Mapping[str, Any], ...] = ()
        else:
            indicator = sc.indicators[code]
            name = indicator.name
            evidence = tuple(sc.locate(path, note) for path, note in indicator.inputs)
            if indicator.state == "empty":
                return Check(NOT_APPLICABLE, Text(f"{name.zh}：无可计算的数据", f"{name.en}: nothing to measure"), evidence)
            if indicator.value is None or indicator.state != "ok":
                reason = indicator.reason or Text("无法计算", "cannot be computed")
                return Check(UNKNOWN, Text(f"{name.zh}：{reason.zh}", f"{name.en}: {reason.en}"), evidence)
            value = indicator.value
        ok = test(value)
        text = Text(f"{name.zh} {_fmt(value)}（要求 {symbol} {_fmt(bound)}）", f"{name.en} {_fmt(value)} (required {symbol} {_fmt(bound)})")
        return Check(MET if ok else NOT_MET, text, evidence)

    return run


def _measure_condition(spec: Mapping[str, Any]) -> Condition:
    test, bound, symbol = _comparison(spec)

    def run(sc: Scoring) -> Check:
        if sc.measure is None:
            base = sc.measure_check.message if sc.measure_check else Text("无法计算", "cannot be computed")
            return Check(UNKNOWN, base)
        low, high = sc.measure
        shown = _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"
        text = Text(f"{shown}%（要求 {symbol} {_fmt(bound)}%）", f"{shown} % (required {symbol} {_fmt(bound)} %)")
        if test(low) and test(high):
            return Check(MET, text)
        if not test(low) and not test(high):
            return Check(NOT_MET, text)
        return Check(UNKNOWN, text.join(Text("部分数据缺失，无法判定", "some data are missing, so it cannot be decided")))

    return run


def _requirements_condition(spec: Mapping[str, Any]) -> Condition:
    minimum = kpis.exact(spec["min_percent"])

    def run(sc: Scoring) -> Check:
        applicable = {label: c for label, c in sc.requirements.items() if c.state != NOT_APPLICABLE}
        if not applicable:
            return Check(NOT_APPLICABLE, Text("各项要求均不适用", "no requirement applies"))
        n = len(applicable)
        met = [label for label, c in applicable.items() if c.state == MET]
        unknown = [label for label, c in applicable.items() if c.state == UNKNOWN]
        low = Fraction(len(met) * 100, n)
        high = Fraction((len(met) + len(unknown)) * 100, n)
        text = Text(f"适用的 {n} 项要求中满足 {len(met)} 项（{_fmt(low)}%，要求 ≥ {_fmt(minimum)}%）",
                    f"{len(met)} of {n} applicable requirements met ({_fmt(low)} %; required ≥ {_fmt(minimum)} %)")
        if unknown:
            text = text.join(Text(f"证据不足：{'、'.join(unknown)}", f"not shown by the evidence: {', '.join(unknown)}"))
        if low >= minimum:
            return Check(MET, text)
        return Check(NOT_MET if high < minimum else UNKNOWN, text)

    return run


def _requirement_condition(label: str) -> Condition:
    def run(sc: Scoring) -> Check:
        return sc.requirements[label]

    return run


def _combine(parts: list[Condition], kind: str) -> Condition:
    def run(sc: Scoring) -> Check:
        checks = [part(sc) for part in parts]
        states = [c.state for c in checks]
        if kind == "all":
            state = NOT_MET if NOT_MET in states else UNKNOWN if UNKNOWN in states else MET if MET in states else NOT_APPLICABLE
        else:
            state = MET if MET in states else UNKNOWN if UNKNOWN in states else NOT_MET if NOT_MET in states else NOT_APPLICABLE
        shown = [c for c in checks if c.state != NOT_APPLICABLE] or checks
        message = shown[0].message
        for c in shown[1:]:
            message = message.join(c.message)
        return Check(state, message, tuple(ref for c in checks for ref in c.evidence))

    return run


def compile_condition(spec: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...], labels: frozenset[str], has_measure: bool) -> Condition:
    ((kind, arg),) = spec.items()
    here = at + (kind,)
    if kind == "finding":
        return _finding_condition(arg)
    if kind == "rule":
        return _rule_condition(arg, env, here)
    if kind == "indicator":
        return _indicator_condition(arg)
    if kind == "measure":
        if not has_measure:
            raise env.error("ECS501", "a measure condition needs the row to define measure", here)
        return _measure_condition(arg)
    if kind == "requirements":
        if not labels:
            raise env.error("ECS501", "a requirements condition needs the row to list requirements", here)
        return _requirements_condition(arg)
    if kind == "requirement":
        if arg not in labels:
            raise env.error("ECS501", f"requirement {arg!r} is not one of the row's requirements ({', '.join(sorted(labels))})", here)
        return _requirement_condition(arg)
    return _combine([compile_condition(part, env, here + (i,), labels, has_measure) for i, part in enumerate(arg)], kind)


# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class LevelSpec:
    level: str
    text: Text
    when: Condition


@dataclass(frozen=True)
class RowSpec:
    row: int
    group: str
    indicator: Text
    content: Text
    points: Decimal
    prerequisite: bool
    levels: tuple[LevelSpec, ...]  # ascending; one "all" entry for a single-criterion row
    measure_text: Text | None
    measure_rule: Callable[[EvalContext], Outcome] | None
    measure_indicator: str | None
    requirements: tuple[tuple[str, Condition], ...]
    interpretations: tuple[str, ...]

    @property
    def single(self) -> bool:
        return len(self.levels) == 1

    def reachable(self) -> tuple[str, ...]:
        return ("below", "AAAAA") if self.single else LEVELS


@dataclass(frozen=True)
class Model:
    file: str
    sha256: str
    title: Text
    shares: Mapping[str, Decimal]
    grades: tuple[tuple[str, Decimal], ...]  # descending by minimum
    groups: tuple[Mapping[str, Any], ...]
    rows: tuple[RowSpec, ...]
    indicators: Mapping[str, Mapping[str, Any]]
    interpretations: tuple[str, ...]

    def points(self, row: RowSpec, level: str) -> Decimal:
        return (row.points * self.shares[level] / 100).quantize(HUNDREDTH)

    def grade_of(self, score: Decimal) -> str | None:
        for grade, minimum in self.grades:
            if score >= minimum:
                return grade
        return None


def model_path(roots: Sequence[Path]) -> Path | None:
    """The scoring model of the last policy root that has one (later roots override, as for policies)."""
    found = None
    for root in roots:
        candidate = root / MODEL_DIR / MODEL_FILE
        if candidate.is_file():
            found = candidate
    return found


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    from checker.scoring_schema import build

    return jsonschema.Draft202012Validator(build())


def _problems(doc: Document) -> list[Problem]:
    import jsonschema

    problems = []
    for error in sorted(_validator().iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        best = jsonschema.exceptions.best_match(error.context) if error.context else error
        path = tuple(best.absolute_path)
        line, col = doc.locate(path) or (None, None)
        problems.append(Problem("ECS501", best.message, Location(doc.display, line, col, render(path))))
    return problems


def load_model(path: Path, policy_set: PolicySet, display: str | None = None) -> Model:
    """Read, validate and compile a scoring model; every problem is reported with its location."""
    doc = load_document(path, display or str(path), POLICY_LIMIT)
    if not isinstance(doc.data, dict):
        raise CheckerError.at("ECS212", "a scoring model is a mapping", doc.display, 1, 1)
    problems = _problems(doc)
    if problems:
        raise CheckerError(problems)
    data = doc.data
    env = CompileEnv(MODEL_ID, doc, {})
    errors: list[Problem] = []

    def fail(message: str, at: tuple[Any, ...], code: str = "ECS501") -> None:
        line, col = doc.locate(at) or (None, None)
        errors.append(Problem(code, message, Location(doc.display, line, col, render(at))))

    shares = {level: kpis.decimal(data["levels"][level]) for level in LEVELS}
    if not shares["below"] <= shares["AAA"] <= shares["AAAA"] <= shares["AAAAA"]:
        fail("level shares must not decrease from below to AAAAA (a higher level never scores less)", ("levels",))
    grades = sorted(((g["grade"], kpis.decimal(g["min"])) for g in data["grades"]), key=lambda pair: pair[1], reverse=True)
    if [g for g, _ in grades] != [g for g in reversed(GRADES) if g in {x for x, _ in grades}] or len(grades) != len(data["grades"]):
        fail("grade minimums must rise from AAA to AAAAA, each grade once", ("grades",))

    by_group: dict[str, list[int]] = {}
    numbers = [r["row"] for r in data["rows"]]
    if numbers != list(range(1, len(numbers) + 1)):
        fail(f"rows must be numbered 1 to {len(numbers)} in order", ("rows",))
    for index, raw in enumerate(data["rows"]):
        by_group.setdefault(raw["group"], []).append(raw["row"])
        points = kpis.decimal(raw["points"])
        for level in LEVELS:
            exact = points * shares[level] / 100
            if exact != exact.quantize(HUNDREDTH):
                fail(f"row {raw['row']}: {points} points at {level} ({shares[level]} %) is {exact}, not a whole number of hundredths",
                     ("rows", index, "points"))
    total_weight = sum((kpis.decimal(g["weight"]) for g in data["groups"]), Decimal(0))
    if total_weight != 100:
        fail(f"group weights add up to {total_weight}, not 100", ("groups",))
    row_points = {r["row"]: kpis.decimal(r["points"]) for r in data["rows"]}
    for index, group in enumerate(data["groups"]):
        if sorted(group["rows"]) != sorted(by_group.get(group["id"], [])):
            fail(f"group {group['id']} lists rows {group['rows']}, but rows {by_group.get(group['id'], [])} name it", ("groups", index, "rows"))
        points = sum((row_points.get(r, Decimal(0)) for r in group["rows"]), Decimal(0))
        if points != kpis.decimal(group["weight"]):
            fail(f"group {group['id']}: its rows' points add up to {points}, not its weight {group['weight']}", ("groups", index, "weight"))
    for code, spec in data["indicators"].items():
        better = kpis.NAMES[code][3]
        for name, bands in [("bands", spec.get("bands"))] + [(f"by_industry.{k}", v) for k, v in sorted(spec.get("by_industry", {}).items())]:
            if bands is None:
                continue
            values = [kpis.decimal(bands[level]) for level in GRADES]
            ordered = values == sorted(values) if better == kpis.HIGHER else values == sorted(values, reverse=True)
            if not ordered:
                fail(f"{code} {name}: the limits must get stricter from AAA to AAAAA ({'higher' if better == kpis.HIGHER else 'lower'} is better)",
                     ("indicators", code))
        if "by_industry" in spec and spec.get("default_industry") not in spec["by_industry"]:
            fail(f"{code}: default_industry must be one of by_industry", ("indicators", code))

    known = policy_set.by_id()
    cited = set(data.get("interpretations", ()))

    def check_refs(spec: Any, at: tuple[Any, ...]) -> None:
        if isinstance(spec, Mapping):
            if "finding" in spec and isinstance(spec["finding"], Mapping):
                ref = spec["finding"]
                compiled = known.get(ref["policy"])
                if compiled is None:
                    fail(f"the scoring model needs policy {ref['policy']}, which is not loaded", at + ("finding", "policy"))
                else:
                    items = {i.item for i in compiled.policy.items}
                    if ref.get("item") is None and items:
                        fail(f"{ref['policy']} reports per item; name one of {', '.join(sorted(items))}", at + ("finding",))
                    elif ref.get("item") is not None and ref["item"] not in items:
                        fail(f"{ref['policy']} has no item {ref['item']}", at + ("finding", "item"))
            for key, value in spec.items():
                if key != "rule":
                    check_refs(value, at + (key,))
        elif isinstance(spec, list):
            for i, value in enumerate(spec):
                check_refs(value, at + (i,))

    rows: list[RowSpec] = []
    for index, raw in enumerate(data["rows"]):
        at = ("rows", index)
        check_refs(raw, at)
        cited.update(raw.get("interpretations", ()))
        labels = frozenset(r["label"] for r in raw.get("requirements", ()))
        measure = raw.get("measure")
        try:
            requirements = tuple(
                (r["label"], compile_condition(r["when"], env, at + ("requirements", i, "when"), frozenset(), False))
                for i, r in enumerate(raw.get("requirements", ()))
            )
            if "criterion" in raw:
                levels: tuple[LevelSpec, ...] = (LevelSpec("all", Text.from_mapping(raw["criterion"]["text"]),
                                                           compile_condition(raw["criterion"]["when"], env, at + ("criterion", "when"), labels, bool(measure))),)
            else:
                levels = tuple(
                    LevelSpec(level, Text.from_mapping(raw["levels"][level]["text"]),
                              compile_condition(raw["levels"][level]["when"], env, at + ("levels", level, "when"), labels, bool(measure)))
                    for level in GRADES
                )
            measure_rule = compile_rule(measure["rule"], env, at + ("measure", "rule")) if measure and "rule" in measure else None
        except CheckerError as err:
            errors.extend(err.problems)
            continue
        if measure and "rule" in measure and "share" not in measure["rule"]:
            fail("a measure rule must be a share rule (its met/total share is the measure)", at + ("measure", "rule"))
        rows.append(RowSpec(
            row=raw["row"],
            group=raw["group"],
            indicator=Text.from_mapping(raw["indicator"]),
            content=Text.from_mapping(raw["content"]),
            points=kpis.decimal(raw["points"]),
            prerequisite=raw.get("prerequisite", False),
            levels=levels,
            measure_text=Text.from_mapping(measure["text"]) if measure else None,
            measure_rule=measure_rule,
            measure_indicator=measure.get("indicator") if measure else None,
            requirements=requirements,
            interpretations=tuple(raw.get("interpretations", ())),
        ))
    for spec in data["indicators"].values():
        cited.update(spec.get("interpretations", ()))
    for ref in sorted(cited):
        if ref not in policy_set.interpretations:
            fail(f"interpretation {ref} is not defined in any INTERPRETATIONS.yaml", ("interpretations",), "ECS107")
    if errors:
        raise CheckerError(errors)
    groups = tuple(
        {"id": g["id"], "title": Text.from_mapping(g["title"]).to_json(), "weight": float(kpis.decimal(g["weight"])), "rows": list(g["rows"])}
        for g in data["groups"]
    )
    return Model(
        file=doc.display,
        sha256=doc.sha256,
        title=Text.from_mapping(data["title"]),
        shares=shares,
        grades=tuple(grades),
        groups=groups,
        rows=tuple(rows),
        indicators=data["indicators"],
        interpretations=tuple(data.get("interpretations", ())),
    )


def wanted(standards: Iterable[str]) -> bool:
    """Whether a --standard selection includes NJ-ECCS."""
    names = set(standards)
    return not names or "all" in names or STANDARD in names or MODEL_DIR in {standard_slug(n) for n in names}


# ------------------------------------------------------------------ indicators, bands and targets


def thresholds(model: Model, code: str, industry: str | None) -> tuple[dict[str, Decimal] | None, tuple[Text, ...]]:
    spec = model.indicators.get(code)
    if spec is None:
        return None, ()
    if "bands" in spec:
        return {level: kpis.decimal(spec["bands"][level]) for level in GRADES}, ()
    if "by_industry" in spec:
        table = spec["by_industry"]
        if industry in table:
            chosen, notes = industry, (Text(f"采用“{industry}”行业区间", f"bands for the {industry} industry"),)
        else:
            chosen = spec["default_industry"]
            why = "未声明行业" if industry is None else f"行业“{industry}”未配置区间"
            why_en = "no industry declared" if industry is None else f"no bands configured for the {industry} industry"
            notes = (Text(f"{why}，采用标准示例（{chosen}）区间（INT-044）", f"{why_en}; the standard's {chosen} example bands apply (INT-044)"),)
        return {level: kpis.decimal(table[chosen][level]) for level in GRADES}, notes
    return None, ()


def band(indicator: kpis.Indicator, limits: Mapping[str, Decimal] | None) -> str | None:
    """The highest level whose limit the exact value meets; 'below' if none; None when there is no value or no bands."""
    if limits is None or indicator.state != "ok" or indicator.value is None:
        return None
    for level in reversed(GRADES):
        limit = Fraction(limits[level])
        if (indicator.value >= limit) if indicator.better == kpis.HIGHER else (indicator.value <= limit):
            return level
    return "below"


def _meets(value: Fraction, target: Fraction, higher: bool) -> bool:
    return value >= target if higher else value <= target


def quality_targets(model: Model, data: Mapping[str, Any], indicators: Mapping[str, kpis.Indicator]) -> Targets:
    """Row 17's X (INT-055): the share of quality targets met."""
    declared = data.get("quality_targets")
    if declared is None:
        return Targets(None, 0, 0, (), Text("证据包没有 quality_targets：未显示建立了质量指标", "the bundle has no quality_targets: no indicator system is shown"))
    industry = data["organization"].get("industry")
    by_code = {t["indicator"]: (i, t) for i, t in enumerate(declared)}
    results: list[TargetResult] = []
    for code in kpis.A1:
        indicator = indicators[code]
        higher = indicator.better == kpis.HIGHER
        limits, _ = thresholds(model, code, industry)
        floor = limits["AAA"] if limits else None
        if code in by_code:
            index, entry = by_code[code]
            target = kpis.decimal(entry["target"])
            source = "declared"
            if floor is not None and ((higher and target < floor) or (not higher and target > floor)):
                target, source = floor, "tightened"
            path = render(("quality_targets", index))
        else:
            assert floor is not None
            target, source, path = floor, "table", None
        results.append(_target(code, indicator.name, target, higher, source, indicator, path))
    for code in sorted(c for c in by_code if c not in kpis.A1):
        index, entry = by_code[code]
        path = render(("quality_targets", index))
        if code in indicators:
            indicator = indicators[code]
            results.append(_target(code, indicator.name, kpis.decimal(entry["target"]), indicator.better == kpis.HIGHER, "declared", indicator, path))
        else:
            higher = entry["direction"] == "higher_is_better"
            actual = kpis.decimal(entry["actual"])
            met = _meets(Fraction(actual), Fraction(kpis.decimal(entry["target"])), higher)
            results.append(TargetResult(code, Text(code, code), kpis.decimal(entry["target"]), "higher" if higher else "lower", "declared", actual,
                                        "met" if met else "not_met", path))
    counted = [r for r in results if r.state != NOT_APPLICABLE]
    met = sum(1 for r in counted if r.state == MET)
    percent = Fraction(met * 100, len(counted)) if counted else None
    return Targets(percent, met, len(counted), tuple(results))


def _target(code: str, name: Text, target: Decimal, higher: bool, source: str, indicator: kpis.Indicator, path: str | None) -> TargetResult:
    direction = "higher" if higher else "lower"
    if indicator.state == "empty":
        return TargetResult(code, name, target, direction, source, None, NOT_APPLICABLE, path)
    if indicator.state != "ok" or indicator.value is None:
        return TargetResult(code, name, target, direction, source, None, UNKNOWN, path)
    met = _meets(indicator.value, Fraction(target), higher)
    return TargetResult(code, name, target, direction, source, indicator.shown(), MET if met else NOT_MET, path)


def kpi_results(model: Model, sc: Scoring, data: Mapping[str, Any]) -> tuple[KpiResult, ...]:
    industry = data["organization"].get("industry")
    declared = {t["indicator"]: t for t in data.get("quality_targets", ())}
    out = []
    for code, indicator in sc.indicators.items():
        spec = model.indicators.get(code, {})
        limits, notes = thresholds(model, code, industry)
        requirement = Text.from_mapping(spec["requirement"]) if "requirement" in spec else None
        target: Decimal | None = None
        meets: bool | None = None
        if indicator.table == "A.2":
            if "required_value" in spec:
                target = kpis.decimal(spec["required_value"])
            elif code in declared:
                target = kpis.decimal(declared[code]["target"])
            if indicator.state == "ok" and indicator.value is not None:
                if code == "refund_duration" and target is None:
                    meets = bool(indicator.extra.get("within_limit"))
                elif target is not None:
                    meets = _meets(indicator.value, Fraction(target), indicator.better == kpis.HIGHER)
        out.append(KpiResult(
            indicator=indicator,
            band=band(indicator, limits),
            thresholds=limits,
            requirement=requirement,
            target=target,
            meets=meets,
            inputs=tuple(sc.locate(path, note) for path, note in indicator.inputs),
            notes=indicator.notes + notes,
            interpretations=tuple(spec.get("interpretations", ())),
        ))
    return tuple(out)


# ------------------------------------------------------------------ rows, score, grade


def _measure(row: RowSpec, sc: Scoring) -> tuple[tuple[Fraction, Fraction] | None, Check, dict[str, Any]]:
    if row.measure_indicator is not None:
        value = sc.targets.percent
        info = {"text": row.measure_text.to_json() if row.measure_text else None,
                "value": float(kpis.rounded(value, 2)) if value is not None else None, "unit": "%"}
        if value is None:
            return None, Check(UNKNOWN, sc.targets.reason or Text("无法计算", "cannot be computed")), info
        return (value, value), Check(MET, Text(f"{_fmt(value)}%", f"{_fmt(value)} %")), info
    assert row.measure_rule is not None
    outcome = row.measure_rule(sc.ctx)
    check = _outcome_check(outcome, sc)
    facts = outcome.facts
    info = {"text": row.measure_text.to_json() if row.measure_text else None, "unit": "%", "message": outcome.message.to_json(),
            "met": facts.get("met_count"), "total": facts.get("total"), "unknown": facts.get("unknown_count"), "value": None}
    total = facts.get("total") or 0
    if not total:
        return None, check, info
    met, unknown = facts["met_count"], facts["unknown_count"]
    low, high = Fraction(met * 100, total), Fraction((met + unknown) * 100, total)
    info["value"] = float(kpis.rounded(low, 2))
    return (low, high), check, info


def score_row(model: Model, row: RowSpec, sc: Scoring) -> RowResult:
    sc.measure, sc.measure_check, measure_info = (None, None, None) if row.measure_text is None else _measure(row, sc)
    sc.requirements = {label: condition(sc) for label, condition in row.requirements}
    results: list[LevelResult] = []
    evidence: list[Mapping[str, Any]] = []
    achieved = "below"
    climbing = True
    for spec in row.levels:
        check = spec.when(sc)
        results.append(LevelResult(spec.level if spec.level != "all" else "AAA/AAAA/AAAAA", spec.text, check.state, check.message))
        evidence.extend(check.evidence)
        if climbing and check.holds:
            achieved = "AAAAA" if spec.level == "all" else spec.level
        else:
            climbing = False
    requirements = tuple({"label": label, "state": c.state, "message": c.message.to_json(), "evidence": list(c.evidence)}
                         for label, c in sc.requirements.items())
    for c in sc.requirements.values():
        evidence.extend(c.evidence)
    if sc.measure_check is not None:
        evidence.extend(sc.measure_check.evidence)
    unique: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for ref in evidence:
        key = repr(sorted(ref.items()))
        if key not in seen:
            seen.add(key)
            unique.append(ref)
    return RowResult(
        row=row.row,
        group=row.group,
        indicator=row.indicator,
        content=row.content,
        level=achieved,
        points=model.points(row, achieved),
        max_points=row.points,
        prerequisite=row.prerequisite,
        levels=tuple(results),
        measure=measure_info,
        requirements=requirements,
        evidence=tuple(unique[:50]),
        interpretations=row.interpretations,
        single_criterion=row.single,
    )


def total(rows: Iterable[RowResult]) -> Decimal:
    return sum((row.points for row in rows), Decimal("0.00")).quantize(HUNDREDTH)


def _preferred(a: tuple[Decimal, tuple[tuple[int, str, Decimal], ...]], b: tuple[Decimal, tuple[tuple[int, str, Decimal], ...]]) -> bool:
    """More points first; at equal points, the earlier rows (a stable, explainable tie-break)."""
    if a[0] != b[0]:
        return a[0] > b[0]
    return [row for row, _, _ in a[1]] < [row for row, _, _ in b[1]]


def next_grade(model: Model, specs: Sequence[RowSpec], rows: Sequence[RowResult], score: Decimal, withheld: bool) -> NextGrade | None:
    """The fewest level steps that reach the next grade (ties: the most points, then the earliest rows), and the points each adds.

    A grade withheld for a prerequisite row needs that row met first; the
    target is then the grade the score already reaches (at least the lowest).
    """
    awarded = None if withheld else model.grade_of(score)
    ladder = sorted(model.grades, key=lambda pair: pair[1])
    if withheld:  # the prerequisites first; the target is the band the score already reaches, at least the lowest grade
        reached = model.grade_of(score)
        above = [(g, m) for g, m in ladder if reached is None or GRADES.index(g) >= GRADES.index(reached)]
    else:
        above = [(g, m) for g, m in ladder if awarded is None or GRADES.index(g) > GRADES.index(awarded)]
    if not above:
        return None
    target, minimum = above[0]
    need = max(Decimal(0), minimum - score)
    # options[row] = list of (steps, gain, level); steps count the level criteria newly met
    best: dict[int, tuple[Decimal, tuple[tuple[int, str, Decimal], ...]]] = {0: (Decimal(0), ())}
    for spec, result in zip(specs, rows, strict=True):
        current = LEVELS.index(result.level)
        forced = withheld and spec.prerequisite and result.level == "below"
        options = [(0, Decimal(0), result.level)] if not forced else []
        for level in spec.reachable():
            index = LEVELS.index(level)
            if index <= current:
                continue
            steps = 1 if spec.single else index - current
            options.append((steps, model.points(spec, level) - result.points, level))
        merged: dict[int, tuple[Decimal, tuple[tuple[int, str, Decimal], ...]]] = {}
        for steps_so_far, (gain_so_far, chosen) in sorted(best.items()):
            for steps, gain, level in options:
                key = steps_so_far + steps
                value = (gain_so_far + gain, chosen + (((spec.row, level, gain),) if steps else ()))
                if key not in merged or _preferred(value, merged[key]):
                    merged[key] = value
        best = merged
    for steps in sorted(best):
        gain, chosen = best[steps]
        if gain >= need:
            by_row = {r.row: r for r in rows}
            raises = tuple(Raise(row, by_row[row].indicator, by_row[row].level, level, adds) for row, level, adds in chosen)
            after = (score + gain).quantize(HUNDREDTH)
            return NextGrade(target, minimum.quantize(HUNDREDTH), need.quantize(HUNDREDTH), raises, after, model.grade_of(after))
    return None


def grade(model: Model, findings: Iterable[Finding], bundle: Bundle) -> Grade:
    """Score a bundle whose NJ-ECCS findings have been evaluated."""
    ctx = bundle.context()
    indicators = kpis.compute(ctx)
    by_key = {(f.policy_id, f.item): f for f in findings if f.standard == STANDARD}
    sc = Scoring(ctx, bundle, by_key, indicators, quality_targets(model, bundle.data, indicators))
    rows = tuple(score_row(model, spec, sc) for spec in model.rows)
    score = total(rows)
    reasons = []
    for row in rows:
        if row.prerequisite and row.level == "below":
            level = row.levels[0]
            reasons.append(Text(f"第{row.row}行（{row.indicator.zh}）为评级前提，未满足：{level.message.zh}",
                                f"row {row.row} ({row.indicator.en}) is a prerequisite and is not met: {level.message.en}"))
    withheld = bool(reasons)
    score_grade = model.grade_of(score)
    groups = tuple(
        dict(g) | {"points": float(sum((r.points for r in rows if r.group == g["id"]), Decimal(0)))} for g in model.groups
    )
    return Grade(
        standard=STANDARD,
        score=score,
        grade=None if withheld else score_grade,
        score_grade=score_grade,
        withheld=withheld,
        reasons=tuple(reasons),
        rows=rows,
        groups=groups,
        kpis=kpi_results(model, sc, bundle.data),
        quality_targets=sc.targets,
        next_grade=next_grade(model, model.rows, rows, score, withheld),
        model={"file": model.file, "sha256": model.sha256,
               "level_shares": {level: float(model.shares[level]) for level in reversed(LEVELS)},
               "grade_minimums": {g: float(m) for g, m in model.grades}},
        interpretations=model.interpretations,
    )

