"""`ecs-check kpis`: the NJ-ECCS table A.1/A.2 indicators of a bundle, with their definitions, and the record deadlines.

Computes every indicator from the bundle's figures or records (checker.kpis,
measured by the engine chosen), bands the A.1 ones with the scoring model's
limits, lists the worst records behind each, and evaluates the deadline
clauses over every complaint and refund (DB33/T 2039-2017 7.5.1.2, 7.5.2.4,
NJ-ECCS 5.4.3.3) with the same policies `check` uses. Informational: exit 0
unless the input is unusable (2).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker import kpis, measures, scoring
from checker.bundle import Bundle, Limits, load_bundle
from checker.engine import evaluate_policy
from checker.errors import CheckerError
from checker.evidence import evidence_sections
from checker.findings import Finding
from checker.policy import load_policy_set
from checker.reporters.common import texts_of
from checker.workspace import open_workspace

DEADLINES = ("db33-t-2039-2017/7.5.1.2", "db33-t-2039-2017/7.5.2.4", "nj-eccs/5.4.3.3")
DEADLINE_ITEMS = {"db33-t-2039-2017/7.5.1.2": None, "db33-t-2039-2017/7.5.2.4": None, "nj-eccs/5.4.3.3": ("a) 1)", "a) 4)", "b) 1)", "b) 2)")}


def compute(bundle: Bundle, model: scoring.Model, deadline_policies: Sequence[Any], engine: str | None = None,
            options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report as plain data: indicators (with bands and worst records) and deadline findings."""
    ctx = bundle.context()
    ctx.measures = measures.engine_for(ctx, engine, **(options or {}))
    indicators = kpis.compute(ctx)
    targets = scoring.quality_targets(model, bundle.data, indicators)
    sc = scoring.Scoring(ctx, bundle, {}, indicators, targets)
    results = scoring.kpi_results(model, sc, bundle.data)
    rendered = []
    for result in results:
        data = result.to_json()
        data["records"] = _plain(result.indicator.extra)
        rendered.append(data)
    findings: list[Finding] = []
    for compiled in deadline_policies:
        findings.extend(evaluate_policy(compiled, bundle, ctx))
    wanted = [f for f in findings if DEADLINE_ITEMS.get(f.policy_id) is None or f.item in DEADLINE_ITEMS[f.policy_id]]
    basis = kpis.measures_basis(ctx)
    standards = sorted({compiled.policy.standard for compiled in deadline_policies} | {scoring.STANDARD})
    return {
        "schema_version": "1.0",
        "bundle": {"path": bundle.file_name, "sha256": bundle.document.sha256},
        "standard_texts": texts_of(standards),
        "organization": bundle.data["organization"]["name"],
        "period": {"start": bundle.period_start.isoformat(), "end": bundle.period_end.isoformat()},
        "engine": ctx.measures.name,
        "response_basis": {"unit": basis.unit, "bot_replies_excluded": basis.bots_excluded,
                           "off_hours_excluded": _window(basis.window), "cap_seconds": basis.cap_us / 1_000_000 if basis.cap_us else None},
        "record_files": [{"section": ".".join(rf.section), "path": rf.rel, "format": rf.format, "sha256": rf.sha256}
                         for rf in sorted(bundle.records.files.values(), key=lambda r: r.section)] if bundle.records else [],
        "indicators": rendered,
        "deadlines": [_finding(f) for f in wanted],
    }


def _window(window: tuple[int, int] | None) -> dict[str, str] | None:
    if window is None:
        return None
    lo, hi = window
    return {"start": f"{lo // 60:02d}:{lo % 60:02d}", "end": f"{hi // 60:02d}:{hi % 60:02d}"}


def _plain(extra: Any) -> Any:
    return json.loads(json.dumps(extra, default=str, sort_keys=True))


def _finding(f: Finding) -> dict[str, Any]:
    return {"policy": f.policy_id, "standard": f.standard, "clause": f.clause, "item": f.item, "title": f.title.to_json(),
            "status": f.status.value, "message": f.message.to_json(), "facts": f.facts,
            "evidence": [e.to_json() for e in f.evidence[:10]]}


def _num(value: float) -> str:
    """A JSON number as plain decimal text: 38650000, 8.6, 0.0083."""
    from decimal import Decimal

    text = f"{Decimal(repr(value)):f}"
    return text[:-2] if text.endswith(".0") else text


def render_text(report: dict[str, Any], lang: str = "both") -> str:
    def pick(text: dict[str, str]) -> str:
        return text["zh"] if lang == "zh" else text["en"] if lang == "en" else f"{text['zh']} / {text['en']}"

    out = [f"{report['organization']}  {report['period']['start']} .. {report['period']['end']}  "
           f"(bundle {report['bundle']['path']} sha256 {report['bundle']['sha256'][:16]}…, engine {report['engine']})"]
    for entry in report["standard_texts"]:
        digest = f"text sha256 {entry['sha256']}" if entry["sha256"] else "no shipped text"
        out.append(f"  standard {entry['standard']}: {digest}")
    for rf in report["record_files"]:
        out.append(f"  record file {rf['path']} ({rf['format']}) for {rf['section']}, sha256 {rf['sha256'][:16]}…")
    out.append("")
    for ind in report["indicators"]:
        unit = "" if ind["unit"] == "count" else f" {ind['unit']}"
        value = f"{_num(ind['value'])}{unit}" if ind["value"] is not None else ind["state"]
        ratio = f" ({_num(ind['numerator'])}/{_num(ind['denominator'])})" if ind.get("denominator") is not None and ind.get("numerator") is not None else ""
        band = ""
        if ind["table"] == "A.1":
            limits = ind.get("thresholds") or {}
            shown = ", ".join(f"{k} {_num(v)}" for k, v in limits.items())
            band = f"  band {ind['band'] or '-'}" + (f" ({shown})" if shown else "")
        elif ind.get("meets") is not None:
            band = f"  {'meets' if ind['meets'] else 'misses'} its requirement"
        out.append(f"[{ind['table']}] {pick(ind['indicator'])}: {value}{ratio}{band}")
        if ind.get("formula"):
            out.append(f"      formula: {ind['formula']}")
        for note in ind["notes"]:
            out.append(f"      - {pick(note)}")
        if ind.get("reason"):
            out.append(f"      reason: {pick(ind['reason'])}")
        for item in ind["inputs"]:
            where = f"{item['file']}:{item['line']}" if item.get("line") else item["file"]
            out.append(f"      input: {item['path']} ({where})")
        records = ind.get("records") or {}
        if records.get("slowest"):
            out.append("      slowest: " + ", ".join(f"{r['id']} ({r['seconds']} s)" for r in records["slowest"]))
        for key in ("unreplied", "open", "undecided"):
            if records.get(key):
                out.append(f"      {key}: " + ", ".join(records[key][:10]) + (" …" if len(records[key]) > 10 else ""))
        if records.get("late"):
            pairs = zip(records["late"], records.get("late_hours") or [""] * len(records["late"]), strict=False)
            out.append(f"      late ({records.get('late_count', len(records['late']))}): " + ", ".join(f"{i} ({h} h)" for i, h in pairs))
    out.append("")
    out.append("Deadlines over every record:")
    for f in report["deadlines"]:
        item = f" {f['item']}" if f["item"] else ""
        out.append(f"  {f['status'].upper():<22} {f['standard']} {f['clause']}{item}  {pick(f['title'])}")
        out.append(f"      {pick(f['message'])}")
    return "\n".join(out) + "\n"


def run(bundle_path: Path, *, fmt: str = "text", engine: str | None = None, master: str | None = None, as_of: dt.date | None = None,
        policy_dirs: Sequence[Path] = (), config_file: Path | None = None, lang: str = "both",
        max_bundle_bytes: int = Limits().bundle_bytes, output: Path | None = None) -> int:
    if master is not None and engine != "spark":
        raise CheckerError.at("ECS001", "--master is for --engine spark", "<command line>")
    workspace = open_workspace(config_file, policy_dirs)
    roots = list(workspace.roots)
    policy_set = load_policy_set(roots, inventory=workspace.inventory)
    chosen = [policy_set.by_id()[pid] for pid in DEADLINES if pid in policy_set.by_id()]
    model_file = scoring.model_path(roots)
    if model_file is None:
        raise CheckerError.at("ECS002", "no NJ-ECCS scoring model (nj-eccs/scoring.yaml) among the policy directories")
    model = scoring.load_model(model_file, policy_set)
    bundle = load_bundle(bundle_path, as_of, Limits(bundle_bytes=max_bundle_bytes), display=str(bundle_path),
                         materialize=evidence_sections(chosen))
    try:
        report = compute(bundle, model, chosen, engine, {"master": master} if master else None)
    finally:
        if bundle.records is not None:
            bundle.records.close()
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else render_text(report, lang)
    if output is not None:
        from checker.inputs import files_read
        from checker.output import refuse_inputs, write_atomic

        refuse_inputs(output, files_read(bundle, policy_set, workspace))
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
    return 0
