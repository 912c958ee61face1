"""Random bundles never crash the checker: every input gives a valid result or a clean, located refusal.

Two kinds of input, mixed in one property test:

- valid shapes with random values, generated from schemas/bundle.schema.json
  itself (so every section and field is reached, and new fields are too);
- random mutations of a valid sample: keys deleted, values replaced by
  hostile ones (impossible dates, huge numbers, control characters, paths
  that leave the bundle), lists duplicated, and bytes of the written file
  flipped, inserted or removed.

Each input is written as YAML or JSON into a copy of a sample bundle
directory (so attachments resolve, match, mismatch or are missing) and run
through the same steps as `ecs-check check`: load and validate, evaluate the
shipped policies plus the corpus's test policies, render JSON and text (and
every other report format for one input in eight). The outcome must be a
result whose JSON matches the findings schema (once that schema ships;
until then the structure every reporter relies on), or a
CheckerError whose problems carry known codes and the file's name. Anything
else, including a finding reporting an internal error, fails the test.

ECS_HYPOTHESIS_EXAMPLES sets the number of examples (default 2000).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from checker.bundle import bundle_schema, load_bundle
from checker.codes import CODES
from checker.engine import evaluate
from checker.errors import CheckerError
from checker.policy import default_roots, load_policy_set
from checker.reporters import FORMATS, renderer
from checker.resources import schema_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "tests" / "hostile" / "bundles" / "good"
TEST_POLICIES = ROOT / "tests" / "hostile" / "policies"
EXAMPLES = int(os.environ.get("ECS_HYPOTHESIS_EXAMPLES", "2000"))
STATUSES = {"pass", "fail", "not_applicable", "insufficient_evidence", "manual_review", "error", "waived"}


@lru_cache(maxsize=1)
def policy_set() -> Any:
    from checker.config import load_config
    from checker.inventory import shipped_inventory

    standards = load_config(ROOT / "tests" / "hostile" / "ecs-check.yaml").standards
    return load_policy_set(default_roots() + [TEST_POLICIES], inventory=shipped_inventory().with_standards(standards))


# ------------------------------------------------------------------ what a result must look like


@lru_cache(maxsize=1)
def findings_validator() -> Any:
    """The findings schema's validator, once schemas/findings.schema.json exists; else None."""
    path = schema_path("findings")
    if not path.is_file():
        return None
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(path.read_text(encoding="utf-8")), offline=True)


def result_problems(document: dict[str, Any]) -> list[str]:
    validator = findings_validator()
    if validator is not None:  # the findings schema is the contract once it ships
        return [f"{list(error.instance_path)}: {error.message}" for error in validator.iter_errors(document)]
    # Until then: the structure every reporter relies on.
    problems = []
    for key in ("schema_version", "tool", "as_of", "bundle", "policy_set", "standards", "summary", "findings"):
        if key not in document:
            problems.append(f"missing {key}")
    for finding in document.get("findings", []):
        if finding.get("status") not in STATUSES:
            problems.append(f"{finding.get('policy_id')}: status {finding.get('status')!r}")
        for key in ("policy_id", "standard", "clause", "citation", "message", "evidence", "notes"):
            if key not in finding:
                problems.append(f"{finding.get('policy_id')}: missing {key}")
        if set(finding.get("message", {})) != {"zh", "en"}:
            problems.append(f"{finding.get('policy_id')}: message is not bilingual")
    if sum(document.get("summary", {}).values()) != len(document.get("findings", [])):
        problems.append("summary does not add up to the findings")
    return problems


@lru_cache(maxsize=1)
def work_directory() -> Path:
    """One copy of the sample bundle directory for the whole run; each input replaces its bundle file."""
    directory = Path(tempfile.mkdtemp(prefix="ecs-fuzz-")) / "bundle"
    shutil.copytree(SAMPLE_DIR, directory)
    (directory / "bundle.yaml").unlink()
    return directory


def check_input(raw: bytes, suffix: str, record: Any = lambda _: None, every_format: bool = True) -> None:
    """Run one input the way `ecs-check check` does; fail on anything but a result or a clean refusal."""
    directory = work_directory()
    for name in ("bundle.yaml", "bundle.json"):
        (directory / name).unlink(missing_ok=True)
    (directory / f"bundle{suffix}").write_bytes(raw)
    try:
        bundle = load_bundle(directory, display="bundle")  # as `check bundle` names a directory bundle
    except CheckerError as err:
        record(f"refused: {err.problems[0].code}")
        assert err.problems
        for problem in err.problems:
            assert problem.code in CODES, problem.render()
            assert problem.location.file == f"bundle/bundle{suffix}", problem.render()
            assert problem.message and "\n" not in problem.render(), problem.render()
        return
    record("evaluated")
    result = evaluate(policy_set(), bundle)
    text = renderer("json")(result, {})
    for name in sorted(FORMATS) if every_format else ["text"]:  # every report renders, as UTF-8
        renderer(name)(result, {"lang": "both", "color": False}).encode("utf-8")
    document = json.loads(text.encode("utf-8"))
    assert not result_problems(document), result_problems(document)
    internal = [f["policy_id"] for f in document["findings"] if "internal error" in f["message"]["en"]]
    assert not internal, f"internal errors in {internal}"


# ------------------------------------------------------------------ valid shapes with random values

ATTACHMENTS = {
    "docs/privacy-policy.txt": hashlib.sha256((SAMPLE_DIR / "docs" / "privacy-policy.txt").read_bytes()).hexdigest(),
    "docs/attitude.txt": hashlib.sha256((SAMPLE_DIR / "docs" / "attitude.txt").read_bytes()).hexdigest(),
    "docs/missing.pdf": "0" * 64,
}
OFFSETS = ("+08:00", "Z", "-05:00", "+14:00", "")
MOST_DATES = st.dates(dt.date(2024, 6, 1), dt.date(2026, 6, 30))
ANY_DATE = st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31))


@st.composite
def timestamps(draw: Any) -> str:
    day = draw(st.one_of(MOST_DATES, MOST_DATES, ANY_DATE))
    moment = dt.datetime.combine(day, draw(st.times()))
    text = moment.isoformat(sep=draw(st.sampled_from("T ")), timespec=draw(st.sampled_from(["minutes", "seconds", "microseconds"])))
    return text + draw(st.sampled_from(OFFSETS))


# Strategies for the schema's named definitions, where random text would almost never be valid.
DEFINED: dict[str, st.SearchStrategy[Any]] = {
    "date": st.one_of(MOST_DATES, MOST_DATES, ANY_DATE).map(dt.date.isoformat),
    "timestamp": timestamps(),
    "clock": st.sampled_from(["00:00", "08:00", "09:00", "12:30", "17:00", "22:00", "23:59", "24:00"]),
    "id": st.sampled_from(["A", "B", "C-1", "S-001", "CH-CHAT", "客服-1"]),
    "relative_path": st.sampled_from(sorted(ATTACHMENTS)),
    "sha256": st.sampled_from(sorted(set(ATTACHMENTS.values()))),
    "time_zone": st.sampled_from(["Asia/Shanghai", "Asia/Shanghai", "UTC", "America/New_York", "Pacific/Chatham", "Asia/Kathmandu",
                                  "Europe/Dublin", "Etc/GMT+12", "Asia/Urumqi", "Mars/Base"]),
}


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = bundle_schema()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


_BIDI = "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@cache
def _free_text(shortest: int, multiline: bool) -> st.SearchStrategy[str]:
    characters = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=_BIDI)
    if multiline:
        characters = st.one_of(characters, st.just("\n"))
    return st.text(characters, min_size=shortest, max_size=12)


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(re.sub(r"\\d", "[0-9]", pattern), fullmatch=True)


def from_schema(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values of a (subset of) JSON Schema: what the bundle schema uses."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in ("line", "text"):  # free text, with the shortest length a keyword beside the $ref asks for
            return _free_text(node.get("minLength", 0), multiline=name == "text")
        return DEFINED[name] if name in DEFINED else from_schema(_resolve(node["$ref"]), depth)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            return st.one_of([from_schema(option, depth) for option in node[key]])
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**node, "type": one}, depth) for one in kind])
    if kind == "object":
        properties = {name: ({"$ref": "#/time_zone"} if name == "time_zone" else sub)
                      for name, sub in node.get("properties", {}).items()}
        if not properties and "propertyNames" in node:
            return st.dictionaries(from_schema(node["propertyNames"]), from_schema(node.get("additionalProperties", {}), depth + 1),
                                   max_size=3)
        required = {name: from_schema(properties[name], depth + 1) for name in node.get("required", ())}
        optional = {name: from_schema(sub, depth + 1) for name, sub in properties.items() if name not in required}
        if depth > 5:
            optional = {}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "array":
        items = from_schema(node.get("items", {}), depth + 1)
        unique = {"unique_by": lambda value: json.dumps(value, sort_keys=True)} if node.get("uniqueItems") else {}
        return st.lists(items, min_size=node.get("minItems", 0), max_size=max(node.get("minItems", 0), 2), **unique)
    if kind == "string":
        if "pattern" in node:
            return _regex(node["pattern"])
        if node.get("format") == "date":
            return DEFINED["date"]
        return st.text(min_size=node.get("minLength", 0), max_size=12)
    if kind in ("integer", "number"):
        exclusive = "exclusiveMinimum" in node
        low = node.get("minimum", node.get("exclusiveMinimum", -10))
        high = node.get("maximum", 10_000)
        numbers = st.integers(int(low) + exclusive, int(high))
        if kind == "number":
            numbers = st.one_of(numbers, st.floats(low, high, exclude_min=exclusive, allow_nan=False, allow_infinity=False))
        return numbers
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5))


@cache
def _section(name: str) -> st.SearchStrategy[Any]:
    """A top-level section's strategy, built once."""
    return from_schema(bundle_schema()["properties"][name])


@st.composite
def generated_bundles(draw: Any) -> dict[str, Any]:
    """The required sections and a few optional ones, every field drawn from its schema."""
    root = bundle_schema()
    properties = root["properties"]
    optional = sorted(name for name in properties if name not in root["required"])
    chosen = draw(st.sets(st.sampled_from(optional), max_size=5))
    data = {name: draw(_section(name)) for name in root["required"]}
    data.update({name: draw(_section(name)) for name in sorted(chosen)})
    year = draw(st.sampled_from([2024, 2025, 2025, 2025]))
    data["period"] = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    if draw(st.booleans()):
        data.pop("as_of", None)
    return data


# ------------------------------------------------------------------ mutations of a valid sample

def _sample() -> dict[str, Any]:
    """The shipped bundle template, its attachments pointed at the sample directory's files."""
    from checker.loading import load_document

    data = load_document(ROOT / "schemas" / "bundle.template.yaml").data
    for path in _paths(data):
        node = _parent(data, path + ("",)) if path else data
        if isinstance(node, dict) and "sha256" in node and "path" in node:
            node.update(path="docs/privacy-policy.txt", sha256=ATTACHMENTS["docs/privacy-policy.txt"])
    return data

HOSTILE_VALUES = [
    None, True, False, 0, -1, 1.5, 2**53 - 1, 2**53, 10**30, 1e308, -1e308, "", " ", "x" * 3000,
    "2025-02-30", "2025-13-01", "0000-01-01", "1899-12-31", "2199-12-31", "9999-12-31",
    "2025-03-01T10:00:00", "2025-03-01T24:00:00+08:00", "2025-03-01T10:00:00+23:59", "2025-03-01T10:00:00+24:00",
    "2199-12-31T23:59:59-12:00", "1900-01-01T00:00:00+14:00", "24:00", "00:00",
    "../../etc/passwd", "/etc/passwd", "docs/../../x", "docs/missing.pdf", "C-1\x1b[2J", "\u202eevil", "\ud800",
    [], {}, [[[[]]]], {"x": {"y": {"z": 1}}}, "pass", "conforms", "Asia/Shanghai", "Mars/Base",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


SAMPLE = _sample()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _tweak(value: Any, draw: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.integers(0, 500))
    try:
        if isinstance(value, str) and _DATE.match(value):
            day = dt.date.fromisoformat(value) + dt.timedelta(days=draw(st.integers(-400, 400)))
            return day.isoformat()
        if isinstance(value, str) and len(value) >= 16 and value[10:11] in ("T", " "):
            moment = dt.datetime.fromisoformat(value) + dt.timedelta(seconds=draw(st.integers(-10 * 86400, 10 * 86400)))
            return moment.isoformat()
    except (ValueError, OverflowError):  # an earlier mutation made it impossible: leave it so
        return value
    if isinstance(value, list) and value:
        return value[: draw(st.integers(0, len(value) - 1))]
    return value


@st.composite
def mutated_bundles(draw: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        paths = [path for path in _paths(data) if path]
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        action = draw(st.sampled_from(["tweak", "tweak", "tweak", "replace", "replace", "delete", "duplicate", "swap"]))
        if action == "tweak":  # a plausible change that keeps the type: the kind of edit that reaches the rules
            parent[key] = _tweak(parent[key], draw)
        elif action == "replace":
            parent[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
        elif action == "delete":
            del parent[key]
        elif action == "duplicate" and isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][0]))
        elif action == "swap":
            other = draw(st.sampled_from(paths))
            if other[: len(path)] != path and path[: len(other)] != other:
                value = copy.deepcopy(_parent(data, other)[other[-1]])
                parent[key] = value
    return data


@st.composite
def written(draw: Any, data_strategy: st.SearchStrategy[dict[str, Any]]) -> tuple[bytes, str]:
    data = draw(data_strategy)
    if draw(st.booleans()):
        text, suffix = json.dumps(data, ensure_ascii=False, indent=draw(st.sampled_from([None, 1]))), ".json"
    else:
        text, suffix = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), ".yaml"
    raw = bytearray(text.encode("utf-8", "surrogatepass"))
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 3]))):  # now and then, damage the bytes themselves
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        byte = draw(st.sampled_from([0x00, 0x09, 0x0A, 0x22, 0x26, 0x2A, 0x3A, 0x5B, 0x7B, 0x7D, 0xE4, 0xFF, 0x21]))
        if action == "flip" and raw:
            raw[at] = byte
        elif action == "insert":
            raw.insert(at, byte)
        elif raw:
            del raw[at]
    return bytes(raw), suffix


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(st.one_of(written(generated_bundles()), written(mutated_bundles())), st.integers(0, 7))
def test_random_bundles_give_a_result_or_a_clean_refusal(case, turn):
    raw, suffix = case
    check_input(raw, suffix, event, every_format=turn == 0)  # every format for one input in eight: time goes to inputs


def test_the_sample_itself_is_accepted():
    """The mutations start from a bundle the checker accepts, so they probe real paths."""
    check_input(json.dumps(SAMPLE, ensure_ascii=False).encode("utf-8"), ".json")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "bundle"
        shutil.copytree(SAMPLE_DIR, directory)
        (directory / "bundle.yaml").write_text(json.dumps(SAMPLE, ensure_ascii=False), encoding="utf-8")
        bundle = load_bundle(directory)
    assert bundle.attachments["docs/privacy-policy.txt"].status == "ok"
