"""Benchmarks for the core check: end to end, engine alone, a hand-written floor, cold start.

    python benchmarks/run.py            # 10k and 100k complaint records
    python benchmarks/run.py --sizes 1000 --repeat 3

In one run, on the same generated bundle, it times:
- the full DB33/T 2039-2017 check end to end (load policies, read and validate
  the bundle, evaluate, render JSON), for the bundle as JSON and as YAML;
- the engine alone on three typical checks (7.5.1.2 24 h feedback, 5.1.2
  training before duty, 4.2 weekly coverage), with a fresh timestamp cache;
- a hand-written pure-Python floor of the same three checks;
- the cold start of `ecs-check --version` next to `python -c "import yaml, click"`,
  and of `ecs-check lint` on one policy next to `python -c "import yaml, jsonschema, click"`
  (benchmarks/cold_start.py measures the same with medians over more runs).
Figures are the best (minimum) of `--repeat` runs, in milliseconds, as timeit reports:
the minimum is the least disturbed by other work on the machine. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic import bundle as make_bundle  # noqa: E402
from checker import timecalc  # noqa: E402
from checker.bundle import load_bundle  # noqa: E402
from checker.engine import evaluate, evaluate_policy  # noqa: E402
from checker.policy import load_policy_set  # noqa: E402
from checker.reporters.json_report import render  # noqa: E402

THREE = ("db33-t-2039-2017/7.5.1.2", "db33-t-2039-2017/5.1.2", "db33-t-2039-2017/4.2")


def best_ms(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples)


def floor(data: dict[str, Any]) -> tuple[int, int, int]:
    """The three checks written by hand over plain dicts: the lower bound to compare with."""
    tz = timecalc.zone("Asia/Shanghai")
    limit = dt.timedelta(hours=24)
    late = 0
    for c in data["complaints"]:
        if c["category"] != "service" or c.get("resolved_at_first_contact") is True:
            continue
        received = dt.datetime.fromisoformat(c["received_at"])
        if received.tzinfo is None:
            received = received.replace(tzinfo=tz)
        if not "2025-01-01" <= received.date().isoformat() <= "2025-12-31":
            continue
        fed = c.get("solution_fed_back_at")
        if fed is None or dt.datetime.fromisoformat(fed) - received > limit:
            late += 1
    untrained = 0
    for s in data["staff"]:
        assessment = s.get("pre_job_assessment") or {}
        if not (assessment.get("passed") and assessment["date"] <= s["first_duty_on"]):
            untrained += 1
    minutes = [0] * 7
    spans = []
    for schedule in data["service_hours"]["schedules"]:
        for iv in schedule["intervals"]:
            if iv.get("agent", "human") != "human":
                continue
            h1, m1 = map(int, iv["start"].split(":"))
            h2, m2 = map(int, iv["end"].split(":"))
            a, b = h1 * 60 + m1, h2 * 60 + m2
            if b <= a:
                b += 1440
            for day in iv["days"]:
                d = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(day) * 1440
                spans.append((d + a, d + b))
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        for d in range(7):
            minutes[d] += max(0, min(b, (d + 1) * 1440) - max(a, d * 1440))
    return late, untrained, sum(1 for m in minutes if m >= 480)


def cold_start(repeat: int) -> dict[str, float]:
    def timed(cmd: list[str]) -> float:
        return best_ms(lambda: subprocess.run(cmd, check=True, capture_output=True), repeat)

    exe = Path(sys.executable).parent / "ecs-check"
    policy = Path(__file__).resolve().parent.parent / "policies" / "db33-t-2039-2017" / "7.5.1.2.yaml"
    return {
        "python -c 'import yaml, click'": timed([sys.executable, "-c", "import yaml, click"]),
        "python -c 'import yaml, jsonschema, click'": timed([sys.executable, "-c", "import yaml, jsonschema, click"]),
        "ecs-check --version": timed([str(exe), "--version"]),
        "ecs-check lint (one policy)": timed([str(exe), "lint", str(policy)]),
    }


def measure(size: int, tmp: str, chosen: list[Any], repeat: int) -> dict[str, Any]:
    """All figures for one bundle size."""
    data = make_bundle(size)
    json_path = Path(tmp) / f"bundle-{size}.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    row: dict[str, Any] = {"json_mb": round(json_path.stat().st_size / 1e6, 2)}

    def end_to_end(path: Path = json_path) -> None:
        ps = load_policy_set(standards=["DB33/T 2039-2017"])
        render(evaluate(ps, load_bundle(path), ["DB33/T 2039-2017"]))

    row["end_to_end_json_ms"] = best_ms(end_to_end, repeat)
    if size <= 10_000:
        import yaml

        yaml_path = Path(tmp) / f"bundle-{size}.yaml"
        class NoAliases(yaml.CSafeDumper):
            def ignore_aliases(self, data: Any) -> bool:
                return True

        yaml_path.write_text(yaml.dump(data, allow_unicode=True, Dumper=NoAliases), encoding="utf-8")
        row["end_to_end_yaml_ms"] = best_ms(lambda p=yaml_path: end_to_end(p), max(1, repeat // 2))
    loaded = load_bundle(json_path)

    def engine() -> None:
        """Rule evaluation only: a fresh timestamp cache, no evidence location or rendering."""
        fresh = dataclasses.replace(loaded, instants=timecalc.Instants(loaded.tz))
        ctx = fresh.context()
        for compiled in chosen:
            for check in compiled.checks:
                check.rule(ctx)

    def engine_with_findings() -> None:
        fresh = dataclasses.replace(loaded, instants=timecalc.Instants(loaded.tz))
        ctx = fresh.context()
        for compiled in chosen:
            evaluate_policy(compiled, fresh, ctx)

    row["engine_three_checks_ms"] = best_ms(engine, repeat)
    row["engine_three_checks_with_findings_ms"] = best_ms(engine_with_findings, repeat)
    row["floor_three_checks_ms"] = best_ms(lambda: floor(data), repeat)
    row["engine_to_floor"] = round(row["engine_three_checks_ms"] / row["floor_three_checks_ms"], 2)
    row["floor_result"] = floor(data)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    policy_set = load_policy_set(standards=["DB33/T 2039-2017"])
    chosen = [p for p in policy_set.policies if p.policy.id in THREE]
    print(f"policies: {len(policy_set.policies)} DB33 policies; engine subset: {[p.policy.id for p in chosen]}")
    results: dict[str, Any] = {"cold_start_ms": cold_start(max(args.repeat, 10))}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            results[f"{size}_complaints"] = measure(size, tmp, chosen, args.repeat)
    cold = results["cold_start_ms"]
    cold["version_to_import_yaml_click"] = round(cold["ecs-check --version"] / cold["python -c 'import yaml, click'"], 2)
    cold["lint_to_import_yaml_jsonschema_click"] = round(
        cold["ecs-check lint (one policy)"] / cold["python -c 'import yaml, jsonschema, click'"], 2)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
