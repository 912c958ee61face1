"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit client against a scratch policy repository.

`pre-commit try-repo` installs this checkout (including uncommitted changes)
into a fresh hook environment, as a policy repository's CI would.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO

pytestmark = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed")

GOOD = FIXTURES / "lint" / "good" / "db33-t-2039-2017" / "5.3.2.yaml"
BROKEN = FIXTURES / "lint" / "ECS108-clause" / "db33-t-2039-2017" / "7.5.1.9.yaml"
CASE = """\
description: Item a) needs a person.
bundle: {}
expect:
  status: manual_review
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo, check=True,
                   capture_output=True)


def _try_repo(repo: Path, home: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), *hook, "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "policy-repo"
    policies = repo / "policies" / "db33-t-2039-2017"
    (policies / "5.3.2").mkdir(parents=True)
    shutil.copy(GOOD, policies / "5.3.2.yaml")
    (policies / "5.3.2" / "review-manual-item.yaml").write_text(CASE, encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    return repo


def test_all_hooks_pass_on_a_good_policy(repo, home):
    done = _try_repo(repo, home)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("ecs-check lint", "ecs-check fmt", "ecs-check test"):
        assert any(line.startswith(name) and line.endswith("Passed") for line in done.stdout.splitlines()), done.stdout


def test_a_broken_policy_fails_lint_with_its_file_and_line(repo, home):
    shutil.copy(BROKEN, repo / "policies" / "db33-t-2039-2017" / "7.5.1.9.yaml")
    _git(repo, "add", "-A")
    done = _try_repo(repo, home, "ecs-check-lint")
    assert done.returncode == 1
    assert "ecs-check lint" in done.stdout and "Failed" in done.stdout
    assert "policies/db33-t-2039-2017/7.5.1.9.yaml:4:1: ECS108 clause 7.5.1.9 is not in the inventory" in done.stdout


def test_a_policy_without_cases_fails_the_test_hook(repo, home):
    shutil.rmtree(repo / "policies" / "db33-t-2039-2017" / "5.3.2")
    _git(repo, "add", "-A")
    done = _try_repo(repo, home, "ecs-check-test")
    assert done.returncode == 1
    assert "no test cases found" in done.stdout


def test_the_fmt_hook_rewrites_an_unformatted_policy(repo, home):
    policy = repo / "policies" / "db33-t-2039-2017" / "5.3.2.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("id: db33-t-2039-2017/5.3.2\nstandard: DB33/T 2039-2017\n",
                                   "standard: DB33/T 2039-2017\nid: db33-t-2039-2017/5.3.2\n"), encoding="utf-8")
    _git(repo, "add", "-A")
    done = _try_repo(repo, home, "ecs-check-fmt")
    assert done.returncode == 1
    assert "files were modified by this hook" in done.stdout
    assert "reformatted: policies/db33-t-2039-2017/5.3.2.yaml" in done.stdout
    assert policy.read_text(encoding="utf-8") == text
