"""Check the bundle against each policy's own evidence schema before evaluating.

The bundle schema already covers every shipped section; a policy's evidence
schema adds what that policy relies on, which matters most for custom
policies reading `x-` extension sections. A mismatch is unusable input
(exit 2), never a verdict. Identical evidence schemas are checked once, and
only the top-level sections a schema names are handed to the validator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from checker.bundle import Bundle, _is_timestamp
from checker.errors import CheckerError, Location, Problem
from checker.paths import render
from checker.policy import CompiledPolicy


def evidence_problems(policies: Iterable[CompiledPolicy], bundle: Bundle) -> list[Problem]:
    import jsonschema_rs

    groups: dict[str, list[str]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for compiled in policies:
        schema = compiled.policy.evidence.get("schema") or {}
        if not schema.get("properties"):
            continue
        key = json.dumps(schema, sort_keys=True, ensure_ascii=False)
        groups.setdefault(key, []).append(compiled.policy.id)
        schemas[key] = schema
    problems = []
    for key in sorted(groups):
        schema = schemas[key]
        sections = {name: bundle.data[name] for name in schema["properties"] if name in bundle.data}
        validator = jsonschema_rs.validator_for(schema, formats={"ecs-timestamp": _is_timestamp}, validate_formats=True)
        for error in validator.iter_errors(sections):
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
