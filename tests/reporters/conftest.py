from __future__ import annotations

import pytest

from tests.reporters import sample


@pytest.fixture(autouse=True)
def at_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports cite the bundle as the command line named it, so every test names it from the project root."""
    monkeypatch.chdir(sample.ROOT)
