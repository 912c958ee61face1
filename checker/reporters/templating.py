"""Jinja2 environments for the evaluation report.

HTML autoescapes every value. Markdown has no autoescape of its own, so its
environment escapes every value for Markdown instead (backslash before
Markdown punctuation, which also keeps raw HTML from passing through); a
value is left alone only when a filter has already made it safe (`code`).
Both environments fail on an undefined name rather than printing nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from checker.findings import Text

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&!~{}])")


def md_escape(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None else str(value)
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def md_code(value: Any) -> Markup:
    """An inline code span that holds any text, backticks included."""
    text = str(value).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def chooser(lang: str) -> Any:
    def t(text: Text | None, sep: str = " / ") -> str:
        if text is None:
            return ""
        if lang == "zh":
            return text.zh or text.en
        if lang == "en":
            return text.en or text.zh
        if not text.en or text.en == text.zh:
            return text.zh
        if not text.zh:
            return text.en
        return f"{text.zh}{sep}{text.en}"

    return t


def number(value: Any) -> str:
    """A number as short as it is exact: 90.0 as "90", 0.0083 as "0.0083", 12345.67 as "12345.67"."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


@lru_cache(maxsize=2)
def environment(kind: str) -> Any:
    import jinja2

    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    elif kind == "markdown":
        env = jinja2.Environment(loader=loader, autoescape=False, finalize=md_escape, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        env.filters["code"] = md_code
    else:
        raise ValueError(kind)
    env.filters["num"] = number
    return env


def render(kind: str, template: str, context: dict[str, Any]) -> str:
    lang = context["report"].lang
    return str(environment(kind).get_template(template).render(t=chooser(lang), **context))
