"""Cold start of the command line, against the floor of importing its dependencies.

    python benchmarks/cold_start.py [--runs N] [--json]

Each command runs N times as a fresh process (no warm interpreter, no
cache shared between runs beyond what the operating system keeps). The
floor is a bare `python -c "import yaml, jsonschema, click"`: what any
Python tool built on these libraries pays before doing anything. A pre-commit
hook starts the CLI once per commit, so `ecs-check lint` on one policy
should stay within 1.5x of that floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "db33-t-2039-2017" / "7.5.1.2.yaml"
BUDGET = 1.5


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "ecs-check"
    found = script if script.is_file() else shutil.which("ecs-check")
    return [str(found)] if found else [sys.executable, "-m", "checker"]


def _measure(argv: list[str], runs: int, expect: tuple[int, ...] = (0,)) -> list[float]:
    times = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode not in expect:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="processes started per command (default 20)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    cli = _cli()
    commands = {
        "floor: python -c 'import yaml, jsonschema, click'": [sys.executable, "-c", "import yaml, jsonschema, click"],
        "ecs-check --version": [*cli, "--version"],
        f"ecs-check lint {POLICY.relative_to(ROOT)}": [*cli, "lint", str(POLICY.relative_to(ROOT))],
    }
    for argv in commands.values():  # warm the OS file cache and the bytecode cache once
        _measure(argv, 1)
    rows = []
    floor = None
    for name, argv in commands.items():
        times = _measure(argv, args.runs)
        median, best = statistics.median(times), min(times)
        floor = floor if floor is not None else median
        rows.append({"command": name, "median_ms": round(median, 1), "min_ms": round(best, 1),
                     "ratio_to_floor": round(median / floor, 2)})
    if args.json:
        print(json.dumps({"runs": args.runs, "python": sys.version.split()[0], "budget": BUDGET, "results": rows}, indent=2))
    else:
        print(f"cold start, {args.runs} runs each, Python {sys.version.split()[0]} ({' '.join(cli)})")
        width = max(len(r["command"]) for r in rows)
        print(f"{'command':<{width}}  {'median ms':>9}  {'min ms':>7}  {'x floor':>7}")
        for r in rows:
            print(f"{r['command']:<{width}}  {r['median_ms']:>9.1f}  {r['min_ms']:>7.1f}  {r['ratio_to_floor']:>7.2f}")
    over = [r for r in rows[1:] if r["ratio_to_floor"] > BUDGET]
    if over:
        print(f"over budget ({BUDGET}x floor): {', '.join(r['command'] for r in over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
