"""Canonical layout for policy and test case files, keeping what authors wrote.

`ecs-check fmt` does three things and nothing else:

1. indentation: two spaces per mapping level, sequence items indented two
   spaces under their key (`- ` at +2, their content at +4);
2. top-level key order: `POLICY_ORDER` for policies, `CASE_ORDER` for test
   cases; keys it does not know keep their relative order after the known
   ones (lint reports them);
3. a policy's first line is its `# yaml-language-server: $schema=...`
   comment (added when a `schemas/policy.schema.json` sits beside the
   policy root, moved to the top when it is elsewhere in the header).

Comments, quoting, flow or block style, block scalars and Chinese text are
kept as written: the file goes through ruamel.yaml's round-trip mode for its
block layout, and every plain or quoted scalar and every flow collection is
then put back exactly as the author wrote it (line breaks, spacing, number
spelling; continuation lines follow the node's new column). Lines are never
re-wrapped and nothing is turned into `\\u` escapes. Full-line comments
directly above a top-level key move with that key.

Before anything is returned the result is parsed again and compared with the
original data; a difference is a bug and nothing is written. Formatting a
formatted file changes nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.errors import CheckerError
from checker.loading import parse_yaml

POLICY_ORDER = (
    "id", "standard", "clause", "title", "text", "requirement", "obligation", "applies_to", "verification",
    "evidence", "parameters", "check", "messages", "interpretations", "related",
)
CASE_ORDER = ("description", "bundle", "as_of", "expect")  # = checker.fixtures.CASE_KEYS
MODELINE = "# yaml-language-server:"
WIDTH = 1 << 16  # never fold a line


def _round_trip(text: str) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@dataclass(frozen=True)
class _Node:
    kind: str  # "flow" (an outermost flow collection), "scalar" (plain or quoted, outside flow) or "other"
    start: int
    end: int
    value: object


def _nodes(text: str) -> list[_Node]:
    """Every node of a YAML text in document order, with the character span it was written in."""
    import yaml
    from yaml import events

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: list[_Node] = []
    open_at: list[tuple[int, int, bool]] = []  # (index in out, start, flow)
    in_flow = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (events.MappingStartEvent, events.SequenceStartEvent)):
            flow = bool(event.flow_style)
            open_at.append((len(out), event.start_mark.index, flow))
            out.append(_Node("other", event.start_mark.index, event.start_mark.index, type(event).__name__))
            in_flow += flow
        elif isinstance(event, (events.MappingEndEvent, events.SequenceEndEvent)):
            index, start, flow = open_at.pop()
            in_flow -= flow
            kind = "flow" if flow and not in_flow else "other"
            out[index] = _Node(kind, start, event.end_mark.index, out[index].value)
        elif isinstance(event, events.ScalarEvent):
            kind = "scalar" if not in_flow and event.style in (None, "", "'", '"') else "other"
            out.append(_Node(kind, event.start_mark.index, event.end_mark.index, (event.style or "", event.value)))
    return out


def _restore_written(original: str, formatted: str) -> str:
    """Put back every scalar and flow collection exactly as the author wrote it.

    ruamel.yaml decides the block layout; the text of each plain or quoted
    scalar and of each flow collection is the author's (line breaks, spacing,
    number spelling), with continuation lines moved by as many columns as the
    node's start moved.
    """
    before, after = _nodes(original), _nodes(formatted)
    if len(before) != len(after) or any(a.kind != b.kind for a, b in zip(before, after, strict=True)):
        return formatted  # not the same shape: keep ruamel's layout rather than guess
    out = formatted
    for old, new in reversed(list(zip(before, after, strict=True))):
        if old.kind == "other":
            continue
        written = original[old.start:old.end]
        if written == out[new.start:new.end]:
            continue
        old_col = old.start - (original.rfind("\n", 0, old.start) + 1)
        line_start = out.rfind("\n", 0, new.start) + 1
        new_col = new.start - line_start
        floor = len(out[line_start:]) - len(out[line_start:].lstrip(" ")) + 1
        first, *rest = written.split("\n")
        moved = [first]
        for line in rest:
            if not line.strip():
                moved.append(line)
                continue
            lead = len(line) - len(line.lstrip(" "))
            moved.append(" " * max(lead + new_col - old_col, floor) + line.lstrip(" "))
        text = "\n".join(moved)
        if new.start == new.end and out[new.start - 1:new.start] in (":", "-"):
            text = " " + text  # ruamel wrote an empty value where the author wrote null or ~
        out = out[:new.start] + text + out[new.end:]
    return out


def _is_loose(line: str) -> bool:
    """A line that belongs to no value: blank, or a comment starting in column 1."""
    return not line.strip() or line.startswith("#")


def _reorder(text: str, display: str, order: Sequence[str]) -> str:
    data, source_map = parse_yaml(text, display)
    if not isinstance(data, dict) or not data:
        return text
    lines = text.splitlines(keepends=True)
    starts = []
    for key in data:
        position = source_map.locate((key,))
        if position is None or position[1] != 1:
            return text  # a top-level flow mapping, or keys not in column 1: no block layout to reorder
        starts.append((position[0] - 1, key))
    starts.sort()
    if len({line for line, _ in starts}) != len(starts):
        return text
    header = lines[: starts[0][0]]
    blocks: dict[str, list[str]] = {}
    carried: list[str] = []
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        block = lines[start:end]
        loose_tail = 0
        while loose_tail < len(block) - 1 and _is_loose(block[-1 - loose_tail]):
            loose_tail += 1
        body, tail = block[: len(block) - loose_tail], block[len(block) - loose_tail:]
        blocks[key] = carried + body
        carried = tail
    trailer = carried
    rank = {key: index for index, key in enumerate(order)}
    keys = sorted(blocks, key=lambda k: (0, rank[k]) if k in rank else (1, [s[1] for s in starts].index(k)))
    out = list(header)
    for key in keys:
        block = blocks[key]
        if block and not block[-1].endswith("\n"):
            block = block[:-1] + [block[-1] + "\n"]
        out += block
    out += trailer
    return "".join(out)


def _modeline(text: str, schema_ref: str | None) -> str:
    lines = text.splitlines(keepends=True)
    header_end = 0
    while header_end < len(lines) and _is_loose(lines[header_end]):
        header_end += 1
    for index in range(header_end):
        if lines[index].startswith(MODELINE):
            if index == 0:
                return text
            line = lines.pop(index)
            return "".join([line, *lines])
    if schema_ref is None:
        return text
    return f"{MODELINE} $schema={schema_ref}\n" + text


def schema_ref_for(policy: Path) -> str | None:
    """The modeline's schema path for a policy: `schemas/policy.schema.json` beside its root, if there is one."""
    schema = policy.parent.parent.parent / "schemas" / "policy.schema.json"
    if not schema.is_file():
        return None
    return Path(os.path.relpath(schema.resolve(), policy.parent.resolve())).as_posix()


def format_text(text: str, display: str, order: Sequence[str], schema_ref: str | None = None,
                modeline: bool = False) -> str:
    """The canonical form of a YAML document; raises CheckerError when it is not valid data or not a mapping."""
    original, _ = parse_yaml(text, display)
    if not isinstance(original, dict):  # a policy and a case file each hold one mapping; anything else is left as it is
        found = {list: "a list", type(None): "nothing"}.get(type(original), "a single value")
        raise CheckerError.at("ECS212", f"the file holds {found}, not a mapping; it is left as it is", display, 1, 1)
    formatted = _reorder(_restore_written(text, _round_trip(text)), display, order)
    if modeline:
        formatted = _modeline(formatted, schema_ref)
    try:
        again, _ = parse_yaml(formatted, display)
    except CheckerError:
        again = None
    if again != original:
        raise CheckerError.at("ECS901", "formatting would change the data; the file is left as it is "
                                        "(please report this as a bug)", display)
    return formatted
