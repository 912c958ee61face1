"""`ecs-check batch`: one result per bundle (the bytes of `check --format json`), an aggregate, isolation, resumption."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.batch import Evaluator, discover
from checker.errors import CheckerError
from tests.helpers import REPO, STANDARD_TEXTS

SAMPLES = REPO / "evidence_samples"


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    root = tmp_path / "bundles"
    root.mkdir()
    shutil.copytree(SAMPLES / "nanjing-home-textiles-aaaa", root / "nj-a")
    shutil.copytree(SAMPLES / "nanjing-snack-food-aaa", root / "nj-b")
    shutil.copytree(SAMPLES / "hangzhou-operator-compliant", root / "hz")
    (root / "broken").mkdir()
    (root / "broken" / "bundle.yaml").write_text("schema_version: '1.0'\n", encoding="utf-8")
    return root


def _tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_broken_bundle_is_reported_and_the_others_still_run(ecs, batch_dir, tmp_path):
    out = tmp_path / "out"
    run = ecs("batch", str(batch_dir), "--output", str(out), "--jobs", "2", "--progress", "lines")
    assert run.code == 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["bundles"] == {"total": 4, "pass": 0, "fail": 3, "unusable": 1, "internal_error": 0}
    broken = next(r for r in summary["results"] if r["name"] == "broken")
    assert broken["status"] == "unusable" and broken["result"] is None and "ECS301" in broken["error"]
    assert sorted(p.name for p in (out / "results").iterdir()) == ["hz.json", "nj-a.json", "nj-b.json"]
    assert "[4/4]" in run.err and "broken: unusable" in run.err
    for name in ("nj-a", "hz"):
        checked = ecs("check", str(batch_dir / name), "--format", "json")
        assert (out / "results" / f"{name}.json").read_text(encoding="utf-8") == checked.out
    assert summary["grades"]["AAAA"] == 1 and summary["grades"]["AAA"] == 1 and summary["grades"]["not_graded"] == 0
    assert sum(summary["grades"].values()) == 3
    lines = (out / "summary.csv").read_text().splitlines()
    assert lines[0].startswith("policy,standard,clause,item,title,judged,pass_rate,most_failed_rank,pass,fail")
    assert summary["most_failed"] and summary["most_failed"][0]["failing"] >= summary["most_failed"][-1]["failing"]
    assert summary["standard_texts"] == STANDARD_TEXTS
    assert list(summary)[:4] == ["schema_version", "tool", "run", "standard_texts"]


def test_same_bytes_with_one_or_two_jobs_and_after_resuming(ecs, batch_dir, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    ecs("batch", str(batch_dir), "-o", str(one), "-j", "1", "--progress", "none")
    ecs("batch", str(batch_dir), "-o", str(two), "-j", "2", "--progress", "none")
    assert _tree(one) == _tree(two)
    again = ecs("batch", str(batch_dir), "-o", str(one), "-j", "2", "--progress", "lines")
    assert again.err.count("(resumed)") == 4 and "(4 resumed)" in again.err
    assert _tree(one) == _tree(two)


def test_changed_inputs_are_evaluated_again(ecs, batch_dir, tmp_path):
    out = tmp_path / "out"
    ecs("batch", str(batch_dir), "-o", str(out), "--progress", "none")
    attachment = next((batch_dir / "nj-a" / "docs").iterdir())
    attachment.write_text(attachment.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = ecs("batch", str(batch_dir), "-o", str(out), "--progress", "lines")
    assert "(3 resumed)" in again.err and "nj-a: fail, grade" in again.err
    result = json.loads((out / "results" / "nj-a.json").read_text())
    assert any(a["status"] == "mismatch" for a in result["bundle"]["attachments"])
    fresh = ecs("batch", str(batch_dir), "-o", str(out), "--no-resume", "--progress", "lines")
    assert "resumed)" not in fresh.err.replace("(0 resumed)", "")


def test_manifest_paths_are_relative_to_it(tmp_path, batch_dir, ecs):
    manifest = tmp_path / "list.txt"
    manifest.write_text("# two bundles\nbundles/nj-a\nbundles/hz   # operator\n\n", encoding="utf-8")
    assert [(t.name, t.display) for t in discover(manifest)] == [("bundles__hz", "bundles/hz"), ("bundles__nj-a", "bundles/nj-a")]
    manifest.write_text("bundles/nj-a\nbundles/nj-a\n", encoding="utf-8")
    with pytest.raises(CheckerError, match="listed twice"):
        discover(manifest)
    run = ecs("batch", str(tmp_path / "nothing"), "-o", str(tmp_path / "o"))
    assert run.code == 2 and "ECS002" in run.err


def test_an_output_directory_inside_the_bundles_is_refused_before_anything_is_written(ecs, batch_dir):
    run = ecs("batch", str(batch_dir), "--output", str(batch_dir / "out"))
    assert run.code == 2
    assert "ECS001 the output directory is inside" in run.err and "the next run would read its reports as bundles" in run.err
    assert not (batch_dir / "out").exists()


def test_folders_are_searched_for_bundles(tmp_path):
    root, elsewhere = tmp_path / "bundles", tmp_path / "elsewhere"
    for folder in ("acme", "group/acme", "group/inner/deep", ".hidden/old", "empty", "notes"):
        (root / folder).mkdir(parents=True)
    for bundle in ("acme/bundle.yaml", "group/acme/bundle.yaml", "group/inner/deep/bundle.json", ".hidden/old/bundle.yaml",
                   "zed.yml", "group/beta.json"):
        (root / bundle).write_text("x: 1\n")
    (root / "group/acme/docs").mkdir()
    (root / "group/acme/docs/evidence.json").write_text("{}")  # part of the bundle group/acme, not a bundle
    (root / "notes/readme.md").write_text("not a bundle\n")
    (elsewhere / "kept").mkdir(parents=True)
    (elsewhere / "kept" / "bundle.yaml").write_text("x: 1\n")
    (elsewhere / "more").mkdir()
    (elsewhere / "more" / "other.yaml").write_text("x: 1\n")
    (root / "alias").symlink_to(elsewhere / "kept")  # a link to a bundle is that bundle
    (root / "group" / "linked").symlink_to(elsewhere / "more")  # a linked folder is not searched
    (root / "group" / "loop").symlink_to(root)
    tasks = discover(root)
    assert [(t.name, Path(t.path).relative_to(root).as_posix()) for t in tasks] == [
        ("acme", "acme"), ("alias", "alias"), ("group__acme", "group/acme"), ("group__beta", "group/beta.json"),
        ("group__inner__deep", "group/inner/deep"), ("zed", "zed.yml")]
    assert tasks[2].display == str(root / "group" / "acme")
    (root / "group" / "acme.yaml").write_text("x: 1\n")  # the folder group/acme and the file group/acme.yaml
    names = [t.name for t in discover(root)]
    assert len(names) == 7 and sum(n.startswith("group__acme-") for n in names) == 2


def test_a_bundle_in_a_nested_folder_is_evaluated(ecs, tmp_path):
    root = tmp_path / "bundles"
    shutil.copytree(SAMPLES / "nanjing-home-textiles-aaaa", root / "group" / "acme")
    shutil.copytree(SAMPLES / "nanjing-snack-food-aaa", root / "nj-b")
    shutil.copytree(SAMPLES / "hangzhou-operator-compliant", root / "hz")
    out = tmp_path / "out"
    run = ecs("batch", str(root), "-o", str(out), "-j", "2", "--progress", "none")
    summary = json.loads((out / "summary.json").read_text())
    assert run.code == 1 and summary["bundles"]["total"] == 3
    assert [(r["name"], r["bundle"]) for r in summary["results"]] == [
        ("group__acme", str(root / "group" / "acme")), ("hz", str(root / "hz")), ("nj-b", str(root / "nj-b"))]
    checked = ecs("check", str(root / "group" / "acme"), "--format", "json")
    assert (out / "results" / "group__acme.json").read_text(encoding="utf-8") == checked.out


def test_no_bundle_anywhere_is_unusable_input(ecs, tmp_path):
    (tmp_path / "bundles" / "empty").mkdir(parents=True)
    run = ecs("batch", str(tmp_path / "bundles"), "-o", str(tmp_path / "out"))
    assert run.code == 2 and "ECS002 no bundle in this directory or the folders under it" in run.err


def _crash_in_workers(monkeypatch: pytest.MonkeyPatch, how: dict[str, str]) -> None:
    """Make a worker process die, or hang, on the named bundles. The patch is made before the workers fork, so they
    inherit it; in this process the named bundles fail the test instead of ending it."""
    driver, evaluate = os.getpid(), Evaluator.evaluate

    def patched(self, task):
        action = how.get(task.name)
        if action is not None:
            assert os.getpid() != driver, f"{task.name} was evaluated in the driver, not in a worker"
            if action == "exit":
                os._exit(9)
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if action == "hang":
                time.sleep(600)
        return evaluate(self, task)

    monkeypatch.setattr(Evaluator, "evaluate", patched)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers inherit the patch only when forked")
def test_a_worker_that_dies_costs_only_its_bundle(ecs, batch_dir, tmp_path, monkeypatch):
    _crash_in_workers(monkeypatch, {"nj-b": "exit", "hz": "kill"})
    out = tmp_path / "out"
    run = ecs("batch", str(batch_dir), "-o", str(out), "-j", "2", "--progress", "lines")
    assert run.code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["bundles"] == {"total": 4, "pass": 0, "fail": 1, "unusable": 1, "internal_error": 2}
    results = {r["name"]: r for r in summary["results"]}
    assert [r["name"] for r in summary["results"]] == ["broken", "hz", "nj-a", "nj-b"]
    assert results["nj-b"] | {"bundle": None} == {
        "name": "nj-b", "bundle": None, "status": "internal_error", "exit_code": 3, "grade": None, "score": None,
        "result": None, "sha256": None, "error": "internal error: the worker process evaluating this bundle died (exit code 9)"}
    assert results["hz"]["error"] == ("internal error: the worker process evaluating this bundle died "
                                      "(killed by SIGKILL, as the out-of-memory killer does)")
    assert results["nj-a"]["status"] == "fail" and results["broken"]["status"] == "unusable"
    assert sorted(p.name for p in (out / "results").iterdir()) == ["nj-a.json"]
    assert "nj-b: internal_error" in run.err and "1 fail, 1 unusable, 2 internal error" in run.err
    checked = ecs("check", str(batch_dir / "nj-a"), "--format", "json")
    assert (out / "results" / "nj-a.json").read_text(encoding="utf-8") == checked.out
    # the same bytes with more workers, and with one worker process (--timeout puts --jobs 1 in a worker)
    for args in (["-j", "3"], ["-j", "1", "--timeout", "600"]):
        other = tmp_path / "other"
        assert ecs("batch", str(batch_dir), "-o", str(other), *args, "--progress", "none").code == 3
        assert _tree(other) == _tree(out)
        shutil.rmtree(other)
    # internal errors are not resumed: once the crash is gone, those bundles are evaluated again
    monkeypatch.undo()
    again = ecs("batch", str(batch_dir), "-o", str(out), "-j", "2", "--progress", "lines")
    assert again.code == 2 and "(2 resumed)" in again.err
    clean = tmp_path / "clean"
    ecs("batch", str(batch_dir), "-o", str(clean), "-j", "1", "--progress", "none")
    assert _tree(out) == _tree(clean)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers inherit the patch only when forked")
def test_a_bundle_past_the_timeout_is_stopped(ecs, batch_dir, tmp_path, monkeypatch):
    _crash_in_workers(monkeypatch, {"hz": "hang"})
    out = tmp_path / "out"
    started = time.monotonic()
    run = ecs("batch", str(batch_dir), "-o", str(out), "-j", "2", "--timeout", "4", "--progress", "none")
    assert time.monotonic() - started < 60
    assert run.code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["bundles"] == {"total": 4, "pass": 0, "fail": 2, "unusable": 1, "internal_error": 1}
    hz = next(r for r in summary["results"] if r["name"] == "hz")
    assert hz["status"] == "internal_error"
    assert hz["error"] == "internal error: timeout: not evaluated within 4 s; its worker process was stopped"
    spark = ecs("batch", str(batch_dir), "-o", str(out), "--engine", "spark", "--timeout", "4")
    assert spark.code == 2 and "ECS001 --timeout is for --engine local" in spark.err


def test_names_that_collide_get_a_digest(tmp_path):
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "bundle.yaml").write_text("x: 1\n")
    (tmp_path / "a_b").mkdir()
    (tmp_path / "a_b" / "bundle.yaml").write_text("x: 1\n")
    names = [t.name for t in discover(tmp_path)]
    assert len(set(names)) == 2 and all(n.startswith("a_b-") for n in names)


def test_batch_in_a_real_process_shows_plain_lines(batch_dir, tmp_path):
    done = subprocess.run([sys.executable, "-m", "checker", "batch", str(batch_dir), "-o", str(tmp_path / "o"), "-j", "2"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert "ecs-check: [1/4]" in done.stderr and "4 bundles: 0 pass, 3 fail, 1 unusable" in done.stderr
