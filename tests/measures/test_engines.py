"""The measuring engines agree exactly: Python over inline lists, DuckDB (and Spark) over the same records in files."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import COLUMNS, SECTIONS, write_records
from checker import kpis
from checker.bundle import load_bundle
from checker.fixtures import BASE_BUNDLE
from checker.measures import Basis, engine_for

S = 1_000_000
MESSAGES = [
    # S1: a bot answers first, then a human; a second turn of two customer messages
    ("S1-1", "S1", "2025-03-03T10:00:00+08:00", "customer"),
    ("S1-2", "S1", "2025-03-03T10:00:02+08:00", "bot"),
    ("S1-3", "S1", "2025-03-03T10:00:20+08:00", "human"),
    ("S1-4", "S1", "2025-03-03T10:01:00+08:00", "customer"),
    ("S1-5", "S1", "2025-03-03T10:01:10+08:00", "customer"),
    ("S1-6", "S1", "2025-03-03T10:01:30+08:00", "human"),
    # S2: at night, never answered
    ("S2-1", "S2", "2025-03-04T03:00:00+08:00", "customer"),
    # S3: the agent greets first; a reply at the same instant as the question counts (0 s)
    ("S3-1", "S3", "2025-03-05T11:59:50+08:00", "human"),
    ("S3-2", "S3", "2025-03-05T12:00:00", "customer"),
    ("S3-3", "S3", "2025-03-05T12:00:00", "human"),
    # S4: started before the period: not a consultation of the period
    ("S4-1", "S4", "2024-12-31T23:59:00+08:00", "customer"),
    ("S4-2", "S4", "2025-01-01T00:00:30+08:00", "human"),
    # S5: late evening, answered after midnight (1200 s)
    ("S5-1", "S5", "2025-03-06T23:50:00+08:00", "customer"),
    ("S5-2", "S5", "2025-03-07T00:10:00+08:00", "human"),
]
SESSIONS = [{"id": "S1", "rating": "satisfied"}, {"id": "S2", "rating": "dissatisfied"}, {"id": "S3"}, {"id": "S9", "rating": "very_satisfied"}]
ORDERS = [
    {"id": "O1", "placed_at": "2025-03-03T10:30:00+08:00", "paid_at": "2025-03-03T10:31:00+08:00", "session": "S1"},
    {"id": "O2", "placed_at": "2025-01-01T00:30:00+08:00", "paid_at": "2025-01-01T00:31:00+08:00", "session": "S4"},
    {"id": "O3", "placed_at": "2024-12-30T10:00:00+08:00", "paid_at": "2024-12-30T10:01:00+08:00", "session": "S3"},
    {"id": "O4", "placed_at": "2025-05-01T10:00:00+08:00", "cancelled_at": "2025-05-01T11:00:00+08:00"},
]


def _chat_bundle(tmp_path: Path, fmt: str | None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = copy.deepcopy(BASE_BUNDLE)
    messages = [dict(zip(("id", "session", "sent_at", "sender"), m, strict=True)) for m in MESSAGES]
    sections = {"messages": messages, "sessions": SESSIONS, "orders": ORDERS}
    for kind, rows in sections.items():
        columns = {c: t for c, t in COLUMNS[kind].items() if any(c in r for r in rows)}
        value: Any = rows if fmt is None else write_records(tmp_path, f"records/{kind}.{fmt}", rows, columns, fmt)
        node = data
        for step in SECTIONS[kind][:-1]:
            node = node.setdefault(step, {})
        node[SECTIONS[kind][-1]] = value
    (tmp_path / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return tmp_path


CASES = [
    (Basis(), dict(first=(20 * S + 0 + 1200 * S, 3), unanswered=1, turns=(20 * S + 30 * S + 0 + 1200 * S, 4),
                   groups=((1, 1200 * S, 2), (2, 50 * S, 1)))),
    (Basis(bots_excluded=False), dict(first=(2 * S + 0 + 1200 * S, 3), unanswered=1, turns=(2 * S + 30 * S + 1200 * S, 4),
                                      groups=((1, 1200 * S, 2), (2, 32 * S, 1)))),
    (Basis(window=(0, 8 * 60)), dict(first=(20 * S + 1200 * S, 3), unanswered=0, turns=(50 * S + 1200 * S, 4),
                                     groups=((1, 1200 * S, 2), (2, 50 * S, 1)))),
    (Basis(window=(23 * 60, 60)), dict(first=(20 * S, 2), unanswered=1, turns=(50 * S, 3), groups=((1, 0, 1), (2, 50 * S, 1)))),
    (Basis(cap_us=600 * S), dict(first=(20 * S + 600 * S, 3), unanswered=1, turns=(50 * S + 600 * S, 4),
                                 groups=((1, 600 * S, 2), (2, 50 * S, 1)))),
]


def _engine(directory: Path, name: str):
    bundle = load_bundle(directory, materialize=())
    ctx = bundle.context()
    ctx.measures = engine_for(ctx, name)
    return ctx


@pytest.mark.parametrize(("fmt", "engine"), [(None, "python"), (None, "duckdb"), ("csv", "duckdb"), ("parquet", "python")])
@pytest.mark.parametrize(("basis", "expected"), CASES)
def test_turns_and_responses_by_hand(tmp_path, fmt, engine, basis, expected):
    ctx = _engine(_chat_bundle(tmp_path, fmt), engine)
    found = ctx.measures.responses(basis)
    assert (found.first_total_us, found.first_count) == expected["first"]
    assert found.unanswered == expected["unanswered"]
    assert (found.turn_total_us, found.turn_count) == expected["turns"]
    assert found.session_groups == expected["groups"]
    if basis == Basis():
        assert found.slowest_first[0] == ("S5", 1200 * S)  # uncapped, slowest first
        assert found.slowest_turns[:2] == (("S5-1", 1200 * S), ("S1-4", 30 * S))


@pytest.mark.parametrize(("fmt", "engine"), [(None, "python"), (None, "duckdb"), ("jsonl", "duckdb")])
def test_consultations_by_hand(tmp_path, fmt, engine):
    ctx = _engine(_chat_bundle(tmp_path, fmt), engine)
    found = ctx.measures.consultations()
    assert (found.total, found.replied_by_human, found.converted, found.rated, found.satisfied) == (4, 3, 1, 2, 1)
    assert found.unreplied == ("S2",)
    assert ctx.measures.transactions() == 2  # O1 and O2 are paid, not cancelled, in the period; O3 before it; O4 cancelled


def test_indicators_from_messages(tmp_path):
    ctx = _engine(_chat_bundle(tmp_path, "csv"), "duckdb")
    found = kpis.compute(ctx, ["first_response_time", "average_response_time", "reply_rate", "conversion_rate", "satisfaction_rate"])
    frt = found["first_response_time"]
    assert (frt.state, frt.value, frt.numerator, frt.denominator) == ("ok", 1220 / kpis.exact(3), kpis.decimal(1220), kpis.decimal(3))
    assert frt.extra["slowest"][0] == {"id": "S5", "seconds": "1200"}
    assert frt.inputs == ((("chats", "messages"), "records"),)
    pt = found["average_response_time"]  # per session: (1200 + 0 + 25) / 3
    assert pt.value == kpis.exact(1225) / 3
    assert found["reply_rate"].value == 75 and found["reply_rate"].extra["unreplied"] == ["S2"]
    assert found["conversion_rate"].value == 25
    assert found["satisfaction_rate"].value == 50


# ------------------------------------------------------------------ generated data, every engine


BASES = [Basis(unit, bots, window, cap) for unit, bots, window, cap in
         itertools.product(["session", "message"], [True, False], [None, (0, 480), (1320, 420)], [None, 45 * S])]


def figures(ctx) -> dict[str, Any]:
    m = ctx.measures
    out: dict[str, Any] = {str(b): m.responses(b) for b in BASES}
    out |= {"consultations": m.consultations(), "transactions": m.transactions(), "reviews": m.reviews(),
            "complaints": m.complaints(), "feedback": m.feedback(), "refunds": m.refunds(48), "refunds_no_default": m.refunds(None)}
    out["indicators"] = {k: (v.state, v.value, v.numerator, v.denominator, json.dumps(v.extra, sort_keys=True))
                         for k, v in kpis.compute(ctx).items()}
    return out


@pytest.fixture(scope="module")
def reference(generated):
    return figures(_engine(generated["inline"], "python"))


@pytest.mark.parametrize(("source", "engine"), [("inline", "duckdb"), ("csv", "duckdb"), ("jsonl", "duckdb"), ("parquet", "duckdb"),
                                                ("csv", "python")])
def test_engines_agree_on_generated_records(generated, reference, source, engine):
    assert figures(_engine(generated[source], engine)) == reference


def test_the_generated_data_has_something_to_find(reference):
    assert reference["complaints"] >= 0 and reference["consultations"].total > 200
    assert reference[str(Basis())].unanswered == 0 or reference[str(Basis())].first_count > 0
    assert reference["indicators"]["first_response_time"][0] == "ok"
