"""Policies: load, validate and compile every policy file once per run.

A policy root holds one directory per standard and one YAML file per
clause (`<root>/<standard-dir>/<clause>.yaml`); the policy's id is that
path without the extension. Fixture folders beside a policy
(`<root>/<standard-dir>/<clause>/`) and the scoring model (`scoring.yaml`)
are not policies. Later roots override earlier ones by id, and every
override is recorded.

Any invalid policy stops the run with every problem listed by file:line;
an invalid policy is never skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker.compiling import CompileEnv
from checker.errors import CheckerError, Location, Problem
from checker.findings import Text
from checker.loading import Document, load_document
from checker.operators import Rule, compile_rule
from checker.paths import render
from checker.predicates import BoundPred, compile_predicate
from checker.resources import shipped

POLICY_LIMIT = 1024 * 1024
NOT_POLICIES = frozenset({"scoring.yaml", "scoring.yml"})
INTERPRETATIONS_FILE = "INTERPRETATIONS.yaml"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    description: Text
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    stricter: str | None = None
    adjustable: bool = False


@dataclass(frozen=True)
class Item:
    item: str
    title: Text
    index: int
    rule: Mapping[str, Any] | None
    out_of_scope: Text | None
    verification: str | None
    applies_if: Mapping[str, Any] | None


@dataclass(frozen=True)
class Interpretation:
    id: str
    title: Text
    clauses: tuple[str, ...]
    decision: Text
    reasoning: str
    file: str


@dataclass(frozen=True)
class Policy:
    id: str
    standard: str
    clause: str
    title: Text
    requirement: Text
    obligation: str
    applies_to: str
    verification: str
    evidence: Mapping[str, Any]
    parameters: Mapping[str, Parameter]
    check: Mapping[str, Any]
    interpretations: tuple[str, ...]
    related: tuple[str, ...]
    messages: Mapping[str, Any] | None
    text: Mapping[str, Any] | None
    document: Document
    source: str  # "<root name>/<standard dir>/<file>": stable across machines and working directories

    @property
    def file(self) -> str:
        return self.document.display

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(
            Item(
                item=raw["item"],
                title=Text.from_mapping(raw["title"]),
                index=index,
                rule=raw.get("rule"),
                out_of_scope=Text.from_mapping(raw["out_of_scope"]) if "out_of_scope" in raw else None,
                verification=raw.get("verification"),
                applies_if=raw.get("applies_if"),
            )
            for index, raw in enumerate(self.check.get("items", ()))
        )

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}


@dataclass(frozen=True)
class CompiledCheck:
    """One evaluable unit: the whole clause (item None) or one lettered item."""

    item: Item | None
    rule: Rule | None
    applies_if: BoundPred | None


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    params: Mapping[str, Any]
    checks: tuple[CompiledCheck, ...]
    applies_if: BoundPred | None
    used_params: frozenset[str]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Override:
    policy_id: str
    winner: str
    replaced: str


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[CompiledPolicy, ...]
    interpretations: Mapping[str, Interpretation]
    overrides: tuple[Override, ...]
    sha256: str
    roots: tuple[str, ...]

    def by_id(self) -> dict[str, CompiledPolicy]:
        return {cp.policy.id: cp for cp in self.policies}


# ------------------------------------------------------------------ schema validation


@lru_cache(maxsize=1)
def _policy_validator() -> Any:
    import jsonschema

    from checker.policy_schema import build

    return jsonschema.Draft202012Validator(build())


POLICY_KEYS = ("id", "standard", "clause", "evidence", "check")


def _intended(error: Any) -> Any:
    """Follow a failed oneOf/anyOf into the one branch the author evidently meant.

    A branch is implausible when it fails at its own top level on `required`
    or `type` (the rule variant of another operator, the `all` form of a
    predicate written as a field predicate). When exactly one branch is
    plausible its best error is shown, so a typo deep inside a rule is reported
    where it is, not as "not valid under any of the given schemas".
    """
    import jsonschema

    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        plausible = [errors for errors in branches.values()
                     if not any(not sub.relative_path and sub.validator in ("required", "type") for sub in errors)]
        if len(plausible) != 1:
            return jsonschema.exceptions.best_match(error.context)
        error = jsonschema.exceptions.best_match(plausible[0])
    return error


def _policy_problem(error: Any) -> tuple[str, str, tuple[Any, ...]]:
    """Code, plain message and JSON path for one policy schema error."""
    from checker.operators import OPERATORS
    from checker.predicates import FIELD_OPS

    schema = _policy_validator().schema
    instance = error.instance
    if error.validator == "oneOf" and error.validator_value is schema["$defs"]["rule"]["oneOf"] and isinstance(instance, dict):
        names = [key for key in instance if key != "messages"]
        unknown = [name for name in names if name not in OPERATORS]
        at = tuple(error.absolute_path)
        if unknown:
            return ("ECS104", f"unknown operator {unknown[0]!r}; known operators: {', '.join(sorted(OPERATORS))}",
                    at + (unknown[0],))
        if len(names) != 1:
            return "ECS104", f"a rule has exactly one operator; found {', '.join(map(repr, names)) or 'none'}", at
    error = _intended(error)
    properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and "field" in properties and set(FIELD_OPS) <= set(properties):
        extra = sorted(key for key in error.instance if key not in properties)
        return ("ECS104", f"unknown predicate {extra[0]!r}; a field predicate takes field and one of: {', '.join(FIELD_OPS)}",
                tuple(error.absolute_path) + (extra[0],))
    if error.validator == "additionalProperties" and properties and isinstance(error.instance, dict):
        extra = sorted(key for key in error.instance if key not in properties)
        if extra:
            return ("ECS101", f"unknown key {extra[0]!r} here; expected one of: {', '.join(sorted(properties))}",
                    tuple(error.absolute_path) + (extra[0],))
    return "ECS101", error.message, tuple(error.absolute_path)


@lru_cache(maxsize=1)
def _fast_policy_validator() -> Any:
    import jsonschema_rs

    from checker.policy_schema import build

    return jsonschema_rs.validator_for(build(), offline=True)


def _meta_valid(schema: Any) -> bool:
    import jsonschema_rs

    try:
        return bool(jsonschema_rs.meta.is_valid(schema))
    except Exception:  # a schema the Rust side cannot even inspect: let the Python validator explain
        return False


def _schema_problems(doc: Document) -> list[Problem]:
    import jsonschema
    import jsonschema_rs

    if not any(key in doc.data for key in POLICY_KEYS):
        looks = " (it looks like an evidence bundle)" if "organization" in doc.data or "schema_version" in doc.data else ""
        return [Problem("ECS101", f"this file is not a policy{looks}: it has none of the keys {', '.join(POLICY_KEYS)}",
                        Location(doc.display, 1, 1, "$"))]
    problems = []
    # The Rust validator decides; the Python one, slower but with the richer error model, only explains.
    errors = [] if _fast_policy_validator().is_valid(doc.data) else list(_policy_validator().iter_errors(doc.data))
    for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        code, message, path = _policy_problem(error)
        line, col = doc.locate(path) or (None, None)
        problems.append(Problem(code, message, Location(doc.display, line, col, render(path))))
    evidence_schema = doc.data.get("evidence", {}).get("schema")
    if not problems and isinstance(evidence_schema, dict):
        meta = jsonschema.Draft202012Validator.META_SCHEMA
        meta_errors = [] if _meta_valid(evidence_schema) else jsonschema.Draft202012Validator(meta).iter_errors(evidence_schema)
        for error in meta_errors:
            path = ("evidence", "schema") + tuple(error.absolute_path)
            line, col = doc.locate(path) or (None, None)
            problems.append(Problem("ECS101", f"evidence schema is not valid JSON Schema: {error.message}",
                                    Location(doc.display, line, col, render(path))))
        for path, ref in _external_refs(evidence_schema, ("evidence", "schema")):
            line, col = doc.locate(path) or (None, None)
            message = (f"evidence schema declares $schema {ref!r}; evidence schemas are JSON Schema 2020-12 (leave $schema out)"
                       if path[-1] == "$schema" else
                       f"evidence schema refers to {ref!r}; only references inside the policy (starting with '#') are "
                       "allowed, and nothing is ever fetched")
            problems.append(Problem("ECS101", message, Location(doc.display, line, col, render(path))))
        if not problems:
            try:
                jsonschema_rs.validator_for(evidence_schema, offline=True)
            except Exception as err:  # the Rust validator refuses what the meta-schema allows (e.g. a bad regex)
                line, col = doc.locate(("evidence", "schema")) or (None, None)
                reason = str(err).strip().splitlines()[0]
                problems.append(Problem("ECS101", f"evidence schema cannot be used: {reason}",
                                        Location(doc.display, line, col, "$.evidence.schema")))
    return problems


_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
_META = "https://json-schema.org/draft/2020-12/schema"


def _external_refs(schema: Any, at: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """References (and a `$schema` other than 2020-12) that point outside the schema itself, with where they are."""
    found = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(schema, at)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _REF_KEYS and isinstance(value, str) and not value.startswith("#"):
                    found.append((path + (key,), value))
                elif key == "$schema" and isinstance(value, str) and value.rstrip("#") != _META:
                    found.append((path + (key,), value))
                else:
                    stack.append((value, path + (key,)))
        elif isinstance(node, list):
            stack.extend((value, path + (index,)) for index, value in enumerate(node))
    return sorted(found, key=lambda pair: render(pair[0]))


# ------------------------------------------------------------------ loading


def discover(root: Path) -> list[Path]:
    """Policy files directly inside the standard directories of `root`, sorted."""
    if not root.is_dir():
        raise CheckerError.at("ECS002", "policy directory not found", str(root))
    files = []
    for standard_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(standard_dir.iterdir()):
            if path.is_file() and path.suffix in (".yaml", ".yml") and path.name not in NOT_POLICIES:
                files.append(path)
    return files


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def policy_from_document(doc: Document, expected_id: str | None, source: str | None = None) -> Policy:
    problems = _schema_problems(doc) if isinstance(doc.data, dict) else [
        Problem("ECS212", "a policy file holds a mapping", Location(doc.display, 1, 1))
    ]
    if problems:
        raise CheckerError(problems)
    data = doc.data
    if expected_id is not None and data["id"] != expected_id:
        line, col = doc.locate(("id",)) or (None, None)
        raise CheckerError.at("ECS103", f"id {data['id']!r} does not match its path; expected {expected_id!r}",
                              doc.display, line, col, "$.id")
    parameters = {
        name: Parameter(
            name=name,
            type=spec["type"],
            default=spec["default"],
            description=Text.from_mapping(spec["description"]),
            unit=spec.get("unit"),
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
            stricter=spec.get("stricter"),
            adjustable=spec.get("adjustable", False),
        )
        for name, spec in sorted(data.get("parameters", {}).items())
    }
    return Policy(
        id=data["id"],
        standard=data["standard"],
        clause=data["clause"],
        title=Text.from_mapping(data["title"]),
        requirement=Text.from_mapping(data["requirement"]),
        obligation=data["obligation"],
        applies_to=data["applies_to"],
        verification=data["verification"],
        evidence=data["evidence"],
        parameters=parameters,
        check=data["check"],
        interpretations=tuple(data.get("interpretations", ())),
        related=tuple(data.get("related", ())),
        messages=data.get("messages"),
        text=data.get("text"),
        document=doc,
        source=source or doc.display,
    )


def compile_policy(policy: Policy, overrides: Mapping[str, Any] | None = None) -> CompiledPolicy:
    params = policy.defaults() | dict(overrides or {})
    env = CompileEnv(policy.id, policy.document, params)
    for path_text in policy.evidence.get("paths", ()):
        env.path(path_text, ("evidence", "paths"))
    check = policy.check
    applies_if = compile_predicate(check["applies_if"], env, ("check", "applies_if")) if "applies_if" in check else None
    checks: list[CompiledCheck] = []
    if "rule" in check:
        rule_spec = dict(check["rule"])
        if policy.messages and "messages" not in rule_spec:
            rule_spec["messages"] = policy.messages
        checks.append(CompiledCheck(None, compile_rule(rule_spec, env, ("check", "rule")), None))
    else:
        for item in policy.items:
            at = ("check", "items", item.index)
            rule = compile_rule(item.rule, env, at + ("rule",)) if item.rule is not None else None
            condition = compile_predicate(item.applies_if, env, at + ("applies_if",)) if item.applies_if else None
            checks.append(CompiledCheck(item, rule, condition))
    for name, parameter in policy.parameters.items():
        _check_parameter(env, parameter, params[name])
    return CompiledPolicy(
        policy=policy,
        params={name: params[name] for name in sorted(params)},
        checks=tuple(checks),
        applies_if=applies_if,
        used_params=frozenset(env.used_params),
        paths=tuple(text for text, _ in env.paths),
    )


_PY_TYPES = {"integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,), "array": (list,)}


def _check_parameter(env: CompileEnv, parameter: Parameter, value: Any) -> None:
    at = ("parameters", parameter.name)
    if isinstance(value, bool) and parameter.type in ("integer", "number"):
        raise env.error("ECS110", f"parameter {parameter.name} must be a {parameter.type}, not a boolean", at)
    if not isinstance(value, _PY_TYPES[parameter.type]):
        raise env.error("ECS110", f"parameter {parameter.name} must be a {parameter.type}", at)
    if parameter.minimum is not None and value < parameter.minimum:
        raise env.error("ECS110", f"parameter {parameter.name} = {value} is below its minimum {parameter.minimum}", at)
    if parameter.maximum is not None and value > parameter.maximum:
        raise env.error("ECS110", f"parameter {parameter.name} = {value} is above its maximum {parameter.maximum}", at)


def load_interpretations(roots: Sequence[Path]) -> tuple[dict[str, Interpretation], list[str]]:
    """Interpretations from every root (later roots win), and each file's digest."""
    found: dict[str, Interpretation] = {}
    digests: list[str] = []
    for root in roots:
        path = root / INTERPRETATIONS_FILE
        if not path.is_file():
            continue
        doc = load_document(path, _display(path), POLICY_LIMIT)
        digests.append(doc.sha256)
        entries = doc.data.get("interpretations") if isinstance(doc.data, dict) else None
        if not isinstance(entries, list):
            raise CheckerError.at("ECS101", "expected a mapping with an 'interpretations' list", doc.display, 1, 1)
        for index, entry in enumerate(entries):
            try:
                found[entry["id"]] = Interpretation(
                    id=entry["id"],
                    title=Text.from_mapping(entry["title"]),
                    clauses=tuple(entry.get("clauses", ())),
                    decision=Text.from_mapping(entry["decision"]),
                    reasoning=entry.get("reasoning", ""),
                    file=doc.display,
                )
            except (KeyError, TypeError):
                line, col = doc.locate(("interpretations", index)) or (None, None)
                raise CheckerError.at("ECS101", "an interpretation needs id, title {zh, en} and decision {zh, en}",
                                      doc.display, line, col, render(("interpretations", index))) from None
    return found, digests


def default_roots() -> list[Path]:
    return [shipped("policies")]


def load_policy_set(
    roots: Sequence[Path] | None = None,
    standards: Iterable[str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> PolicySet:
    """Load, validate and compile the policies under `roots` (later roots win by id)."""
    roots = list(roots) if roots else default_roots()
    chosen: dict[str, Policy] = {}
    origin: dict[str, int] = {}
    override_log: list[Override] = []
    problems: list[Problem] = []
    for root_index, root in enumerate(roots):
        for path in discover(root):
            expected = path.relative_to(root).with_suffix("").as_posix()
            try:
                doc = load_document(path, _display(path), POLICY_LIMIT)
                policy = policy_from_document(doc, expected, f"{root.resolve().name}/{path.relative_to(root).as_posix()}")
            except CheckerError as err:
                problems.extend(err.problems)
                continue
            if policy.id in chosen:
                previous = chosen[policy.id]
                if origin[policy.id] == root_index:
                    problems.append(Problem("ECS102", f"id {policy.id!r} is also defined in {previous.file}",
                                            Location(doc.display, 1, 1)))
                    continue
                override_log.append(Override(policy.id, policy.source, previous.source))
            chosen[policy.id] = policy
            origin[policy.id] = root_index
    interpretations, interpretation_digests = load_interpretations(roots)
    wanted = _standard_filter(standards)
    compiled: list[CompiledPolicy] = []
    for policy_id in sorted(chosen):
        policy = chosen[policy_id]
        for ref in policy.interpretations:
            if ref not in interpretations:
                line, col = policy.document.locate(("interpretations",)) or (None, None)
                problems.append(Problem("ECS107", f"interpretation {ref} is not defined in any {INTERPRETATIONS_FILE}",
                                        Location(policy.file, line, col, "$.interpretations")))
        if wanted is not None and not wanted(policy):
            continue
        try:
            compiled.append(compile_policy(policy, (overrides or {}).get(policy_id)))
        except CheckerError as err:
            problems.extend(err.problems)
    if problems:
        raise CheckerError(problems)
    digest = hashlib.sha256()
    for policy_id in sorted(chosen):
        digest.update(f"{policy_id}\t{chosen[policy_id].document.sha256}\n".encode())
    for interpretation_digest in interpretation_digests:
        digest.update(f"{INTERPRETATIONS_FILE}\t{interpretation_digest}\n".encode())
    return PolicySet(
        policies=tuple(compiled),
        interpretations=interpretations,
        overrides=tuple(override_log),
        sha256=digest.hexdigest(),
        roots=tuple(r.resolve().name for r in roots),
    )


def standard_slug(standard: str) -> str:
    """`DB33/T 2039-2017` -> `db33-t-2039-2017` (the policy directory name)."""
    return "".join(ch if ch.isalnum() else "-" for ch in standard.lower()).strip("-").replace("--", "-")


def _standard_filter(standards: Iterable[str] | None) -> Any:
    if standards is None:
        return None
    names = {s for s in standards}
    if not names or "all" in names:
        return None
    slugs = {standard_slug(s) for s in names}
    return lambda policy: policy.standard in names or standard_slug(policy.standard) in slugs
