"""`ecs-check check`: load -> validate -> evaluate -> render -> write."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.bundle import Limits, load_bundle
from checker.engine import evaluate
from checker.findings import exit_code, summarize
from checker.output import write_atomic
from checker.policy import load_policy_set
from checker.reporters import renderer
from checker.workspace import open_workspace


def run(
    bundle_path: Path,
    *,
    standards: Sequence[str] = ("all",),
    fmt: str = "text",
    output: Path | None = None,
    policy_dirs: Sequence[Path] = (),
    config_file: Path | None = None,
    as_of: dt.date | None = None,
    options: dict[str, Any] | None = None,
    max_bundle_bytes: int = Limits().bundle_bytes,
    debug: bool = False,
) -> int:
    workspace = open_workspace(config_file, policy_dirs)
    policy_set = load_policy_set(workspace.roots, standards, inventory=workspace.inventory)
    bundle = load_bundle(bundle_path, as_of, Limits(bundle_bytes=max_bundle_bytes), display=str(bundle_path))
    result = evaluate(policy_set, bundle, standards, debug=debug)
    text = renderer(fmt)(result, options or {})
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
        sys.stderr.write(f"ecs-check: wrote {output} ({len(result.findings)} findings: {counts})\n")
    return exit_code(result.findings)
