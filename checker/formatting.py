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
kept as written: the file goes through ruamel.yaml's round-trip mode, lines
are never re-wrapped, and unicode is written as is (never `\\u` escapes).
Full-line comments directly above a top-level key move with that key.

Before anything is returned the result is parsed again and compared with the
original data; a difference is a bug and nothing is written. Formatting a
formatted file changes nothing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
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
        assert position is not None
        starts.append((position[0] - 1, key))
    starts.sort()
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
    """The canonical form of a YAML document; raises CheckerError when it is not valid data."""
    original, _ = parse_yaml(text, display)
    formatted = _reorder(_round_trip(text), display, order)
    if modeline:
        formatted = _modeline(formatted, schema_ref)
    again, _ = parse_yaml(formatted, display)
    if again != original:
        raise CheckerError.at("ECS901", "formatting would change the data; the file is left as it is "
                                        "(please report this as a bug)", display)
    return formatted
