"""The clause inventory: which clauses of which standards a policy may encode.

The shipped inventory is `policies/CLAUSES.tsv`, a copy of the project's
clause list with one extra column, `items`: the lettered items the clause
prints (`a), b), c)`; NJ-ECCS 5.4.3.3 lists its numbered sub-items as
`a) 1), a) 2), ...`). The column is declared by hand from the standard's text
rather than parsed from the short titles, because several titles do not
mention their items. A policy repository may add standards of its own in its
`ecs-check.yaml` (see `checker.config`); a custom standard without a clause
list accepts any clause number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import CheckerError
from checker.loading import decode_text, read_bytes
from checker.resources import shipped

INVENTORY_FILE = "CLAUSES.tsv"
COLUMNS = ("standard", "clause", "kind", "applies_to", "title", "items")
INVENTORY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Clause:
    standard: str
    clause: str
    kind: str = ""
    applies_to: str = ""
    title: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standard:
    id: str
    clauses: Mapping[str, Clause] | None  # None: any clause number is accepted
    declared_in: str  # the file that declared it


@dataclass(frozen=True)
class Inventory:
    standards: Mapping[str, Standard] = field(default_factory=dict)

    def standard(self, standard_id: str) -> Standard | None:
        return self.standards.get(standard_id)

    def clause(self, standard_id: str, clause: str) -> Clause | None:
        known = self.standards.get(standard_id)
        if known is None:
            return None
        if known.clauses is None:
            return Clause(standard_id, clause)
        return known.clauses.get(clause)

    def with_standards(self, extra: Iterable[Standard]) -> Inventory:
        merged = dict(self.standards)
        for standard in extra:
            merged[standard.id] = standard
        return Inventory(merged)


def parse_items(text: str) -> tuple[str, ...]:
    """`a), b) 1), b) 2)` -> ("a)", "b) 1)", "b) 2)")."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def covers(item: str, wanted: str) -> bool:
    """Whether a policy item covers an inventory item.

    The same item does; so does its parent (`a)` covers `a) 1)`), and so does
    one of its sub-items (a policy that splits `e)` into `e) 1)` and `e) 2)`
    has chosen how to check `e)`).
    """
    return wanted == item or wanted.startswith(item + " ") or item.startswith(wanted + " ")


def read_inventory(path: Path, display: str | None = None) -> dict[str, Standard]:
    """Parse a clause inventory TSV into standards (each with its clauses)."""
    display = display or str(path)
    text = decode_text(read_bytes(path, display, INVENTORY_LIMIT), display)
    lines = text.splitlines()
    if not lines or tuple(lines[0].split("\t")[:5]) != COLUMNS[:5]:
        raise CheckerError.at("ECS101", f"a clause inventory starts with the header {' '.join(COLUMNS)}", display, 1, 1)
    found: dict[str, dict[str, Clause]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) not in (5, 6):
            raise CheckerError.at("ECS101", f"expected 5 or 6 tab-separated columns, found {len(cells)}", display, number, 1)
        standard, clause = cells[0], cells[1]
        if clause in found.setdefault(standard, {}):
            raise CheckerError.at("ECS101", f"clause {standard} {clause} is listed twice", display, number, 1)
        found[standard][clause] = Clause(standard, clause, cells[2], cells[3], cells[4],
                                         parse_items(cells[5]) if len(cells) == 6 else ())
    return {name: Standard(name, clauses, display) for name, clauses in found.items()}


def shipped_inventory() -> Inventory:
    path = shipped("policies") / INVENTORY_FILE
    return Inventory(read_inventory(path, f"policies/{INVENTORY_FILE}"))
