"""Policies' evidence schemas agree with the bundle schema; extension sections are checked at run time."""

from __future__ import annotations

import pytest

from checker.commands.template import template_text
from checker.errors import CheckerError
from checker.evidence import check_evidence, evidence_problems
from checker.loading import parse_yaml
from checker.policy import compile_policy, load_policy_set, policy_from_document
from tests.conftest import make_bundle


def test_shipped_evidence_schemas_accept_the_template_bundle():
    data, _ = parse_yaml(template_text(), "template.yaml")
    bundle = make_bundle({k: v for k, v in data.items() if k not in ("organization", "period", "as_of")}, as_of="2026-01-15")
    assert evidence_problems(load_policy_set().policies, bundle, sections="all") == []


CUSTOM = """\
id: acme/refund-48h
standard: ACME
clause: "1"
title: {zh: 四十八小时退款, en: Refund within 48 hours}
requirement: {zh: 四十八小时内退款, en: Refund within 48 hours}
obligation: shall
applies_to: both
verification: automated
evidence:
  paths: [$.x-acme]
  schema:
    type: object
    properties:
      x-acme:
        type: array
        items: {type: object, required: [id, asked_at], properties: {id: {type: string}, asked_at: {type: string, format: ecs-timestamp}}}
check:
  rule:
    every: {records: $.x-acme, require: {field: id, present: true}}
"""


def test_extension_sections_are_validated_against_the_policy_that_reads_them(tmp_path):
    path = tmp_path / "refund-48h.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    from checker.loading import load_document

    compiled = compile_policy(policy_from_document(load_document(path), None))
    good = make_bundle({"x-acme": [{"id": "A-1", "asked_at": "2025-03-01T10:00:00+08:00"}]})
    check_evidence([compiled], good)
    bad = make_bundle({"x-acme": [{"id": "A-1", "asked_at": "2025-02-30T10:00:00+08:00"}, {"id": "A-2"}]})
    with pytest.raises(CheckerError) as info:
        check_evidence([compiled], bad)
    assert [(p.code, p.location.json_path) for p in info.value.problems] == [
        ("ECS301", "$['x-acme'][0].asked_at"), ("ECS301", "$['x-acme'][1]")]
    assert "evidence schema of acme/refund-48h" in info.value.problems[0].message
