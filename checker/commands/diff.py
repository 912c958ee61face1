"""`ecs-check diff OLD.json NEW.json`: what changed between two runs, for people and for CI gates.

Findings are matched by policy id and item (checker.baseline). Exit codes:
0 no new failure, 1 a new failure (a failing finding that is new, was not
failing, fails differently or rests on changed evidence), 2 a file that is
not an ecs-check JSON report of schema 1.x.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.baseline import NEW_FAILURE_REASONS, diff, read_report

SECTIONS = (
    ("new_failures", "新增不符合", "New failures"),
    ("fixed", "已修复", "Fixed"),
    ("still_failing", "仍不符合", "Still failing"),
    ("status_changes", "状态变化", "Status changes"),
    ("added", "新出现的结果", "Only in the new report"),
    ("removed", "不再出现的结果", "Only in the old report"),
)
FORMATS = ("text", "json", "markdown")


def run(old_path: Path, new_path: Path, *, fmt: str = "text", lang: str = "both") -> int:
    model = diff(read_report(old_path), read_report(new_path))
    if fmt == "json":
        sys.stdout.write(json.dumps(model, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(model, lang, markdown=fmt == "markdown"))
    return 1 if model["new_failures"] else 0


def _pick(text: Mapping[str, str] | None, lang: str) -> str:
    if not text:
        return ""
    if lang in ("zh", "en"):
        return text.get(lang) or ""
    return text["zh"] if text.get("zh") == text.get("en") else f"{text.get('zh', '')} / {text.get('en', '')}"


def _words(zh: str, en: str, lang: str) -> str:
    return _pick({"zh": zh, "en": en}, lang)


def _change(entry: Mapping[str, Any], lang: str) -> str:
    old, new = entry["old_status"], entry["new_status"]
    shown = f"{old or '—'} → {new or '—'}"
    reason = NEW_FAILURE_REASONS.get(entry["reason"]) if entry["reason"] else None
    return shown + (f" ({_pick(reason.to_json(), lang)})" if reason else "")


def _digest(value: Any) -> str:
    return f"{value[:12]}…" if isinstance(value, str) else "—"


def _text_digest(texts: Mapping[str, Any], standard: str) -> str:
    """The digest a report records for a standard's text: `none` for no shipped text, `—` when it names no such standard."""
    if standard not in texts:
        return "—"
    return texts[standard] or "none"


def render(model: Mapping[str, Any], lang: str = "both", markdown: bool = False) -> str:
    old, new = model["old"], model["new"]
    lines: list[str] = []
    title = _words("ecs-check 结果对比", "ecs-check diff", lang)
    if markdown:
        lines += [f"# {title}", "", "| | old | new |", "|---|---|---|"]
        for label, key in (("file", "file"), ("as of", "as_of"), ("run id", "run_id"), ("bundle sha256", "bundle_sha256"),
                           ("policy set sha256", "policy_set_sha256")):
            lines.append(f"| {label} | `{old[key]}` | `{new[key]}` |")
        for standard in sorted(set(old["standard_texts"]) | set(new["standard_texts"])):
            lines.append(f"| {standard} text sha256 | `{old['standard_texts'].get(standard)}` | "
                         f"`{new['standard_texts'].get(standard)}` |")
        lines.append("")
    else:
        lines.append(f"{title}: {old['file']} (as of {old['as_of']}, run {old['run_id']}) → "
                     f"{new['file']} (as of {new['as_of']}, run {new['run_id']})")
        for standard in sorted(set(old["standard_texts"]) | set(new["standard_texts"])):
            before, after = (_text_digest(report["standard_texts"], standard) for report in (old, new))
            if before == after:
                lines.append(f"standard {standard}: " + (f"text sha256 {after}" if after != "none" else "no shipped text"))
            else:
                lines.append(f"standard {standard}: text sha256 {before} → {after}")
    for note in model["notes"]:
        lines.append(f"{'> ' if markdown else ''}note: {_pick(note, lang)}")
    if model["notes"] and markdown:
        lines.append("")

    for key, zh, en in SECTIONS:
        entries = model[key]
        if not entries:
            continue
        heading = f"{_words(zh, en, lang)} ({len(entries)})"
        if markdown:
            lines += [f"## {heading}", "", "| citation | title | status | message |", "|---|---|---|---|"]
            for e in entries:
                cells = [e["citation"], _pick(e["title"], lang), _change(e, lang), _pick(e["message"], lang)]
                lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            lines.append("")
        else:
            lines += ["", f"{heading}:"]
            for e in entries:
                status = (e["new_status"] or e["old_status"] or "").upper()
                lines.append(f"  {status:<22}{e['citation']}  {_pick(e['title'], lang)}")
                if key != "still_failing":
                    lines.append(f"  {'':<22}{_change(e, lang)}")
                if key == "new_failures" and e["reason"] == "evidence_changed":
                    lines.append(f"  {'':<22}evidence {_digest(e['old_evidence_digest'])} → {_digest(e['new_evidence_digest'])}")
                if e["message"] and key == "new_failures":
                    lines.append(f"  {'':<22}{_pick(e['message'], lang)}")

    grade = model["grade"]
    if grade:
        lines += _grade_lines(grade, lang, markdown)
    summary = model["summary"]
    counts = ", ".join(f"{summary[key]} {en.lower()}" for key, _, en in SECTIONS)
    lines += ["", f"{'**' if markdown else ''}summary{'**' if markdown else ''}: {counts}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _grade_lines(grade: Mapping[str, Any], lang: str, markdown: bool) -> list[str]:
    def shown(summary: Mapping[str, Any] | None) -> str:
        if not summary:
            return _words("未评级", "not graded", lang)
        withheld = " (withheld)" if summary["withheld"] else ""
        return f"{summary['grade'] or '—'} {summary['score'] if summary['score'] is not None else '—'}{withheld}"

    change = f" ({grade['score_change']:+g})" if grade["score_change"] is not None else ""
    heading = _words("评级", "Grade", lang)
    lines = ["", f"{'## ' if markdown else ''}{heading}: {shown(grade['old'])} → {shown(grade['new'])}{change}"]
    if markdown and grade["rows"]:
        lines += ["", "| row | indicator | level | points |", "|---|---|---|---|"]
    for row in grade["rows"]:
        level = f"{row['old_level'] or '—'} → {row['new_level'] or '—'}"
        points = f"{row['old_points'] if row['old_points'] is not None else '—'} → " \
                 f"{row['new_points'] if row['new_points'] is not None else '—'} ({row['change']:+g})"
        if markdown:
            lines.append(f"| {row['row']} | {_cell(_pick(row['indicator'], lang))} | {level} | {points} |")
        else:
            lines.append(f"  row {row['row']} {_pick(row['indicator'], lang)}: {level}, {points}")
    return lines
