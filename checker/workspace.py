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
from checker.inventory import Inventory, shipped_inventory
from checker.policy import default_roots, unique_roots


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


def open_workspace(config_file: Path | None = None, policy_dirs: Sequence[Path] = ()) -> Workspace:
    config = load_config(config_file)
    roots = unique_roots([*default_roots(), *config.policy_dirs, *policy_dirs])
    inventory = shipped_inventory().with_standards(config.standards)
    return Workspace(config, tuple(roots), inventory)
