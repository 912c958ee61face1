"""Assemble schemas/policy.schema.json from the operator table.

Each operator declares the schema of its own arguments; this module puts
them together. `python -m checker.policy_schema > schemas/policy.schema.json`
regenerates the shipped file, and a test keeps the two identical.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from checker.operators import OPERATORS
from checker.predicates import FIELD_OPS

SCHEMA_ID = "urn:ecs-check:policy"
PARAM_NAME = r"^[a-z][a-z0-9_]*$"


def _text(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": ["zh", "en"],
        "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}},
    }


def build() -> dict[str, Any]:
    status_messages = {
        "type": "object",
        "description": "Message templates per outcome; {placeholders} name the operator's facts or the policy's parameters, {detail} the operator's own message.",
        "additionalProperties": False,
        "properties": {
            status: {"$ref": "#/$defs/text"}
            for status in ("pass", "fail", "not_applicable", "insufficient_evidence", "manual_review", "error")
        },
    }
    rule_variants = []
    for name in sorted(OPERATORS):
        rule_variants.append({
            "type": "object",
            "description": OPERATORS[name].summary,
            "additionalProperties": False,
            "required": [name],
            "properties": {name: OPERATORS[name].schema, "messages": {"$ref": "#/$defs/messages"}},
        })
    field_predicate = {
        "type": "object",
        "required": ["field"],
        "minProperties": 2,
        "maxProperties": 3,
        "additionalProperties": False,
        "properties": {"field": {"type": "string"}, "if_missing": {"type": "boolean"}} | {op: {} for op in FIELD_OPS},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecs-check policy",
        "description": "One clause of a standard as a declarative, testable policy.",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "standard", "clause", "title", "requirement", "obligation", "applies_to",
                     "verification", "evidence", "check"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+$",
                   "description": "The file's path under the policy root, without extension."},
            "standard": {"type": "string", "minLength": 1, "description": "Standard id exactly as in the clause inventory."},
            "clause": {"type": "string", "pattern": r"^[0-9A-Z][0-9A-Za-z.]*$"},
            "title": _text("Title in Chinese (the standard's words) and English."),
            "text": {"type": "object", "additionalProperties": False, "required": ["zh"],
                     "properties": {"zh": {"type": "string", "minLength": 1}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                     "description": "The clause's original text as printed in the shipped copy of the standard."},
            "requirement": _text("The obligation restated in the project's own words."),
            "obligation": {"enum": ["shall", "shall-not", "should", "may", "descriptive"]},
            "applies_to": {"enum": ["platform", "operator", "both", "enterprise"]},
            "verification": {"enum": ["automated", "document", "attestation"]},
            "evidence": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths", "schema"],
                "properties": {
                    "paths": {"type": "array", "items": {"type": "string", "pattern": r"^\$"}, "minItems": 1, "uniqueItems": True,
                              "description": "JSONPaths of the bundle this policy reads."},
                    "schema": {"type": "object", "description": "JSON Schema (2020-12) of the part of the bundle this policy reads; types only, presence is judged by the check."},
                },
            },
            "parameters": {"type": "object", "propertyNames": {"pattern": PARAM_NAME},
                           "additionalProperties": {"$ref": "#/$defs/parameter"}},
            "check": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"rule": {"$ref": "#/$defs/rule"}, "applies_if": {"$ref": "#/$defs/predicate"},
                               "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/item"}}},
                "oneOf": [{"required": ["rule"]}, {"required": ["items"]}],
            },
            "messages": {"$ref": "#/$defs/messages"},
            "interpretations": {"type": "array", "items": {"type": "string", "pattern": r"^INT-\d{3}$"}, "uniqueItems": True},
            "related": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        },
        "$defs": {
            "text": _text("Bilingual text."),
            "messages": status_messages,
            "parameter": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "default", "description"],
                "properties": {
                    "type": {"enum": ["integer", "number", "string", "boolean", "array"]},
                    "default": {},
                    "unit": {"type": "string"},
                    "minimum": {"type": "number"},
                    "maximum": {"type": "number"},
                    "description": {"$ref": "#/$defs/text"},
                    "stricter": {"enum": ["higher", "lower", "superset"],
                                 "description": "Which direction makes the requirement stricter: a higher or lower number, "
                                                "or (superset) a list holding more entries. A profile may always move a "
                                                "parameter this way."},
                    "adjustable": {"type": "boolean",
                                   "description": "Whether the standard itself allows the requirement to be adjusted "
                                                  "(e.g. DB33/T 2039-2017 4.2); only then may a profile loosen it, "
                                                  "and every report flags that (INT-080)."},
                },
            },
            "item": {
                "type": "object",
                "additionalProperties": False,
                "required": ["item", "title"],
                "properties": {
                    "item": {"type": "string", "pattern": r"^[a-z]\)( \d+\))?$|^\d+\)$"},
                    "title": {"$ref": "#/$defs/text"},
                    "verification": {"enum": ["automated", "document", "attestation"]},
                    "applies_if": {"$ref": "#/$defs/predicate"},
                    "rule": {"$ref": "#/$defs/rule"},
                    "out_of_scope": {"$ref": "#/$defs/text"},
                },
                "oneOf": [{"required": ["rule"]}, {"required": ["out_of_scope"]}],
            },
            "rule": {"oneOf": rule_variants},
            "predicate": {
                "oneOf": [
                    {"type": "object", "additionalProperties": False, "required": ["all"],
                     "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/predicate"}}}},
                    {"type": "object", "additionalProperties": False, "required": ["any"],
                     "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/predicate"}}}},
                    {"type": "object", "additionalProperties": False, "required": ["not"],
                     "properties": {"not": {"$ref": "#/$defs/predicate"}}},
                    field_predicate,
                ]
            },
            "value": {
                "description": "A literal, or {param: NAME}, {field: a.b}, {path: $.x}, {context: period_start|period_end|as_of}.",
                "anyOf": [
                    {"type": ["string", "number", "boolean", "array"]},
                    {"type": "object", "additionalProperties": False, "required": ["param"], "properties": {"param": {"type": "string"}}},
                    {"type": "object", "additionalProperties": False, "required": ["field"], "properties": {"field": {"type": "string"}}},
                    {"type": "object", "additionalProperties": False, "required": ["path"], "properties": {"path": {"type": "string"}}},
                    {"type": "object", "additionalProperties": False, "required": ["context"],
                     "properties": {"context": {"enum": ["period_start", "period_end", "as_of"]}}},
                ],
            },
        },
    }


def dumps() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(dumps())
