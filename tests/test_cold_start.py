"""Heavy libraries stay out of the paths a pre-commit hook runs (see benchmarks/cold_start.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

HEAVY = ("jsonschema", "ruamel", "jsonpath_ng", "chinese_calendar", "referencing", "duckdb", "pyspark", "pyarrow", "rich", "tqdm")


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


def test_help_and_version_import_no_engine():
    calls = "; ".join(f"main({args!r})" for args in (["--version"], ["--help"], ["kpis", "--help"], ["batch", "--help"]))
    quiet = f"import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    from checker.cli import main; {calls}"
    assert _imported(quiet) == set()


def test_checking_an_inline_bundle_imports_no_engine():
    found = _imported("import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                      "    from checker.cli import main; main(['check', 'evidence_samples/nanjing-home-textiles-aaaa', '--format', 'json'])")
    assert not found & {"duckdb", "pyspark", "pyarrow"}
