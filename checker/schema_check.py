"""Validate data against a JSON Schema and explain each problem at its line.

Valid input takes the fast path (the Rust validator answers yes or no);
only invalid input pays for the Python validator, whose errors carry the
paths and sub-errors needed to say precisely what is wrong:

- an unknown key is reported at the key itself, with the nearest allowed
  spelling ("unknown key 'stat'; did you mean 'start'?");
- for `oneOf`/`anyOf` (a rule is one of the operators, a predicate one of
  all/any/not/field), the branch the input evidently meant is chosen by its
  required keys, and that branch's errors are reported instead of a summary
  of every branch;
- when no branch fits, the message lists the keys that would.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checker.errors import Location, Problem
from checker.loading import Document
from checker.paths import render

PathParts = tuple[Any, ...]
# keys the branches of a oneOf require -> (code, what such a key is called), or None for the defaults;
# lets a caller report a rule that names no known operator as an operator problem
VariantCode = Callable[[frozenset[str]], "tuple[str, str] | None"]


class SchemaCheck:
    """One schema, its two validators (built on first use) and the explainer."""

    def __init__(self, build: Callable[[], Mapping[str, Any]]) -> None:
        self._build = build
        self._schema: Mapping[str, Any] | None = None
        self._fast: Any = None
        self._slow: Any = None

    @property
    def schema(self) -> Mapping[str, Any]:
        if self._schema is None:
            self._schema = self._build()
        return self._schema

    def is_valid(self, data: Any) -> bool:
        if self._fast is None:
            import jsonschema_rs

            self._fast = jsonschema_rs.validator_for(self.schema)
        return bool(self._fast.is_valid(data))

    def errors(self, data: Any) -> list[Any]:
        if self._slow is None:
            import jsonschema

            self._slow = jsonschema.Draft202012Validator(self.schema)
        return list(self._slow.iter_errors(data))

    def problems(self, doc: Document, data: Any, code: str, base: PathParts = (),
                 variant_code: VariantCode | None = None) -> list[Problem]:
        if self.is_valid(data):
            return []
        return explain_all(doc, self.errors(data), code, base, variant_code)


def meta_problems(doc: Document, schema: Any, code: str, base: PathParts, prefix: str) -> list[Problem]:
    """Problems with a JSON Schema (2020-12) written inside a document."""
    import jsonschema_rs

    try:
        if jsonschema_rs.meta.is_valid(schema):
            return []
    except Exception:  # an unresolvable $schema or $ref: let the Python validator say why
        pass
    import jsonschema

    meta = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)
    problems = explain_all(doc, list(meta.iter_errors(schema)), code, base, None)
    return [Problem(p.code, f"{prefix}{p.message}", p.location) for p in problems]


def explain_all(doc: Document, errors: Sequence[Any], code: str, base: PathParts,
                variant_code: VariantCode | None) -> list[Problem]:
    found: dict[tuple[Any, ...], Problem] = {}
    for error in errors:
        for path, message, problem_code in _explain(error, code, variant_code):
            full = base + tuple(path)
            line, col = doc.locate(full) or (None, None)
            problem = Problem(problem_code, message, Location(doc.display, line, col, render(full)))
            found.setdefault((problem.sort_key(), render(full)), problem)
    return sorted(found.values(), key=Problem.sort_key)


_ARTICLES = {"string": "a string", "object": "a mapping", "array": "a list", "number": "a number",
             "integer": "an integer", "boolean": "true or false"}


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(names: Sequence[str]) -> str:
    return ", ".join(sorted(names))


def _branch_keys(schema: Any) -> frozenset[str]:
    return frozenset(schema.get("required", ())) if isinstance(schema, Mapping) else frozenset()


def _explain(error: Any, code: str, variant_code: VariantCode | None) -> list[tuple[PathParts, str, str]]:
    path = tuple(error.absolute_path)
    instance = error.instance
    if error.validator in ("oneOf", "anyOf"):
        branches = error.validator_value
        if error.context:
            chosen = _chosen_branch(error)
            if chosen is not None:
                sub = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == chosen]
                explained = [item for e in sub for item in _explain(e, code, variant_code)]
                if explained:
                    return explained
            required = [key for branch in branches for key in _branch_keys(branch)]
            if isinstance(instance, Mapping) and required and all(len(_branch_keys(b)) == 1 for b in branches):
                found = [key for key in instance if key != "messages"]
                problem_code, noun = (variant_code(frozenset(required)) if variant_code else None) or (code, "key")
                if len(found) == 1:
                    return [(path + (found[0],), f"unknown {noun} {found[0]!r}{_suggest(found[0], required)}; "
                                                  f"expected one of: {_listing(required)}", problem_code)]
                if not found:
                    return [(path, f"expected one {noun} of: {_listing(required)}", problem_code)]
                return [(path, f"expected exactly one {noun} of {_listing(required)}; found {_listing(found)}", problem_code)]
        elif error.validator == "oneOf":
            keys = [key for branch in branches for key in _branch_keys(branch)]
            if keys and isinstance(instance, Mapping):
                both = [key for key in keys if key in instance]
                return [(path, f"use exactly one of {', '.join(repr(k) for k in keys)}; found {', '.join(repr(k) for k in both)}", code)]
        kinds = [branch.get("type") for branch in branches if isinstance(branch, Mapping)]
        if not isinstance(instance, Mapping) and kinds and all(isinstance(k, str) for k in kinds):
            hint = " (quote it to make it a string)" if isinstance(instance, (int, float)) and "string" in kinds else ""
            return [(path, f"{instance!r} is not valid here: expected {' or '.join(_ARTICLES.get(k, k) for k in kinds)}{hint}", code)]
        import jsonschema

        best = jsonschema.exceptions.best_match([error])
        if best is not error:
            return _explain(best, code, variant_code)
        return [(path, error.message, code)]
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        import re

        extra = [key for key in instance if key not in allowed and not any(re.search(p, key) for p in patterns)]
        if extra:
            hint = f"; allowed here: {_listing(allowed)}" if allowed else ""
            return [(path + (key,), f"unknown key {key!r}{_suggest(key, allowed) or hint}", code) for key in extra]
    if error.validator == "required":
        missing = [key for key in error.validator_value if not (isinstance(instance, Mapping) and key in instance)]
        return [(path, f"missing required key {key!r}", code) for key in missing] or [(path, error.message, code)]
    if error.validator == "enum":
        return [(path, f"{instance!r} is not one of: {', '.join(map(str, error.validator_value))}"
                       f"{_suggest(str(instance), [str(v) for v in error.validator_value])}", code)]
    return [(path, error.message, code)]


def _chosen_branch(error: Any) -> int | None:
    """The branch the input evidently meant: the only one whose required keys it has, else the type that fits."""
    instance = error.instance
    branches = error.validator_value
    if isinstance(instance, Mapping):
        fitting = [index for index, branch in enumerate(branches)
                   if _branch_keys(branch) and _branch_keys(branch) <= set(instance)]
        if len(fitting) == 1:
            return fitting[0]
        return None
    type_names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", type(None): "null"}
    actual = type_names.get(type(instance))
    fitting = []
    for index, branch in enumerate(branches):
        wanted = branch.get("type") if isinstance(branch, Mapping) else None
        wanted_set = {wanted} if isinstance(wanted, str) else set(wanted or ())
        if actual in wanted_set or (actual == "integer" and "number" in wanted_set):
            fitting.append(index)
    return fitting[0] if len(fitting) == 1 else None
