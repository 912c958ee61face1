"""Check the bundle against each policy's own evidence schema before evaluating.

The bundle schema is authoritative for every section it defines, and a test
keeps the shipped policies' evidence schemas consistent with it (each sample
bundle satisfies them). At run time only sections the bundle schema does not
define, the `x-` extension sections custom policies read, are checked
against the evidence schemas that name them. A mismatch is unusable input
(exit 2), never a verdict. Identical evidence schemas are checked once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from checker.bundle import Bundle, _is_timestamp, bundle_schema
from checker.errors import CheckerError, Location, Problem
from checker.paths import render
from checker.policy import CompiledPolicy


def evidence_problems(policies: Iterable[CompiledPolicy], bundle: Bundle, sections: str = "extensions") -> list[Problem]:
    """Problems of the bundle against the policies' evidence schemas.

    `sections="extensions"` checks only sections the bundle schema does not
    define (what runs on every check); `"all"` checks every section named.
    """
    import jsonschema_rs

    known = set(bundle_schema()["properties"])

    groups: dict[str, list[str]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for compiled in policies:
        schema = compiled.policy.evidence.get("schema") or {}
        names = set(schema.get("properties") or ())
        if not names or (sections == "extensions" and names <= known):
            continue
        key = json.dumps(schema, sort_keys=True, ensure_ascii=False)
        groups.setdefault(key, []).append(compiled.policy.id)
        schemas[key] = schema
    problems = []
    for key in sorted(groups):
        schema = schemas[key]
        wanted = {name: bundle.data[name] for name in schema["properties"] if name in bundle.data}
        validator = jsonschema_rs.validator_for(schema, formats={"ecs-timestamp": _is_timestamp}, validate_formats=True,
                                                offline=True)  # never fetch a remote $ref
        for error in validator.iter_errors(wanted):
            path = tuple(error.instance_path)
            line, col = bundle.locate(path)
            owners = ", ".join(groups[key])
            problems.append(Problem("ECS301", f"{error.message} (required by the evidence schema of {owners})",
                                    Location(bundle.display, line, col, render(path))))
    return problems


def check_evidence(policies: Iterable[CompiledPolicy], bundle: Bundle) -> None:
    problems = evidence_problems(policies, bundle)
    if problems:
        raise CheckerError(problems)


# sections only the KPI engines read (large record sets kept in their files unless a policy names them)
MEASURED_ONLY = frozenset({"chats", "reviews"})


def _only_kpis(rule: Any) -> bool:
    if not isinstance(rule, dict) or len(rule) != 1:
        return False
    (name, args), = rule.items()
    if name == "kpi":
        return True
    if name in ("all_of", "any_of"):
        return isinstance(args, list) and all(_only_kpis(r) for r in args)
    if name == "optional":
        return isinstance(args, dict) and _only_kpis(args.get("rule"))
    return False


def _measured_only(compiled: CompiledPolicy) -> bool:
    """A policy whose every rule is built of kpi operators: it reads records through the measuring engines, not as lists."""
    check = compiled.policy.check
    rules = [item.get("rule") for item in check.get("items", ())] if "items" in check else [check.get("rule")]
    return bool(rules) and all(_only_kpis(rule) for rule in rules)


def evidence_sections(policies: Iterable[CompiledPolicy]) -> set[str]:
    """The top-level bundle sections the policies' evidence paths name (`$.orders.records` -> `orders`).

    Policies that only compute indicators are left out: the engines read their records in place.
    """
    import re

    found = set()
    for compiled in policies:
        if _measured_only(compiled):
            continue
        for path in compiled.policy.evidence.get("paths") or ():
            match = re.match(r"^\$\.([A-Za-z_][A-Za-z0-9_-]*)", path)
            if match:
                found.add(match.group(1))
    return found


def sections_to_read(policies: Iterable[CompiledPolicy], bundle_sections: Iterable[str]) -> set[str]:
    """What `check` reads into Python: every section but the measured-only ones, unless a policy names them."""
    return (set(bundle_sections) - MEASURED_ONLY) | evidence_sections(policies)
