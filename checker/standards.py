"""The shipped copies of the standards' texts, and the quotes policies pin from them.

`standards/manifest.json` names each shipped standard's text file and its
SHA-256. The file is read as bytes, hashed and compared with the manifest
before anything uses it, so every digest a report prints is the digest of
the text that was actually read; a copy that does not match its manifest
entry stops the run (ECS006).

A policy pins the clause it encodes in `text`: `zh` is the clause as printed
in the shipped copy, character for character, and `sha256` the SHA-256 of
that quote (UTF-8). Lint (ECS115) checks that the quote still occurs
verbatim in the shipped text and that the pin is the quote's digest, so a
revised standard cannot be carried over without a person re-reading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from checker.errors import CheckerError
from checker.findings import Text
from checker.loading import decode_text, load_document, read_bytes
from checker.resources import shipped

MANIFEST = "manifest.json"
TEXT_LIMIT = 4 * 1024 * 1024
SHOWN = 12  # characters of context shown where a quote and the standard part ways


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
