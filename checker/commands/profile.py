"""`ecs-check profile show FILE`: the effective policy set of a profile."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.findings import ParameterChange, clause_key
from checker.policy import CompiledPolicy, PolicySet, load_policy_set
from checker.profiles import Tailoring, load_profile, shipped_profiles
from checker.workspace import open_workspace

DIRECTION_WORDS = {"stricter": "stricter", "unchanged": "unchanged", "looser": "LOOSENED",
                   "unranked": "LOOSENED (direction not declared)"}


def change_line(change: ParameterChange) -> str:
    """`name: 8 -> 12 (stricter): reason` (one line; the reason in both languages)."""
    reason = change.reason.zh if change.reason.zh == change.reason.en else f"{change.reason.zh} / {change.reason.en}"
    return f"{change.name}: {change.default} -> {change.value} ({DIRECTION_WORDS[change.direction]}): {reason}"


def _both(text: Any) -> str:
    return text.zh if text.zh == text.en else f"{text.zh} / {text.en}"


def describe(compiled: CompiledPolicy) -> dict[str, Any]:
    policy = compiled.policy
    tailoring = compiled.tailoring
    return {
        "id": policy.id,
        "standard": policy.standard,
        "clause": policy.clause,
        "title": policy.title.to_json(),
        "parameters": dict(compiled.params),
        "changes": [c.to_json() for c in tailoring.changes] if tailoring else [],
        "not_applicable": [
            {"item": item, "justification": text.to_json()}
            for item, text in sorted((tailoring.not_applicable if tailoring else {}).items(), key=lambda kv: kv[0] or "")
        ],
        "file": policy.source,
    }


def document(tailoring: Tailoring, policy_set: PolicySet) -> dict[str, Any]:
    ordered = _ordered(policy_set)
    return {
        "profile": tailoring.to_json(),
        "policy_set": {"sha256": policy_set.sha256, "roots": list(policy_set.roots), "count": len(ordered)},
        "policies": [describe(c) for c in ordered],
    }


def _ordered(policy_set: PolicySet) -> list[CompiledPolicy]:
    return sorted(policy_set.policies, key=lambda c: (c.policy.standard, clause_key(c.policy.clause), c.policy.id))


def text(tailoring: Tailoring, policy_set: PolicySet) -> str:
    lines = [
        f"profile {tailoring.id}: {_both(tailoring.title)}",
        f"file {tailoring.file} sha256 {tailoring.sha256}",
        f"applies to: {tailoring.applies_to or 'any role'}; standards: "
        f"{', '.join(tailoring.standards) if tailoring.standards else 'all'}",
        f"policy set sha256 {policy_set.sha256} ({', '.join(policy_set.roots)})",
        "",
    ]
    for compiled in _ordered(policy_set):
        policy = compiled.policy
        lines.append(f"{policy.id:<34} {_both(policy.title)}")
        changed = {c.name: c for c in (compiled.tailoring.changes if compiled.tailoring else ())}
        for name, value in compiled.params.items():
            if name in changed:
                lines.append(f"{'':4}{change_line(changed[name])}")
            else:
                lines.append(f"{'':4}{name} = {value}")
        for item, justification in sorted((compiled.tailoring.not_applicable if compiled.tailoring else {}).items(),
                                          key=lambda kv: kv[0] or ""):
            lines.append(f"{'':4}not applicable{' ' + item if item else ''}: {_both(justification)}")
    if tailoring.excluded:
        lines += ["", "excluded:"]
        lines += [f"  {e.policy_id} ({e.pattern}): {_both(e.reason)}" for e in tailoring.excluded]
    loosened = tailoring.loosened
    lines += [
        "",
        f"{_count(len(policy_set.policies), 'policy', 'policies')} checked, {len(tailoring.excluded)} excluded, "
        f"{_count(len(tailoring.changes), 'parameter', 'parameters')} set ({len(loosened)} loosened), "
        f"{len(tailoring.not_applicable)} declared not applicable",
    ]
    for change in loosened:
        lines.append(f"LOOSENED: {change.policy_id} {change_line(change)}")
    return "\n".join(lines) + "\n"


def list_shipped() -> int:
    for name, path in shipped_profiles().items():
        profile = load_profile(path)
        sys.stdout.write(f"{name:<20} {_both(profile.title)}  ({path.name})\n")
    return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def show(file: Path, *, standards: Sequence[str] = ("all",), fmt: str = "text", policy_dirs: Sequence[Path] = (),
         config_file: Path | None = None, shipped_policies: bool = True) -> int:
    profile = load_profile(file)
    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    policy_set = load_policy_set(workspace.roots, standards, inventory=workspace.inventory, profile=profile)
    assert policy_set.tailoring is not None
    if fmt == "json":
        sys.stdout.write(json.dumps(document(policy_set.tailoring, policy_set), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(text(policy_set.tailoring, policy_set))
    return 0
