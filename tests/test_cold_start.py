"""Heavy libraries stay out of the paths a pre-commit hook runs (see benchmarks/cold_start.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

HEAVY = ("jsonschema", "ruamel", "jsonpath_ng", "chinese_calendar", "referencing")


def _imported(code: str) -> set[str]:
    probe = f"""
import sys
{code}
print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return set(done.stdout.split()) & set(HEAVY)


def test_importing_the_cli_is_light():
    assert _imported("import checker.cli") == set()


def test_linting_a_valid_policy_imports_no_heavy_library():
    assert _imported("from checker.cli import main; main(['lint', 'policies/db33-t-2039-2017/7.5.1.2.yaml'])") == set()
