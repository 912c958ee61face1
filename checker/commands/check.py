"""`ecs-check check`: load -> validate -> evaluate -> score -> render every output -> write.

All outputs are rendered from one evaluation before any file is written, and
every destination is checked first, so a run that cannot produce one of its
reports writes none of them.
"""

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
from checker.output import check_destination, write_all_atomic
from checker.policy import load_policy_set
from checker.reporters import renderer
from checker.workspace import open_workspace


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
    outputs: Sequence[tuple[str, Path]] = (),
    policy_dirs: Sequence[Path] = (),
    shipped_policies: bool = True,
    config_file: Path | None = None,
    as_of: dt.date | None = None,
    options: dict[str, Any] | None = None,
    max_bundle_bytes: int = Limits().bundle_bytes,
    debug: bool = False,
    min_grade: str | None = None,
) -> int:
    """Evaluate once and render it to stdout (`fmt`, unless `output` takes it) and to each (format, path) in `outputs`."""
    options = options or {}
    files = list(outputs) + ([(fmt, output)] if output is not None else [])
    seen: set[Path] = set()
    for _, path in files:
        key = path.resolve()
        if key in seen:
            raise CheckerError.at("ECS001", "two --output options name the same file", str(path))
        seen.add(key)
    for _, path in files:
        check_destination(path)

    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    roots = list(workspace.roots)
    policy_set = load_policy_set(roots, standards, inventory=workspace.inventory)
    model = None
    if scoring.wanted(standards) and any(c.policy.standard == scoring.STANDARD for c in policy_set.policies):
        model_file = scoring.model_path(roots)
        if model_file is not None:
            model = scoring.load_model(model_file, policy_set, scoring_display(model_file, roots))
    if min_grade is not None and model is None:
        raise CheckerError.at("ECS001", "--min-grade needs NJ-ECCS among the standards checked (and its scoring model)", "<command line>")
    from checker.bundle import bundle_schema
    from checker.evidence import sections_to_read

    wanted = sections_to_read(policy_set.policies, bundle_schema()["properties"])
    bundle = load_bundle(bundle_path, as_of, Limits(bundle_bytes=max_bundle_bytes), display=str(bundle_path), materialize=wanted)
    result = evaluate(policy_set, bundle, standards, debug=debug)
    if model is not None:
        result = dataclasses.replace(result, grade=scoring.grade(model, result.findings, bundle))

    file_options = {**options, "color": False}
    rendered = [(path, renderer(name)(result, file_options)) for name, path in files]
    stdout_text = renderer(fmt)(result, options) if output is None else None

    write_all_atomic(rendered)
    if stdout_text is not None:
        sys.stdout.write(stdout_text)
    counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
    for name, path in files:
        sys.stderr.write(f"ecs-check: wrote {path} ({name}; {len(result.findings)} findings: {counts})\n")
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
