"""JSONPath: compiled once per policy, evaluated once per run per path.

Plain member/index paths (`$.complaints`, `$.orders.records`) are walked
directly; anything richer (wildcards, filters, slices) goes to jsonpath-ng.
Either way the result is a list of (concrete path, value) pairs, and the
concrete path is what findings cite and what the source map locates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PathTuple = tuple[str | int, ...]

_SIMPLE = re.compile(r"^\$((?:\.[A-Za-z_][A-Za-z0-9_\-]*|\[\d+\])*)$")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PathSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: PathTuple | None  # set for plain paths
    expr: Any = None  # jsonpath-ng expression otherwise

    def select(self, data: Any) -> list[tuple[PathTuple, Any]]:
        if self.steps is not None:
            node = data
            for step in self.steps:
                if isinstance(step, str):
                    if not isinstance(node, dict) or step not in node:
                        return []
                elif not isinstance(node, list) or not -len(node) <= step < len(node):
                    return []
                node = node[step]
            return [(self.steps, node)]
        return [(_concrete(match.full_path), match.value) for match in self.expr.find(data)]

    @property
    def is_plain(self) -> bool:
        return self.steps is not None


def compile_path(text: str) -> JsonPath:
    """Compile a JSONPath; raises PathSyntaxError with a reason."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError("a JSONPath starts with '$'")
    match = _SIMPLE.match(text)
    if match:
        steps = tuple(
            name if name else int(index) for name, index in _STEP.findall(match.group(1))
        )
        return JsonPath(text, steps)
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.ext import parse

    try:
        expr = parse(text)
    except (JsonPathLexerError, JsonPathParserError, Exception) as err:  # jsonpath-ng raises plain Exception too
        raise PathSyntaxError(str(err).splitlines()[0] if str(err) else "invalid JSONPath") from None
    return JsonPath(text, None, expr)


def _concrete(full_path: Any) -> PathTuple:
    from jsonpath_ng import Child, Fields, Index, Root, This

    if isinstance(full_path, Child):
        return _concrete(full_path.left) + _concrete(full_path.right)
    if isinstance(full_path, Fields):
        return tuple(full_path.fields)
    if isinstance(full_path, Index):
        # jsonpath-ng 1.6 has .index; 1.7 and later hold the matched index in .indices
        indices = getattr(full_path, "indices", None)
        return (indices[0],) if indices else (full_path.index,)
    if isinstance(full_path, (Root, This)):
        return ()
    return ()


def render(path: Sequence[str | int]) -> str:
    """`('complaints', 41, 'received_at')` -> `$.complaints[41].received_at`."""
    out = ["$"]
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif _IDENT.match(step):
            out.append(f".{step}")
        else:
            out.append("['" + step.replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(out)


def field_steps(field: str) -> tuple[str, ...]:
    """A record field path `a.b` as steps; raises PathSyntaxError."""
    steps = tuple(field.split("."))
    if not field or not all(_IDENT.match(step) for step in steps):
        raise PathSyntaxError(f"field {field!r} is not a dotted name")
    return steps
