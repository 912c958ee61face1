"""The README's quick start stays true: CI runs its test command, and its check command exits 0."""

from __future__ import annotations

import re
import shlex

from checker.cli import main
from tests.helpers import REPO


def _commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", quick, flags=re.S)]


def test_the_quick_start_has_exactly_two_set_up_commands():
    commands = _commands()
    assert len(commands) == 2 and all("\n" not in command for command in commands)
    assert all(command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e ") for command in commands)


def test_ci_runs_the_readme_test_command_verbatim():
    _, test_command = _commands()
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_readme_check_command_exits_0(capsys, monkeypatch):
    monkeypatch.chdir(REPO)  # the command's paths are relative to a fresh clone
    check_command, _ = _commands()
    args = shlex.split(check_command.split(" && ")[-1])
    assert args[0] == "ecs-check"
    assert main(args[1:]) == 0
    assert "summary: pass" in capsys.readouterr().out
