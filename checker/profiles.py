"""Profiles: tailor the policy set to one kind of enterprise without editing a policy.

A profile (schemas/profile.schema.json) selects standards and policies
(include/exclude by id or glob), sets parameters with a reason, and
declares clauses or items not applicable with a justification, much as an
XCCDF tailoring file or an OSCAL profile's set-parameters do. What it may
change is bounded by the policies themselves:

- a value must have the parameter's type and lie within its declared
  `minimum`/`maximum`;
- a stricter value (by the parameter's `stricter`) is always accepted;
- a looser one, or a change whose direction the policy does not declare,
  only when the parameter is `adjustable` (the standard itself allows the
  requirement to be adjusted, e.g. DB33/T 2039-2017 4.2), and every report
  then flags it (INT-080).

Every reference is checked against the policy set: a policy, item,
parameter, standard or pattern that does not exist or matches nothing is an
error at its line, never ignored. `checker.policy.load_policy_set` is the
one place the result is applied.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Location, Problem
from checker.findings import Finding, ParameterChange, Status, Text
from checker.inventory import Inventory
from checker.loading import Document, display_path, load_document
from checker.paths import render
from checker.policy import Parameter, Policy, standard_slug
from checker.resources import schema_path
from checker.schema_check import SchemaCheck

PROFILE_LIMIT = 1024 * 1024
DIRECTIONS = ("stricter", "unchanged", "looser", "unranked")


def _schema() -> Mapping[str, Any]:
    import json

    with open(schema_path("profile"), encoding="utf-8") as handle:
        loaded: Mapping[str, Any] = json.load(handle)
    return loaded


_PROFILE_SCHEMA = SchemaCheck(_schema)


def text_of(value: Any) -> Text:
    """A user-written text: a plain string (shown as written in both languages) or {zh, en}, either optional."""
    if isinstance(value, str):
        return Text(value, value)
    zh, en = value.get("zh"), value.get("en")
    return Text(zh or en or "", en or zh or "")


@dataclass(frozen=True)
class Exclusion:
    policy_id: str
    pattern: str
    reason: Text

    def to_json(self) -> dict[str, Any]:
        return {"policy_id": self.policy_id, "pattern": self.pattern, "reason": self.reason.to_json()}


@dataclass(frozen=True)
class Declaration:
    """A clause (item None) or item a profile declares not applicable."""

    policy_id: str
    item: str | None
    justification: Text
    line: int | None = None

    @property
    def citation_suffix(self) -> str:
        return f" {self.item}" if self.item else ""

    def to_json(self) -> dict[str, Any]:
        return {"policy_id": self.policy_id, "item": self.item, "justification": self.justification.to_json(),
                "line": self.line}


@dataclass(frozen=True)
class Profile:
    """A profile file, read and checked against its schema (not yet against a policy set)."""

    id: str
    title: Text
    description: Text | None
    applies_to: str | None
    standards: tuple[str, ...] | None
    include: tuple[str, ...] | None
    document: Document

    @property
    def file(self) -> str:
        return self.document.display

    @property
    def sha256(self) -> str:
        return self.document.sha256

    @property
    def data(self) -> Mapping[str, Any]:
        data: Mapping[str, Any] = self.document.data
        return data


@dataclass(frozen=True)
class Tailoring:
    """A profile applied to a policy set: what is selected, changed and declared, for every report."""

    id: str
    title: Text
    description: Text | None
    file: str
    sha256: str
    applies_to: str | None
    standards: tuple[str, ...] | None
    selected: tuple[str, ...]
    excluded: tuple[Exclusion, ...]
    changes: tuple[ParameterChange, ...]
    not_applicable: tuple[Declaration, ...]

    @property
    def loosened(self) -> tuple[ParameterChange, ...]:
        """The parameter changes that loosen a requirement (declarations over failing evidence: `overruled`)."""
        return tuple(change for change in self.changes if change.loosened)

    def changes_for(self, policy_id: str) -> tuple[ParameterChange, ...]:
        return tuple(change for change in self.changes if change.policy_id == policy_id)

    def declarations_for(self, policy_id: str) -> dict[str | None, Text]:
        return {d.item: d.justification for d in self.not_applicable if d.policy_id == policy_id}

    def to_json(self, findings: Iterable[Finding] = ()) -> dict[str, Any]:
        """The profile for a report; `findings` (the run's) add the declarations that covered failing evidence."""
        over = overruled(findings)
        return {
            "id": self.id,
            "title": self.title.to_json(),
            "file": self.file,
            "sha256": self.sha256,
            "applies_to": self.applies_to,
            "standards": list(self.standards) if self.standards is not None else None,
            "selected": len(self.selected),
            "excluded": [e.to_json() for e in self.excluded],
            "parameters": [c.to_json() for c in self.changes],
            "loosened": len(self.loosened) + len(over),
            "not_applicable": [d.to_json() for d in self.not_applicable],
            "declared_over_failing": [{"policy_id": f.policy_id, "item": f.item, "citation": f.citation,
                                       "original_status": f.original_status.value if f.original_status else None}
                                      for f in over],
        }


FAILING = (Status.FAIL, Status.INSUFFICIENT_EVIDENCE)


def overruled(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings a profile declared not applicable although the evidence gave fail or insufficient_evidence.

    The engine still runs a declared check and keeps its status as
    `original_status` (INT-081); each of these counts as a loosening.
    """
    return tuple(f for f in findings if f.status is Status.NOT_APPLICABLE and f.original_status in FAILING)


# ------------------------------------------------------------------ reading


def _problem(doc: Document, code: str, message: str, at: tuple[Any, ...]) -> Problem:
    line, col = doc.locate(at) or (None, None)
    return Problem(code, message, Location(doc.display, line, col, render(at)))


def shipped_profiles() -> dict[str, Path]:
    """The profiles shipped with ecs-check, by name (file name without extension)."""
    from checker.resources import shipped

    root = shipped("profiles")
    return {path.stem: path for path in sorted(root.glob("*.yaml"))} if root.is_dir() else {}


def find_profile(name: str | Path) -> Path:
    """A profile file: the path given, or, when no such file exists and the name has no directory or
    extension, the shipped profile of that name (reports show which file was used)."""
    path = Path(name)
    if path.exists() or path.suffix or len(path.parts) != 1:
        return path
    shipped = shipped_profiles()
    if str(name) in shipped:
        return shipped[str(name)]
    raise CheckerError.at("ECS002", f"no file {str(name)!r} and no shipped profile of that name "
                                    f"(shipped: {', '.join(shipped) or 'none'})", str(name))


def load_profile(path: str | Path, display: str | None = None) -> Profile:
    """Read a profile and check it against its schema and itself; raises CheckerError listing every problem."""
    found = find_profile(path)
    if display is None:
        shipped = shipped_profiles()
        # a shipped profile is named as shipped, so reports do not depend on where ecs-check is installed or run
        display = f"profiles/{found.name}" if shipped.get(found.stem) == found else display_path(found)
    doc = load_document(found, display, PROFILE_LIMIT)
    return profile_from_document(doc)


def profile_from_document(doc: Document) -> Profile:
    data = doc.data
    if not isinstance(data, dict):
        raise CheckerError.at("ECS212", "a profile is a mapping (id, title, standards, include, exclude, parameters, "
                                        "not_applicable)", doc.display, 1, 1)
    problems = _PROFILE_SCHEMA.problems(doc, data, "ECS401")
    if problems:
        raise CheckerError(problems)
    problems += _repeats(doc, "parameters", lambda e: (e["policy"], e["name"]),
                         lambda e: f"parameter {e['name']} of {e['policy']} is set twice")
    problems += _repeats(doc, "not_applicable", lambda e: (e["policy"], e.get("item")),
                         lambda e: f"{e['policy']}{' ' + e['item'] if 'item' in e else ''} is declared not applicable twice")
    problems += _repeats(doc, "exclude", lambda e: e["policies"], lambda e: f"{e['policies']} is excluded twice")
    for index, entry in enumerate(data.get("parameters", ())):
        value = entry["value"]
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(_problem(doc, "ECS403", f"{value} is not a usable value", ("parameters", index, "value")))
    if problems:
        raise CheckerError(problems)
    return Profile(
        id=data["id"],
        title=text_of(data["title"]),
        description=text_of(data["description"]) if "description" in data else None,
        applies_to=data.get("applies_to"),
        standards=tuple(data["standards"]) if "standards" in data else None,
        include=tuple(data["include"]) if "include" in data else None,
        document=doc,
    )


def _repeats(doc: Document, section: str, key: Any, describe: Any) -> list[Problem]:
    """ECS407 for each entry of `section` whose key repeats an earlier entry's."""
    seen: dict[Any, int] = {}
    problems = []
    for index, entry in enumerate(doc.data.get(section, ())):
        k = key(entry)
        if k in seen:
            problems.append(_problem(doc, "ECS407", f"{describe(entry)} (first at index {seen[k]})", (section, index)))
        else:
            seen[k] = index
    return problems


# ------------------------------------------------------------------ applying to a policy set


def direction(parameter: Parameter, value: Any) -> str:
    """How `value` compares with the default: stricter, unchanged, looser, or unranked (no declared direction)."""
    default = parameter.default
    if _is_number(value) and _is_number(default):
        if value == default:
            return "unchanged"
        if parameter.stricter in ("higher", "lower"):
            return "stricter" if (value > default) == (parameter.stricter == "higher") else "looser"
        return "unranked"
    if value == default and type(value) is type(default):
        return "unchanged"
    if parameter.stricter == "superset" and isinstance(value, list) and isinstance(default, list):
        if not all(item in value for item in default):
            return "looser"
        return "unchanged" if all(item in default for item in value) else "stricter"
    return "unranked"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
          "array": "a list"}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return _is_number(value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return False


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_problem(parameter: Parameter, value: Any) -> tuple[str, str] | None:
    name = parameter.name
    if not _type_ok(parameter.type, value):
        shown = repr(value) if isinstance(value, str) else _show(value)
        return "ECS403", f"parameter {name} takes {_TYPES.get(parameter.type, parameter.type)}, not {shown}"
    if parameter.minimum is not None and _is_number(value) and value < parameter.minimum:
        return "ECS403", f"parameter {name} = {_show(value)} is below its minimum {_show(parameter.minimum)}"
    if parameter.maximum is not None and _is_number(value) and value > parameter.maximum:
        return "ECS403", f"parameter {name} = {_show(value)} is above its maximum {_show(parameter.maximum)}"
    way = direction(parameter, value)
    if way not in ("looser", "unranked") or parameter.adjustable:
        return None
    default = _show(parameter.default)
    if way == "unranked":
        return "ECS404", (f"parameter {name} declares no stricter direction and is not adjustable, so it can only "
                          f"keep its default {default}")
    if parameter.stricter == "superset":
        return "ECS404", (f"parameter {name} may only gain entries (default {default}); the standard does not allow "
                          "this requirement to be loosened")
    unit = f" {parameter.unit}" if parameter.unit else ""
    bound = "at least" if parameter.stricter == "higher" else "at most"
    return "ECS404", (f"parameter {name} = {_show(value)}{unit} is looser than the standard's {default}{unit} and the "
                      f"standard does not allow it to be adjusted; use a value {bound} {default}{unit}")


def _matches(pattern: str, policy_id: str) -> bool:
    return fnmatch.fnmatchcase(policy_id, pattern)


def _standard_known(name: str, policies: Mapping[str, Policy], inventory: Inventory | None) -> bool:
    slug = standard_slug(name)
    if inventory is not None and (inventory.standard(name) is not None
                                  or any(standard_slug(s) == slug for s in inventory.standards)):
        return True
    return any(p.standard == name or standard_slug(p.standard) == slug or p.id.split("/", 1)[0] == name
               for p in policies.values())


def _in_standards(policy: Policy, standards: Sequence[str] | None) -> bool:
    if standards is None:
        return True
    slugs = {standard_slug(s) for s in standards}
    return policy.standard in standards or standard_slug(policy.standard) in slugs or policy.id.split("/", 1)[0] in standards


def resolve(profile: Profile, policies: Mapping[str, Policy], inventory: Inventory | None = None) -> Tailoring:
    """Check every reference of `profile` against `policies` (by id) and work out the tailoring.

    Raises CheckerError listing every problem, each at its line in the profile.
    """
    doc = profile.document
    data = profile.data
    problems: list[Problem] = []

    for index, name in enumerate(profile.standards or ()):
        if not _standard_known(name, policies, inventory):
            problems.append(_problem(doc, "ECS402", f"unknown standard {name!r}", ("standards", index)))
    in_scope = sorted(pid for pid, p in policies.items() if _in_standards(p, profile.standards))

    if profile.include is None:
        chosen = list(in_scope)
    else:
        chosen = []
        for index, pattern in enumerate(profile.include):
            hits = [pid for pid in in_scope if _matches(pattern, pid)]
            if not hits:
                problems.append(_problem(doc, "ECS405", _no_match(pattern, policies, profile.standards), ("include", index)))
            chosen.extend(pid for pid in hits if pid not in chosen)
    excluded: list[Exclusion] = []
    for index, entry in enumerate(data.get("exclude", ())):
        pattern = entry["policies"]
        hits = [pid for pid in chosen if _matches(pattern, pid)]
        if not hits:
            problems.append(_problem(doc, "ECS405", _no_match(pattern, policies, profile.standards, "selected "),
                                     ("exclude", index, "policies")))
        for pid in hits:
            if pid not in {e.policy_id for e in excluded}:
                excluded.append(Exclusion(pid, pattern, text_of(entry["reason"])))
    gone = {e.policy_id for e in excluded}
    selected = tuple(sorted(pid for pid in chosen if pid not in gone))
    if not selected and not problems:
        problems.append(_problem(doc, "ECS405", "the profile selects no policy", ()))

    changes: list[ParameterChange] = []
    for index, entry in enumerate(data.get("parameters", ())):
        at = ("parameters", index)
        policy = _selected_policy(doc, entry["policy"], selected, policies, gone, at + ("policy",), problems)
        if policy is None:
            continue
        parameter = policy.parameters.get(entry["name"])
        if parameter is None:
            declared = ", ".join(sorted(policy.parameters)) or "none"
            problems.append(_problem(doc, "ECS402", f"policy {policy.id} has no parameter {entry['name']!r} "
                                                    f"(its parameters: {declared})", at + ("name",)))
            continue
        value = entry["value"]
        issue = _value_problem(parameter, value)
        if issue is not None:
            problems.append(_problem(doc, issue[0], issue[1], at + ("value",)))
            continue
        line, _ = doc.locate(at) or (None, None)
        changes.append(ParameterChange(
            policy_id=policy.id, name=parameter.name, default=parameter.default, value=value,
            direction=direction(parameter, value), adjustable=parameter.adjustable,
            reason=text_of(entry["reason"]), profile=profile.id, file=doc.display, line=line,
        ))

    declarations: list[Declaration] = []
    whole = {e["policy"] for e in data.get("not_applicable", ()) if "item" not in e}
    for index, entry in enumerate(data.get("not_applicable", ())):
        at = ("not_applicable", index)
        policy = _selected_policy(doc, entry["policy"], selected, policies, gone, at + ("policy",), problems)
        if policy is None:
            continue
        item = entry.get("item")
        if item is not None:
            items = [i.item for i in policy.items]
            if item not in items:
                listed = ", ".join(items) if items else "none: it is checked as a whole"
                problems.append(_problem(doc, "ECS402", f"policy {policy.id} has no item {item!r} (its items: {listed})",
                                         at + ("item",)))
                continue
            if policy.id in whole:
                problems.append(_problem(doc, "ECS407", f"{policy.id} is already declared not applicable as a whole",
                                         at + ("item",)))
                continue
        line, _ = doc.locate(at) or (None, None)
        declarations.append(Declaration(policy.id, item, text_of(entry["justification"]), line))

    if problems:
        raise CheckerError(problems)
    return Tailoring(
        id=profile.id,
        title=profile.title,
        description=profile.description,
        file=doc.display,
        sha256=doc.sha256,
        applies_to=profile.applies_to,
        standards=profile.standards,
        selected=selected,
        excluded=tuple(sorted(excluded, key=lambda e: e.policy_id)),
        changes=tuple(sorted(changes, key=lambda c: (c.policy_id, c.name))),
        not_applicable=tuple(sorted(declarations, key=lambda d: (d.policy_id, d.item or ""))),
    )


def _no_match(pattern: str, policies: Mapping[str, Policy], standards: Sequence[str] | None, what: str = "") -> str:
    import difflib

    if any(_matches(pattern, pid) for pid in policies):
        where = "by the profile's standards and include" if what else "in the profile's standards"
        return f"{pattern!r} matches no policy selected {where} (only others)"
    close = difflib.get_close_matches(pattern, sorted(policies), n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{pattern!r} matches no policy in the policy set{hint}"


def _selected_policy(doc: Document, policy_id: str, selected: Sequence[str], policies: Mapping[str, Policy],
                     excluded: set[str], at: tuple[Any, ...], problems: list[Problem]) -> Policy | None:
    if policy_id not in policies:
        import difflib

        close = difflib.get_close_matches(policy_id, sorted(policies), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(_problem(doc, "ECS402", f"no policy {policy_id!r} in the policy set{hint}", at))
        return None
    if policy_id not in selected:
        why = "excluded by this profile" if policy_id in excluded else "not selected by this profile's standards or include"
        problems.append(_problem(doc, "ECS402", f"policy {policy_id} is {why}", at))
        return None
    return policies[policy_id]


def check_role(tailoring: Tailoring | None, role: str, bundle_display: str) -> None:
    """A profile written for platforms is not used on an operator's bundle, nor the other way round."""
    if tailoring is None or tailoring.applies_to is None or tailoring.applies_to == role:
        return
    raise CheckerError.at("ECS406", f"profile {tailoring.id} ({tailoring.file}) is written for the {tailoring.applies_to} "
                                    f"role, but {bundle_display} is the bundle of {_ROLE_NOUNS.get(role, role)}", tailoring.file)


_ROLE_NOUNS = {"platform": "a platform", "operator": "an operator"}
