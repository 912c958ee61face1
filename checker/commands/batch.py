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
others still run; the exit code is then 2. A bundle whose evaluation fails
(a bug, a worker process that dies, or `--timeout` passed) is recorded as an
internal error, and the others still run; the exit code is then 3. Processes
(`--jobs`) or Spark executors (`--engine spark`) do the work; the driver
writes every file, so the outputs are the same bytes whatever ran them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.batch import Evaluator, Options, Task, aggregate, bundles_csv, discover, grades_csv, summary_csv
from checker.errors import CheckerError
from checker.output import write_all_atomic, write_atomic

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

Result = tuple[dict[str, Any], str | None]

_WORKER: Evaluator | None = None  # the loaded policies a forked worker inherits; set while workers run


def _serve(conn: Connection, options: Options | None, inherited: Sequence[Connection]) -> None:
    """A worker process: evaluate each task received until told to stop (None) or the driver goes away.

    A forked worker closes the driver's ends of its pipe and of the other
    workers' pipes, which it inherits, so that it sees its pipe close when the
    driver dies. Interrupting is the driver's business: it stops the workers.
    """
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    evaluator = _WORKER if options is None else Evaluator(options)
    assert evaluator is not None
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        conn.send(evaluator.evaluate(task))


class _Worker:
    """One worker process and its pipe; it evaluates one bundle at a time, so the driver knows which one it has."""

    def __init__(self, context: Any, options: Options | None, others: Sequence[_Worker]) -> None:
        self.conn, theirs = context.Pipe()
        inherited = [self.conn, *(w.conn for w in others)] if options is None else []  # a spawned worker inherits none
        self.process = context.Process(target=_serve, args=(theirs, options, inherited), daemon=True)
        self.process.start()
        theirs.close()
        self.index: int | None = None  # the task it is evaluating
        self.started = 0.0  # time.monotonic() when it was given that task

    def give(self, index: int, task: Task) -> None:
        self.conn.send(task)
        self.index, self.started = index, time.monotonic()

    def stop(self) -> None:
        """Let an idle worker finish; kill a busy or unresponsive one."""
        if self.index is None and self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            else:
                self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process evaluating this bundle closed its pipe without an answer and was stopped"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}" + (", as the out-of-memory killer does" if name == "SIGKILL" else "")
    else:
        how = f"exit code {exitcode}"
    return f"the worker process evaluating this bundle died ({how})"


def _in_workers(tasks: Sequence[Task], evaluator: Evaluator, jobs: int, timeout: float | None) -> Iterator[Result]:
    """Results in task order from `jobs` worker processes (forked with the loaded policies where possible).

    Each worker is given one bundle at a time, so a worker that dies (a crash,
    os._exit, the out-of-memory killer) or runs past `timeout` seconds on a
    bundle costs that bundle only: it is recorded as an internal error, the
    worker is killed if need be, and a new one takes its place. A pool that
    hands out work in advance (concurrent.futures) cannot tell which bundle
    broke it, nor stop a single worker.
    """
    global _WORKER
    import multiprocessing
    from multiprocessing.connection import wait

    forked = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if forked else "spawn")
    options = None if forked else evaluator.options
    queue = deque(enumerate(tasks))
    done: dict[int, Result] = {}
    workers: list[_Worker] = []
    emitted = 0
    _WORKER = evaluator
    try:
        for _ in range(min(jobs, len(tasks))):
            workers.append(_Worker(context, options, workers))
        while emitted < len(tasks):
            for slot, worker in enumerate(workers):
                if worker.index is None and queue:
                    index, task = queue.popleft()
                    try:
                        worker.give(index, task)
                    except OSError:  # it died while idle: a new one takes the bundle
                        worker.stop()
                        workers[slot] = worker = _Worker(context, options, workers)
                        worker.give(index, task)
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
            busy = [w for w in workers if w.index is not None]
            if not busy:
                continue
            limit = None if timeout is None else max(0.0, min(w.started for w in busy) + timeout - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], limit))
            for worker in busy:
                index = worker.index
                assert index is not None
                if worker.conn in ready:
                    try:
                        done[index] = worker.conn.recv()
                    except (EOFError, OSError):  # the pipe closed with the process: it died
                        pass
                    else:
                        worker.index = None
                        continue
                if worker.conn in ready or worker.process.sentinel in ready:
                    worker.process.join(5)  # it has ended, or is ending
                    message = _death(worker.process.exitcode)
                elif timeout is not None and time.monotonic() - worker.started >= timeout:
                    message = f"timeout: not evaluated within {timeout:g} s; its worker process was stopped"
                else:
                    continue
                done[index] = evaluator.failed(tasks[index], message)
                worker.stop()
                workers.remove(worker)
                if queue:
                    workers.append(_Worker(context, options, workers))
    finally:
        for worker in workers:
            worker.stop()
        _WORKER = None


def _local(tasks: Sequence[Task], evaluator: Evaluator, jobs: int, timeout: float | None = None) -> Iterator[Result]:
    """Results in task order: in this process with one job and no time limit, else in worker processes."""
    if jobs <= 1 and timeout is None:
        for task in tasks:
            yield evaluator.evaluate(task)
        return
    yield from _in_workers(tasks, evaluator, jobs, timeout)


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
    """The stored record if its key matches and its result (when it has one) is intact.

    An internal error is never kept: a worker that died or ran out of time may
    well finish the next time (more memory, a longer --timeout).
    """
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != key or record.get("status") == "internal_error":
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
        options: Options = Options(), resume: bool = True, progress: str = "auto", timeout: float | None = None,
        runner: Callable[..., Iterator[Result]] | None = None) -> int:
    if master is not None and engine != "spark":
        raise CheckerError.at("ECS001", "--master is for --engine spark", "<command line>")
    if timeout is not None and engine != "local":
        raise CheckerError.at("ECS001", "--timeout is for --engine local", "<command line>")
    if source.is_dir() and output.resolve().is_relative_to(source.resolve()):
        raise CheckerError.at("ECS001", f"the output directory is inside {source}, where bundles are searched: the next "
                                        "run would read its reports as bundles; write it elsewhere", str(output))
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
            produced = (runner or _local)(todo, reference, max(1, jobs), timeout)
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
    summary = aggregate(list(records.values()), options.to_json(), reference.key_base, reference.standard_texts)
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
