"""The evaluation report (NJ-ECCS 9.3.4.3) as Markdown, for review in a repository or a merge request."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from checker.engine import Result
from checker.findings import Text
from checker.reporters import report_model, templating


def bar(percent: float, width: int = 20) -> str:
    """A text bar for the per-indicator chart: filled and empty blocks."""
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


def paragraphs(lang: str) -> Any:
    """Chinese and English as separate paragraphs (or the one language asked for), escaped."""

    def paras(text: Text) -> Markup:
        parts = [part for part in ([text.zh] if lang != "en" else []) + ([text.en] if lang != "zh" else []) if part]
        return Markup("\n\n".join(templating.md_escape(part) for part in parts))

    return paras


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    report = report_model.build(result, options)
    text = templating.render("markdown", "report.md.j2", {"report": report, "L": report.labels, "bar": bar, "paras": paragraphs(report.lang)})
    # One blank line between blocks, whatever the template's conditionals left.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and (not lines or lines[-1] == ""):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).rstrip("\n") + "\n"
