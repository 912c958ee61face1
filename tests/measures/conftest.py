"""Generated record sets shared by the engine tests (one per session: generating and writing them takes a few seconds)."""

from __future__ import annotations

import pytest

from benchmarks.generate import generate


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    paths = {"inline": generate(root / "inline", 3000, seed=7, inline=True).parent}
    for fmt in ("csv", "jsonl", "parquet"):
        paths[fmt] = generate(root / fmt, 3000, seed=7, fmt=fmt).parent
    return paths


