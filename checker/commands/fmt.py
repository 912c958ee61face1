"""`ecs-check fmt`: rewrite policy and test case files in their canonical layout.

With `--check` nothing is written: the files that would change are listed
and the exit code is 1 if there are any. A file that is not valid YAML data
is reported at its line and left alone (exit 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from checker.config import load_config
from checker.errors import CheckerError, Problem
from checker.formatting import CASE_ORDER, POLICY_ORDER, format_text, schema_ref_for
from checker.loading import decode_text, display_path, read_bytes
from checker.targets import CASE, POLICY, default_paths, expand

FILE_LIMIT = 1024 * 1024


def run(paths: Sequence[Path] = (), *, check: bool = False, config_file: Path | None = None) -> int:
    from checker.output import write_atomic

    config = load_config(config_file)
    targets = [t for t in expand(paths or default_paths(config, ())) if t.kind in (POLICY, CASE)]
    changed: list[str] = []
    problems: list[Problem] = []
    for target in targets:
        display = display_path(target.path)
        try:
            text = decode_text(read_bytes(target.path, display, FILE_LIMIT), display)
            if target.kind == POLICY:
                new = format_text(text, display, POLICY_ORDER, schema_ref_for(target.path), modeline=True)
            else:
                new = format_text(text, display, CASE_ORDER)
        except CheckerError as err:
            problems.extend(err.problems)
            continue
        if new == text:
            continue
        changed.append(display)
        if not check:
            mode = os.stat(target.path).st_mode & 0o7777
            write_atomic(target.path, new)
            os.chmod(target.path, mode)
    out = sys.stdout
    for display in changed:
        out.write(f"{'would reformat' if check else 'reformatted'}: {display}\n")
    for problem in sorted(problems, key=Problem.sort_key):
        out.write(f"{problem.render()}\n")
    unchanged = len(targets) - len(changed) - len({p.location.file for p in problems})
    verb = "would be reformatted" if check else "reformatted"
    out.write(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, {unchanged} already formatted\n")
    if problems:
        return 2
    return 1 if check and changed else 0
