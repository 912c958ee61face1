"""`ecs-check schema NAME`: print a shipped JSON Schema."""

from __future__ import annotations

import sys

from checker.loading import decode_text, read_bytes
from checker.resources import schema_path


def run(name: str) -> int:
    if name == "policy":
        from checker.policy_schema import dumps

        sys.stdout.write(dumps())
        return 0
    if name == "scoring":
        from checker.scoring_schema import dumps as scoring_dumps

        sys.stdout.write(scoring_dumps())
        return 0
    path = schema_path(name)
    sys.stdout.write(decode_text(read_bytes(path, str(path)), str(path)))
    return 0
