"""The bundle template is valid as written and shows every field of the schema."""

from __future__ import annotations

import json
import re

from checker.bundle import bundle_from_data, bundle_schema
from checker.cli import main
from checker.commands.template import template_text
from checker.loading import parse_yaml


def schema_fields():
    schema = bundle_schema()
    defs = schema["$defs"]
    found = set()

    def walk(node, path, seen):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs[name], path, seen | {name})
            return
        for option in node.get("anyOf", []):
            walk(option, path, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], path, seen)
        for key, sub in node.get("properties", {}).items():
            found.add(path + (key,))
            walk(sub, path + (key,), seen)

    walk(schema, (), frozenset())
    return found


def template_fields(node, path=()):
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(path + (key,))
            found |= template_fields(value, path + (key,))
    elif isinstance(node, list):
        for value in node:
            found |= template_fields(value, path)
    return found


def test_template_is_a_valid_bundle(tmp_path):
    data, source_map = parse_yaml(template_text(), "template.yaml")
    from checker.loading import Document

    doc = Document(tmp_path / "bundle.yaml", "template.yaml", data, "0" * 64, 0, source_map, "yaml")
    bundle = bundle_from_data(doc, data, tmp_path, "bundle.yaml")
    assert bundle.role == "operator"


SHARED = ("person", "attachment", "period")


def test_template_shows_every_schema_field():
    """Every field appears, filled in or as a commented example; shared shapes (a person, an attachment) once."""
    text = template_text()
    data, _ = parse_yaml(text, "template.yaml")
    shown = template_fields(data)
    commented = set(re.findall(r"^\s*# ([a-z_]+): ", text, flags=re.M))
    shared_keys = {key for name in SHARED for key in bundle_schema()["$defs"][name]["properties"]}
    shown_keys = {path[-1] for path in shown}
    missing = sorted(
        ".".join(path) for path in schema_fields() - shown
        if path[-1] not in commented and not (path[-1] in shared_keys and path[-1] in shown_keys)
    )
    assert not missing, f"template lacks: {missing}"


def test_template_command_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "bundle.yaml"
    assert main(["template", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == template_text()
    assert main(["template", "--output", str(target)]) == 2
    assert "never overwrites" in capsys.readouterr().err


def test_schema_is_json():
    assert json.dumps(bundle_schema())
