"""Batch evaluation: many bundles, one result each, an aggregate, and resumption by digest.

Pure pieces the `batch` command and its Spark runner share:

- `discover` finds the bundles of a directory (searched folder by folder)
  or a manifest and names each one deterministically (its path, made a file
  name);
- `input_digest` is the SHA-256 of a bundle's inputs: its main file and
  every file it references (attachments, documents, record files);
- `Evaluator.evaluate` checks one bundle exactly as `ecs-check check
  --format json` does and returns its JSON report with a short record for
  the aggregate; an unusable bundle gives a record saying why, never a pass;
- `aggregate` folds the records into summary.json and the CSV tables.

Nothing here reads the clock: a run's outputs depend only on its inputs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker import __version__
from checker.bundle import BUNDLE_NAMES, Limits, load_bundle
from checker.errors import CheckerError

MANIFEST_HELP = "a text file listing one bundle (file or directory) per line, relative to the manifest; # starts a comment"
STATUSES = ("pass", "fail", "insufficient_evidence", "error", "manual_review", "not_applicable", "waived")
GRADES = ("AAAAA", "AAAA", "AAA", "below", "withheld", "not_graded")
MOST_FAILED = 10


@dataclass(frozen=True)
class Task:
    name: str  # the result's file name without .json
    path: str  # the bundle as given (directory or file)
    display: str  # how messages name it


# ------------------------------------------------------------------ finding the bundles


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("/", "__")).strip("_") or "bundle"


def _named(entries: list[tuple[str, Path, str]]) -> list[Task]:
    """Tasks sorted by name; names that would collide get the first 8 hex digits of their path's SHA-256."""
    counts = Counter(_slug(rel) for rel, _, _ in entries)
    tasks = []
    for rel, path, display in entries:
        name = _slug(rel)
        if counts[name] > 1:
            name = f"{name}-{hashlib.sha256(rel.encode()).hexdigest()[:8]}"
        tasks.append(Task(name, str(path), display))
    return sorted(tasks, key=lambda t: t.name)


def _entries(root: Path, folder: Path) -> list[tuple[str, Path, str]]:
    """The bundles under `folder`, each with its path from `root`.

    A folder holding a bundle file is one bundle and is not searched further;
    any other folder is searched the same way; YAML and JSON files outside
    bundle folders are bundle files. Hidden entries are skipped. A linked
    folder is not searched, so the search stays under `root` and ends, but a
    link to a bundle (folder or file) is that bundle, wherever it points.
    """
    try:
        children = sorted(folder.iterdir())
    except OSError as err:
        raise CheckerError.at("ECS002", f"cannot read this directory: {err.strerror or err}", str(folder)) from None
    entries = []
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if any((child / n).is_file() for n in BUNDLE_NAMES):
                entries.append((child.relative_to(root).as_posix(), child, str(child)))
            elif not child.is_symlink():
                entries.extend(_entries(root, child))
        elif child.is_file() and child.suffix.lower() in (".yaml", ".yml", ".json"):
            entries.append((child.relative_to(root).with_suffix("").as_posix(), child, str(child)))
    return entries


def discover(source: Path) -> list[Task]:
    """The bundles of a directory, searched folder by folder (see `_entries`), or of a manifest."""
    if source.is_dir():
        entries = _entries(source, source)
        if not entries:
            raise CheckerError.at("ECS002", f"no bundle in this directory or the folders under it (folders with "
                                            f"{' or '.join(BUNDLE_NAMES)}, or bundle files)", str(source))
        return _named(entries)
    if not source.is_file():
        raise CheckerError.at("ECS002", "no such directory or manifest", str(source))
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CheckerError.at("ECS002", f"cannot read the manifest: {err}", str(source)) from None
    entries = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        if item in seen:
            raise CheckerError.at("ECS001", f"{item} is listed twice (first on line {seen[item]})", str(source), number, 1)
        seen[item] = number
        path = (source.parent / item) if not Path(item).is_absolute() else Path(item)
        rel = Path(item).with_suffix("").as_posix() if path.is_file() else Path(item).as_posix()
        entries.append((rel, path, item))
    if not entries:
        raise CheckerError.at("ECS001", f"the manifest lists no bundle ({MANIFEST_HELP})", str(source))
    return _named(entries)


# ------------------------------------------------------------------ digests


def _references(node: Any) -> Iterable[str]:
    """Every `path` of a mapping that also pins a `sha256`: attachments, documents, record files."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str) and "sha256" in item:
                yield item["path"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def input_digest(path: Path) -> str:
    """SHA-256 over the bundle's main file and every file it references, as they are now ('missing' for absent ones)."""
    import yaml

    main = path
    directory = path.parent
    if path.is_dir():
        directory = path
        main = next((path / n for n in BUNDLE_NAMES if (path / n).is_file()), path / BUNDLE_NAMES[0])
    digest = hashlib.sha256()
    if not main.is_file():
        return hashlib.sha256(b"missing:" + str(main).encode()).hexdigest()
    raw = main.read_bytes()
    digest.update(b"main\0" + hashlib.sha256(raw).hexdigest().encode() + b"\n")
    try:
        data = json.loads(raw) if main.suffix.lower() == ".json" else yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # unusable text: the evaluation reports it; its bytes are already in the digest
        data = None
    for rel in sorted(set(_references(data))):
        target = directory / rel
        try:
            found = _file_digest(target) if target.is_file() else "missing"
        except OSError:
            found = "unreadable"
        digest.update(rel.encode() + b"\0" + found.encode() + b"\n")
    return digest.hexdigest()


# ------------------------------------------------------------------ evaluating one bundle


@dataclass(frozen=True)
class Options:
    standards: tuple[str, ...] = ("all",)
    as_of: str | None = None
    policy_dirs: tuple[str, ...] = ()
    config_file: str | None = None
    shipped: bool = True
    max_bundle_bytes: int = Limits().bundle_bytes

    def to_json(self) -> dict[str, Any]:
        return {"standards": list(self.standards), "as_of": self.as_of, "policy_dirs": list(self.policy_dirs),
                "shipped_policies": self.shipped}


class Evaluator:
    """Policies and the scoring model loaded once, then any number of bundles checked with them."""

    def __init__(self, options: Options) -> None:
        import datetime as dt

        from checker import scoring
        from checker.commands.check import scoring_display
        from checker.policy import load_policy_set
        from checker.workspace import open_workspace

        self.options = options
        workspace = open_workspace(Path(options.config_file) if options.config_file else None,
                                   [Path(p) for p in options.policy_dirs], shipped=options.shipped)
        roots = list(workspace.roots)
        self.policy_set = load_policy_set(roots, options.standards, inventory=workspace.inventory)
        self.model = None
        if scoring.wanted(options.standards) and any(c.policy.standard == scoring.STANDARD for c in self.policy_set.policies):
            model_file = scoring.model_path(roots)
            if model_file is not None:
                self.model = scoring.load_model(model_file, self.policy_set, scoring_display(model_file, roots))
        self.as_of = dt.date.fromisoformat(options.as_of) if options.as_of else None
        from checker.bundle import bundle_schema
        from checker.evidence import sections_to_read

        self.sections = sections_to_read(self.policy_set.policies, bundle_schema()["properties"])

    @property
    def standard_texts(self) -> list[dict[str, str | None]]:
        """The standards the policy set evaluates and the digests of their shipped texts, as every report carries them."""
        from checker.reporters.common import texts_of

        return texts_of(sorted({compiled.policy.standard for compiled in self.policy_set.policies}))

    @property
    def key_base(self) -> str:
        """What every result depends on besides its bundle: tool version, policy set, model, options."""
        model = self.model.sha256 if self.model is not None else None
        return json.dumps({"tool": __version__, "policy_set": self.policy_set.sha256, "model": model,
                           "options": self.options.to_json()}, sort_keys=True)

    def key(self, task: Task) -> str:
        return hashlib.sha256((self.key_base + "\n" + input_digest(Path(task.path))).encode()).hexdigest()

    def failed(self, task: Task, message: str) -> tuple[dict[str, Any], None]:
        """The record of a bundle whose evaluation did not finish (a bug, a worker process that died or overran its
        time): an internal error, never a verdict."""
        return {"name": task.name, "bundle": task.display, "key": self.key(task), "status": "internal_error", "exit_code": 3,
                "findings": [], "grade": None, "error": f"internal error: {message}"}, None

    def evaluate(self, task: Task) -> tuple[dict[str, Any], str | None]:
        """(record for the aggregate, the JSON report or None when the bundle is unusable)."""
        import dataclasses

        from checker import scoring
        from checker.engine import evaluate
        from checker.findings import exit_code
        from checker.reporters.json_report import render

        record: dict[str, Any] = {"name": task.name, "bundle": task.display, "key": self.key(task)}
        bundle = None
        try:
            bundle = load_bundle(Path(task.path), self.as_of, Limits(bundle_bytes=self.options.max_bundle_bytes),
                                 display=task.display, materialize=self.sections)
            result = evaluate(self.policy_set, bundle, self.options.standards)
            if self.model is not None:
                result = dataclasses.replace(result, grade=scoring.grade(self.model, result.findings, bundle))
            text = render(result)
        except CheckerError as err:
            record |= {"status": "unusable", "exit_code": 2, "error": err.render(), "findings": [], "grade": None}
            return record, None
        except Exception as err:  # a bug must not pass for a verdict: the bundle is reported as not evaluated
            where = traceback.extract_tb(err.__traceback__)[-1]
            return self.failed(task, f"{type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})")
        finally:
            if bundle is not None and bundle.records is not None:
                bundle.records.close()
        code = exit_code(result.findings)
        grade = result.grade
        record |= {
            "status": "fail" if code else "pass",
            "exit_code": code,
            "error": None,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "findings": [[f.policy_id, f.standard, f.clause, f.item, f.status.value, f.title.en] for f in result.findings],
            "grade": None if grade is None else {"grade": grade.grade, "score": float(grade.score), "withheld": grade.withheld},
        }
        return record, text


# ------------------------------------------------------------------ the aggregate


def grade_label(record: Mapping[str, Any]) -> str:
    grade = record.get("grade")
    if grade is None:
        return "not_graded"
    if grade["withheld"]:
        return "withheld"
    return grade["grade"] or "below"


def aggregate(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any], key_base: str,
              standard_texts: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """summary.json: counts, grade distribution, pass rate per clause and the most failed clauses.

    `standard_texts` are the standards evaluated and the digests of their shipped texts (Evaluator.standard_texts).

    Sorted and free of the clock and of how the run went (jobs, resumption), so
    the same inputs give the same bytes.
    """
    records = sorted(records, key=lambda r: r["name"])
    statuses = Counter(r["status"] for r in records)
    grades = Counter(grade_label(r) for r in records if r["status"] in ("pass", "fail"))
    clauses: dict[tuple[str, str | None], dict[str, Any]] = {}
    for record in records:
        for policy, standard, clause, item, status, title in record["findings"]:
            entry = clauses.setdefault((policy, item), {"policy": policy, "standard": standard, "clause": clause, "item": item,
                                                         "title": title, **{s: 0 for s in STATUSES}})
            entry[status] += 1
    from checker.findings import clause_key

    rows = []
    for (_, _), entry in sorted(clauses.items(), key=lambda kv: (kv[1]["standard"], clause_key(kv[1]["clause"]), kv[1]["item"] or "", kv[0][0])):
        judged = sum(entry[s] for s in STATUSES) - entry["not_applicable"] - entry["waived"]
        entry["judged"] = judged
        entry["pass_rate"] = round(entry["pass"] / judged, 4) if judged else None
        rows.append(entry)
    failing = [r for r in rows if r["fail"] + r["insufficient_evidence"] + r["error"]]
    most = sorted(failing, key=lambda r: (-(r["fail"] + r["insufficient_evidence"] + r["error"]), -r["fail"], r["policy"], r["item"] or ""))
    return {
        "schema_version": "1.0",
        "tool": {"name": "ecs-check", "version": __version__},
        "run": json.loads(key_base),
        "standard_texts": [dict(entry) for entry in standard_texts],
        "options": dict(options),
        "bundles": {"total": len(records), "pass": statuses["pass"], "fail": statuses["fail"], "unusable": statuses["unusable"],
                    "internal_error": statuses["internal_error"]},
        "grades": {g: grades[g] for g in GRADES},
        "clauses": rows,
        "most_failed": [{"policy": r["policy"], "clause": r["clause"], "item": r["item"], "title": r["title"],
                         "failing": r["fail"] + r["insufficient_evidence"] + r["error"], "fail": r["fail"],
                         "insufficient_evidence": r["insufficient_evidence"], "error": r["error"], "pass_rate": r["pass_rate"]}
                        for r in most[:MOST_FAILED]],
        "results": [{"name": r["name"], "bundle": r["bundle"], "status": r["status"], "exit_code": r["exit_code"],
                     "grade": grade_label(r) if r["status"] in ("pass", "fail") else None,
                     "score": r["grade"]["score"] if r.get("grade") else None,
                     "result": f"results/{r['name']}.json" if r["status"] in ("pass", "fail") else None,
                     "sha256": r.get("sha256"), "error": r.get("error")} for r in records],
    }


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def summary_csv(summary: Mapping[str, Any]) -> str:
    """One row per clause (and item): counts per status, pass rate, and its rank among the most failed."""
    rank = {(m["policy"], m["item"]): i for i, m in enumerate(summary["most_failed"], 1)}
    header = ["policy", "standard", "clause", "item", "title", "judged", "pass_rate", "most_failed_rank", *STATUSES]
    return _csv(header, ([r["policy"], r["standard"], r["clause"], r["item"], r["title"], r["judged"], r["pass_rate"],
                          rank.get((r["policy"], r["item"])), *[r[s] for s in STATUSES]] for r in summary["clauses"]))


def grades_csv(summary: Mapping[str, Any]) -> str:
    total = sum(summary["grades"].values())
    return _csv(["grade", "bundles", "share"], ([g, n, round(n / total, 4) if total else None] for g, n in summary["grades"].items()))


def bundles_csv(summary: Mapping[str, Any]) -> str:
    return _csv(["name", "bundle", "status", "exit_code", "grade", "score", "result", "sha256", "error"],
                ([r["name"], r["bundle"], r["status"], r["exit_code"], r["grade"], r["score"], r["result"], r["sha256"],
                  (r["error"] or "").replace("\n", " | ") or None] for r in summary["results"]))

