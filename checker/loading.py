"""Read YAML and JSON files safely, keeping the line and column of every value.

This is the only module that opens input files. It refuses, with a located
`CheckerError`, anything that is not plain data:

- files over a size limit (checked before reading), non-regular files;
- text that is not UTF-8 (a UTF-8 byte-order mark is accepted and dropped;
  GBK/GB18030 text is recognised and refused with a hint), NUL bytes;
- YAML aliases and merge keys (no billion-laughs expansion, no ambiguous
  merges), tags other than the plain JSON types, several documents in one
  file, duplicate keys, non-string keys, nesting deeper than `MAX_DEPTH`;
- YAML 1.1 surprises are off: `yes`/`no`/`on`/`off` stay strings, dates and
  timestamps stay strings, `010` is the string "010";
- JSON `NaN`/`Infinity`, numbers too large to be finite, trailing data.

YAML is parsed by libyaml's C scanner (PyYAML's `CParser`) with the pure
Python composer on top: the C composer recurses without a depth check and
can crash the interpreter on hostile nesting.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.composer import Composer
from yaml.constructor import BaseConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from checker.errors import CheckerError

MAX_DEPTH = 64
# Every YAML value costs about 450 bytes while it is read (its node, its line and column, the value):
# 300,000 keep a YAML file under about 150 MB; the 10,000-complaint bundle of the benchmarks has about 60,000.
MAX_YAML_VALUES = 300_000
DEFAULT_LIMIT = 256 * 1024 * 1024

PathPart = str | int
Position = tuple[int, int]


class SourceMap(Protocol):
    def locate(self, path: Sequence[PathPart]) -> Position | None:
        """1-based (line, column) of the value at `path`, or of its nearest ancestor."""


@dataclass(frozen=True)
class Document:
    """A parsed file: its data, where each value came from, and its digest."""

    path: Path
    display: str
    data: Any
    sha256: str
    size: int
    source_map: SourceMap
    format: str  # "yaml" or "json"

    def locate(self, path: Sequence[PathPart]) -> Position | None:
        return self.source_map.locate(path)


# --------------------------------------------------------------------------- bytes


def read_bytes(path: Path, display: str, limit: int = DEFAULT_LIMIT) -> bytes:
    """Read a regular file of at most `limit` bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise CheckerError.at("ECS002", "file not found", display) from None
    except OSError as err:
        raise CheckerError.at("ECS002", f"cannot read file: {err.strerror}", display) from None
    if not stat.S_ISREG(info.st_mode):
        raise CheckerError.at("ECS002", "not a regular file", display)
    if info.st_size > limit:
        raise CheckerError.at(
            "ECS003", f"file is {info.st_size} bytes, over the limit of {limit} bytes", display
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as err:
        raise CheckerError.at("ECS002", f"cannot read file: {err.strerror}", display) from None
    if len(raw) > limit:
        raise CheckerError.at("ECS003", f"file is over the limit of {limit} bytes", display)
    return raw


def _line_col(text: str, index: int) -> Position:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_CJK = re.compile(r"[\u4e00-\u9fff]")


_LEGACY = (("GBK/GB18030", "gb18030"), ("Big5", "big5"), ("Shift-JIS", "shift_jis"))


def _decodes_to_cjk(raw: bytes, codec: str) -> bool:
    """Whether `raw` reads as text in `codec` with Chinese characters in it (two at least: one can be chance)."""
    try:
        return len(_CJK.findall(raw.decode(codec))) >= 2
    except UnicodeDecodeError:
        return False


def _mostly_common_hanzi(raw: bytes) -> bool:
    """Whether read as GB18030 the Chinese characters are nearly all among GB2312's common ones.

    Text really saved as GBK is (bytes of Big5 or Shift-JIS text read as GBK
    land mostly on rare characters), so then GBK can be named with confidence.
    """
    found = _CJK.findall(raw.decode("gb18030", errors="replace"))
    common = 0
    for ch in found:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return bool(found) and common >= 0.9 * len(found)


def decode_text(raw: bytes, display: str) -> str:
    """Decode UTF-8 (optionally with a BOM); refuse everything else, located."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise CheckerError.at("ECS201", f"file is {name}-encoded; save it as UTF-8", display)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(raw[: nul + 1].decode("utf-8", "replace"), nul)
        raise CheckerError.at("ECS202", "NUL byte in text file", display, line, col)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        prefix = raw[: err.start].decode("utf-8", "replace")
        line, col = _line_col(prefix + "\n", len(prefix))
        legacy = [name for name, codec in _LEGACY if _decodes_to_cjk(raw, codec)]
        if legacy and legacy[0] == "GBK/GB18030" and _mostly_common_hanzi(raw):
            raise CheckerError.at(
                "ECS201",
                "file looks GBK/GB18030-encoded; save it as UTF-8 "
                "(e.g. iconv -f GB18030 -t UTF-8 IN > OUT)",
                display, line, col,
            ) from None
        if legacy:  # the bytes fit several encodings: naming one would invite a garbling conversion
            raise CheckerError.at(
                "ECS201",
                f"file is not UTF-8 (invalid byte 0x{raw[err.start]:02x}); it could be {' or '.join(legacy)}: find out "
                "which encoding it was saved in and save it as UTF-8 (e.g. iconv -f ENCODING -t UTF-8 IN > OUT)",
                display, line, col,
            ) from None
        raise CheckerError.at(
            "ECS201", f"invalid UTF-8 byte 0x{raw[err.start]:02x}", display, line, col
        ) from None


# --------------------------------------------------------------------------- YAML

try:
    from yaml._yaml import CParser as _Parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - libyaml missing: slower, same behaviour
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner

    class _PurePythonParser(_Reader, _Scanner, _PyParser):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _PyParser.__init__(self)

    _Parser = _PurePythonParser  # type: ignore[misc,assignment]

_STR = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", _STR, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
}


class _Resolver(BaseResolver):
    """YAML 1.2 core schema: only null, bool, int and float are implicit."""


_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _pos(node: Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Constructor(BaseConstructor):
    """Builds plain dicts, lists and scalars, and records where each came from."""

    def __init__(self) -> None:
        super().__init__()
        self.display = "<input>"
        self.node_marks: dict[int, Position] = {}
        self.key_marks: dict[int, dict[str, Position]] = {}
        self.item_marks: dict[int, list[Position]] = {}

    def _fail(self, code: str, message: str, node: Node) -> CheckerError:
        line, col = _pos(node)
        return CheckerError.at(code, message, self.display, line, col)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if node.tag not in _ALLOWED_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise self._fail("ECS207", f"tag {tag} is not accepted; a bundle or policy holds plain data only", node)
        return super().construct_object(node, deep)

    def _scalar(self, node: Node, pattern: re.Pattern[str], kind: str) -> str:
        """The text of a scalar that an explicit tag (`!!int x`) may have mislabelled."""
        if not isinstance(node, ScalarNode) or not pattern.match(node.value):
            shown = node.value[:40] if isinstance(node, ScalarNode) else "a collection"
            raise self._fail("ECS207", f"{shown!r} is not a valid {kind}; remove the !! tag or fix the value", node)
        return str(node.value)

    def construct_null(self, node: Node) -> None:
        self._scalar(node, _NULL, "null")
        return None

    def construct_bool(self, node: ScalarNode) -> bool:
        return self._scalar(node, _BOOL, "boolean (true or false)").lower() == "true"

    def construct_int(self, node: ScalarNode) -> int:
        text = self._scalar(node, _INT, "integer")
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            raise self._fail("ECS211", f"integer of {len(text)} digits is too large to use", node) from None

    def construct_float(self, node: ScalarNode) -> float:
        text = self._scalar(node, _FLOAT, "number").lower()
        value = float(text.replace(".inf", "inf").replace(".nan", "nan"))
        if not math.isfinite(value):
            raise self._fail("ECS211", f"number {node.value[:40]!r} is not finite; use a finite number", node)
        if value == 0 and _nonzero(text):
            raise self._fail("ECS211", f"number {node.value[:40]!r} is too small to tell from 0; write 0 or a number "
                                       "that is not that small", node)
        return value

    def construct_str(self, node: ScalarNode) -> str:
        if not isinstance(node, ScalarNode):
            raise self._fail("ECS207", "a string was expected here", node)
        return str(node.value)

    def construct_seq(self, node: SequenceNode) -> Any:
        if not isinstance(node, SequenceNode):
            raise self._fail("ECS207", "a sequence was expected here", node)
        data: list[Any] = []
        yield data
        data.extend(self.construct_object(child) for child in node.value)
        self.node_marks[id(data)] = _pos(node)
        self.item_marks[id(data)] = [_pos(child) for child in node.value]

    def construct_map(self, node: MappingNode) -> Any:
        if not isinstance(node, MappingNode):
            raise self._fail("ECS207", "a mapping was expected here", node)
        data: dict[str, Any] = {}
        yield data
        keys: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                raise self._fail("ECS210", "mapping keys must be plain strings", key_node)
            key = key_node.value
            if key == "<<" and not key_node.style:
                raise self._fail("ECS206", "merge keys (<<) are not accepted; write keys out", key_node)
            if key in keys:
                first = keys[key][0]
                raise self._fail(
                    "ECS205", f"duplicate key {key!r} (first defined on line {first})", key_node
                )
            keys[key] = _pos(key_node)
            data[key] = self.construct_object(value_node)
        self.node_marks[id(data)] = _pos(node)
        self.key_marks[id(data)] = keys


_Constructor.add_constructor("tag:yaml.org,2002:null", _Constructor.construct_null)
_Constructor.add_constructor("tag:yaml.org,2002:bool", _Constructor.construct_bool)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_float)
_Constructor.add_constructor(_STR, _Constructor.construct_str)
_Constructor.add_constructor("tag:yaml.org,2002:seq", _Constructor.construct_seq)
_Constructor.add_constructor("tag:yaml.org,2002:map", _Constructor.construct_map)


class _Loader(Composer, _Parser, _Constructor, _Resolver):  # type: ignore[misc,valid-type]
    def __init__(self, stream: str, display: str) -> None:
        _Parser.__init__(self, stream)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        Composer.__init__(self)
        self.display = display
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            line, col = event.start_mark.line + 1, event.start_mark.column + 1
            raise CheckerError.at(
                "ECS206", "YAML aliases (*name) are not accepted; write the value out",
                self.display, line, col,
            )
        self._depth += 1
        self._nodes += 1
        try:
            if self._nodes > MAX_YAML_VALUES:
                event = self.peek_event()
                raise CheckerError.at(
                    "ECS003", f"more than {MAX_YAML_VALUES:,} YAML values; write a bundle this large as JSON or keep "
                    "its records in record files, which take far less memory", self.display,
                    event.start_mark.line + 1, event.start_mark.column + 1,
                )
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise CheckerError.at(
                    "ECS209", f"nesting deeper than {MAX_DEPTH} levels", self.display,
                    event.start_mark.line + 1, event.start_mark.column + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class YamlSourceMap:
    def __init__(self, data: Any, loader: _Constructor) -> None:
        self._data = data
        self._marks = loader.node_marks
        self._key_marks = loader.key_marks
        self._item_marks = loader.item_marks

    def locate(self, path: Sequence[PathPart]) -> Position | None:
        node = self._data
        best = self._marks.get(id(node))
        for part in path:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                best = self._key_marks.get(id(node), {}).get(part, best)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                items = self._item_marks.get(id(node))
                best = items[part] if items else best
                node = node[part]
            else:
                break
            if isinstance(node, (dict, list)) and isinstance(part, int):
                best = self._marks.get(id(node), best)
        return best


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based line and column (error path only)."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    return text[start + column: start + column + 1]


def parse_yaml(text: str, display: str) -> tuple[Any, YamlSourceMap]:
    loader = _Loader(text, display)
    try:
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            problem = err.problem or err.context or "invalid YAML"
            if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
                problem = "a tab character where YAML expects spaces; indent with spaces, not tabs"
            if "expected a single document" in str(err.context or ""):
                raise CheckerError.at("ECS208", "only one YAML document per file is accepted",
                                      display, line, col) from None
            raise CheckerError.at("ECS203", f"YAML syntax error: {problem}", display, line, col) from None
        except yaml.reader.ReaderError as err:  # a character YAML does not allow: located by its offset in the text
            line, col = _line_col(text[: err.position + 1], err.position)
            character = err.character if isinstance(err.character, str) else chr(err.character)
            raise CheckerError.at("ECS203", f"character U+{ord(character):04X} is not allowed in YAML text; remove it "
                                            "or write it as an escape inside a double-quoted string", display, line, col) from None
        except yaml.YAMLError as err:
            raise CheckerError.at("ECS203", f"YAML error: {err}", display) from None
        except RecursionError:
            raise CheckerError.at("ECS209", f"nesting deeper than {MAX_DEPTH} levels", display) from None
    finally:
        loader.dispose()
    return data, YamlSourceMap(data, loader)


# --------------------------------------------------------------------------- JSON


class _JsonProblem(Exception):
    def __init__(self, code: str, message: str, needle: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.needle = needle


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JsonProblem("ECS205", f"duplicate key {key!r}", json.dumps(key, ensure_ascii=False))
            seen.add(key)
    return data


def _constant(name: str) -> float:
    raise _JsonProblem("ECS211", f"{name} is not a JSON number; use a finite number", name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _JsonProblem("ECS211", f"number {text[:40]} is too large to be finite", text)
    if value == 0 and _nonzero(text):
        raise _JsonProblem("ECS211", f"number {text[:40]} is too small to tell from 0; write 0 or a number "
                                     "that is not that small", text)
    return value


def _nonzero(text: str) -> bool:
    """Whether a number's digits (before any exponent) are not all zero: 1e-400 is not 0, though float() says so."""
    mantissa = text.lower().split("e")[0]
    return any(ch in "123456789" for ch in mantissa)


_WS = re.compile(r"[ \t\n\r]*")


class JsonSourceMap:
    """Finds the position of a path in JSON text on demand.

    Values are skipped with the C decoder, so locating a record in a large
    array costs one C-speed pass over the array, cached for later lookups.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._arrays: dict[tuple[PathPart, ...], tuple[list[int], int, bool]] = {}
        self._objects: dict[tuple[PathPart, ...], tuple[dict[str, tuple[int, int]], int, bool, bool]] = {}
        self._newlines: list[int] | None = None

    def _skip_ws(self, index: int) -> int:
        match = _WS.match(self._text, index)
        return match.end() if match else index

    def _elements(self, prefix: tuple[PathPart, ...], start: int, wanted: int) -> list[int]:
        """Offsets of the array's elements, decoded only as far as `wanted` (resumable)."""
        state = self._arrays.get(prefix)
        if state is None:
            state = self._arrays[prefix] = ([], self._skip_ws(start + 1), False)
        offsets, index, done = state
        text = self._text
        while not done and len(offsets) <= wanted:
            index = self._skip_ws(index)
            if text[index] == "]":
                done = True
                break
            offsets.append(index)
            _, index = self._decoder.raw_decode(text, index)
            index = self._skip_ws(index)
            if text[index] == "]":
                done = True
            else:
                index += 1  # the comma
        self._arrays[prefix] = (offsets, index, done)
        return offsets

    def _members(self, prefix: tuple[PathPart, ...], start: int, wanted: str) -> dict[str, tuple[int, int]]:
        """Key and value offsets of the object's members, read only as far as `wanted` (resumable).

        A member's value is decoded (to skip it) only when a later member is
        needed, so citing a section written before a large record list does
        not decode the list.
        """
        state = self._objects.get(prefix)
        if state is None:
            state = self._objects[prefix] = ({}, self._skip_ws(start + 1), False, False)
        members, index, pending, done = state
        text = self._text
        while not done and wanted not in members:
            if pending:  # skip the value of the last member read
                _, index = self._decoder.raw_decode(text, index)
                index = self._skip_ws(index)
                if text[index] == "}":
                    done = True
                    break
                index = self._skip_ws(index + 1)  # the comma
            elif text[index] == "}":
                done = True
                break
            key_at = index
            key, index = json.decoder.scanstring(text, index + 1)
            index = self._skip_ws(index)
            index = self._skip_ws(index + 1)  # the colon
            members[key] = (key_at, index)
            pending = True
        self._objects[prefix] = (members, index, pending, done)
        return members

    def _position(self, index: int) -> Position:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        line = bisect.bisect_left(self._newlines, index)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, index - line_start + 1

    def locate(self, path: Sequence[PathPart]) -> Position | None:
        text = self._text
        index = self._skip_ws(0)
        at = index
        prefix: tuple[PathPart, ...] = ()
        try:
            for part in path:
                if isinstance(part, int) and text[index] == "[":
                    offsets = self._elements(prefix, index, part)
                    if not 0 <= part < len(offsets):
                        break
                    index = at = offsets[part]
                elif isinstance(part, str) and text[index] == "{":
                    members = self._members(prefix, index, part)
                    if part not in members:
                        break
                    at, index = members[part]
                else:
                    break
                prefix = prefix + (part,)
        except (ValueError, IndexError):
            pass
        return self._position(at)

    def find(self, needle: str) -> Position | None:
        index = self._text.find(needle)
        return self._position(index) if index >= 0 else None

    def duplicate_key(self) -> Position | None:
        """Position of the first key that repeats within its object (error path only)."""
        text, decoder = self._text, self._decoder

        def walk(index: int) -> int:
            index = self._skip_ws(index)
            opener = text[index]
            if opener not in "[{":
                return decoder.raw_decode(text, index)[1]
            closer = "]" if opener == "[" else "}"
            seen: set[str] = set()
            index = self._skip_ws(index + 1)
            if text[index] == closer:
                return index + 1
            while True:
                if opener == "{":
                    index = self._skip_ws(index)
                    key, after = json.decoder.scanstring(text, index + 1)
                    if key in seen:
                        raise _Found(index)
                    seen.add(key)
                    index = self._skip_ws(after) + 1
                index = self._skip_ws(walk(index))
                if text[index] == closer:
                    return index + 1
                index += 1

        try:
            walk(0)
        except _Found as found:
            return self._position(found.index)
        except (ValueError, IndexError, RecursionError):
            return None
        return None


class _Found(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


_LONG_NUMBER = re.compile(r"-?\d{1000,}")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(text: str) -> int | None:
    """Offset of a `\\uD800`-`\\uDFFF` escape that is not half of a pair (valid JSON text only)."""
    pending: tuple[int, int] | None = None  # a high half: where it starts and ends
    for match in _ESCAPE.finditer(text):
        code = int(match.group(1), 16) if match.group(1) else -1
        if pending is not None:
            if 0xDC00 <= code <= 0xDFFF and match.start() == pending[1]:
                pending = None
                continue
            return pending[0]
        if 0xD800 <= code <= 0xDBFF:
            pending = (match.start(), match.end())
        elif 0xDC00 <= code <= 0xDFFF:
            return match.start()
    return pending[0] if pending else None


def parse_json(text: str, display: str) -> tuple[Any, JsonSourceMap]:
    source_map = JsonSourceMap(text)
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as err:
        raise CheckerError.at("ECS204", f"JSON syntax error: {err.msg}", display, err.lineno, err.colno) from None
    except _JsonProblem as err:
        if err.code == "ECS205":
            position = source_map.duplicate_key()
        else:
            position = source_map.find(err.needle) if err.needle else None
        line, col = position if position else (None, None)
        raise CheckerError.at(err.code, err.message, display, line, col) from None
    except RecursionError:
        raise CheckerError.at("ECS209", f"nesting deeper than {MAX_DEPTH} levels", display) from None
    except ValueError:  # an integer over Python's digit limit for conversion
        long_number = _LONG_NUMBER.search(text)
        line, col = source_map._position(long_number.start()) if long_number else (None, None)
        digits = len(long_number.group()) if long_number else "thousands of"
        raise CheckerError.at("ECS211", f"a number of {digits} digits is too large to use", display, line, col) from None
    if _SURROGATE_HINT.search(text):
        at = _lone_surrogate(text)
        if at is not None:
            line, col = source_map._position(at)
            raise CheckerError.at(
                "ECS213", f"{text[at:at + 6]} is half of a UTF-16 surrogate pair; it is not a character",
                display, line, col,
            )
    return data, source_map


# --------------------------------------------------------------------------- files


def display_path(path: Path) -> str:
    """How messages name a file: relative to the current directory when under it, else as given.

    A symbolic link is named as itself, not as the file it points to.
    """
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_document(path: Path, display: str | None = None, limit: int = DEFAULT_LIMIT) -> Document:
    """Read, decode and parse one YAML or JSON file (chosen by extension)."""
    display = display or str(path)
    raw = read_bytes(path, display, limit)
    text = decode_text(raw, display)
    if path.suffix.lower() == ".json":
        data, source_map = parse_json(text, display)
        fmt = "json"
    else:
        data, source_map = parse_yaml(text, display)
        fmt = "yaml"
    return Document(
        path=path,
        display=display,
        data=data,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        source_map=source_map,
        format=fmt,
    )


def sha256_file(path: Path, limit: int) -> tuple[str, int]:
    """Digest of a file in chunks, refusing more than `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise OverflowError(size)
            digest.update(chunk)
    return digest.hexdigest(), size
