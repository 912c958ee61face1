"""Pin a policy's quoted text: add `text.sha256` to a policy that has none, as an edit of its text.

Pinning only ever adds a missing pin. It refuses to pin a quote that is not
the text of the policy's clause in the shipped standard (the rule lint's
ECS115 applies, `StandardText.misplaced`), and it never replaces a pin that differs
from the quote's digest: that means the quote changed after it was read
against the standard, and only a person re-reading the clause may decide
the new pin.

The edit inserts one line (`sha256: ...` under `zh`, at its indentation) or,
for a flow mapping (`text: {zh: ...}`), one `, sha256: ...` entry; the file
is otherwise unchanged, and the result is parsed again and compared with
the original data before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from checker.errors import CheckerError, Location, Problem
from checker.loading import parse_yaml
from checker.paths import render
from checker.standards import quote_sha256, standard_text

PINNED, ALREADY, REFUSED = "pinned", "already pinned", "refused"


@dataclass(frozen=True)
class PinResult:
    state: str  # PINNED, ALREADY or REFUSED; None of these for a file that is not about a quoted standard
    text: str  # the new file text (unchanged unless PINNED)
    digest: str | None = None
    problem: Problem | None = None


def _problem(display: str, source_map: Any, code: str, message: str, path: tuple[Any, ...]) -> Problem:
    line, col = source_map.locate(path) or (None, None)
    return Problem(code, message, Location(display, line, col, render(path)))


def pin_text(text: str, display: str) -> PinResult | None:
    """Pin the policy written in `text`; None when it quotes nothing and needs nothing."""
    data, source_map = parse_yaml(text, display)
    if not isinstance(data, dict) or not isinstance(data.get("standard"), str) or not isinstance(data.get("clause"), str):
        raise CheckerError(_problem(display, source_map, "ECS101", "not a policy: expected a mapping with standard and "
                                                                   "clause (strings)", ()))
    shipped = standard_text(data["standard"])
    quoted = data.get("text")
    if quoted is None:
        if shipped is None:
            return None
        return PinResult(REFUSED, text, problem=_problem(
            display, source_map, "ECS116", f"nothing to pin: the policy quotes no text; add text.zh, the clause as printed "
                                           f"in {shipped.file}, then pin it", ("title",)))
    if not isinstance(quoted, dict) or not isinstance(quoted.get("zh"), str):
        raise CheckerError(_problem(display, source_map, "ECS101", "text must be a mapping with a zh string", ("text",)))
    quote = quoted["zh"]
    digest = quote_sha256(quote)
    if shipped is not None and shipped.find(quote) is None:
        return PinResult(REFUSED, text, digest, _problem(
            display, source_map, "ECS115", f"not pinned: text.zh is not found verbatim in {shipped.file}: "
                                           f"{shipped.parting(quote)}", ("text", "zh")))
    if shipped is not None and (reason := shipped.misplaced(quote, data["clause"])) is not None:
        return PinResult(REFUSED, text, digest, _problem(
            display, source_map, "ECS115", f"not pinned: text.zh is not the text of clause {data['clause']} in {shipped.file}: "
                                           f"{reason}", ("text", "zh")))
    pinned = quoted.get("sha256")
    if pinned == digest:
        return PinResult(ALREADY, text, digest)
    if pinned is not None:
        return PinResult(REFUSED, text, digest, _problem(
            display, source_map, "ECS115", f"not replaced: text.sha256 {pinned} differs from the quote's digest {digest}; "
                                           "a changed quote is re-read against the standard and re-pinned by hand",
            ("text", "sha256")))
    new = _insert(text, digest)
    expected = dict(data, text=dict(quoted, sha256=digest))
    if parse_yaml(new, display)[0] != expected:  # pragma: no cover - the edit is checked, never trusted
        raise CheckerError(_problem(display, source_map, "ECS901", "could not add text.sha256 without changing other data; "
                                                                   "add it by hand", ("text",)))
    return PinResult(PINNED, new, digest)


def _insert(text: str, digest: str) -> str:
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    node = next(value for key, value in root.value if key.value == "text")
    if node.flow_style:
        close = text.rindex("}", 0, node.end_mark.index)
        at = len(text[:close].rstrip())
        return f"{text[:at]}, sha256: {digest}{text[at:]}"
    key, value = next((k, v) for k, v in node.value if k.value == "zh")
    end = len(text[:value.end_mark.index].rstrip())
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return f"{text[:line_end]}\n{' ' * key.start_mark.column}sha256: {digest}{text[line_end:]}"
