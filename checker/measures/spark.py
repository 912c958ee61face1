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
from checker.measures import LISTED, WORST, Basis, Consultations, Feedback, Period, Refunds, Responses, Reviews, _section
from checker.measures.duck import TABLES
from checker.records import OFFSET_RE, micros

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


class SparkMeasures:
    name = "spark"

    def __init__(self, ctx: Any, master: str | None = None) -> None:
        self.ctx = ctx
        self.period = Period.of(ctx.period_start, ctx.period_end, ctx.tz, ctx.tz_name)
        self.spark = session(master)
        self.store = ctx.records
        self._views: dict[str, bool] = {}
        self._done: dict[Any, Any] = {}

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

    def view(self, name: str) -> bool:
        if name in self._views:
            return self._views[name]
        section, columns = TABLES[name]
        if self.store is not None and section in self.store.files:
            rf = self.store.files[section]
            frame = self._read_file(rf)
            frame.createOrReplaceTempView(f"file_{name}")
            parts = [f"{self._typed(rf, frame, field, kind)} AS {column}" if field in rf.columns
                     else f"CAST(NULL AS {SPARK_TYPES[kind]}) AS {column}"
                     for column, field, kind in columns]
            self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(parts)} FROM file_{name}")
            self._views[name] = True
            return True
        records = _section(self.ctx.data, section)
        if not isinstance(records, list):
            self._views[name] = False
            return False
        from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

        types = {"VARCHAR": StringType(), "BIGINT": LongType(), "BOOLEAN": BooleanType(), "DOUBLE": DoubleType()}
        schema = StructType([StructField(column, types[kind], True) for column, _, kind in columns])
        parse = self.ctx.instants.parse
        rows = []
        for record in records:
            row = []
            for _, field, kind in columns:
                value = record.get(field)
                if value is not None and kind == "BIGINT":
                    value = micros(parse(value))
                elif value is not None and kind == "DOUBLE":
                    value = float(value)
                row.append(value)
            rows.append(tuple(row))
        self.spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
        self._views[name] = True
        return True

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

    # -------------------------------------------------------------- figures (as checker.measures.duck)

    def responses(self, basis: Basis) -> Responses | None:
        key = ("responses", basis)
        if key in self._done:
            return self._done[key]
        if not self.view("messages"):
            return None
        lo, hi = basis.window if basis.window else (None, None)
        self.run("turns", bots_excluded=basis.bots_excluded, cap_us=basis.cap_us, lo=lo, hi=hi)
        answered, unanswered, first_total = self.run("first_responses")[0]
        turns, turn_total = self.run("turn_responses")[0]
        groups = tuple((int(n), int(t), int(s)) for n, t, s in self.run("session_groups"))
        found = Responses(int(first_total), int(answered), int(unanswered), int(turn_total), int(turns), groups,
                          tuple((s, int(us)) for s, us in self.run("slowest_first_responses", limit=WORST)),
                          tuple((i, int(us)) for i, us in self.run("slowest_turn_responses", limit=WORST)))
        self._done[key] = found
        return found

    def _consultations(self) -> bool:
        if "consultations" not in self._done:
            ok = self.view("messages")
            if ok:
                self.run("consultations")
            self._done["consultations"] = ok
        return self._done["consultations"]

    def consultations(self) -> Consultations | None:
        if not self._consultations():
            return None
        total, replied = self.run("consultation_counts")[0]
        converted = int(self.run("converted")[0][0]) if self.view("orders") else None
        rated, satisfied = self.run("ratings")[0] if self.view("sessions") else (None, 0)
        unreplied = tuple(s for (s,) in self.run("unreplied", limit=LISTED))
        return Consultations(int(total), int(replied), converted, None if rated is None else int(rated), int(satisfied), unreplied)

    def transactions(self) -> int | None:
        return int(self.run("transactions")[0][0]) if self.view("orders") else None

    def reviews(self) -> Reviews | None:
        if not self.view("reviews"):
            return None
        total, negative = self.run("reviews")[0]
        return Reviews(int(total), int(negative))

    def complaints(self) -> int | None:
        return int(self.run("complaints")[0][0]) if self.view("complaints") else None

    def feedback(self) -> Feedback | None:
        if not self.view("feedback"):
            return None
        total, handled = self.run("feedback")[0]
        return Feedback(int(total), int(handled), tuple(i for (i,) in self.run("feedback_open", limit=LISTED)))

    def refunds(self, default_hours: Any) -> Refunds | None:
        if not self.view("refunds"):
            return None
        self.run("refunds", default_hours=None if default_hours is None else float(default_hours))
        measured, total, longest, late_count, undecided_count = self.run("refund_totals")[0]
        late = tuple((i, int(us)) for i, us in self.run("refunds_late", limit=LISTED))
        undecided = tuple(i for (i,) in self.run("refunds_undecided", limit=LISTED))
        return Refunds(int(measured), int(total), int(longest), late, int(late_count), undecided, int(undecided_count))


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
