"""`ecs-check test`: run the policies' test cases, like `opa test` or `kyverno test`.

Every case prints PASS or FAIL (a failure at the FILE:LINE:COL of the
expectation that did not hold), then a summary `N passed, N failed`.
Exit codes: 0 every case passed; 1 a case failed, or no case was found (a
run that tests nothing must not look green); 2 bad usage or a policy that
is not valid (its problems are printed; the valid policies still run).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.errors import CheckerError
from checker.loading import display_path
from checker.policy import CompiledPolicy, PolicyFile, load_policies, read_references
from checker.targets import POLICY, Target, default_paths, expand
from checker.workspace import Workspace, open_workspace


@dataclass(frozen=True)
class Selection:
    """A policy to test and which of its cases (None: all of them)."""

    policy: PolicyFile
    cases: tuple[Path, ...] | None


def select(targets: Sequence[Target], workspace: Workspace) -> list[Selection]:
    """Each policy named (all its cases) or whose case files were named (those cases only)."""
    chosen: dict[Path, tuple[PolicyFile, frozenset[Path] | None]] = {}
    for target in targets:
        policy_path = target.policy_path
        if policy_path is None or target.root is None:
            continue
        key = policy_path.resolve()
        file = PolicyFile(policy_path, target.root, workspace.root_index(target.root))
        _, cases = chosen.get(key, (file, frozenset()))
        if target.kind == POLICY:
            cases = None
        elif cases is not None:
            cases = cases | {target.path}
        chosen[key] = (file, cases)
    selections = [Selection(file, None if cases is None else tuple(sorted(cases))) for file, cases in chosen.values()]
    return sorted(selections, key=lambda s: str(s.policy.path))


def run(paths: Sequence[Path] = (), *, policy_dirs: Sequence[Path] = (), config_file: Path | None = None) -> int:
    from checker.fixtures import case_files, load_case, run_case

    workspace = open_workspace(config_file, policy_dirs)
    targets = expand(paths or default_paths(workspace.config, policy_dirs))
    workspace = workspace.with_roots([t.root for t in targets if t.root is not None])
    selections = select(targets, workspace)
    refs, problems, _ = read_references(workspace.roots, workspace.inventory)
    loaded = load_policies([s.policy for s in selections], refs)
    problems.extend(loaded.problems)
    out = sys.stdout
    passed = failed = 0
    untested: list[str] = []
    by_file = {entry.file.path.resolve(): entry for entry in loaded.files}
    for selection in selections:
        compiled: CompiledPolicy | None = by_file[selection.policy.path.resolve()].compiled
        if compiled is None:
            continue  # its problems are listed below
        files = list(selection.cases) if selection.cases is not None else case_files(compiled)
        if not files:
            untested.append(f"{display_path(selection.policy.path)}: no test cases for {compiled.policy.id}")
        for path in files:
            try:
                case = load_case(compiled, path)
                result = run_case(compiled, case)
            except CheckerError as err:
                failed += 1
                out.write(f"{display_path(path)}: FAIL {compiled.policy.id}: the case cannot be run\n")
                for problem in err.problems:
                    out.write(f"    {problem.render()}\n")
                continue
            if result.passed:
                passed += 1
                out.write(f"{case.file}: PASS {compiled.policy.id} ({result.actual})\n")
                continue
            failed += 1
            for location, message in zip(result.locations(), result.problems, strict=True):
                out.write(f"{location}: FAIL {compiled.policy.id}: {message}\n")
    for line in untested:
        out.write(line + "\n")
    for override in workspace.overrides(loaded):
        out.write(f"{override.winner_file}: note: policy {override.policy_id} overrides {override.replaced_file}\n")
    for problem in sorted(set(problems), key=lambda p: p.sort_key()):
        out.write(problem.render() + "\n")
    summary = f"{passed} passed, {failed} failed"
    if untested:
        summary += f"; {len(untested)} {'policy has' if len(untested) == 1 else 'policies have'} no test cases"
    if passed + failed == 0:
        summary += "; no test cases found"
    out.write(summary + "\n")
    if problems:
        return 2
    return 1 if failed or passed + failed == 0 else 0
