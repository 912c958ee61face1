"""The shipped schemas are what the code generates; regenerate them with `python -m checker.policy_schema` / `checker.scoring_schema`."""

from __future__ import annotations

from checker import policy_schema, scoring_schema
from checker.resources import schema_path


def test_policy_schema_is_current():
    assert schema_path("policy").read_text(encoding="utf-8") == policy_schema.dumps()


def test_scoring_schema_is_current():
    assert schema_path("scoring").read_text(encoding="utf-8") == scoring_schema.dumps()
