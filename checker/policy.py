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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.compiling import CompileEnv
from checker.errors import CheckerError, Location, Problem
from checker.findings import ParameterChange, Text
from checker.inventory import Inventory, shipped_inventory
from checker.loading import Document, display_path, load_document
from checker.operators import Rule, compile_rule
from checker.paths import JsonPath, render
from checker.policy_checks import COMPILED_CHECKS, POLICY_CHECKS, check_related
from checker.predicates import BoundPred, compile_predicate
from checker.resources import shipped
from checker.schema_check import SchemaCheck, meta_problems

if TYPE_CHECKING:
    from checker.profiles import Profile, Tailoring

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
class PolicyTailoring:
    """What a profile changed for one policy: parameter values, and what it declared not applicable."""

    profile: str
    changes: tuple[ParameterChange, ...] = ()
    not_applicable: Mapping[str | None, Text] = field(default_factory=dict)  # item (None: the whole clause) -> justification

    def declared(self, item: str | None) -> Text | None:
        """The justification when the clause, or this item of it, is declared not applicable."""
        if None in self.not_applicable:
            return self.not_applicable[None]
        return self.not_applicable.get(item) if item is not None else None


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    params: Mapping[str, Any]
    checks: tuple[CompiledCheck, ...]
    applies_if: BoundPred | None
    used_params: frozenset[str]
    paths: tuple[str, ...]
    path_refs: tuple[tuple[JsonPath, tuple[Any, ...]], ...] = ()  # every JSONPath compiled, with where it is written
    tailoring: PolicyTailoring | None = None  # set when a profile changed or declared something of this policy


@dataclass(frozen=True)
class Override:
    """A policy id defined in two roots: the later root's file wins."""

    policy_id: str
    winner: str  # stable source names ("<root name>/<standard dir>/<file>")
    replaced: str
    winner_file: str = ""  # the files as displayed to the user
    replaced_file: str = ""


@dataclass(frozen=True)
class References:
    """What a policy may cite beyond its own file."""

    interpretations: Mapping[str, Interpretation] | None  # None: the interpretations could not be read
    inventory: Inventory


@dataclass(frozen=True)
class PolicyFile:
    """A policy file and the root it belongs to (its id is its path under the root)."""

    path: Path
    root: Path
    root_index: int = 0

    @property
    def expected_id(self) -> str:
        return self.path.relative_to(self.root).with_suffix("").as_posix()

    @property
    def source(self) -> str:
        return f"{self.root.resolve().name}/{self.path.relative_to(self.root).as_posix()}"


@dataclass(frozen=True)
class LoadedPolicy:
    file: PolicyFile
    policy: Policy | None  # None when the file is not even a valid policy document
    compiled: CompiledPolicy | None  # None when anything is wrong with it
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class LoadedPolicies:
    """Policies by id (the winner of each id), every override, every problem."""

    policies: Mapping[str, LoadedPolicy]
    overrides: tuple[Override, ...]
    problems: tuple[Problem, ...]
    files: tuple[LoadedPolicy, ...] = ()  # every file loaded, in order, winners and overridden alike


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[CompiledPolicy, ...]
    interpretations: Mapping[str, Interpretation]
    overrides: tuple[Override, ...]
    sha256: str
    roots: tuple[str, ...]
    tailoring: Tailoring | None = None  # the profile applied, if any
    available: tuple[str, ...] = ()  # every policy id loaded, selected or not

    def by_id(self) -> dict[str, CompiledPolicy]:
        return {cp.policy.id: cp for cp in self.policies}


# ------------------------------------------------------------------ schema validation


def _build_schema() -> Mapping[str, Any]:
    from checker.policy_schema import build

    return build()


_POLICY_SCHEMA = SchemaCheck(_build_schema)


def _operator_code(keys: frozenset[str]) -> tuple[str, str] | None:
    """A rule that names no known operator is an operator problem (ECS104), not a generic schema one."""
    from checker.operators import OPERATORS

    return ("ECS104", "operator") if keys and keys <= set(OPERATORS) else None


POLICY_KEYS = ("id", "standard", "clause", "evidence", "check")


def _schema_problems(doc: Document) -> list[Problem]:
    if not any(key in doc.data for key in POLICY_KEYS):
        looks = " (it looks like an evidence bundle)" if "organization" in doc.data or "schema_version" in doc.data else ""
        return [Problem("ECS101", f"this file is not a policy{looks}: it has none of the keys {', '.join(POLICY_KEYS)}",
                        Location(doc.display, 1, 1, "$"))]
    problems = _POLICY_SCHEMA.problems(doc, doc.data, "ECS101", variant_code=_operator_code)
    evidence_schema = doc.data.get("evidence", {}).get("schema")
    if not problems and isinstance(evidence_schema, dict):
        problems = meta_problems(doc, evidence_schema, "ECS101", ("evidence", "schema"),
                                 "evidence schema is not valid JSON Schema: ")
        for path, ref in _external_refs(evidence_schema, ("evidence", "schema")):
            line, col = doc.locate(path) or (None, None)
            message = (f"evidence schema declares $schema {ref!r}; evidence schemas are JSON Schema 2020-12 (leave $schema out)"
                       if path[-1] == "$schema" else
                       f"evidence schema refers to {ref!r}; only references inside the policy (starting with '#') are "
                       "allowed, and nothing is ever fetched")
            problems.append(Problem("ECS101", message, Location(doc.display, line, col, render(path))))
        if not problems:
            import jsonschema_rs

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


def document_problems(doc: Document) -> list[Problem]:
    """Schema problems of a parsed policy file (empty when it is a valid policy document)."""
    if not isinstance(doc.data, dict):
        return [Problem("ECS212", "a policy file holds a mapping", Location(doc.display, 1, 1))]
    return _schema_problems(doc)


def _id_problem(doc: Document, expected_id: str) -> Problem | None:
    if doc.data["id"] == expected_id:
        return None
    line, col = doc.locate(("id",)) or (None, None)
    return Problem("ECS103", f"id {doc.data['id']!r} does not match its path; expected {expected_id!r}",
                   Location(doc.display, line, col, "$.id"))


def policy_from_document(doc: Document, expected_id: str | None, source: str | None = None) -> Policy:
    """The policy in a document; raises CheckerError when it does not match the schema or its path."""
    problems = document_problems(doc)
    if not problems and expected_id is not None:
        problems = [p for p in (_id_problem(doc, expected_id),) if p]
    if problems:
        raise CheckerError(problems)
    return _build_policy(doc, source)


def _build_policy(doc: Document, source: str | None) -> Policy:
    data = doc.data
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
    for index, path_text in enumerate(policy.evidence.get("paths", ())):
        env.path(path_text, ("evidence", "paths", index))
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
        paths=tuple(path.text for path, _ in env.paths),
        path_refs=tuple(env.paths),
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
        doc = load_document(path, display_path(path), POLICY_LIMIT)
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


def unique_roots(roots: Iterable[Path]) -> list[Path]:
    """Roots in order, each directory once (the first mention keeps its place)."""
    seen: set[Path] = set()
    out = []
    for root in roots:
        key = root.resolve()
        if key not in seen:
            seen.add(key)
            out.append(root)
    return out


def read_references(roots: Sequence[Path], inventory: Inventory | None = None) -> tuple[References, list[Problem], list[str]]:
    """Interpretations of every root and the clause inventory; problems instead of an exception."""
    try:
        interpretations: Mapping[str, Interpretation] | None
        interpretations, digests = load_interpretations(roots)
        problems: list[Problem] = []
    except CheckerError as err:
        interpretations, digests, problems = None, [], list(err.problems)
    return References(interpretations, inventory or shipped_inventory()), problems, digests


def load_policy_file(file: PolicyFile, refs: References, params: Mapping[str, Any] | None = None) -> LoadedPolicy:
    """Read, validate and compile one policy file, collecting every problem found.

    The one code path behind `check`, `lint`, `test` and `policies`: a schema
    problem stops there (nothing else can be trusted); otherwise the id, the
    checks of `checker.policy_checks` and compilation all report.
    """
    try:
        doc = load_document(file.path, display_path(file.path), POLICY_LIMIT)
    except CheckerError as err:
        return LoadedPolicy(file, None, None, err.problems)
    problems = document_problems(doc)
    if problems:
        return LoadedPolicy(file, None, None, tuple(problems))
    id_problem = _id_problem(doc, file.expected_id)
    if id_problem:
        problems.append(id_problem)
    policy = _build_policy(doc, file.source)
    for policy_check in POLICY_CHECKS:
        problems.extend(policy_check(policy, refs))
    compiled: CompiledPolicy | None = None
    try:
        compiled = compile_policy(policy, params)
    except CheckerError as err:
        problems.extend(err.problems)
    if compiled is not None:
        for compiled_check in COMPILED_CHECKS:
            problems.extend(compiled_check(compiled))
    problems.sort(key=Problem.sort_key)
    return LoadedPolicy(file, policy, None if problems else compiled, tuple(problems))


def load_policies(files: Sequence[PolicyFile], refs: References,
                  params: Mapping[str, Mapping[str, Any]] | None = None) -> LoadedPolicies:
    """Load `files` in order; a later root overrides an earlier one by id, within one root an id is unique.

    Beyond each file's own checks, the policies chosen are checked together: their `related`
    links go both ways within a root (ECS117).
    """
    chosen: dict[str, LoadedPolicy] = {}
    override_log: list[Override] = []
    problems: list[Problem] = []
    every: list[LoadedPolicy] = []
    for file in files:
        loaded = load_policy_file(file, refs, (params or {}).get(file.expected_id))
        every.append(loaded)
        problems.extend(loaded.problems)
        policy = loaded.policy
        if policy is None or policy.id != file.expected_id:
            continue
        previous = chosen.get(policy.id)
        if previous is not None:
            assert previous.policy is not None
            if previous.file.root_index == file.root_index:
                line, col = policy.document.locate(("id",)) or (None, None)
                problems.append(Problem("ECS102", f"id {policy.id!r} is also defined in {previous.policy.file}",
                                        Location(policy.file, line, col, "$.id")))
                continue
            override_log.append(Override(policy.id, policy.source, previous.policy.source, policy.file, previous.policy.file))
        chosen[policy.id] = loaded
    problems.extend(check_related(chosen))
    return LoadedPolicies(chosen, tuple(override_log), tuple(sorted(problems, key=Problem.sort_key)), tuple(every))


def root_files(roots: Sequence[Path]) -> list[PolicyFile]:
    return [PolicyFile(path, root, index) for index, root in enumerate(roots) for path in discover(root)]


def load_policy_set(
    roots: Sequence[Path] | None = None,
    standards: Iterable[str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    inventory: Inventory | None = None,
    profile: Profile | None = None,
) -> PolicySet:
    """Load, validate and compile the policies under `roots` (later roots win by id).

    The one place the effective policy set is worked out: `profile` (see
    checker.profiles) selects policies, sets parameters and declares
    clauses not applicable, then `standards` narrows the selection further.
    `overrides` are parameter values by policy id, for callers that tune
    policies in code; `inventory` is the clause inventory to check against
    (default: the shipped one).
    """
    roots = unique_roots(roots) if roots else default_roots()
    files = root_files(roots)
    refs, problems, interpretation_digests = read_references(roots, inventory)
    loaded = load_policies(files, refs, overrides)
    problems.extend(loaded.problems)
    if problems:
        raise CheckerError(problems)
    tailoring: Tailoring | None = None
    if profile is not None:
        from checker.profiles import resolve

        by_id = {policy_id: entry.policy for policy_id, entry in loaded.policies.items() if entry.policy is not None}
        tailoring = resolve(profile, by_id, refs.inventory)
    _check_standards_known(standards, [entry.policy.standard for entry in loaded.policies.values() if entry.policy])
    wanted = _standard_filter(standards)
    compiled: list[CompiledPolicy] = []
    for policy_id in sorted(loaded.policies):
        entry = loaded.policies[policy_id].compiled
        assert entry is not None
        if tailoring is not None:
            if policy_id not in tailoring.selected:
                continue
            entry = _tailored(entry, tailoring, (overrides or {}).get(policy_id, {}))
        if wanted is None or wanted(entry.policy):
            compiled.append(entry)
    if tailoring is not None and not compiled:
        raise CheckerError.at("ECS405", f"no policy is left to check: profile {tailoring.id} selects "
                                        f"{len(tailoring.selected)} policies, none of them in --standard "
                                        f"{', '.join(standards or ())}", tailoring.file)
    digest = hashlib.sha256()
    for policy_id in sorted(loaded.policies):
        policy = loaded.policies[policy_id].policy
        assert policy is not None
        digest.update(f"{policy_id}\t{policy.document.sha256}\n".encode())
    for interpretation_digest in interpretation_digests:
        digest.update(f"{INTERPRETATIONS_FILE}\t{interpretation_digest}\n".encode())
    assert refs.interpretations is not None
    return PolicySet(
        policies=tuple(compiled),
        interpretations=refs.interpretations,
        overrides=loaded.overrides,
        sha256=digest.hexdigest(),
        roots=tuple(r.resolve().name for r in roots),
        tailoring=tailoring,
        available=tuple(sorted(loaded.policies)),
    )


def _tailored(entry: CompiledPolicy, tailoring: Tailoring, overrides: Mapping[str, Any]) -> CompiledPolicy:
    """`entry` compiled with the profile's parameter values, carrying what the profile changed and declared."""
    policy_id = entry.policy.id
    changes = tailoring.changes_for(policy_id)
    declared = tailoring.declarations_for(policy_id)
    if not changes and not declared:
        return entry
    if changes:
        entry = compile_policy(entry.policy, {**overrides, **{c.name: c.value for c in changes}})
    return replace(entry, tailoring=PolicyTailoring(tailoring.id, changes, declared))


def standard_slug(standard: str) -> str:
    """`DB33/T 2039-2017` -> `db33-t-2039-2017` (the policy directory name)."""
    return "".join(ch if ch.isalnum() else "-" for ch in standard.lower()).strip("-").replace("--", "-")


def _check_standards_known(standards: Iterable[str] | None, loaded: Iterable[str]) -> None:
    """Refuse a --standard that names no loaded policy's standard: a typo must not give an empty, green run."""
    if standards is None:
        return
    known = set(loaded)
    slugs = {standard_slug(name) for name in known}
    unknown = [name for name in standards if name != "all" and name not in known and standard_slug(name) not in slugs]
    if unknown:
        listed = ", ".join(repr(name) for name in sorted(known)) or "none"
        raise CheckerError.at("ECS001", f"unknown standard {unknown[0]!r}: no policy belongs to it; the standards "
                                        f"loaded are {listed} (or use all)")


def _standard_filter(standards: Iterable[str] | None) -> Any:
    if standards is None:
        return None
    names = {s for s in standards}
    if not names or "all" in names:
        return None
    slugs = {standard_slug(s) for s in names}
    return lambda policy: policy.standard in names or standard_slug(policy.standard) in slugs
