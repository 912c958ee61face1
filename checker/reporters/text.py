"""A readable table grouped by standard and clause; colour only when asked (on a TTY)."""

from __future__ import annotations

from typing import Any

from checker.engine import Result
from checker.findings import Status, summarize
from checker.reporters.common import standard_texts

SYMBOLS = {
    Status.PASS: ("PASS", "green"),
    Status.FAIL: ("FAIL", "red"),
    Status.NOT_APPLICABLE: ("N/A", "bright_black"),
    Status.INSUFFICIENT_EVIDENCE: ("INSUFFICIENT", "yellow"),
    Status.MANUAL_REVIEW: ("REVIEW", "cyan"),
    Status.ERROR: ("ERROR", "magenta"),
    Status.WAIVED: ("WAIVED", "blue"),
}
EVIDENCE_SHOWN = 3


def _style(text: str, colour: str | None, enabled: bool) -> str:
    if not enabled or colour is None:
        return text
    import click

    return click.style(text, fg=colour, bold=colour == "red")


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    options = options or {}
    colour = bool(options.get("color"))
    lang = options.get("lang", "both")
    bundle = result.bundle
    org = bundle.data["organization"]
    lines = [
        f"ecs-check: {org['name']} ({org['role']}), period {bundle.period_start} to {bundle.period_end}, as of {bundle.as_of}",
        f"bundle {bundle.file_name} sha256 {bundle.document.sha256[:16]}…, {len(result.policy_set.policies)} policies "
        f"sha256 {result.policy_set.sha256[:16]}…",
    ]
    for entry in standard_texts(result):
        digest = f"text sha256 {entry['sha256'][:16]}…" if entry["sha256"] else "no shipped text"
        lines.append(f"standard {entry['standard']}: {digest}")
    for override in result.policy_set.overrides:
        lines.append(f"override: policy {override.policy_id} from {override.winner_file or override.winner} "
                     f"(replaces {override.replaced_file or override.replaced})")
    baseline = getattr(result, "baseline", None)
    if baseline is not None:
        counts = baseline.counts()
        lines.append(f"baseline {baseline.report.file}: {counts['new']} new, {counts['changed']} changed, "
                     f"{counts['existing']} existing, {len(baseline.absent)} no longer reported")
    current = None
    for finding in result.findings:
        if finding.standard != current:
            current = finding.standard
            lines += ["", _style(f"== {current} ==", None, colour)]
        label, hue = SYMBOLS[finding.status]
        citation = finding.clause + (f" {finding.item}" if finding.item else "")
        title = {"zh": finding.title.zh, "en": finding.title.en}.get(lang, f"{finding.title.zh} / {finding.title.en}")
        mark = f" [{baseline.mark(finding)}]" if baseline is not None else ""
        lines.append(f"{_style(f'{label:<12}', hue, colour)} {citation:<14} {title}{mark}")
        if lang in ("zh", "both"):
            lines.append(f"{'':12} {'':14} {finding.message.zh}")
        if lang in ("en", "both"):
            lines.append(f"{'':12} {'':14} {finding.message.en}")
        if finding.status is not Status.PASS and finding.status is not Status.NOT_APPLICABLE:
            for ref in finding.evidence[:EVIDENCE_SHOWN]:
                where = f"{ref.file}:{ref.line}" if ref.line else (ref.file or "")
                note = f" {ref.note}" if ref.note else ""
                lines.append(f"{'':12} {'':14} -> {ref.path} ({where}){note}")
            if len(finding.evidence) > EVIDENCE_SHOWN:
                lines.append(f"{'':12} {'':14} -> ... {len(finding.evidence) - EVIDENCE_SHOWN} more in the JSON output")
        for note in finding.notes:
            lines.append(f"{'':12} {'':14} note: {note.en if lang == 'en' else note.zh if lang == 'zh' else note.zh + ' / ' + note.en}")
    counts = summarize(result.findings)
    lines += ["", "summary: " + ", ".join(f"{name} {count}" for name, count in counts.items() if count)]
    return "\n".join(lines) + "\n"
