"""Which files a `lint`, `fmt` or `test` run is about.

A PATH is a policy file, a test case file, an `INTERPRETATIONS.yaml`, or a
directory: a policy root (`policies/`), a standard directory
(`policies/nj-eccs/`) or a policy's case folder
(`policies/nj-eccs/5.2/`). Files are told apart by where they sit:

    <root>/INTERPRETATIONS.yaml          interpretations
    <root>/<standard dir>/<name>.yaml    a policy (except scoring.yaml)
    <root>/<standard dir>/<name>/*.yaml  the test cases of <name>.yaml

Anything else given by name (a scoring model, a YAML file that is not a
policy) is left alone, so a pre-commit hook can pass every YAML file it sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.config import CONFIG_FILE, Config
from checker.errors import CheckerError
from checker.policy import INTERPRETATIONS_FILE, NOT_POLICIES, discover
from checker.workspace import YAML_SUFFIXES

POLICY, CASE, INTERPRETATIONS, OTHER = "policy", "case", "interpretations", "other"
DEFAULT_DIR = Path("policies")


@dataclass(frozen=True)
class Target:
    path: Path
    kind: str
    root: Path | None  # the policy root the file belongs to

    @property
    def policy_path(self) -> Path | None:
        """The policy a case belongs to (the policy itself for a policy)."""
        if self.kind == POLICY:
            return self.path
        if self.kind == CASE:
            return policy_beside(self.path.parent)
        return None


def policy_beside(folder: Path) -> Path | None:
    """The policy file whose case folder `folder` is, if any."""
    for suffix in YAML_SUFFIXES:
        candidate = folder.parent / (folder.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def classify(path: Path) -> Target:
    if path.suffix not in YAML_SUFFIXES or path.name.startswith("."):
        return Target(path, OTHER, None)
    if path.name == INTERPRETATIONS_FILE:
        return Target(path, INTERPRETATIONS, path.parent)
    if path.name in NOT_POLICIES or path.name == CONFIG_FILE:
        return Target(path, OTHER, None)
    if policy_beside(path.parent) is not None:
        return Target(path, CASE, path.parent.parent.parent)
    return Target(path, POLICY, path.parent.parent)


def _cases(policy: Path) -> list[Path]:
    folder = policy.with_suffix("")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def _expand_directory(directory: Path) -> list[Target]:
    if policy_beside(directory) is not None:
        return [classify(p) for p in sorted(directory.iterdir()) if p.is_file() and p.suffix in YAML_SUFFIXES]
    direct = [classify(p) for p in sorted(directory.iterdir()) if p.is_file()]
    if any(t.kind == POLICY for t in direct):  # a standard directory
        policies = [t for t in direct if t.kind == POLICY]
    else:  # a policy root
        policies = [Target(p, POLICY, directory) for p in discover(directory)]
        direct = [t for t in direct if t.kind == INTERPRETATIONS]
    out = [t for t in direct if t.kind == INTERPRETATIONS]
    for policy in policies:
        out.append(policy)
        out += [Target(case, CASE, policy.root) for case in _cases(policy.path)]
    return out


def expand(paths: Iterable[Path]) -> list[Target]:
    """Every target under `paths`, each once, in a stable order; a missing PATH is an error."""
    found: dict[Path, Target] = {}
    missing = []
    for path in paths:
        if path.is_dir():
            targets = _expand_directory(path)
            if not any(t.kind in (POLICY, CASE) for t in targets):
                missing.append(CheckerError.at("ECS002", "no policy files in this directory "
                                               "(expected a policy root, a standard directory or a case folder)", str(path)))
        elif path.is_file():
            targets = [classify(path)]
        else:
            missing.append(CheckerError.at("ECS002", "no such file or directory", str(path)))
            continue
        for target in targets:
            found.setdefault(target.path.resolve(), target)
    if missing:
        raise CheckerError([problem for err in missing for problem in err.problems])
    return sorted(found.values(), key=lambda t: str(t.path))


def default_paths(config: Config, policy_dirs: Sequence[Path]) -> list[Path]:
    """PATHs when none are given: the configured and --policies directories, else ./policies."""
    dirs = list(config.policy_dirs) + list(policy_dirs)
    if dirs:
        return dirs
    if not DEFAULT_DIR.is_dir():
        raise CheckerError.at("ECS001", "no PATH given and no policies/ directory here; name the policy files "
                                        "or directories to use, or list them in ecs-check.yaml", str(DEFAULT_DIR))
    return [DEFAULT_DIR]
