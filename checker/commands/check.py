"""`ecs-check check`: load -> validate -> evaluate -> render every output -> write.

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

from checker.baseline import gate, mark, read_report
from checker.bundle import Limits, load_bundle
from checker.engine import Result, evaluate
from checker.errors import CheckerError
from checker.findings import exit_code, summarize
from checker.output import check_destination, write_all_atomic
from checker.policy import load_policy_set
from checker.reporters import renderer
from checker.workspace import open_workspace


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
) -> Result:
    """Load the policies and the bundle and evaluate: the one evaluation `check` reports and `explain --grade` explains."""
    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    policy_set = load_policy_set(workspace.roots, standards, inventory=workspace.inventory)
    bundle = load_bundle(bundle_path, as_of, limits or Limits(), display=str(bundle_path))
    return evaluate(policy_set, bundle, standards, debug=debug)


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
    debug: bool = False,
) -> int:
    """Evaluate once and render it to stdout (`fmt`, unless `output` takes it) and to each (format, path) in `outputs`.

    With `baseline` (an earlier JSON report) every finding is marked new,
    changed or existing, and only a failing finding that is not existing
    makes the exit code 1 (checker.baseline).
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
                             shipped_policies=shipped_policies, as_of=as_of, limits=Limits(bundle_bytes=max_bundle_bytes),
                             debug=debug)
    if earlier is not None:
        result = replace(result, baseline=mark(earlier, result.findings))

    file_options = {**options, "color": False}
    rendered = [(path, renderer(name)(result, file_options)) for name, path in files]
    stdout_text = renderer(fmt)(result, options) if output is None else None

    write_all_atomic(rendered)
    if stdout_text is not None:
        sys.stdout.write(stdout_text)
    counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
    for name, path in files:
        sys.stderr.write(f"ecs-check: wrote {path} ({name}; {len(result.findings)} findings: {counts})\n")
    return gate(result.findings, result.baseline) if result.baseline is not None else exit_code(result.findings)
