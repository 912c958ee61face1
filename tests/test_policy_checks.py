"""ECS111: which JSONPaths lie inside an evidence schema (table-driven)."""

from __future__ import annotations

import pytest

from checker.paths import compile_path
from checker.policy_checks import _Open, _Outside, _walk_path

SCHEMA = {
    "type": "object",
    "$defs": {"complaint": {"type": "object", "properties": {"id": {"type": "string"}, "at": {"type": "string"}}}},
    "properties": {
        "complaints": {"type": "array", "items": {"$ref": "#/$defs/complaint"}},
        "orders": {"type": "object", "properties": {"records": {"type": "array", "items": {"allOf": [
            {"type": "object", "properties": {"id": {"type": "string"}}},
            {"properties": {"lines": {"type": "array", "prefixItems": [{"type": "object", "properties": {"sku": {}}}]}}},
        ]}}}},
        "metrics": {"type": "object", "additionalProperties": {"type": "object", "properties": {"value": {}}}},
        "by_day": {"type": "object", "patternProperties": {"^d[0-9]+$": {"type": "number"}}},
        "anything": True,
        "external": {"$ref": "urn:ecs-check:bundle#/$defs/documents"},
        "opaque": {"type": "object"},
    },
}

INSIDE = [
    "$", "$.complaints", "$.complaints[0]", "$.complaints[0].at", "$.complaints[*].id", "$.complaints[?(@.id == 'C-1')]",
    "$.orders.records", "$.orders.records[3].id", "$.orders.records[0].lines[0].sku", "$.metrics.frt.value",
    "$.by_day.d12", "$..id", "$.anything.deep.er", "$.external.whatever", "$['complaints'][0]['id']",
]
OUTSIDE = [
    ("$.complaint", "$ declares no property 'complaint' (did you mean 'complaints'?)"),
    ("$.complaints.id", "$.complaints declares no properties, so 'id' is not described"),
    ("$.complaints[0].time", "$.complaints[0] declares no property 'time' (it declares: at, id)"),
    ("$.orders[0]", "$.orders is not declared as an array with items"),
    ("$.by_day.x1", "$.by_day declares no properties, so 'x1' is not described"),
    ("$.opaque.x", "$.opaque declares no properties, so 'x' is not described"),
]


@pytest.mark.parametrize("path", INSIDE)
def test_inside(path):
    try:
        _walk_path(compile_path(path), SCHEMA)
    except _Open:
        pass


@pytest.mark.parametrize(("path", "why"), OUTSIDE)
def test_outside(path, why):
    with pytest.raises(_Outside) as caught:
        _walk_path(compile_path(path), SCHEMA)
    assert str(caught.value) == why


def test_descendants_search_every_declared_level():
    closed = {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "items": {
        "type": "object", "properties": {"c": {}}}}}}}}
    _walk_path(compile_path("$..c"), closed)
    with pytest.raises(_Outside, match="nothing below the selected value matches nowhere"):
        _walk_path(compile_path("$..nowhere"), closed)


def test_a_true_schema_leaves_nothing_to_check():
    with pytest.raises(_Open):
        _walk_path(compile_path("$..nowhere"), SCHEMA)
