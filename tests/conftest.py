"""Shared helpers: the repository root, and the CLI run in-process with its real exit-code mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.cli import main
from tests.helpers import REPO


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so displayed paths are stable."""
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def ecs(capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run
