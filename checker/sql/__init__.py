"""Named SQL queries, one file each, per engine: `duckdb/<name>.sql` and `spark/<name>.sql`.

Both directories hold the same names and compute the same figures
(checker.measures); a test keeps the two lists equal. Parameters are
`$name` in DuckDB (bound by the driver) and `:name` in Spark (rendered as
literals by checker.measures.spark, from validated numbers and zone names).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@cache
def query(engine: str, name: str) -> str:
    return (ROOT / engine / f"{name}.sql").read_text(encoding="utf-8")


@cache
def parameters(engine: str, name: str) -> frozenset[str]:
    """The parameter names a query uses (comments left out)."""
    text = re.sub(r"--[^\n]*", "", query(engine, name))
    marker = r"\$" if engine == "duckdb" else ":"
    return frozenset(re.findall(marker + r"([a-z_]+)\b", text))


def names(engine: str) -> list[str]:
    return sorted(p.stem for p in (ROOT / engine).glob("*.sql"))
