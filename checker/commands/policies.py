"""`ecs-check policies`: list the policy set."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.findings import clause_key
from checker.policy import CompiledPolicy, load_policy_set
from checker.workspace import open_workspace


def describe(compiled: CompiledPolicy) -> dict[str, Any]:
    policy = compiled.policy
    return {
        "id": policy.id,
        "standard": policy.standard,
        "clause": policy.clause,
        "title": policy.title.to_json(),
        "obligation": policy.obligation,
        "applies_to": policy.applies_to,
        "verification": policy.verification,
        "items": [item.item for item in policy.items],
        "parameters": dict(compiled.params),
        "interpretations": list(policy.interpretations),
        "related": list(policy.related),
        "file": policy.source,
    }


def run(*, standards: Sequence[str] = ("all",), fmt: str = "text", policy_dirs: Sequence[Path] = (),
        config_file: Path | None = None) -> int:
    workspace = open_workspace(config_file, policy_dirs)
    policy_set = load_policy_set(workspace.roots, standards, inventory=workspace.inventory)
    ordered = sorted(policy_set.policies, key=lambda c: (c.policy.standard, clause_key(c.policy.clause), c.policy.id))
    if fmt == "json":
        replaced = {override.policy_id: override.replaced for override in policy_set.overrides}
        entries = [describe(c) | ({"replaces": replaced[c.policy.id]} if c.policy.id in replaced else {}) for c in ordered]
        sys.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
        return 0
    for compiled in ordered:
        p = compiled.policy
        items = f" [{' '.join(i.item for i in p.items)}]" if p.items else ""
        sys.stdout.write(f"{p.id:<34} {p.obligation:<11} {p.applies_to:<10} {p.verification:<12} {p.title.zh} / {p.title.en}{items}\n")
    for override in policy_set.overrides:
        sys.stdout.write(f"override: policy {override.policy_id} from {override.winner} (replaces {override.replaced})\n")
    sys.stdout.write(f"{len(ordered)} policies, policy set sha256 {policy_set.sha256}\n")
    return 0
