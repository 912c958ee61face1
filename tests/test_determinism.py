"""Same inputs, same bytes out: independent of the working directory, the machine's time zone and locale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"


def run_check(bundle: Path, policies: Path, output: Path, cwd: Path, tz: str, fmt: str, relative: bool) -> bytes:
    env = {key: value for key, value in os.environ.items() if key not in ("TZ", "LANG", "LC_ALL", "PYTHONHASHSEED")}
    env.update(TZ=tz, LANG="C", LC_ALL="C", PYTHONHASHSEED=str(len(tz)), PYTHONDONTWRITEBYTECODE="1")
    target = Path(os.path.relpath(bundle, cwd)) if relative else bundle
    roots = Path(os.path.relpath(policies, cwd)) if relative else policies
    result = subprocess.run(
        [sys.executable, "-m", "checker", "check", str(target), "--policies", str(roots),
         "--config", str(Path(__file__).resolve().parent / "hostile" / "ecs-check.yaml"), "--format", fmt,
         "--output", str(output)],
        cwd=cwd, env=env, capture_output=True, text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    return output.read_bytes()


@pytest.mark.parametrize(("bundle", "fmt"), [("good", "json"), ("naive-timestamps.yaml", "json"), ("good", "text")])
def test_same_inputs_give_the_same_bytes(tmp_path, bundle, fmt):
    """Run twice from one directory in Asia/Shanghai, then twice elsewhere, by relative paths, in other zones."""
    source = tmp_path / "in"
    shutil.copytree(HOSTILE / "bundles" / bundle, source / bundle) if (HOSTILE / "bundles" / bundle).is_dir() \
        else (source.mkdir(), shutil.copy(HOSTILE / "bundles" / bundle, source / bundle))
    here, there = tmp_path / "a", tmp_path / "b" / "deeper"
    here.mkdir()
    there.mkdir(parents=True)
    runs = [
        run_check(source / bundle, HOSTILE / "policies", tmp_path / "1.out", here, "Asia/Shanghai", fmt, relative=False),
        run_check(source / bundle, HOSTILE / "policies", tmp_path / "2.out", here, "Asia/Shanghai", fmt, relative=False),
        run_check(source / bundle, HOSTILE / "policies", tmp_path / "3.out", there, "America/New_York", fmt, relative=True),
        run_check(source / bundle, HOSTILE / "policies", tmp_path / "4.out", there, "Pacific/Kiritimati", fmt, relative=True),
    ]
    assert runs[0] and all(run == runs[0] for run in runs[1:])
    if bundle.startswith("naive") and fmt == "json":
        assert b"timestamps without a UTC offset were read in Asia/Shanghai" in runs[0]
