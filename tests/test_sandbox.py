"""`ecs-check check` opens no network connection and writes nothing but its report.

The check runs in a fresh interpreter under an audit hook (PEP 578) that
refuses every socket operation and records every file opened for writing,
every rename, removal, directory or link made, and every process started.
The only writes allowed are the report and the temporary file it is
renamed from. Around the run, a snapshot of a private tree (bundle, policy
root, working directory, HOME, TMPDIR, output directory) must be unchanged
but for the report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"

DRIVER = r'''
import json, os, sys
sys.dont_write_bytecode = True
seen = []
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

def hook(event, args):
    if event.startswith("socket."):
        seen.append(["network", event, repr(args)[:200]])
        raise PermissionError("network use is not allowed: " + event)
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writing:
            seen.append(["write", event, str(path)])
    elif event in ("os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
                   "os.chown", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"):
        seen.append(["write", event, repr(args)[:300]])
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"):
        seen.append(["process", event, repr(args)[:200]])
        raise PermissionError("starting a process is not allowed: " + event)

sys.addaudithook(hook)
from checker.cli import main
code = main(sys.argv[1:])
print(json.dumps({"exit": code, "seen": seen}))
'''


def tree(root: Path) -> dict[str, str]:
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def sandboxed_check(tmp_path: Path, bundle: str, policies: Path, *extra: str) -> tuple[dict, Path]:
    for name in ("home", "work", "tmp", "out", "in"):
        (tmp_path / name).mkdir()
    source = HOSTILE / "bundles" / bundle
    target = tmp_path / "in" / bundle
    shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    shutil.copytree(policies, tmp_path / "in" / "policies")
    (tmp_path / "out" / "report.json").write_text("old report\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "TMP", "TEMP"))}
    env.update(HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmp"), XDG_CACHE_HOME=str(tmp_path / "home" / ".cache"),
               PYTHONDONTWRITEBYTECODE="1", NO_PROXY="", http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    before = tree(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, "check", str(target), "--policies", str(tmp_path / "in" / "policies"),
         "--config", str(HOSTILE / "ecs-check.yaml"),
         "--format", "json", "--output", str(tmp_path / "out" / "report.json"), *extra],
        cwd=tmp_path / "work", env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.stdout, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    after = tree(tmp_path)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    outcome["changed"] = sorted(changed)
    outcome["stderr"] = result.stderr
    return outcome, tmp_path / "out"


def allowed(event: list[str], out: Path) -> bool:
    """Writing the report: its temporary file beside it (made, then reopened by descriptor) and the rename."""
    kind, name, detail = event
    if kind != "write":
        return False
    if name == "open" and detail.isdigit():  # os.fdopen() of the descriptor whose opening was itself recorded
        return True
    if name == "os.chmod" and detail.startswith("(") and detail[1:].split(",")[0].isdigit():
        return True  # fchmod of that same descriptor: the report gets the permissions the umask gives
    return str(out) in detail and "report.json" in detail


@pytest.mark.parametrize("bundle", ["good", "attachment-tampered", "naive-timestamps.yaml"])
def test_check_uses_no_network_and_writes_only_its_report(tmp_path, bundle):
    outcome, out = sandboxed_check(tmp_path, bundle, HOSTILE / "policies")
    assert outcome["exit"] in (0, 1), outcome["stderr"]
    bad = [event for event in outcome["seen"] if not allowed(event, out)]
    assert not bad
    assert any(event[1] == "os.rename" for event in outcome["seen"]), "the report is written by an atomic rename"
    assert outcome["changed"] == ["out/report.json"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]


@pytest.mark.parametrize(("bundle", "policies"), [
    ("good", HOSTILE / "policy-roots" / "policy-remote-schema-ref"),
    ("yaml-python-object-tag.yaml", HOSTILE / "policies"),
    ("attachment-dot-dot.yaml", HOSTILE / "policies"),
])
def test_a_refused_run_touches_nothing(tmp_path, bundle, policies):
    outcome, _ = sandboxed_check(tmp_path, bundle, policies)
    assert outcome["exit"] == 2
    assert outcome["seen"] == []
    assert outcome["changed"] == []
    assert "ecs-check: error:" in outcome["stderr"]
