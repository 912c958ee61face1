"""The hostile-input corpus (tests/hostile/): one clear error or an honest finding, nothing lost, nothing let in.

The corpus runs once, in a fresh process (tests/hostile/harness.py), so the
time and memory each case takes are measured apart from the test runner;
each case's test then reads its own result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

from harness import HERE, TIME_LIMIT, load_cases  # noqa: E402

from checker.codes import CODES  # noqa: E402

CASES = load_cases()
RUNS = [(case, command) for case in CASES for command in case.commands]
MEMORY_LIMIT = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    result = subprocess.run([sys.executable, str(HERE / "harness.py")], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize(("case", "command"), RUNS, ids=[f"{case.id}[{command}]" for case, command in RUNS])
def test_hostile_case(corpus_run, case, command):
    run = corpus_run["runs"][f"{case.id}[{command}]"]
    assert not run["problems"], f"{case.id}: {case.about}\n" + "\n".join(run["problems"])
    assert run["seconds"] < TIME_LIMIT


def test_the_corpus_stays_under_the_memory_limit(corpus_run):
    """Peak resident memory of the process that ran every case: each case stayed under it."""
    assert len(corpus_run["runs"]) == len(RUNS)
    assert corpus_run["peak_rss_bytes"] < MEMORY_LIMIT, f"peak {corpus_run['peak_rss_bytes'] / 2**20:.0f} MiB"


def test_the_memory_figure_is_the_harness_own_not_the_test_runner_s():
    """A parent holding 256 MiB must not show in the peak of the process it starts (ru_maxrss would)."""
    held = bytearray(256 * 1024 * 1024)
    for offset in range(0, len(held), 4096):
        held[offset] = 1
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from harness import peak_rss_bytes; print(peak_rss_bytes())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    del held
    assert int(child.stdout) < 128 * 1024 * 1024


def test_corpus_is_large_and_well_formed():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    for case in CASES:
        assert case.about, case.id
        assert case.code is None or case.code in CODES, case.id
        assert case.exit in (0, 1, 2), case.id
        assert case.exit == 2 or case.finding, f"{case.id}: an accepted input must say which finding shows it"
        assert case.exit != 2 or case.message, f"{case.id}: a refusal must say which message it expects"


def test_every_corpus_file_is_used():
    used = {case.bundle.split("/")[0] for case in CASES if not case.repeat} | {"outside-secret.txt"}
    on_disk = {path.name for path in (HERE / "bundles").iterdir()}
    assert on_disk - used == set(), "inputs no case uses"
    roots = {case.policies for case in CASES if case.policies}
    assert {path.name for path in (HERE / "policy-roots").iterdir()} == roots


def test_the_harness_notices_what_must_never_happen():
    """A corpus that cannot fail proves nothing: feed the checks bad outcomes and see each one named."""
    from harness import SENTINEL, Case, Outcome, verify

    refusal = Case(id="x", about="x", code="ECS205", message="duplicate key")
    good = Outcome(2, "", "ecs-check: error: b.yaml:3:1: ECS205 duplicate key 'a'\n", 0.1)
    assert verify(refusal, "check", good, {}, {}, SENTINEL) == []
    bad_runs = {
        "exit 3, expected 2": Outcome(3, "", good.stderr, 0.1),
        "internal error": Outcome(2, "", good.stderr + "ecs-check: internal error: KeyError\n", 0.1),
        "raw control character": Outcome(2, "", good.stderr.replace("'a'", "'\x1b[2J'"), 0.1),
        "wrote to standard output": Outcome(2, "{}", good.stderr, 0.1),
        "took": Outcome(2, "", good.stderr, TIME_LIMIT + 1),
        "no error line has": Outcome(2, "", "ecs-check: error: b.yaml:3:1: ECS203 YAML syntax error\n", 0.1),
    }
    for expected, outcome in bad_runs.items():
        assert any(expected in problem for problem in verify(refusal, "check", outcome, {}, {}, SENTINEL)), expected
    assert any("created or changed the output" in p for p in verify(refusal, "check", good, {}, {}, "{}"))
    assert any("inputs changed" in p for p in verify(refusal, "check", good, {"b.yaml": "1"}, {"b.yaml": "2"}, SENTINEL))
    accepted = Case(id="y", about="y", exit=1, finding=(("policy", "p/1"), ("status", "pass")))
    report = '{"findings": [{"policy_id": "p/1", "status": "fail", "message": {"en": "late"}, "notes": []}]}'
    assert any("no finding matches" in p for p in verify(accepted, "check", Outcome(1, "", "", 0.1), {}, {}, report))
