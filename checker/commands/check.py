"""`ecs-check check`: load -> validate -> evaluate -> render every output -> write.

All outputs are rendered from one evaluation before any file is written, and
every destination is checked first, so a run that cannot produce one of its
reports writes none of them.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.bundle import Limits, load_bundle
from checker.engine import evaluate
from checker.errors import CheckerError
from checker.findings import exit_code, summarize
from checker.output import check_destination, write_all_atomic
from checker.policy import load_policy_set
from checker.profiles import load_profile
from checker.reporters import renderer
from checker.waivers import check_max_active, load_waivers
from checker.workspace import open_workspace


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
    profile: Path | None = None,
    waivers: Path | None = None,
    max_waivers: int | None = None,
) -> int:
    """Evaluate once and render it to stdout (`fmt`, unless `output` takes it) and to each (format, path) in `outputs`.

    `profile` tailors the policy set (checker.profiles); `waivers` are applied
    to the findings (checker.waivers), and more than `max_waivers` active
    waivers stops the run. A broken profile or waivers file stops it too.
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

    tailoring = load_profile(profile) if profile is not None else None
    waiver_file = load_waivers(waivers) if waivers is not None else None
    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    policy_set = load_policy_set(workspace.roots, standards, inventory=workspace.inventory, profile=tailoring)
    bundle = load_bundle(bundle_path, as_of, Limits(bundle_bytes=max_bundle_bytes), display=str(bundle_path))
    result = evaluate(policy_set, bundle, standards, debug=debug, waivers=waiver_file)
    check_max_active(result.waivers, max_waivers)

    file_options = {**options, "color": False}
    rendered = [(path, renderer(name)(result, file_options)) for name, path in files]
    stdout_text = renderer(fmt)(result, options) if output is None else None

    write_all_atomic(rendered)
    if stdout_text is not None:
        sys.stdout.write(stdout_text)
    counts = ", ".join(f"{name} {n}" for name, n in summarize(result.findings).items() if n)
    for name, path in files:
        sys.stderr.write(f"ecs-check: wrote {path} ({name}; {len(result.findings)} findings: {counts})\n")
    return exit_code(result.findings)
