"""One module per output format; each renders the same `Result` and never evaluates.

Importing this package is cheap (the CLI reads `FORMATS` for its help); a
format's module, and what it needs (Jinja2 for the reports), is imported
only when that format is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

# format name -> module under checker.reporters exposing render(result, options) -> str
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "oscal": "oscal",
    "markdown": "markdown",
    "html": "html",
}


def renderer(name: str) -> Callable[..., str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(FORMATS)}")
    module = import_module(f"checker.reporters.{FORMATS[name]}")
    render: Callable[..., Any] = module.render
    return render
