"""`ecs-check pin`: add the missing `text.sha256` pins of policies that quote a standard.

A policy is pinned only when its quote occurs verbatim in the shipped text
of its standard (any quote, for a standard of one's own). An existing pin is
never replaced. With `--check` nothing is written and the policies that
would be pinned are listed.

Exit codes: 0 every policy with a quote is pinned (or was, or would be
without --check); 1 a policy could not be pinned, or --check found one to
pin; 2 bad usage or a file that is not a policy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from checker.config import load_config
from checker.errors import CheckerError, Problem
from checker.loading import decode_text, display_path, read_bytes
from checker.pinning import ALREADY, PINNED, REFUSED, pin_text
from checker.targets import POLICY, default_paths, expand

FILE_LIMIT = 1024 * 1024


def run(paths: Sequence[Path] = (), *, check: bool = False, config_file: Path | None = None) -> int:
    from checker.output import write_atomic

    config = load_config(config_file)
    targets = [t for t in expand(paths or default_paths(config, ())) if t.kind == POLICY]
    counts = {PINNED: 0, ALREADY: 0, REFUSED: 0}
    problems: list[Problem] = []
    invalid = False
    out = sys.stdout
    for target in targets:
        display = display_path(target.path)
        try:
            result = pin_text(decode_text(read_bytes(target.path, display, FILE_LIMIT), display), display)
        except CheckerError as err:
            problems.extend(err.problems)
            invalid = True
            continue
        if result is None:
            continue
        counts[result.state] += 1
        if result.problem is not None:
            problems.append(result.problem)
        if result.state == PINNED:
            out.write(f"{'would pin' if check else 'pinned'}: {display} sha256 {result.digest}\n")
            if not check:
                mode = os.stat(target.path).st_mode & 0o7777
                write_atomic(target.path, result.text)
                os.chmod(target.path, mode)
    for problem in sorted(problems, key=Problem.sort_key):
        out.write(f"{problem.render()}\n")
    verb = "would be pinned" if check else "pinned"
    out.write(f"{counts[PINNED]} {verb}, {counts[ALREADY]} already pinned, {counts[REFUSED]} not pinned\n")
    if invalid:
        return 2
    return 1 if counts[REFUSED] or (check and counts[PINNED]) else 0
