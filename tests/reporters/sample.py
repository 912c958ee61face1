"""The fixed sample every reporter test renders: a small bundle, a small policy set, and a grade.

The grade is built here because the NJ-ECCS scoring is not part of these
tests: `graded()` attaches a stand-in whose `to_json()` gives the shape of
the real grade's JSON (schemas/findings.schema.json), which is all the
reporters read (checker.reporters.grading). Reports of real graded samples,
scored through the real pipeline, are `real()`.
"""

from __future__ import annotations

import types
from functools import lru_cache
from pathlib import Path

from checker.bundle import load_bundle
from checker.engine import Result, evaluate
from checker.findings import Text
from checker.policy import load_policy_set

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BUNDLE = Path("tests/data/sample-bundle")  # relative: reports cite it as the command line did
POLICIES = Path("tests/data/policies")
GOLDEN = ROOT / "tests" / "golden"
SARIF_SCHEMA = ROOT.parent / "shared" / "external-schemas" / "sarif-schema-2.1.0.json"


TAILORING = Path("tests/data/tailoring")
PROFILE, WAIVERS = TAILORING / "profile.yaml", TAILORING / "waivers.yaml"


@lru_cache(maxsize=1)
def tailored() -> Result:
    """The sample with an extra policy root, a profile and waivers (tests/data/tailoring); from the project root."""
    from checker.profiles import load_profile
    from checker.waivers import load_waivers

    policy_set = load_policy_set([ROOT / POLICIES, ROOT / TAILORING / "policies"], profile=load_profile(PROFILE))
    return evaluate(policy_set, load_bundle(BUNDLE, display=str(BUNDLE)), waivers=load_waivers(WAIVERS))


@lru_cache(maxsize=1)
def result() -> Result:
    """The sample evaluated; call with the working directory at the project root."""
    policy_set = load_policy_set([ROOT / POLICIES])
    return evaluate(policy_set, load_bundle(BUNDLE, display=str(BUNDLE)))


def _row(row: int, zh: str, en: str, level: str | None, points: float, max_points: float) -> types.SimpleNamespace:
    return types.SimpleNamespace(row=row, indicator=Text(zh, en), level=level, points=points, max_points=max_points,
                                 evidence=(), interpretations=())


ROWS = (
    _row(1, "获取资质", "Licences and qualifications", "AAAAA", 5, 5),
    _row(2, "法律法规", "Laws and regulations", "AAAAA", 10, 10),
    _row(3, "人员资格", "Staff certification", "AAAAA", 5, 5),
    _row(4, "服务方案设计", "Service plan design", "AAAA", 8, 10),
    _row(5, "售前服务：人员能力", "Pre-sales: staff knowledge", "AAAA", 7, 8.33),
    _row(6, "售前服务：咨询接待", "Pre-sales: consultation", "AAA", 5.83, 8.33),
    _row(7, "售前服务：订单管理", "Pre-sales: order management", "AAAAA", 8.34, 8.34),
    _row(8, "退换货处理", "Returns and exchanges", "AAAA", 3.2, 4),
    _row(9, "商品质量投诉", "Product quality complaints", "AAAA", 3.2, 4),
    _row(10, "服务质量投诉", "Service quality complaints", "AAAA", 2.4, 4),
    _row(11, "顾客反馈处理", "Customer feedback", "AAAAA", 4, 4),
    _row(12, "客户关系管理", "Customer relationship management", "AAAA", 3.2, 4),
    _row(13, "信息服务", "Information service", "AAAA", 2, 2.5),
    _row(14, "客户信息安全", "Customer information security", "AAAAA", 2.5, 2.5),
    _row(15, "应急响应机制与演练", "Emergency mechanism and drills", "AAAAA", 2, 2),
    _row(16, "突发事件处理流程", "Incident procedure", "AAA", 2, 3),
    _row(17, "质量指标达成", "Quality indicators achieved", "AAA", 6, 10),
    _row(18, "持续改进", "Continuous improvement", "AAAA", 4, 5),
)


def _grade_json(g: types.SimpleNamespace) -> dict:
    """What the real grade's `to_json` gives, for this stand-in (the JSON report renders it as is)."""
    groups = {"basic": (1, 3), "service": (4, 14), "emergency": (15, 16), "quality": (17, 17), "improvement": (18, 18)}
    return {
        "standard": g.standard, "score": g.score, "max_score": 100.0, "grade": g.grade, "score_grade": g.grade,
        "withheld": g.withheld, "reasons": [r.to_json() for r in g.reasons],
        "rows": [{"row": r.row, "group": next(k for k, (a, b) in groups.items() if a <= r.row <= b), "indicator": r.indicator.to_json(),
                  "content": r.indicator.to_json(), "level": r.level or "below", "points": float(r.points),
                  "max_points": float(r.max_points), "prerequisite": r.row <= 3, "levels": list(getattr(r, "levels", ())), "evidence": [],
                  "interpretations": []} for r in g.rows],
        "groups": [{"id": k, "title": {"zh": k, "en": k}, "weight": float(sum(r.max_points for r in g.rows if a <= r.row <= b)),
                    "rows": list(range(a, b + 1)), "points": float(round(sum(r.points for r in g.rows if a <= r.row <= b), 2))}
                   for k, (a, b) in groups.items()],
        "kpis": [{"id": f"kpi_{i}", "table": "A.1", "indicator": k.indicator.to_json(), "value": k.value, "unit": k.unit,
                  "band": k.level, "inputs": []} for i, k in enumerate(g.kpis)],
        "quality_targets": {"percent": None, "met": 0, "total": 0, "targets": []},
        "next_grade": {"grade": g.next_grade.grade, "raises": [
            {"row": r.row, "indicator": next(x.indicator for x in g.rows if x.row == r.row).to_json(),
             "from": next(x.level for x in g.rows if x.row == r.row), "to": r.target_level, "adds": float(r.points)}
            for r in g.next_grade.rows]},
        "model": {"file": "policies/nj-eccs/scoring.yaml", "sha256": g.model_sha256},
        "interpretations": [],
    }


def grade() -> types.SimpleNamespace:
    score = round(sum(r.points for r in ROWS), 2)
    g = _grade_stand_in(score)
    g.to_json = lambda: _grade_json(g)
    return g


def _grade_stand_in(score: float) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        standard="NJ-ECCS",
        score=score,
        grade="AAAA",
        withheld=False,
        reasons=(Text(f"总分 {score}，位于 80~89 分区间", f"total {score} is in the 80-89 band"),),
        rows=ROWS,
        kpis=(
            types.SimpleNamespace(indicator=Text("首次响应时间", "First response time"), value=18, unit="s", level="AAAA"),
            types.SimpleNamespace(indicator=Text("客户满意度", "Customer satisfaction"), value=96.5, unit="%", level="AAAAA"),
        ),
        next_grade=types.SimpleNamespace(grade="AAAAA", rows=(
            types.SimpleNamespace(row=10, points=1.6, target_level="AAAAA"),
            types.SimpleNamespace(row=17, points=4, target_level="AAAAA"),
            types.SimpleNamespace(row=6, points=2.5, target_level="AAAAA"),
            types.SimpleNamespace(row=16, points=1, target_level="AAAAA"),
        )),
        model_sha256="5d0c2b1e" * 8,
    )


def graded() -> types.SimpleNamespace:
    """The sample result with a grade attached, as `Result.grade` will carry it."""
    base = result()
    return types.SimpleNamespace(findings=base.findings, bundle=base.bundle, policy_set=base.policy_set,
                                 standards=base.standards, grade=grade())


SAMPLES = Path("evidence_samples")  # relative, as for BUNDLE
GRADED_SAMPLES = (
    "nanjing-home-textiles-aaaa",  # AAAA, with rows to raise for AAAAA
    "nanjing-household-goods-below-aaa",  # score below 70: no grade (无等级), not withheld
    "nanjing-maternal-infant-withheld",  # a prerequisite row unmet: withheld (不予评级)
)


@lru_cache(maxsize=len(GRADED_SAMPLES))
def real(name: str) -> Result:
    """A shipped sample checked against NJ-ECCS and graded as `check --standard NJ-ECCS` does; from the project root."""
    return evaluate_real(name)


def evaluate_real(name: str) -> Result:
    from checker.commands.check import evaluate_bundle

    return evaluate_bundle(SAMPLES / name, standards=("NJ-ECCS",))
