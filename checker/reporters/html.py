"""The evaluation report (NJ-ECCS 9.3.4.3) as one self-contained HTML file.

Inline CSS and an inline SVG chart; no script, no font or image fetched
(a Content-Security-Policy in the page forbids it), laid out for A4 when
printed. Every value from the bundle is escaped by the template engine.
"""

from __future__ import annotations

from typing import Any

from checker.engine import Result
from checker.reporters import report_model, templating


def render(result: Result, options: dict[str, Any] | None = None) -> str:
    report = report_model.build(result, options)
    return templating.render("html", "report.html.j2", {"report": report, "L": report.labels})
