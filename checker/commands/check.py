"""`ecs-check check`: load -> validate -> evaluate -> score -> render -> write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker import scoring
from checker.bundle import Limits, load_bundle
from checker.engine import evaluate
from checker.errors import CheckerError
from checker.findings import exit_code, summarize
from checker.output import write_atomic
from checker.policy import default_roots, load_policy_set
from checker.reporters import renderer


def grade_exit_code(grade: scoring.Grade, min_grade: str) -> int:
    """1 when the grade is withheld, absent or lower than `min_grade`, else 0."""
    if grade.withheld or grade.grade is None:
        return 1
    return 1 if scoring.GRADES.index(grade.grade) < scoring.GRADES.index(min_grade) else 0


def run(
    bundle_path: Path,
    *,
    standards: Sequence[str] = ("all",),
    fmt: str = "text",
    output: Path | None = None,
    policy_dirs: Sequence[Path] = (),
    as_of: dt.date | None = None,
    options: dict[str, Any] | None = None,
    max_bundle_bytes: int = Limits().bundle_bytes,
    debug: bool = False,
    min_grade: str | None = None,
) -> int:
    roots = default_roots() + list(policy_dirs)
    policy_set = load_policy_set(roots, standards)
    model = None
    if scoring.wanted(standards) and any(c.policy.standard == scoring.STANDARD for c in policy_set.policies):
        path = scoring.model_path(roots)
        if path is not None:
            model = scoring.load_model(path, policy_set, scoring_display(path, roots))
    if min_grade is not None and model is None:
        raise CheckerError.at("ECS001", "--min-grade needs NJ-ECCS among the standards checked (and its scoring model)", "<command line>")
    bundle = load_bundle(bundle_path, as_of, Limits(bundle_bytes=max_bundle_bytes), display=str(bundle_path))
    result = evaluate(policy_set, bundle, standards, debug=debug)
    if model is not None:
        result = dataclasses.replace(result, grade=scoring.grade(model, result.findings, bundle))
    text = renderer(fmt)(result, options or {})
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
        sys.stderr.write(f"ecs-check: wrote {output} ({len(result.findings)} findings: {counts})\n")
    code = exit_code(result.findings)
    if min_grade is not None and result.grade is not None:
        code = max(code, grade_exit_code(result.grade, min_grade))
    return code


def scoring_display(path: Path, roots: Sequence[Path]) -> str:
    """`<root name>/nj-eccs/scoring.yaml`: stable across machines, like a policy's source."""
    for root in roots:
        try:
            return f"{root.resolve().name}/{path.resolve().relative_to(root.resolve()).as_posix()}"
        except ValueError:
            continue
    return str(path)
