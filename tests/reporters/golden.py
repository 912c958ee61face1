"""Golden files: compare a rendering with tests/golden/NAME, or rewrite it when asked.

Golden files change only deliberately: run `scripts/update_golden.sh` (which
sets ECS_CHECK_UPDATE_GOLDEN=1), then read the diff before committing it.
"""

from __future__ import annotations

import difflib
import os

from tests.reporters.sample import GOLDEN

UPDATE = os.environ.get("ECS_CHECK_UPDATE_GOLDEN") == "1"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"no golden file {path}; create it with scripts/update_golden.sh"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "actual", n=2))
        raise AssertionError(f"{name} differs from its golden file (update deliberately with "
                             f"scripts/update_golden.sh):\n{diff[:6000]}")
