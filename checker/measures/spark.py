"""The Spark engine: the figures of checker.measures in Spark SQL (checker/sql/spark), and batch evaluation on executors.

Installed with the `spark` extra (`pip install 'ecs-check[spark]'`); pyspark
is imported only here. The session runs in UTC, so local times come only
from the zone names the queries are given. Record files are read by Spark
itself (every column as text, then typed as the DuckDB engine types them),
so a file on a shared file system never passes through the driver; inline
lists are sent from the driver. Results are integers, equal to the other
engines' to the microsecond (tests/measures).

`--master` is passed through to SparkSession.builder.master: `local[2]`,
`spark://host:7077`, `yarn`, `k8s://...`. Without it the session takes the
master from spark-submit or the environment, else `local[*]`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from checker import sql
from checker.measures import Period
from checker.measures.sqlfigures import SqlFigures
from checker.records import OFFSET_RE

SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN", "DOUBLE": "DOUBLE"}
CACHED = {"turns": "turns", "consultations": "consultations", "refunds": "refund_times"}


def session(master: str | None = None) -> Any:
    """The Spark session (created once per process), in UTC, with the UI off."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        from checker.errors import CheckerError

        raise CheckerError.at("ECS001", "--engine spark needs pyspark: pip install 'ecs-check[spark]' (and a Java runtime)") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("ecs-check")
    if master:
        builder = builder.master(master)
    elif not os.environ.get("SPARK_MASTER") and "spark.master" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        builder = builder.master("local[*]")
    spark = (builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "8").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def literal(value: Any) -> str:
    """A parameter as a Spark SQL literal (numbers, booleans, NULL, and zone names checked by the loader)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _text_to_micros(column: str, zone: str) -> str:
    offset = OFFSET_RE.replace("\\", "\\\\")
    return (f"CASE WHEN `{column}` IS NULL THEN NULL WHEN `{column}` RLIKE '{offset}' THEN unix_micros(CAST(`{column}` AS TIMESTAMP)) "
            f"ELSE unix_micros(to_utc_timestamp(CAST(`{column}` AS TIMESTAMP_NTZ), {literal(zone)})) END")


class SparkMeasures(SqlFigures):
    name = "spark"

    def __init__(self, ctx: Any, master: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.period = Period.of(ctx.period_start, ctx.period_end, ctx.tz, ctx.tz_name)
        self.spark = session(master)
        self.store = ctx.records

    # -------------------------------------------------------------- views

    def _read_file(self, rf: Any) -> Any:
        from pyspark.sql.types import StringType, StructField, StructType

        path = str(rf.path)
        if rf.format == "parquet":
            return self.spark.read.parquet(path)
        schema = StructType([StructField(name, StringType(), True) for name in rf.columns])
        if rf.format == "csv":
            return self.spark.read.csv(path, header=True, schema=schema, sep=rf.delimiter, quote='"', escape='"',
                                       encoding=rf.encoding, mode="FAILFAST", enforceSchema=False)
        return self.spark.read.json(path, schema=schema, encoding=rf.encoding if rf.encoding != "utf-8" else None, mode="FAILFAST")

    def _typed(self, rf: Any, frame: Any, field: str, kind: str) -> str:
        from pyspark.sql.types import TimestampNTZType, TimestampType

        column = f"`{field}`"
        if kind != "BIGINT":  # text, booleans and numbers
            return f"CAST({column} AS {SPARK_TYPES[kind]})"
        dtype = frame.schema[field].dataType if rf.format == "parquet" else None
        if isinstance(dtype, TimestampType):
            return f"unix_micros({column})"
        if isinstance(dtype, TimestampNTZType):
            return f"unix_micros(to_utc_timestamp(CAST({column} AS TIMESTAMP), {literal(rf.zone)}))"
        return _text_to_micros(field, rf.zone)

    def _file_view(self, name: str, section: tuple[str, ...], columns: Sequence[tuple[str, str, str]]) -> None:
        rf = self.store.files[section]
        frame = self._read_file(rf)
        frame.createOrReplaceTempView(f"file_{name}")
        parts = [f"{self._typed(rf, frame, field, kind)} AS {column}" if field in rf.columns
                 else f"CAST(NULL AS {SPARK_TYPES[kind]}) AS {column}"
                 for column, field, kind in columns]
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(parts)} FROM file_{name}")

    def _inline_view(self, name: str, columns: Sequence[tuple[str, str, str]], rows: list[tuple[Any, ...]]) -> None:
        from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

        types = {"VARCHAR": StringType(), "BIGINT": LongType(), "BOOLEAN": BooleanType(), "DOUBLE": DoubleType()}
        schema = StructType([StructField(column, types[kind], True) for column, _, kind in columns])
        self.spark.createDataFrame(rows, schema).createOrReplaceTempView(name)

    def run(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        text = sql.query("spark", name)
        values = {**{"start_us": self.period.start_us, "end_us": self.period.end_us, "zone": self.period.zone}, **params}
        for key in sorted(sql.parameters("spark", name), key=len, reverse=True):
            text = text.replace(f":{key}", literal(values[key]))
        if name in CACHED:
            view = CACHED[name]
            self.spark.sql(f"UNCACHE TABLE IF EXISTS {view}")
            self.spark.sql(f"DROP VIEW IF EXISTS {view}")
            self.spark.sql(f"CACHE TABLE {view} AS {text}")
            return []
        return [tuple(row) for row in self.spark.sql(text).collect()]


# ------------------------------------------------------------------ batch on executors


def _evaluate_partition(options: Any) -> Any:
    def run(rows: Iterator[tuple[str, str, str]]) -> Iterator[tuple[dict[str, Any], str | None]]:
        from checker.batch import Evaluator, Task

        evaluator = None
        for name, path, display in rows:
            if evaluator is None:
                evaluator = Evaluator(options)
            yield evaluator.evaluate(Task(name, path, display))

    return run


def batch_on_spark(tasks: Sequence[Any], options: Any, master: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Evaluate bundles on Spark executors (each needs ecs-check installed and the bundle paths readable); results in task order."""
    if not tasks:
        return iter(())
    spark = session(master)
    context = spark.sparkContext
    slices = max(1, min(len(tasks), context.defaultParallelism * 4))
    rows = [(t.name, t.path, t.display) for t in tasks]
    found = {record["name"]: (record, text) for record, text in context.parallelize(rows, slices).mapPartitions(_evaluate_partition(options)).collect()}
    return iter([found[t.name] for t in tasks])
