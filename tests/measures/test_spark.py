"""Spark in local mode gives the numbers and the batch outputs of the local engines, exactly.

Marked `spark`: `pytest -m spark` runs them (CI does, after installing a Java
runtime and the spark extra). Without pyspark or Java they are skipped on a
developer's machine and fail under CI=true, so CI cannot pass without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from checker import kpis
from checker.measures import Basis, engine_for
from tests.commands.test_batch import _tree
from tests.helpers import REPO
from tests.measures.test_engines import CASES, _chat_bundle, _engine

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", autouse=True)
def spark_available():
    problem = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        problem = "pyspark is not installed (pip install -e '.[spark]')"
    if problem is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        problem = "no Java runtime (apt-get install default-jre-headless)"
    if problem is None:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True) if shutil.which("java") else None
        if done is not None and done.returncode != 0:
            problem = f"java -version failed: {done.stderr.strip()}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Spark tests cannot run in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    from checker.measures.spark import session

    session("local[2]")


def _spark(directory):
    ctx = _engine(directory, "python")
    ctx.measures = engine_for(ctx, "spark", master="local[2]")
    return ctx


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_hand_worked_turns_on_spark(tmp_path, fmt):
    ctx = _spark(_chat_bundle(tmp_path, fmt))
    for basis, expected in CASES:
        found = ctx.measures.responses(basis)
        assert (found.first_total_us, found.first_count) == expected["first"], basis
        assert (found.turn_total_us, found.turn_count) == expected["turns"], basis
        assert found.session_groups == expected["groups"], basis
    found = ctx.measures.consultations()
    assert (found.total, found.replied_by_human, found.converted, found.rated, found.satisfied) == (4, 3, 1, 2, 1)


BASES = [Basis(), Basis("message", False, (1320, 420), 45_000_000)]


def _figures(ctx):
    m = ctx.measures
    out = {str(b): m.responses(b) for b in BASES}
    out |= {"consultations": m.consultations(), "transactions": m.transactions(), "reviews": m.reviews(),
            "complaints": m.complaints(), "feedback": m.feedback(), "refunds": m.refunds(48)}
    out["indicators"] = {k: (v.state, v.value, v.numerator, v.denominator, json.dumps(v.extra, sort_keys=True))
                         for k, v in kpis.compute(ctx).items()}
    return out


@pytest.mark.parametrize("source", ["inline", "csv", "jsonl", "parquet"])
def test_spark_agrees_with_python_on_generated_records(generated, source):
    reference = _figures(_engine(generated["inline"], "python"))
    assert _figures(_spark(generated[source])) == reference


def test_batch_on_spark_writes_the_same_bytes(tmp_path, ecs):
    root = tmp_path / "bundles"
    root.mkdir()
    for name in ("nanjing-home-textiles-aaaa", "hangzhou-operator-gaps"):
        shutil.copytree(REPO / "evidence_samples" / name, root / name)
    (root / "broken").mkdir()
    (root / "broken" / "bundle.yaml").write_text("schema_version: '1.0'\n")
    local, spark = tmp_path / "local", tmp_path / "spark"
    assert ecs("batch", str(root), "-o", str(local), "-j", "2", "--progress", "none").code == 2
    assert ecs("batch", str(root), "-o", str(spark), "--engine", "spark", "--master", "local[2]", "--progress", "none").code == 2
    assert _tree(local) == _tree(spark)




def test_parquet_native_timestamps_on_spark(tmp_path):
    """Instants and local times stored as Parquet timestamps give Spark the figures Python computes."""
    import copy
    import hashlib

    import duckdb

    from checker.fixtures import BASE_BUNDLE

    target = tmp_path / "r.parquet"
    duckdb.execute("SET TimeZone = 'UTC'")
    duckdb.execute(
        "COPY (SELECT * FROM (VALUES ('R-1', TIMESTAMP '2025-01-01 03:00:00', true, TIMESTAMPTZ '2025-01-01 20:00:00+00', "
        "TIMESTAMP '2025-01-03 09:30:00', 30.5), ('R-2', TIMESTAMP '2025-12-31 23:30:00', false, NULL, NULL, NULL)) "
        f"AS t(id, requested_at, return_required, return_received_at, refunded_at, agreed_within_hours)) TO '{target}' (FORMAT parquet)")
    data = copy.deepcopy(BASE_BUNDLE)
    data["refunds"] = {"$records": {"path": "r.parquet", "sha256": hashlib.sha256(target.read_bytes()).hexdigest(), "columns": {
        "id": "string", "requested_at": "timestamp", "return_required": "boolean", "return_received_at": "timestamp",
        "refunded_at": "timestamp", "agreed_within_hours": "number"}}}
    (tmp_path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
    python = _engine(tmp_path, "python").measures.refunds(48)
    assert python.count == 1 and python.undecided == ("R-2",)  # R-2 requested 23:30 local on the period's last day
    assert python.total_us == int(29.5 * 3600) * 1_000_000 and python.late == ()  # 2025-01-02 04:00 to 2025-01-03 09:30 local, within 30.5 h
    assert _spark(tmp_path).measures.refunds(48) == python
