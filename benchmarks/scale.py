"""Scale benchmarks: KPIs from raw records (DuckDB, a pure-Python floor, Spark) and batch throughput, in one run.

    python benchmarks/scale.py                          # 10k and 1M messages, batch of 1,000 bundles
    python benchmarks/scale.py --sizes 10000 1000000 10000000 --spark --batch 1000

On the same generated data (benchmarks/generate.py, seeded) it times:

- `ecs-check kpis BUNDLE --format json` end to end in a fresh process
  (DuckDB: reading, validating and querying the record files, then every
  indicator and the deadline checks), and in process the part that compares
  with the floor: reading and validating the files and measuring the figures;
- the floor: the same figures by a straightforward pure-Python program that
  reads the CSV files with the csv module and computes them with the
  reference engine (checker.measures.pure), without validation: less work
  than the command, so the ratio understates the command's advantage;
- Spark in local mode (`--spark`): the command with `--engine spark
  --master local[2]`, end to end (JVM start included) and the measuring
  alone in a warm session;
- `ecs-check batch` over N generated small bundles with 1 and 2 jobs, once
  with their records inline and once in CSV record files.

Each figure is the best of `--repeat` runs in seconds; the floor's figures
are checked equal to DuckDB's before any time is reported. Nothing here is a
test; the numbers go to standard output as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import COLUMNS, SECTIONS, generate  # noqa: E402


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "ecs-check"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "checker"]


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return round(min(times), 3), out


def _command(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(_cli() + args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


class _Ctx:
    """What the reference engine reads: plain lists, the zone and the period (no validation, no record store)."""

    def __init__(self, data: dict[str, Any]) -> None:
        import datetime as dt

        from checker import timecalc

        self.data = data
        self.tz = timecalc.zone("Asia/Shanghai")
        self.tz_name = "Asia/Shanghai"
        self.period_start, self.period_end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
        self.instants = timecalc.Instants(self.tz)
        self.records = None
        self.measures = None


def floor(directory: Path) -> dict[str, Any]:
    """Read every CSV with the csv module and compute the figures in plain Python."""
    from checker.measures import Basis
    from checker.measures.pure import PythonMeasures

    data: dict[str, Any] = {}
    for kind, section in SECTIONS.items():
        types = COLUMNS[kind]
        rows = []
        with open(directory / "records" / f"{kind}.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                record: dict[str, Any] = {}
                for key, value in row.items():
                    if value == "":
                        continue
                    kind_of = types[key]
                    record[key] = value == "true" if kind_of == "boolean" else float(value) if kind_of == "number" else value
                rows.append(record)
        node = data
        for step in section[:-1]:
            node = node.setdefault(step, {})
        node[section[-1]] = rows
    engine = PythonMeasures(_Ctx(data))
    basis = Basis("session", True, (0, 480), None)
    return {"responses": engine.responses(basis), "consultations": engine.consultations(), "transactions": engine.transactions(),
            "reviews": engine.reviews(), "complaints": engine.complaints(), "feedback": engine.feedback(), "refunds": engine.refunds(48)}


def duck_figures(directory: Path) -> dict[str, Any]:
    from checker.bundle import load_bundle
    from checker.measures import Basis, engine_for

    bundle = load_bundle(directory, materialize=())
    ctx = bundle.context()
    engine = engine_for(ctx, "duckdb")
    basis = Basis("session", True, (0, 480), None)
    out = {"responses": engine.responses(basis), "consultations": engine.consultations(), "transactions": engine.transactions(),
           "reviews": engine.reviews(), "complaints": engine.complaints(), "feedback": engine.feedback(), "refunds": engine.refunds(48)}
    bundle.records.close()
    return out


def spark_warm(directory: Path, master: str) -> float:
    from checker.bundle import load_bundle
    from checker.measures import Basis, engine_for

    bundle = load_bundle(directory, materialize=())
    ctx = bundle.context()
    engine = engine_for(ctx, "spark", master=master)
    engine.responses(Basis())  # warm: JVM, session, file listing
    start = time.perf_counter()
    fresh = engine_for(ctx, "spark", master=master)
    fresh.responses(Basis("session", True, (0, 480), None))
    fresh.consultations(), fresh.transactions(), fresh.reviews(), fresh.complaints(), fresh.feedback(), fresh.refunds(48)
    return round(time.perf_counter() - start, 3)


def measure_size(size: int, root: Path, repeat: int, spark: bool, master: str) -> dict[str, Any]:
    directory = root / f"m{size}"
    started = time.perf_counter()
    generate(directory, size)
    row: dict[str, Any] = {"messages": size, "generate_s": round(time.perf_counter() - started, 1),
                           "csv_mb": round(sum(p.stat().st_size for p in (directory / "records").iterdir()) / 1e6, 1)}
    row["duckdb_kpis_end_to_end_s"], report = best(lambda: _command(["kpis", str(directory), "--format", "json"]), repeat)
    row["duckdb_read_validate_measure_s"], figures = best(lambda: duck_figures(directory), repeat)
    floor_s, floor_figures = best(lambda: floor(directory), 1 if size >= 1_000_000 else repeat)
    if floor_figures != figures:
        raise SystemExit(f"the floor and DuckDB disagree on {size} messages")
    row["python_floor_s"] = floor_s
    row["floor_to_duckdb_end_to_end"] = round(floor_s / row["duckdb_kpis_end_to_end_s"], 1)
    row["floor_to_duckdb_in_process"] = round(floor_s / row["duckdb_read_validate_measure_s"], 1)
    if spark:
        row["spark_kpis_end_to_end_s"], spark_report = best(
            lambda: _command(["kpis", str(directory), "--format", "json", "--engine", "spark", "--master", master]), 1)
        if spark_report["indicators"] != report["indicators"]:
            raise SystemExit(f"Spark and DuckDB disagree on {size} messages")
        row["spark_measuring_warm_s"] = spark_warm(directory, master)
        row["floor_to_spark_end_to_end"] = round(floor_s / row["spark_kpis_end_to_end_s"], 1)
    frt = next(i for i in report["indicators"] if i["id"] == "first_response_time")
    row["first_response_time_s"] = frt["value"]
    shutil.rmtree(directory)
    return row


def measure_batch(count: int, root: Path, messages: int, inline: bool) -> dict[str, Any]:
    root = root / ("inline" if inline else "files")
    source = root / "bundles"
    source.mkdir(parents=True)
    started = time.perf_counter()
    for i in range(count):  # distinct bundles: each its own seed
        generate(source / f"b{i:04d}", messages, seed=1000 + i, inline=inline)
    row: dict[str, Any] = {"bundles": count, "records": "inline" if inline else "csv record files", "messages_per_bundle": messages,
                           "prepare_s": round(time.perf_counter() - started, 1)}
    for jobs in (1, 2):
        out = root / f"out{jobs}"
        start = time.perf_counter()
        done = subprocess.run(_cli() + ["batch", str(source), "-o", str(out), "-j", str(jobs), "--progress", "none"],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"batch exited {done.returncode}: {done.stderr[-2000:]}")
        row[f"jobs_{jobs}_s"] = round(seconds, 2)
        row[f"jobs_{jobs}_bundles_per_s"] = round(count / seconds, 1)
    a, b = (root / "out1" / "summary.json").read_bytes(), (root / "out2" / "summary.json").read_bytes()
    row["same_summary_with_1_and_2_jobs"] = a == b
    start = time.perf_counter()
    subprocess.run(_cli() + ["batch", str(source), "-o", str(root / "out2"), "-j", "2", "--progress", "none"], capture_output=True)
    row["resumed_run_s"] = round(time.perf_counter() - start, 2)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also time Spark in local mode")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--batch", type=int, default=1000, help="bundles in the batch benchmark (0: skip)")
    parser.add_argument("--batch-messages", type=int, default=200)
    parser.add_argument("--no-kpis", action="store_true", help="only the batch benchmark")
    args = parser.parse_args()
    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "kpis": []}
    with tempfile.TemporaryDirectory(prefix="ecs-scale-") as tmp:
        for size in [] if args.no_kpis else args.sizes:
            results["kpis"].append(measure_size(size, Path(tmp), args.repeat, args.spark, args.master))
            print(json.dumps(results["kpis"][-1]), file=sys.stderr)
        if args.batch:
            results["batch"] = [measure_batch(args.batch, Path(tmp), args.batch_messages, inline) for inline in (True, False)]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
