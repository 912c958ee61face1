"""`ecs-check batch`: evaluate many bundles in parallel, one JSON result each, an aggregate, resumable.

OUTPUT/
  results/NAME.json        the JSON report of `check --format json`, per bundle
  state/NAME.json          what the aggregate needs of that bundle, and the digest of its inputs
  summary.json             counts, grade distribution, pass rate per clause, most failed clauses, every bundle
  summary.csv              one row per clause: counts per status, pass rate, rank among the most failed
  grades.csv, bundles.csv  the grade distribution; one row per bundle

A bundle whose inputs, policies, tool version and options have not changed
since its state file was written is not evaluated again (resumed). An
unusable bundle is recorded as such, its problems in the summary, and the
others still run; the exit code is then 2. Processes (`--jobs`) or Spark
executors (`--engine spark`) do the work; the driver writes every file, so
the outputs are the same bytes whatever ran them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from checker.batch import Evaluator, Options, Task, aggregate, bundles_csv, discover, grades_csv, summary_csv
from checker.errors import CheckerError
from checker.output import write_all_atomic, write_atomic

_WORKER: Evaluator | None = None  # one per worker process, set by its initializer


def _init_worker(options: Options) -> None:
    global _WORKER
    _WORKER = Evaluator(options)


def _work(task: Task) -> tuple[dict[str, Any], str | None]:
    assert _WORKER is not None
    return _WORKER.evaluate(task)


def _local(tasks: Sequence[Task], evaluator: Evaluator, jobs: int) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Results in task order: in this process, or in `jobs` worker processes (forked with the loaded policies where possible)."""
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield evaluator.evaluate(task)
        return
    global _WORKER
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    forked = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if forked else "spawn")
    extra: dict[str, Any] = {} if forked else {"initializer": _init_worker, "initargs": (evaluator.options,)}
    _WORKER = evaluator
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, **extra) as pool:
            yield from pool.map(_work, tasks, chunksize=max(1, min(8, len(tasks) // (jobs * 8) or 1)))
    finally:
        _WORKER = None


class Progress:
    """A bar on a terminal (rich), one line per bundle otherwise; always on standard error."""

    def __init__(self, total: int, mode: str) -> None:
        self.total, self.done = total, 0
        self.bar: Any = None
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "lines"
        self.mode = mode
        if mode == "bar":
            try:
                from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
                from rich.progress import Progress as RichProgress
            except ImportError:
                self.mode = "lines"
            else:
                self.bar = RichProgress(TextColumn("ecs-check batch"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                        TextColumn("{task.description}"), transient=False, console=_console())
                self.bar.start()
                self.task = self.bar.add_task("", total=total)

    def update(self, record: dict[str, Any], resumed: bool = False) -> None:
        self.done += 1
        label = record["status"] + (" (resumed)" if resumed else "")
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=f"{record['name']}: {label}")
        elif self.mode == "lines":
            grade = record.get("grade") or {}
            shown = f", grade {grade.get('grade') or ('withheld' if grade.get('withheld') else 'none')}" if grade else ""
            sys.stderr.write(f"ecs-check: [{self.done}/{self.total}] {record['name']}: {label}{shown}\n")
            if record.get("error"):
                first = record["error"].splitlines()[0]
                sys.stderr.write(f"ecs-check:     {first}\n")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)


def _load_state(path: Path, key: str, result: Path) -> dict[str, Any] | None:
    """The stored record if its key matches and its result (when it has one) is intact."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != key:
        return None
    if record["status"] in ("pass", "fail"):
        import hashlib

        try:
            if hashlib.sha256(result.read_bytes()).hexdigest() != record.get("sha256"):
                return None
        except OSError:
            return None
    return record


def run(source: Path, output: Path, *, jobs: int = 1, engine: str = "local", master: str | None = None,
        options: Options = Options(), resume: bool = True, progress: str = "auto",
        runner: Callable[..., Iterator[tuple[dict[str, Any], str | None]]] | None = None) -> int:
    if master is not None and engine != "spark":
        raise CheckerError.at("ECS001", "--master is for --engine spark", "<command line>")
    tasks = discover(source)
    if output.exists() and not output.is_dir():
        raise CheckerError.at("ECS004", "output path is not a directory", str(output))
    (output / "results").mkdir(parents=True, exist_ok=True)
    (output / "state").mkdir(exist_ok=True)
    reference = Evaluator(options)  # validates the policies and options once, before any work
    records: dict[str, dict[str, Any]] = {}
    todo: list[Task] = []
    bar = Progress(len(tasks), progress)
    resumed = 0
    try:
        for task in tasks:
            stored = _load_state(output / "state" / f"{task.name}.json", reference.key(task), output / "results" / f"{task.name}.json") \
                if resume else None
            if stored is not None:
                records[task.name] = stored
                resumed += 1
                bar.update(stored, resumed=True)
            else:
                todo.append(task)
        if engine == "spark":
            from checker.measures.spark import batch_on_spark

            produced = batch_on_spark(todo, options, master)
        else:
            produced = (runner or _local)(todo, reference, max(1, jobs))
        for record, text in produced:
            name = record["name"]
            files: list[tuple[Path, str | bytes]] = []
            if text is not None:
                files.append((output / "results" / f"{name}.json", text))
            else:
                stale = output / "results" / f"{name}.json"
                if stale.exists():
                    stale.unlink()
            files.append((output / "state" / f"{name}.json", json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1) + "\n"))
            write_all_atomic(files)
            records[name] = record
            bar.update(record)
    finally:
        bar.close()
    summary = aggregate(list(records.values()), options.to_json(), reference.key_base)
    write_atomic(output / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    write_atomic(output / "summary.csv", summary_csv(summary))
    write_atomic(output / "grades.csv", grades_csv(summary))
    write_atomic(output / "bundles.csv", bundles_csv(summary))
    counts = summary["bundles"]
    sys.stderr.write(f"ecs-check: {counts['total']} bundles: {counts['pass']} pass, {counts['fail']} fail, "
                     f"{counts['unusable']} unusable, {counts['internal_error']} internal error ({resumed} resumed); "
                     f"wrote {output / 'summary.json'}\n")
    if counts["internal_error"]:
        return 3
    if counts["unusable"]:
        return 2
    return 1 if counts["fail"] else 0


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
