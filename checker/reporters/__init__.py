"""One module per output format; each renders the same `Result` and never evaluates."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

# format name -> module under checker.reporters exposing render(result, options) -> str
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
}


def renderer(name: str) -> Callable[..., str]:
    module = import_module(f"checker.reporters.{FORMATS[name]}")
    render: Callable[..., Any] = module.render
    return render
