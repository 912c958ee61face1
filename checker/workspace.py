"""The policy roots and clause inventory a command works with.

Roots come in this order, a later one overriding an earlier one by policy
id: the shipped policies, the directories listed in `ecs-check.yaml`, then
each `--policies DIR` given on the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.config import Config, load_config
from checker.errors import CheckerError
from checker.inventory import Inventory, shipped_inventory
from checker.loading import display_path
from checker.policy import LoadedPolicies, Override, PolicyFile, default_roots, unique_roots

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Workspace:
    config: Config
    roots: tuple[Path, ...]
    inventory: Inventory

    def with_roots(self, extra: Sequence[Path]) -> Workspace:
        return Workspace(self.config, tuple(unique_roots([*self.roots, *extra])), self.inventory)

    def root_index(self, root: Path) -> int:
        resolved = root.resolve()
        for index, known in enumerate(self.roots):
            if known.resolve() == resolved:
                return index
        raise KeyError(root)

    def overrides(self, loaded: LoadedPolicies) -> list[Override]:
        """Every loaded id that another root also defines, and which file wins (the one in the later root).

        Other roots are looked up by path only (a policy's id is its path), so
        linting one file does not load every policy of every root.
        """
        found = {(o.policy_id, o.replaced): o for o in loaded.overrides}
        for policy_id in sorted(loaded.policies):
            holders = []
            for index, root in enumerate(self.roots):
                for suffix in YAML_SUFFIXES:
                    candidate = root / f"{policy_id}{suffix}"
                    if candidate.is_file():
                        holders.append(PolicyFile(candidate, root, index))
                        break
            if len(holders) < 2:
                continue
            winner = holders[-1]
            for other in holders[:-1]:
                found.setdefault((policy_id, other.source), Override(
                    policy_id, winner.source, other.source, display_path(winner.path), display_path(other.path)))
        return sorted(found.values(), key=lambda o: (o.policy_id, o.replaced))


def open_workspace(config_file: Path | None = None, policy_dirs: Sequence[Path] = (), shipped: bool = True) -> Workspace:
    """The roots to use; `shipped=False` leaves out the shipped policies (then some root must remain)."""
    config = load_config(config_file)
    roots = unique_roots([*(default_roots() if shipped else []), *config.policy_dirs, *policy_dirs])
    if not roots:
        raise CheckerError.at("ECS001", "--no-shipped-policies needs at least one --policies DIR or a config listing policies")
    inventory = shipped_inventory().with_standards(config.standards)
    return Workspace(config, tuple(roots), inventory)
