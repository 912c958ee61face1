"""`ecs-check fmt`: rewrite policy and test case files in their canonical layout.

With `--check` nothing is written: the files that would change are listed
and the exit code is 1 if there are any. A file that is not valid YAML data,
does not hold a mapping, or is a symbolic link is reported and left alone;
then no file is rewritten at all (exit 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from checker.config import load_config
from checker.errors import CheckerError, Location, Problem
from checker.formatting import CASE_ORDER, POLICY_ORDER, format_text, schema_ref_for
from checker.loading import decode_text, display_path, read_bytes
from checker.targets import CASE, POLICY, default_paths, expand

FILE_LIMIT = 1024 * 1024


def run(paths: Sequence[Path] = (), *, check: bool = False, config_file: Path | None = None) -> int:
    from checker.output import write_atomic

    config = load_config(config_file)
    targets = [t for t in expand(paths or default_paths(config, ())) if t.kind in (POLICY, CASE)]
    changed: list[tuple[str, Path, str]] = []
    problems: list[Problem] = []
    for target in targets:
        display = display_path(target.path)
        if target.path.is_symlink():  # rewriting would replace the link with a file
            problems.append(Problem("ECS004", "is a symbolic link; fmt does not replace links (format the file it points to)",
                                    Location(display)))
            continue
        try:
            text = decode_text(read_bytes(target.path, display, FILE_LIMIT), display)
            if target.kind == POLICY:
                new = format_text(text, display, POLICY_ORDER, schema_ref_for(target.path), modeline=True)
            else:
                new = format_text(text, display, CASE_ORDER)
        except CheckerError as err:
            problems.extend(err.problems)
            continue
        if new != text:
            changed.append((display, target.path, new))
    if not check and not problems:  # all or nothing: with any file refused, none is rewritten
        for _, path, new in changed:
            mode = os.stat(path).st_mode & 0o7777
            write_atomic(path, new)
            os.chmod(path, mode)
    out = sys.stdout
    done = not check and not problems
    for display, _, _ in changed:
        out.write(f"{'reformatted' if done else 'would reformat'}: {display}\n")
    for problem in sorted(problems, key=Problem.sort_key):
        out.write(f"{problem.render()}\n")
    unchanged = len(targets) - len(changed) - len({p.location.file for p in problems})
    verb = "reformatted" if done else "would be reformatted"
    out.write(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, {unchanged} already formatted\n")
    if problems:
        return 2
    return 1 if check and changed else 0
