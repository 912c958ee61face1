"""A readable table grouped by standard and clause; colour only when asked (on a TTY)."""

from __future__ import annotations

from typing import Any

from checker.engine import Result
from checker.findings import Status, Text, summarize
from checker.reporters.common import finding_change_text, profile_lines, standard_texts, waiver_lines, waiver_text

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
    for entry in standard_texts(result):
        digest = f"text sha256 {entry['sha256'][:16]}…" if entry["sha256"] else "no shipped text"
        lines.append(f"standard {entry['standard']}: {digest}")
    for override in result.policy_set.overrides:
        lines.append(f"override: policy {override.policy_id} from {override.winner} (replaces {override.replaced})")
    tailoring_lines, waiver_report = profile_lines(result), waiver_lines(result)
    lines.append(_pick(tailoring_lines[0], lang) if tailoring_lines else "profile: none")
    lines += ["  " + _pick(line, lang) for line in tailoring_lines[1:]]
    lines.append(_pick(waiver_report[0], lang) if waiver_report else "waivers: none")
    lines += ["  " + _pick(line, lang) for line in waiver_report[1:]]
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
    if result.grade is not None:
        lines += [""] + grade_lines(result.grade, lang, colour)
    return "\n".join(lines) + "\n"


def _pick(text: Any, lang: str) -> str:
    return {"zh": text.zh, "en": text.en}.get(lang, f"{text.zh} / {text.en}")


def _num(value: Any) -> str:
    return f"{value:.2f}"


def grade_lines(grade: Any, lang: str = "both", colour: bool = False) -> list[str]:
    """The grade and its breakdown: every row's level and points, so the score can be added up by hand."""
    shown = grade.grade or ("不予评级 / withheld" if grade.withheld else "无等级 / no grade")
    hue = "green" if grade.grade else "red"
    lines = [
        _style(f"== {grade.standard} grade (table B.1) ==", None, colour),
        f"score {_num(grade.score)} / 100.00   grade {_style(shown, hue, colour)}"
        + (f"   (score band {grade.score_grade}, withheld)" if grade.withheld and grade.score_grade else ""),
    ]
    for reason in grade.reasons:
        lines.append(f"  withheld: {_pick(reason, lang)}")
    lines += ["", f"{'row':>3}  {'level':<6} {'points':>7} {'max':>6}  indicator"]
    for row in grade.rows:
        lines.append(f"{row.row:>3}  {row.level:<6} {_num(row.points):>7} {_num(row.max_points):>6}  {_pick(row.indicator, lang)}"
                     + ("  [prerequisite]" if row.prerequisite else ""))
    lines.append(f"{'':>3}  {'total':<6} {_num(grade.score):>7} {'100.00':>6}")
    lines += ["", "groups: " + ", ".join(f"{g['id']} {g['points']:.2f}/{g['weight']:.2f}" for g in grade.groups)]
    targets = grade.quality_targets
    if targets.percent is not None:
        lines.append(f"row 17 X (quality targets met): {targets.met}/{targets.total} = {float(targets.percent):.2f} %")
    lines += ["", f"{'indicator':<34} {'value':>12} {'unit':<5} band/requirement"]
    for kpi in grade.kpis:
        ind = kpi.indicator
        value = ind.shown()
        value_text = str(value) if value is not None else ind.state
        if ind.table == "A.1":
            tail = kpi.band or "-"
        else:
            meets = {True: "meets", False: "does not meet", None: "-"}[kpi.meets]
            tail = f"{meets}" + (f" (target {kpi.target})" if kpi.target is not None else "")
        lines.append(f"{ind.table} {_pick(ind.name, 'zh' if lang == 'zh' else 'en'):<30} {value_text:>12} {ind.unit:<5} {tail}")
    nxt = grade.next_grade
    if nxt is not None:
        lines += ["", f"next grade {nxt.grade} (score >= {_num(nxt.min_score)}, {_num(nxt.points_needed)} more points): "
                  + "; ".join(f"row {r.row} {r.from_level}->{r.to_level} +{_num(r.adds)}" for r in nxt.raises)
                  + f" -> {_num(nxt.score_after)}" + (f" ({nxt.grade_after})" if nxt.grade_after else "")]
    return lines
