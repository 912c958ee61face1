"""Assemble schemas/scoring.schema.json: the shape of an NJ-ECCS scoring model file.

Rules inside conditions are policy rules, so their schema is taken from the
policy schema. `python -m checker.scoring_schema > schemas/scoring.schema.json`
regenerates the shipped file, and a test keeps the two identical.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from checker import kpis
from checker.policy_schema import build as build_policy_schema

SCHEMA_ID = "urn:ecs-check:scoring"
LEVELS = ("AAA", "AAAA", "AAAAA")
INDICATOR_IDS = tuple(kpis.COMPUTE) + ("quality_targets_met",)


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema |= {"additionalProperties": False, "required": list(required), "properties": properties}
    return schema


def build() -> dict[str, Any]:
    policy_defs = build_policy_schema()["$defs"]
    text = {"$ref": "#/$defs/text"}
    number = {"type": "number", "minimum": 0}
    comparison = {op: {"type": "number"} for op in ("ge", "gt", "le", "lt")}
    condition_variants = [
        _obj({"finding": _obj({"policy": {"type": "string", "pattern": r"^[a-z0-9-]+/[A-Za-z0-9.]+$"},
                               "item": {"type": "string", "pattern": r"^[a-z]\)( \d+\))?$"}}, ("policy",))}, ("finding",),
             "Met when the clause (or lettered item) finding passes; not applicable when it is; unknown otherwise."),
        _obj({"rule": {"$ref": "#/$defs/rule"}}, ("rule",), "Any policy rule, evaluated on the bundle; met when it passes."),
        _obj({"indicator": _obj({"id": {"enum": list(INDICATOR_IDS)}} | comparison, ("id",))}, ("indicator",),
             "An A.1/A.2 indicator (or quality_targets_met) compared exactly with a number; not applicable when there is nothing to measure."),
        _obj({"measure": _obj(comparison)}, ("measure",), "The row's measure (a percentage) compared exactly with a number."),
        _obj({"requirements": _obj({"min_percent": {"type": "number", "minimum": 0, "maximum": 100}}, ("min_percent",))}, ("requirements",),
             "At least this share of the row's applicable requirements is met."),
        _obj({"requirement": {"type": "string"}}, ("requirement",), "One of the row's requirements, by label, is met."),
        _obj({"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}}, ("all",)),
        _obj({"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}}, ("any",)),
    ]
    level = _obj({"text": text, "when": {"$ref": "#/$defs/condition"}}, ("text", "when"))
    row = _obj(
        {
            "row": {"type": "integer", "minimum": 1},
            "group": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "indicator": text,
            "content": text,
            "points": {"type": "number", "exclusiveMinimum": 0, "description": "The row's maximum points."},
            "prerequisite": {"type": "boolean", "description": "Not meeting this row withholds the grade (INT-051)."},
            "criterion": _obj({"text": text, "when": {"$ref": "#/$defs/condition"}}, ("text", "when"),
                              "One criterion for every level: met scores the row in full (AAAAA), otherwise 0."),
            "levels": _obj({name: level for name in LEVELS}, LEVELS, "Cumulative criteria: a level counts only with every level below it."),
            "measure": {
                "oneOf": [
                    _obj({"text": text, "rule": {"$ref": "#/$defs/rule"}}, ("text", "rule"), "A share rule whose met/total share is the measure."),
                    _obj({"text": text, "indicator": {"enum": list(INDICATOR_IDS)}}, ("text", "indicator")),
                ]
            },
            "requirements": {"type": "array", "minItems": 1,
                             "items": _obj({"label": {"type": "string", "minLength": 1}, "when": {"$ref": "#/$defs/condition"}}, ("label", "when"))},
            "interpretations": {"type": "array", "items": {"type": "string", "pattern": r"^INT-\d{3}$"}, "uniqueItems": True},
        },
        ("row", "group", "indicator", "content", "points", "interpretations"),
    )
    row["oneOf"] = [{"required": ["criterion"]}, {"required": ["levels"]}]
    bands = _obj({name: number for name in LEVELS}, LEVELS)
    indicator = _obj(
        {
            "bands": bands,
            "default_industry": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "by_industry": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"}, "additionalProperties": bands, "minProperties": 1},
            "requirement": text,
            "required_value": {"type": "number"},
            "interpretations": {"type": "array", "items": {"type": "string", "pattern": r"^INT-\d{3}$"}, "uniqueItems": True},
        },
        (),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecs-check NJ-ECCS scoring model",
        "description": "Table B.1 of NJ-ECCS as data: rows, points, level criteria, level shares and grade bands.",
        **_obj(
            {
                "standard": {"const": "NJ-ECCS"},
                "clause": {"const": "B.1"},
                "title": text,
                "interpretations": {"type": "array", "items": {"type": "string", "pattern": r"^INT-\d{3}$"}, "uniqueItems": True},
                "levels": _obj({name: {"type": "number", "minimum": 0, "maximum": 100} for name in LEVELS + ("below",)}, LEVELS + ("below",),
                               "Percent of a row's points each level earns."),
                "grades": {"type": "array", "minItems": 1,
                           "items": _obj({"grade": {"enum": list(LEVELS)}, "min": {"type": "number", "minimum": 0, "maximum": 100}}, ("grade", "min"))},
                "groups": {"type": "array", "minItems": 1,
                           "items": _obj({"id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "title": text,
                                          "weight": {"type": "number", "exclusiveMinimum": 0},
                                          "rows": {"type": "array", "minItems": 1, "items": {"type": "integer"}, "uniqueItems": True}},
                                         ("id", "title", "weight", "rows"))},
                "indicators": {"type": "object", "propertyNames": {"enum": list(kpis.COMPUTE)}, "additionalProperties": indicator},
                "rows": {"type": "array", "minItems": 1, "items": row},
            },
            ("standard", "clause", "title", "levels", "grades", "groups", "indicators", "rows"),
        ),
        "$defs": policy_defs | {"condition": {"oneOf": condition_variants}},
    }


def dumps() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(dumps())
