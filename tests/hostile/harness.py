"""Run the hostile-input corpus through the real command line, one fresh copy of the corpus per case.

Each case in `cases.yaml` names an input under `bundles/` (or a policy root
under `policy-roots/`), the exit code it must give and, for a refused input,
the problem code and a fragment of the message. Every run is also checked
for what must never happen, whatever the case says: a traceback or internal
error, a raw control character in the output, an output file created or
truncated by a refused run, any input file changed, anything written besides
the report, more than `TIME_LIMIT` seconds.

`python tests/hostile/harness.py` runs the whole corpus in one process and
prints each case's time and the process's peak memory as JSON; the test
suite runs it that way to bound time and memory, and case by case for
readable failures.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SENTINEL = "previous report: a refused run must leave this file as it was\n"
TIME_LIMIT = 10.0
CASE_KEYS = {"id", "about", "bundle", "policies", "args", "links", "fifos", "zeros", "repeat", "exit", "code", "message", "at",
             "finding"}
REPEAT_KEYS = {"before", "each", "count", "after"}
FINDING_KEYS = {"policy", "status", "message", "note"}


@dataclass(frozen=True)
class Case:
    id: str
    about: str
    bundle: str = "good"
    policies: str | None = None
    args: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    fifos: tuple[str, ...] = ()
    zeros: tuple[tuple[str, int], ...] = ()
    repeat: tuple[tuple[str, tuple[str, str, int, str]], ...] = ()
    exit: int = 2
    code: str | None = None
    message: str = ""
    at: str | None = None
    finding: tuple[tuple[str, str], ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        """A broken policy root must be refused by every command that reads policies."""
        return ("check", "policies") if self.policies else ("check",)


def load_cases() -> list[Case]:
    from checker.loading import load_document

    doc = load_document(HERE / "cases.yaml")
    cases = []
    for entry in doc.data["cases"]:
        unknown = set(entry) - CASE_KEYS
        if unknown:
            raise ValueError(f"case {entry.get('id')}: unknown keys {sorted(unknown)}")
        if set(entry.get("finding", {})) - FINDING_KEYS:
            raise ValueError(f"case {entry['id']}: unknown finding keys")
        if any(set(spec) - REPEAT_KEYS for spec in entry.get("repeat", {}).values()):
            raise ValueError(f"case {entry['id']}: unknown repeat keys")
        cases.append(Case(
            id=entry["id"],
            about=entry["about"],
            bundle=entry.get("bundle", "good"),
            policies=entry.get("policies"),
            args=tuple(str(arg) for arg in entry.get("args", ())),
            links=tuple(sorted(entry.get("links", {}).items())),
            fifos=tuple(entry.get("fifos", ())),
            zeros=tuple(sorted(entry.get("zeros", {}).items())),
            repeat=tuple(sorted((name, (spec.get("before", ""), spec["each"], spec["count"], spec.get("after", "")))
                                for name, spec in entry.get("repeat", {}).items())),
            exit=entry.get("exit", 2),
            code=entry.get("code"),
            message=entry.get("message", ""),
            at=entry.get("at"),
            finding=tuple(sorted(entry.get("finding", {}).items())),
        ))
    return cases


# ------------------------------------------------------------------ one run


def prepare(case: Case, workdir: Path) -> Path:
    """A private copy of the corpus with the case's links, FIFOs and large files made; returns its root."""
    corpus = workdir / "corpus"
    for rel in _needed(case):
        copy = shutil.copytree if (HERE / rel).is_dir() else shutil.copy2
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        copy(HERE / rel, corpus / rel)
    for link, target in case.links:
        (corpus / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, corpus / link)
    for fifo in case.fifos:
        (corpus / fifo).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(corpus / fifo)
    for name, size in case.zeros:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        with open(corpus / name, "wb") as handle:
            handle.truncate(size)  # sparse: costs no disk, reads as zero bytes
    for name, (before, each, count, after) in case.repeat:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        with open(corpus / name, "w", encoding="utf-8") as handle:
            handle.write(before)
            handle.writelines(each.replace("{i}", str(i)) for i in range(count))
            handle.write(after)
    (workdir / "out").mkdir()
    (workdir / "out" / "report.json").write_text(SENTINEL, encoding="utf-8")
    return corpus


def _needed(case: Case) -> set[str]:
    """The corpus entries a case reads: its input, what its links point at, the test policies."""
    needed = {"policies", "ecs-check.yaml", "bundles/outside-secret.txt", f"bundles/{case.bundle.split('/')[0]}"}
    if case.policies:
        needed.add(f"policy-roots/{case.policies}")
    for link, target in case.links:
        parts = os.path.normpath(os.path.join(os.path.dirname(link), target)).split(os.sep)
        needed.add("/".join(parts[:2]))
    return {rel for rel in needed if (HERE / rel).exists()}


def argv(case: Case, workdir: Path, command: str) -> list[str]:
    corpus = workdir / "corpus"
    roots = corpus / "policy-roots" / case.policies if case.policies else corpus / "policies"
    extra = [arg.replace("{corpus}", str(corpus)) for arg in case.args]
    config = ["--config", str(corpus / "ecs-check.yaml")]  # declares the corpus's own standard, ECS-HOSTILE
    if command == "policies":
        return ["policies", "--policies", str(roots), *config]
    report = workdir / "out" / "report.json"
    output = [] if "--output" in extra else ["--output", str(report)]  # a case may name its own report path
    return ["check", str(corpus / "bundles" / case.bundle), "--policies", str(roots), *config, "--format", "json", *output, *extra]


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root`: a regular file's digest, a link's target, or its type (FIFOs are never opened)."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            info = os.lstat(path)
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = "link -> " + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "dir" if stat.S_ISDIR(info.st_mode) else f"mode {stat.S_IFMT(info.st_mode):o}"
    return found


class Hang(BaseException):
    """Raised by the alarm: a run that takes this long is a failure, not something to wait for."""


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str
    seconds: float


def invoke(args: list[str]) -> Outcome:
    from checker.cli import main

    out, err = io.StringIO(), io.StringIO()

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {2 * TIME_LIMIT:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(2 * TIME_LIMIT))
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def verify(case: Case, command: str, outcome: Outcome, before: dict[str, str], after: dict[str, str],
           report: str) -> list[str]:
    """Everything wrong with one run, in plain words (empty when the run behaved)."""
    problems = []
    if outcome.exit != case.exit:
        problems.append(f"exit {outcome.exit}, expected {case.exit}")
    for name, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        if "Traceback" in text or "internal error" in text:
            problems.append(f"{name} shows an internal error")
        if any(ch in text for ch in "\x1b\x00\x07\r\u202e"):
            problems.append(f"{name} carries a raw control character")
    if outcome.seconds > TIME_LIMIT:
        problems.append(f"took {outcome.seconds:.1f} s")
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        problems.append(f"inputs changed or files written among them: {changed[:5]}")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if case.exit == 2:
        if outcome.stdout:
            problems.append("a refused run wrote to standard output")
        if report != SENTINEL:
            problems.append("a refused run created or changed the output file")
        if case.code is not None and not all(line.startswith("ecs-check: error: ") for line in lines):
            problems.append(f"stderr has lines that are not located errors: {lines[:3]}")
        wanted = [line for line in lines if (case.code or "") in line and case.message in line]
        if not wanted:
            problems.append(f"no error line has {case.code} and {case.message!r}; got {lines[:3]}")
        elif case.at and not any(f":{case.at}: {case.code}" in line for line in wanted):
            problems.append(f"error not located at {case.at}: {wanted[0]}")
    else:
        if report == SENTINEL:
            problems.append("the report was not written")
        else:
            problems.extend(_check_finding(case, json.loads(report)))
    return problems


def _check_finding(case: Case, report: dict[str, Any]) -> list[str]:
    if not case.finding:
        return []
    want = dict(case.finding)
    for finding in report["findings"]:
        if finding["policy_id"] != want["policy"] or finding["status"] != want["status"]:
            continue
        if want.get("message", "") not in finding["message"]["en"]:
            continue
        if "note" in want and not any(want["note"] in note["en"] for note in finding["notes"]):
            continue
        return []
    got = [(f["policy_id"], f["status"], f["message"]["en"][:120]) for f in report["findings"] if f["policy_id"] == want["policy"]]
    return [f"no finding matches {want}; {want['policy']} gave {got}"]


def run_one(case: Case, command: str, workdir: Path) -> tuple[list[str], Outcome]:
    prepare(case, workdir)
    before = snapshot(workdir)
    before.pop("out/report.json")
    outcome = invoke(argv(case, workdir, command))
    report = (workdir / "out" / "report.json").read_text(encoding="utf-8")
    after = snapshot(workdir)
    after.pop("out/report.json", None)
    return verify(case, command, outcome, before, after, report), outcome


# ------------------------------------------------------------------ the whole corpus in one process


def run_all() -> Iterator[tuple[str, list[str], float]]:
    for case in load_cases():
        for command in case.commands:
            with tempfile.TemporaryDirectory() as tmp:
                problems, outcome = run_one(case, command, Path(tmp))
            yield f"{case.id}[{command}]", problems, outcome.seconds


def peak_rss_bytes() -> int:
    """This process's own peak resident memory.

    VmHWM belongs to the address space this process built after exec, so it
    is its own. getrusage's ru_maxrss is not: Linux carries into it the peak
    of the address space that exec replaced, i.e. the parent's (a test runner
    that already holds hundreds of MiB), so it is used only where /proc is
    missing.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main() -> int:
    results = {name: {"seconds": round(seconds, 3), "problems": problems} for name, problems, seconds in run_all()}
    json.dump({"runs": results, "peak_rss_bytes": peak_rss_bytes()}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
