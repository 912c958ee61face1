"""Every NJ-ECCS row of the clause inventory has a policy, and every NJ-ECCS policy is in the inventory."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from checker.policy import load_policy_set

INVENTORY = Path(__file__).resolve().parents[1].parent / "shared" / "standards" / "clauses.tsv"


@pytest.mark.skipif(not INVENTORY.is_file(), reason="../shared/standards/clauses.tsv is not beside the project")
def test_nj_eccs_policies_match_the_inventory():
    with INVENTORY.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["standard"] == "NJ-ECCS"]
    policies = {c.policy.clause: c.policy for c in load_policy_set(standards=["NJ-ECCS"]).policies}
    assert sorted(r["clause"] for r in rows) == sorted(policies)
    for row in rows:
        assert policies[row["clause"]].applies_to == "enterprise"
