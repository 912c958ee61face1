"""The shipped copies of the standards' texts, and the quotes policies pin from them.

`standards/manifest.json` names each shipped standard's text file and its
SHA-256. The file is read as bytes, hashed and compared with the manifest
before anything uses it, so every digest a report prints is the digest of
the text that was actually read; a copy that does not match its manifest
entry stops the run (ECS006).

A policy pins the clause it encodes in `text`: `zh` is the clause as printed
in the shipped copy, character for character, and `sha256` the SHA-256 of
that quote (UTF-8). Lint (ECS115) checks that the quote is the text of the
policy's own clause in the shipped copy and that the pin is the quote's
digest, so a revised standard cannot be carried over without a person
re-reading it.

A clause's text runs from the end of its heading to the next heading of any
level. Headings are found by their number at the start of a line, after the
marks the plain-text conversions left (`#`, `- `, `**`, `[bookmark: ...]`):
`7.5.1.2 未能...` (the clause's words follow the number on the same line),
`#### 4.1 服务渠道` or `5.4.2.1  [bookmark: ...]服务内容` (a title; the words
start on the next line), and `附 录 A` for an annex, whose heading also
spans the two lines after it (its kind and its title). Lines holding a tab
are table rows or table-of-contents entries and never headings. A clause the
standard does not print as a heading (NJ-ECCS's tables A.1, A.2, B.1) is
located by its nearest ancestor that it does print (annex A, annex B).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from checker.errors import CheckerError
from checker.findings import Text
from checker.loading import decode_text, load_document, read_bytes
from checker.resources import shipped

MANIFEST = "manifest.json"
TEXT_LIMIT = 4 * 1024 * 1024
SHOWN = 12  # characters of context shown where a quote and the standard part ways

_MARKS = r"[ ]*(?:#+[ ]+|-[ ]+)?(?:\*\*)?(?:\[bookmark: [^\]\n]*\])?"
_NUMBERED = re.compile(_MARKS + r"(?P<number>\d{1,2}(?:\.\d+)*)(?:[ ]+(?P<rest>\S.*)|[ ]*)$")
_ANNEX = re.compile(_MARKS + "附[ \u00a0\u3000]*录[ \u00a0\u3000]*" + r"(?P<number>[A-Z])(?:\*\*)?[ ]*$")
_TITLED = re.compile(r"\[bookmark: ")
# Lines a clause may hold besides its words: figures the conversion could not carry, and their captions.
_FIGURE = re.compile(r"[ ]*(?:\[image: [^\]\n]*\]|(?:\*\*)?图[ ]*[A-Z]?\.?\d.*)[ ]*$")


def quote_sha256(quote: str) -> str:
    """The pin of a quote: SHA-256 of its UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(quote.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    """Where a quote occurs in a standard's text: character offset and 1-based first and last line."""

    start: int
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Clause:
    """A clause as the standard prints it: its words are `text[start:end]` of the standard's text."""

    number: str
    line: int  # of its heading, 1-based
    start: int  # where its words begin: after the number (inline clause) or after its heading's lines
    end: int  # the start of the next heading's line, or the end of the text


def _clauses(text: str) -> tuple[Clause, ...]:
    """Every clause heading of `text`, in order; a number printed twice keeps its first heading."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    found: list[tuple[str, int, int]] = []  # number, line index, words' offset
    for index, line in enumerate(lines):
        bare = line.rstrip("\r\n")
        if "\t" in bare:
            continue
        if annex := _ANNEX.match(bare):
            after = [i for i in range(index + 1, len(lines)) if lines[i].strip()][:2]
            start = offsets[after[-1] + 1] if after else offsets[index + 1]
            found.append((annex["number"], index, start))
        elif numbered := _NUMBERED.match(bare):
            rest = numbered["rest"]
            titled = bare.lstrip().startswith("#") or rest is None or _TITLED.match(rest) is not None
            found.append((numbered["number"], index,
                          offsets[index + 1] if titled else offsets[index] + numbered.start("rest")))
    clauses: dict[str, Clause] = {}
    for at, (number, index, start) in enumerate(found):
        end = offsets[found[at + 1][1]] if at + 1 < len(found) else len(text)
        clauses.setdefault(number, Clause(number, index + 1, min(start, end), end))
    return tuple(clauses.values())


@dataclass(frozen=True)
class StandardText:
    id: str
    title: Text
    file: str  # as cited: "standards/<file>"
    sha256: str  # of the file's bytes, equal to the manifest's entry
    text: str

    def find(self, quote: str) -> Span | None:
        """The first occurrence of `quote`, verbatim, or None."""
        start = self.text.find(quote) if quote else -1
        if start < 0:
            return None
        first = self.text.count("\n", 0, start) + 1
        return Span(start, first, first + quote.count("\n"))

    @cached_property
    def clauses(self) -> Mapping[str, Clause]:
        return {clause.number: clause for clause in _clauses(self.text)}

    def clause(self, number: str) -> Clause | None:
        """The clause printed with `number`, or its nearest ancestor the text prints (A.1 -> A), or None."""
        parts = number.split(".")
        while parts:
            found = self.clauses.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return None

    def _line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def _lines(self, clause: Clause) -> str:
        words = len(self.text[clause.start:clause.end].rstrip())
        last = self._line(clause.start + words - 1) if words else clause.line
        return f"line {clause.line}" if last <= clause.line else f"lines {clause.line}-{last}"

    def _where(self, span: Span) -> str:
        clauses = self.clauses.values()
        within = next((c for c in clauses if c.start <= span.start < c.end), None)
        if within is not None:
            return f"clause {within.number}"
        heading = max((c for c in clauses if c.line <= span.first_line), key=lambda c: c.line, default=None)
        return f"the heading of clause {heading.number}" if heading else "the text before its first clause"

    def misplaced(self, quote: str, number: str) -> str | None:
        """Why `quote` is not the text of clause `number`, or None when it is.

        The quote must lie within the clause's own text and be all of it:
        whatever the clause holds besides the quote may only be blank lines,
        image placeholders and figure captions. For a clause the text does not
        print as a heading, located by its ancestor, the quote need only lie
        within the ancestor's text, being one of several parts of it.
        """
        clause = self.clause(number)
        if clause is None:
            return f"clause {number} is not printed in {self.file}"
        own = self.text[clause.start:clause.end]
        named = f"clause {clause.number}" if clause.number == number else f"clause {clause.number}, which holds {number}"
        at = own.find(quote) if quote else -1
        if at < 0:
            span = self.find(quote)
            if span is None:
                return None  # not in the standard at all: the caller says where it parts ways
            return f"it is printed in {self._where(span)} (line {span.first_line}), not in {named} ({self._lines(clause)})"
        if clause.number != number:
            return None
        rest = (own[:at] + "\n" + own[at + len(quote):]).splitlines()
        extra = [line.strip() for line in rest if line.strip() and not _FIGURE.match(line)]
        if extra:
            return f"it is only part of clause {number} ({self._lines(clause)}), which also reads {extra[0][:SHOWN]!r}"
        return None

    def parting(self, quote: str) -> str:
        """Where the longest leading part of `quote` found in the text stops matching, in words."""
        low, high = 0, len(quote)  # quote[:low] occurs; quote[:high + 1] is past the end
        while low < high:
            middle = (low + high + 1) // 2
            if quote[:middle] in self.text:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            return "not even its first character occurs in the standard"
        at = self.text.find(quote[:low])
        line = self.text.count("\n", 0, at + low) + 1
        quoted = quote[low:low + SHOWN]
        printed = self.text[at + low:at + low + SHOWN]
        return (f"its first {low} characters match up to line {line}, where the standard reads "
                f"{printed!r} and the quote {quoted!r}")


def to_json(text: StandardText | None, standard_id: str) -> dict[str, str | None]:
    """A standard and the digest of its text as reports carry it (null digest: no shipped text)."""
    return {"standard": standard_id, "file": text.file if text else None, "sha256": text.sha256 if text else None}


@lru_cache(maxsize=1)
def shipped_texts() -> Mapping[str, StandardText]:
    """Every shipped standard's text by standard id, each checked against its manifest digest."""
    root = shipped("standards")
    manifest_path = root / MANIFEST
    display = f"standards/{MANIFEST}"
    entries = load_document(manifest_path, display, TEXT_LIMIT).data.get("standards", ())
    texts: dict[str, StandardText] = {}
    for entry in entries:
        shown = f"standards/{entry['file']}"
        raw = read_bytes(root / entry["file"], shown, TEXT_LIMIT)
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise CheckerError.at("ECS006", f"SHA-256 is {digest}, but {display} records {entry['sha256']} for "
                                            f"{entry['id']}: the shipped text was changed without its manifest", shown)
        texts[entry["id"]] = StandardText(entry["id"], Text.from_mapping(entry["title"]), shown, digest, decode_text(raw, shown))
    return texts


def standard_text(standard_id: str) -> StandardText | None:
    return shipped_texts().get(standard_id)
