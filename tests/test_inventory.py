"""The shipped clause inventory: the project's list plus a declared `items` column."""

from __future__ import annotations

import re

import pytest

from checker.inventory import COLUMNS, covers, shipped_inventory
from tests.helpers import REPO

SHIPPED = REPO / "policies" / "CLAUSES.tsv"
SHARED = REPO.parent / "shared" / "standards" / "clauses.tsv"


def _rows(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not SHARED.is_file(), reason="the project's clause list is not next to this checkout")
def test_shipped_copy_equals_the_project_list():
    """Column for column, except the extra `items` column the shipped copy declares."""
    shipped = [row[:5] for row in _rows(SHIPPED)]
    assert shipped == _rows(SHARED), "policies/CLAUSES.tsv is out of date: copy ../shared/standards/clauses.tsv, keep the items column"


def test_header_and_shape():
    rows = _rows(SHIPPED)
    assert tuple(rows[0]) == COLUMNS
    assert all(len(row) == 6 for row in SHIPPED.read_text(encoding="utf-8").splitlines()[1:] for row in [row.split("\t")])
    assert len(rows) - 1 == 84


def test_items_agree_with_titles_that_name_a_range():
    """A title saying `a)-d)` declares exactly a) to d); every declared item is a letter, optionally with a number."""
    for standard in shipped_inventory().standards.values():
        for clause in (standard.clauses or {}).values():
            match = re.search(r"\b([a-z])\)-([a-z])\)", clause.title)
            if match and clause.clause != "5.4.3.3":
                letters = [chr(c) + ")" for c in range(ord(match.group(1)), ord(match.group(2)) + 1)]
                assert list(clause.items) == letters, (clause.standard, clause.clause)
            for item in clause.items:
                assert re.fullmatch(r"[a-z]\)( \d+\))?", item), (clause.clause, item)


def test_nested_items_and_coverage():
    clause = shipped_inventory().clause("NJ-ECCS", "5.4.3.3")
    assert clause is not None
    assert clause.items == ("a) 1)", "a) 2)", "a) 3)", "a) 4)", "b) 1)", "b) 2)")
    assert covers("a)", "a) 3)") and covers("a) 3)", "a) 3)") and covers("e) 1)", "e)")
    assert not covers("a) 3)", "a) 4)") and not covers("a)", "ab)") and not covers("b)", "a)")
