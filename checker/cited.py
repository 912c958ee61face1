"""The content of what a finding cites: the value at an evidence path and every file that value references.

`Digests(bundle)(path)` is the `digest` of one evidence entry: the SHA-256
of the canonical JSON (sorted keys, no spaces, UTF-8) of

    {"value": V, "files": {REL: SHA256, ...}}      a value
    {"records": [R, ...], "files": {...}}         a list of records, each with its own id
    {"items": [D, ...], "files": {...}}           any other list
    {"files": {}}                                 nothing at the path

- V is the value at the path as the bundle holds it. A list counts as the
  set of its items, so moving a record within its list changes nothing: a
  list of records with distinct string ids is its records R sorted by id
  (one encoding, for lists of 100,000 records); any other list is D, the
  SHA-256 of each item's canonical JSON, sorted.
- A section kept in a record file (`$records`, checker.records) is its
  reference, which pins the file's SHA-256: citing the whole section covers
  every byte of the file (moving a row included). A row of a record file is
  the record it holds, its values as an inline record would have them,
  whatever its line; a row of a section not read into the bundle (only the
  KPI engines read it) falls back to the file's reference.
- `files` maps every file the value references (the documents, attachments
  and record files the bundle schema places within it, or the one whose
  entry the value is a field of), relative to the bundle directory, to the
  SHA-256 of its bytes as read, or to `missing` or `too_large` when it
  could not be read.

File positions and where the bundle lies on disk are no part of it, so
moving or reformatting text changes nothing; any change to a cited value or
to the bytes of a file it references changes the digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from checker.paths import PathTuple

if TYPE_CHECKING:
    from checker.bundle import Bundle

_ABSENT = object()
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)  # stateless


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode("utf-8")


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _at(data: Any, path: Sequence[str | int]) -> Any:
    node = data
    for step in path:
        if isinstance(step, str) and isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            node = node[step]
        else:
            return _ABSENT
    return node


class Digests:
    """The digest of each path a run's findings cite, each computed once (the bundle is read-only)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self._known: dict[PathTuple, str] = {}
        self._references: list[tuple[PathTuple, str, bool]] | None = None

    def __call__(self, path: Sequence[str | int]) -> str:
        key = tuple(path)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._digest(key)
        return found

    def _digest(self, path: PathTuple) -> str:
        at, value = self._value(path)
        if value is _ABSENT:
            return _sha256({"files": {}})
        files = self._files(at)
        if isinstance(value, list):
            ids = [item.get("id") if isinstance(item, dict) else None for item in value]
            if all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids):  # records: ordered by id, one encoding
                return _sha256({"records": sorted(value, key=lambda item: item["id"]), "files": files})
            return _sha256({"items": sorted(_sha256(item) for item in value), "files": files})
        return _sha256({"value": value, "files": files})

    def _value(self, path: PathTuple) -> tuple[PathTuple, Any]:
        """Where the cited value is and what it is; record-file sections as their `$records` reference."""
        bundle = self.bundle
        if bundle.records is not None:
            for section in bundle.records.files:
                n = len(section)
                if len(path) > n and path[:n] == section:
                    if isinstance(_at(bundle.data, section), list):  # read into the bundle: the row as an inline record
                        return path, _at(bundle.data, path)
                    return section, _at(bundle.document.data, section)
        return path, _at(bundle.document.data, path)  # the data as read: record files stay references

    def _files(self, at: PathTuple) -> dict[str, str]:
        """Every file referenced at, under or around `at`, with the SHA-256 of its bytes as read (or why there is none)."""
        n = len(at)
        found = {}
        for where, rel, is_entry in self.references():
            if where[:n] == at or (is_entry and at[:len(where)] == where):  # a field of a document entry stands for its file
                check = self.bundle.attachments.get(rel)
                if check is not None:
                    found[rel] = check.actual_sha256 or check.status
        return dict(sorted(found.items()))

    def references(self) -> list[tuple[PathTuple, str, bool]]:
        """Each file the bundle references, where, and whether that is an entry whose every field stands for the file.

        Documents and attachments are entries, where the schema puts them; a record file is referenced at its
        section, whose rows count by their values alone.
        """
        if self._references is None:
            from checker.bundle import schema_patterns, walk

            bundle = self.bundle
            refs = [(where, ref["path"], True) for kind in ("attachment", "document") for pattern in schema_patterns()[kind]
                    for where, ref in walk(bundle.document.data, pattern) if isinstance(ref, Mapping)
                    and isinstance(ref.get("path"), str)]
            if bundle.records is not None:
                refs += [(section, rf.rel, False) for section, rf in bundle.records.files.items()]
            self._references = refs
        return self._references
