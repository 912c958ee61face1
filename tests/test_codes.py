"""Problem codes are stable, and README lists every one (generated from CODES)."""

from __future__ import annotations

import re

from checker.codes import CODES, markdown_table
from tests.helpers import REPO


def test_codes_are_well_formed():
    assert all(re.fullmatch(r"ECS\d{3}", code) for code in CODES)
    assert len(set(CODES.values())) == len(CODES)


def test_readme_lists_every_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- codes:start -->\n", "<!-- codes:end -->"
    assert start in readme and end in readme
    section = readme.split(start, 1)[1].split(end, 1)[0]
    assert section == markdown_table(), "regenerate with: python -m checker.codes"
