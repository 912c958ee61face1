"""`ecs-check check`: load -> validate -> evaluate -> score -> render every output -> write.

All outputs are rendered from one evaluation before any file is written, and
every destination is checked first, so a run that cannot produce one of its
reports writes none of them.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from checker import scoring
from checker.baseline import gate, mark, read_report
from checker.bundle import Limits, bundle_schema, load_bundle
from checker.engine import Result, evaluate
from checker.errors import CheckerError
from checker.findings import exit_code, summarize
from checker.output import check_destination, refuse_inputs, write_all_atomic, write_stdout
from checker.policy import load_policy_set
from checker.profiles import find_profile, load_profile
from checker.reporters import renderer
from checker.waivers import check_max_active, load_waivers, unwaived
from checker.workspace import open_workspace


def grade_exit_code(grade: scoring.Grade, min_grade: str) -> int:
    """1 when the grade is withheld, absent or lower than `min_grade`, else 0."""
    if grade.withheld or grade.grade is None:
        return 1
    return 1 if scoring.GRADES.index(grade.grade) < scoring.GRADES.index(min_grade) else 0


def evaluate_bundle(
    bundle_path: Path,
    *,
    standards: Sequence[str] = ("all",),
    policy_dirs: Sequence[Path] = (),
    shipped_policies: bool = True,
    config_file: Path | None = None,
    as_of: dt.date | None = None,
    limits: Limits | None = None,
    debug: bool = False,
    profile: Path | None = None,
    waivers: Path | None = None,
    max_waivers: int | None = None,
    need_grade: bool = False,
) -> Result:
    """The one evaluation `check` reports and `explain --grade` explains.

    Loads the policies (tailored by `profile`), the bundle, evaluates, applies
    `waivers` (more than `max_waivers` active ones stops the run) and, when
    NJ-ECCS is checked, computes the grade from the findings with waivers
    undone, so a waiver never raises it (INT-084). `need_grade` makes a run
    that cannot be graded an error.
    """
    tailoring = load_profile(profile) if profile is not None else None
    waiver_file = load_waivers(waivers) if waivers is not None else None
    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    roots = list(workspace.roots)
    policy_set = load_policy_set(roots, standards, inventory=workspace.inventory, profile=tailoring)
    model = None
    if scoring.wanted(standards) and any(c.policy.standard == scoring.STANDARD for c in policy_set.policies):
        model_file = scoring.model_path(roots)
        if model_file is not None:
            model = scoring.load_model(model_file, policy_set, scoring_display(model_file, roots))
    if need_grade and model is None:
        raise CheckerError.at("ECS001", "grading needs NJ-ECCS among the standards checked (and its scoring model)", "<command line>")
    from checker.evidence import sections_to_read

    wanted = sections_to_read(policy_set.policies, bundle_schema()["properties"])
    bundle = load_bundle(bundle_path, as_of, limits or Limits(), display=str(bundle_path), materialize=wanted)
    result = evaluate(policy_set, bundle, standards, debug=debug, waivers=waiver_file)
    check_max_active(result.waivers, max_waivers)
    if model is not None:
        result = replace(result, grade=scoring.grade(model, unwaived(result.findings), bundle))
    return result


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
    baseline: Path | None = None,
    max_attachment_bytes: int = Limits().attachment_bytes,
    debug: bool = False,
    min_grade: str | None = None,
    profile: Path | None = None,
    waivers: Path | None = None,
    max_waivers: int | None = None,
) -> int:
    """Evaluate once and render it to stdout (`fmt`, unless `output` takes it) and to each (format, path) in `outputs`.

    With `baseline` (an earlier JSON report) every finding is marked new,
    changed or existing, and only a failing finding that is not existing
    makes the exit code 1 (checker.baseline). With `min_grade`, a lower or
    withheld NJ-ECCS grade makes it 1 too.
    """
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
    earlier = read_report(baseline) if baseline is not None else None

    result = evaluate_bundle(bundle_path, standards=standards, policy_dirs=policy_dirs, config_file=config_file,
                             shipped_policies=shipped_policies, as_of=as_of,
                             limits=Limits(bundle_bytes=max_bundle_bytes, attachment_bytes=max_attachment_bytes),
                             debug=debug, profile=profile, waivers=waivers, max_waivers=max_waivers,
                             need_grade=min_grade is not None)
    if earlier is not None:
        result = replace(result, baseline=mark(earlier, result.findings))

    if files:
        from checker.inputs import files_read

        workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
        read = list(files_read(result.bundle, result.policy_set, workspace, waivers=waivers, baseline=baseline,
                               profile=find_profile(profile) if profile is not None else None))
        for _, path in files:
            refuse_inputs(path, read)

    file_options = {**options, "color": False}
    rendered = [(path, renderer(name)(result, file_options)) for name, path in files]
    stdout_text = renderer(fmt)(result, options) if output is None else None

    write_all_atomic(rendered)
    if stdout_text is not None:
        write_stdout(stdout_text)
    counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
    for name, path in files:
        sys.stderr.write(f"ecs-check: wrote {path} ({name}; {len(result.findings)} findings: {counts})\n")
    code = gate(result.findings, result.baseline) if result.baseline is not None else exit_code(result.findings)
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
