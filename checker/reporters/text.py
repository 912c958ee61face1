"""A readable table grouped by standard and clause; colour only when asked (on a TTY)."""

from __future__ import annotations

from typing import Any

from checker.engine import Result
from checker.findings import Status, Text, summarize
from checker.reporters.common import finding_change_text, profile_lines, waiver_lines, waiver_text

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


def _pick(text: Text, lang: str) -> str:
    if lang == "zh":
        return text.zh
    if lang == "en":
        return text.en
    return text.en if text.zh == text.en else f"{text.zh} / {text.en}"


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
    for override in result.policy_set.overrides:
        lines.append(f"override: policy {override.policy_id} from {override.winner_file or override.winner} "
                     f"(replaces {override.replaced_file or override.replaced})")
    tailoring_lines, waiver_report = profile_lines(result), waiver_lines(result)
    lines.append(_pick(tailoring_lines[0], lang) if tailoring_lines else "profile: none")
    lines += ["  " + _pick(line, lang) for line in tailoring_lines[1:]]
    lines.append(_pick(waiver_report[0], lang) if waiver_report else "waivers: none")
    lines += ["  " + _pick(line, lang) for line in waiver_report[1:]]
    current = None
    for finding in result.findings:
        if finding.standard != current:
            current = finding.standard
            lines += ["", _style(f"== {current} ==", None, colour)]
        label, hue = SYMBOLS[finding.status]
        citation = finding.clause + (f" {finding.item}" if finding.item else "")
        title = {"zh": finding.title.zh, "en": finding.title.en}.get(lang, f"{finding.title.zh} / {finding.title.en}")
        lines.append(f"{_style(f'{label:<12}', hue, colour)} {citation:<14} {title}")
        if lang in ("zh", "both"):
            lines.append(f"{'':12} {'':14} {finding.message.zh}")
        if lang in ("en", "both"):
            lines.append(f"{'':12} {'':14} {finding.message.en}")
        if finding.waiver is not None:
            lines.append(f"{'':12} {'':14} {_pick(waiver_text(finding.waiver, finding.original_status), lang)}")
        for change in finding.overrides if finding.status is not Status.NOT_APPLICABLE else ():
            lines.append(f"{'':12} {'':14} {_pick(finding_change_text(change), lang)}")
        if finding.status is not Status.PASS and finding.status is not Status.NOT_APPLICABLE:
            for ref in finding.evidence[:EVIDENCE_SHOWN]:
                where = f"{ref.file}:{ref.line}" if ref.line else (ref.file or "")
                note = f" {ref.note}" if ref.note else ""
                lines.append(f"{'':12} {'':14} -> {ref.path} ({where}){note}")
            if len(finding.evidence) > EVIDENCE_SHOWN:
                lines.append(f"{'':12} {'':14} -> ... {len(finding.evidence) - EVIDENCE_SHOWN} more in the JSON output")
        for remark in finding.notes:
            lines.append(f"{'':12} {'':14} note: {remark.en if lang == 'en' else remark.zh if lang == 'zh' else remark.zh + ' / ' + remark.en}")
    counts = summarize(result.findings)
    lines += ["", "summary: " + ", ".join(f"{name} {count}" for name, count in counts.items() if count)]
    return "\n".join(lines) + "\n"
