"""`ecs-check.yaml`: a policy repository's configuration.

    # ecs-check.yaml, at the root of a policy repository
    policies:                  # policy directories, relative to this file;
      - policies               #   they add to or override the shipped
      - company                #   policies by id, later ones winning
    standards:                 # standards of your own that policies may cite
      - id: ACME-CS-2025
        title: {zh: 某公司客服规范, en: ACME customer service rules}
        clauses:               # optional; without it any clause number is accepted
          - "1.1"
          - {clause: "2.3", items: ["a)", "b)"]}

The file is found in the current directory or the nearest parent up to the
root of the git repository (the directory holding `.git`); `--config FILE`
names one explicitly. Everything in it is optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Location, Problem
from checker.inventory import Clause, Standard
from checker.loading import Document, display_path, load_document
from checker.paths import render

CONFIG_FILE = "ecs-check.yaml"
CONFIG_LIMIT = 256 * 1024
ITEM_PATTERN = r"^[a-z]\)( \d+\))?$|^\d+\)$"


def config_schema() -> dict[str, Any]:
    text = {"type": "object", "additionalProperties": False, "required": ["zh", "en"],
            "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}}
    clause = {"type": "string", "pattern": r"^[0-9A-Z][0-9A-Za-z.]*$"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "policies": {"type": "array", "uniqueItems": True, "items": {"type": "string", "minLength": 1}},
            "standards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "title": text,
                        "clauses": {
                            "type": "array",
                            "items": {"anyOf": [
                                clause,
                                {"type": "object", "additionalProperties": False, "required": ["clause"],
                                 "properties": {"clause": clause,
                                                "items": {"type": "array", "uniqueItems": True,
                                                          "items": {"type": "string", "pattern": ITEM_PATTERN}}}},
                            ]},
                        },
                    },
                },
            },
        },
    }


@dataclass(frozen=True)
class Config:
    path: Path | None
    display: str | None
    policy_dirs: tuple[Path, ...] = ()
    standards: tuple[Standard, ...] = ()


NO_CONFIG = Config(None, None)


def find_config(start: Path) -> Path | None:
    """`ecs-check.yaml` in `start` or the nearest parent, not looking above the git repository's root."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration named by `explicit`, else the one found from `start` (default: the current directory)."""
    if explicit is not None:
        path = explicit
    else:
        found = find_config(start or Path.cwd())
        if found is None:
            return NO_CONFIG
        path = found
    display = display_path(path)
    doc = load_document(path, display, CONFIG_LIMIT)
    return config_from_document(doc)


def _problem(doc: Document, message: str, at: tuple[Any, ...], code: str = "ECS005") -> Problem:
    line, col = doc.locate(at) or (None, None)
    return Problem(code, message, Location(doc.display, line, col, render(at)))


def config_from_document(doc: Document) -> Config:
    from checker.inventory import shipped_inventory
    from checker.schema_check import SchemaCheck

    data = doc.data if doc.data is not None else {}
    if not isinstance(data, Mapping):
        raise CheckerError(_problem(doc, "the configuration is a mapping (policies, standards)", ()))
    problems = SchemaCheck(config_schema).problems(doc, data, "ECS005")
    if problems:
        raise CheckerError(problems)
    base = doc.path.parent
    dirs = []
    for index, name in enumerate(data.get("policies", ())):
        directory = base / name
        if not directory.is_dir():
            problems.append(_problem(doc, f"policy directory {name!r} not found (relative to {doc.display})",
                                     ("policies", index), "ECS002"))
        dirs.append(directory)
    shipped_ids = set(shipped_inventory().standards)
    standards: list[Standard] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("standards", ())):
        at = ("standards", index, "id")
        if entry["id"] in shipped_ids:
            problems.append(_problem(doc, f"standard {entry['id']!r} is shipped with ecs-check; declare only standards of your own", at))
        elif entry["id"] in seen:
            problems.append(_problem(doc, f"standard {entry['id']!r} is declared twice", at))
        seen.add(entry["id"])
        clauses: dict[str, Clause] | None = None
        if "clauses" in entry:
            clauses = {}
            for position, item in enumerate(entry["clauses"]):
                number = item if isinstance(item, str) else item["clause"]
                if number in clauses:
                    problems.append(_problem(doc, f"clause {number!r} is listed twice", ("standards", index, "clauses", position)))
                items = () if isinstance(item, str) else tuple(item.get("items", ()))
                clauses[number] = Clause(entry["id"], number, items=items)
        standards.append(Standard(entry["id"], clauses, doc.display))
    if problems:
        raise CheckerError(problems)
    return Config(doc.path, doc.display, tuple(dirs), tuple(standards))
