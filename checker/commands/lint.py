"""`ecs-check lint`: validate policy files, print every problem as FILE:LINE:COL: CODE message.

Lint loads each policy exactly as `check` does (`checker.policy.load_policies`),
so a policy lint accepts is one `check` accepts, and the other way round.
Exit codes: 0 clean, 1 any problem, 2 bad usage or an unusable config.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker import __version__
from checker.errors import Problem
from checker.policy import Override, PolicyFile, load_policies, read_references
from checker.targets import INTERPRETATIONS, POLICY, Target, default_paths, expand
from checker.workspace import Workspace, open_workspace


@dataclass(frozen=True)
class LintResult:
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    overrides: tuple[Override, ...]


def lint(targets: Sequence[Target], workspace: Workspace) -> LintResult:
    roots = [t.root for t in targets if t.kind in (POLICY, INTERPRETATIONS) and t.root is not None]
    workspace = workspace.with_roots(roots)
    refs, problems, _ = read_references(workspace.roots, workspace.inventory)
    files = sorted(
        (PolicyFile(t.path, t.root, workspace.root_index(t.root)) for t in targets if t.kind == POLICY and t.root is not None),
        key=lambda f: (f.root_index, str(f.path)),
    )
    loaded = load_policies(files, refs)
    problems.extend(loaded.problems)
    checked = [str(t.path) for t in targets if t.kind in (POLICY, INTERPRETATIONS)]
    return LintResult(tuple(checked), tuple(sorted(set(problems), key=Problem.sort_key)),
                      tuple(workspace.overrides(loaded)))


def render_text(result: LintResult) -> str:
    lines = [problem.render() for problem in result.problems]
    for override in result.overrides:
        lines.append(f"{override.winner_file}: note: policy {override.policy_id} overrides {override.replaced_file}")
    files_with = len({p.location.file for p in result.problems})
    count = len(result.files)
    noun = "file" if count == 1 else "files"
    if result.problems:
        lines.append(f"Found {len(result.problems)} problem{'s' if len(result.problems) != 1 else ''} "
                     f"in {files_with} of {count} {noun} checked.")
    else:
        lines.append(f"{count} {noun} checked, no problems.")
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    document: dict[str, Any] = {
        "tool": {"name": "ecs-check", "version": __version__},
        "files": list(result.files),
        "problems": [
            {"file": p.location.file, "line": p.location.line, "column": p.location.column,
             "code": p.code, "message": p.message, "json_path": p.location.json_path}
            for p in result.problems
        ],
        "overrides": [
            {"policy_id": o.policy_id, "winner": o.winner_file, "replaced": o.replaced_file} for o in result.overrides
        ],
        "summary": {"files": len(result.files), "problems": len(result.problems)},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def run(paths: Sequence[Path] = (), *, fmt: str = "text", policy_dirs: Sequence[Path] = (),
        config_file: Path | None = None) -> int:
    workspace = open_workspace(config_file, policy_dirs)
    targets = expand(paths or default_paths(workspace.config, policy_dirs))
    result = lint(targets, workspace)
    sys.stdout.write(render_json(result) if fmt == "json" else render_text(result))
    if any(problem.code in UNREADABLE for problem in result.problems):
        return 2  # a file that cannot be read as YAML or JSON at all is unusable input, not a policy problem
    return 1 if result.problems else 0


# Problems with reading a file (missing, too large, not UTF-8, not YAML or JSON data): exit 2, as on every command.
UNREADABLE = frozenset({"ECS002", "ECS003"} | {f"ECS2{n:02d}" for n in range(1, 14)})
