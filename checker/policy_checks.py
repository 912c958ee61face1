"""What a policy must satisfy beyond its JSON Schema, one small check per rule.

Each check takes a loaded policy (and what it may cite) and yields located
problems. `checker.policy` runs them for every policy it loads, so `check`,
`lint` and `test` apply exactly the same rules.

| code   | check                                                      |
|--------|------------------------------------------------------------|
| ECS107 | every interpretation the policy cites exists               |
| ECS108 | its standard and clause are in the clause inventory        |
| ECS109 | every lettered item of the clause is checked or out of scope |
| ECS111 | every JSONPath it reads lies inside its evidence schema   |
| ECS113 | no lettered item is listed twice                           |
| ECS115 | the quoted text is its clause's text, verbatim, in the shipped standard and is pinned by its SHA-256 |
| ECS116 | a policy of a shipped standard quotes its clause             |
| ECS117 | a `related` link between two policies of one root goes both ways |

ECS117 looks at the set of policies loaded together (`check_related`), not
one policy at a time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from checker.errors import Location, Problem
from checker.inventory import covers
from checker.paths import JsonPath, render
from checker.standards import quote_sha256, standard_text

if TYPE_CHECKING:
    from checker.policy import CompiledPolicy, LoadedPolicy, Policy, References


def _at(policy: Policy, code: str, message: str, path: tuple[Any, ...]) -> Problem:
    line, col = policy.document.locate(path) or (None, None)
    return Problem(code, message, Location(policy.file, line, col, render(path)))


def _close(word: str, choices: Sequence[str]) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


# ------------------------------------------------------------------ ECS107


def check_interpretations(policy: Policy, refs: References) -> Iterator[Problem]:
    if refs.interpretations is None:  # the interpretations file itself is broken and reported on its own
        return
    for index, ref in enumerate(policy.interpretations):
        if ref not in refs.interpretations:
            yield _at(policy, "ECS107", f"interpretation {ref} is not defined in any INTERPRETATIONS.yaml of the policy roots",
                      ("interpretations", index))


# ------------------------------------------------------------------ ECS108


def check_inventory(policy: Policy, refs: References) -> Iterator[Problem]:
    inventory = refs.inventory
    standard = inventory.standard(policy.standard)
    if standard is None:
        known = sorted(inventory.standards)
        yield _at(policy, "ECS108",
                  f"standard {policy.standard!r} is not in the clause inventory{_close(policy.standard, known)}; "
                  f"known: {', '.join(known)}; declare a standard of your own under standards in ecs-check.yaml",
                  ("standard",))
        return
    if inventory.clause(policy.standard, policy.clause) is None:
        clauses = sorted(standard.clauses or ())
        yield _at(policy, "ECS108",
                  f"clause {policy.clause} is not in the inventory of {policy.standard}{_close(policy.clause, clauses)}; "
                  f"see {standard.declared_in}", ("clause",))


# ------------------------------------------------------------------ ECS109, ECS113


def check_items(policy: Policy, refs: References) -> Iterator[Problem]:
    items = policy.items
    seen: dict[str, int] = {}
    for item in items:
        if item.item in seen:
            yield _at(policy, "ECS113", f"item {item.item} is listed twice in check.items (first at index {seen[item.item]})",
                      ("check", "items", item.index, "item"))
        seen.setdefault(item.item, item.index)
    clause = refs.inventory.clause(policy.standard, policy.clause)
    if clause is None or not clause.items:
        return
    expected = ", ".join(clause.items)
    if "rule" in policy.check:
        yield _at(policy, "ECS109",
                  f"clause {policy.standard} {policy.clause} has lettered items {expected}: list each under check.items "
                  f"with a rule or out_of_scope (with the reason) instead of one rule for the whole clause",
                  ("check", "rule"))
        return
    for wanted in clause.items:
        if not any(covers(item.item, wanted) for item in items):
            yield _at(policy, "ECS109",
                      f"item {wanted} of {policy.standard} {policy.clause} is neither checked nor marked out of scope; "
                      f"add {{item: {wanted!r}, title, rule}} or {{item: {wanted!r}, title, out_of_scope: {{zh, en}}}} "
                      f"(the clause's items: {expected})", ("check", "items"))


# ------------------------------------------------------------------ ECS115, ECS116


def check_text_pin(policy: Policy, refs: References) -> Iterator[Problem]:
    """The quote is its clause's text in the shipped standard, verbatim, and `text.sha256` is its digest.

    Applies to every policy with `text`; a standard without a shipped text
    (one declared in ecs-check.yaml) can only have its pin checked.
    """
    shipped = standard_text(policy.standard)
    if policy.text is None:
        if shipped is not None:
            yield _at(policy, "ECS116", f"policy of {policy.standard} quotes no text: add text.zh after title, the clause "
                                        f"as printed in {shipped.file}, then pin it with `ecs-check pin {policy.file}`",
                      ("title",))
        return
    quote = policy.text["zh"]
    if shipped is not None and shipped.find(quote) is None:
        yield _at(policy, "ECS115", f"text.zh is not found verbatim in {shipped.file} (sha256 {shipped.sha256[:12]}…): "
                                    f"{shipped.parting(quote)}; re-read clause {policy.clause} there and correct the "
                                    "quote, its pin and whatever the policy encodes differently", ("text", "zh"))
    elif (shipped is not None and refs.inventory.clause(policy.standard, policy.clause) is not None  # else ECS108
          and (reason := shipped.misplaced(quote, policy.clause)) is not None):
        yield _at(policy, "ECS115", f"text.zh is not the text of clause {policy.clause} in {shipped.file} "
                                    f"(sha256 {shipped.sha256[:12]}…): {reason}; re-read clause {policy.clause} there and "
                                    "correct the quote, its pin and whatever the policy encodes differently", ("text", "zh"))
    pinned = policy.text.get("sha256")
    digest = quote_sha256(quote)
    if pinned is None:
        yield _at(policy, "ECS115", f"text is not pinned: add `sha256: {digest}` under text "
                                    f"(`ecs-check pin {policy.file}` does it)", ("text",))
    elif pinned != digest:
        yield _at(policy, "ECS115", f"text.sha256 {pinned[:12]}… is not the digest of text.zh ({digest[:12]}…): the quote "
                                    "changed after it was pinned; if the standard changed, re-read the clause and the "
                                    "policy, then replace the pin by hand", ("text", "sha256"))


# ------------------------------------------------------------------ ECS111


class _Outside(Exception):
    """A JSONPath step the evidence schema does not describe."""


class _Open(Exception):
    """The walk reached a schema that allows anything (`true`, or a `$ref` outside the policy): nothing more to check."""


def check_evidence_paths(compiled: CompiledPolicy) -> Iterator[Problem]:
    policy = compiled.policy
    root = policy.evidence.get("schema")
    if not isinstance(root, Mapping):
        return
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    for path, at in compiled.path_refs:
        if (path.text, at) in seen:
            continue
        seen.add((path.text, at))
        try:
            _walk_path(path, root)
        except _Open:
            continue
        except _Outside as why:
            yield _at(policy, "ECS111", f"JSONPath {path.text} points outside evidence.schema: {why}", at)


def _walk_path(path: JsonPath, root: Mapping[str, Any]) -> None:
    nodes = _expand(root, root)
    if path.steps is not None:
        walked = "$"
        for step in path.steps:
            if isinstance(step, int):
                nodes = _elements(nodes, root, step)
                if not nodes:
                    raise _Outside(f"{walked} is not declared as an array with items")
                walked += f"[{step}]"
            else:
                found = _member(nodes, root, step)
                if not found:
                    raise _Outside(_no_member(nodes, walked, step))
                nodes = found
                walked += f".{step}"
        return
    _walk_expr(path.expr, nodes, root)


def _no_member(nodes: list[Mapping[str, Any]], walked: str, name: str) -> str:
    declared = sorted({key for node in nodes for key in node.get("properties", {})})
    if not declared:
        return f"{walked} declares no properties, so {name!r} is not described"
    hint = _close(name, declared) or f" (it declares: {', '.join(declared)})"
    return f"{walked} declares no property {name!r}{hint}"


def _walk_expr(expr: Any, nodes: list[Mapping[str, Any]], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    from jsonpath_ng import Child, Descendants, Fields, Index, Root, Slice, This
    from jsonpath_ng.jsonpath import Wildcard

    try:
        from jsonpath_ng.ext.filter import Filter
    except ImportError:  # pragma: no cover
        Filter = ()  # type: ignore[assignment,misc]

    if isinstance(expr, Root):
        return _expand(root, root)
    if isinstance(expr, This):
        return nodes
    if isinstance(expr, Child):
        return _walk_expr(expr.right, _walk_expr(expr.left, nodes, root), root)
    if isinstance(expr, Fields):
        found: list[Mapping[str, Any]] = []
        for name in expr.fields:
            step = _all_members(nodes, root) if name == "*" else _member(nodes, root, name)
            if not step:
                raise _Outside(_no_member(nodes, "the selected value", name) if name != "*" else "no properties are declared")
            found += step
        return found
    if isinstance(expr, Index):
        indices = getattr(expr, "indices", None) or (getattr(expr, "index", 0),)
        found = [node for index in indices for node in _elements(nodes, root, index)]
        if not found:
            raise _Outside("the selected value is not declared as an array with items")
        return found
    if isinstance(expr, Slice):
        found = _elements(nodes, root, None)
        if not found:
            raise _Outside("the selected value is not declared as an array with items")
        return found
    if isinstance(expr, Wildcard):
        found = _elements(nodes, root, None) + _all_members(nodes, root)
        if not found:
            raise _Outside("[*] selects nothing the schema declares (no items, no properties)")
        return found
    if Filter and isinstance(expr, Filter):
        return _elements(nodes, root, None) or nodes
    if isinstance(expr, Descendants):
        below = _descendants(_walk_expr(expr.left, nodes, root), root)
        found = _walk_expr_collect(expr.right, below, root)
        if not found:
            raise _Outside(f"nothing below the selected value matches {expr.right}")
        return found
    raise _Outside(f"lint cannot follow {type(expr).__name__} steps; use member, index, wildcard or filter steps")


def _walk_expr_collect(expr: Any, nodes: list[Mapping[str, Any]], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        try:
            found += _walk_expr(expr, [node], root)
        except _Outside:
            continue
    return found


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref[1:].split("/")[1:] if ref != "#" else ():
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _expand(node: Any, root: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> list[Mapping[str, Any]]:
    """A schema and everything it also is: its $ref target and its allOf/anyOf/oneOf/then/else branches."""
    if node is True:
        raise _Open()
    if not isinstance(node, Mapping):
        return []
    out = [node]
    ref = node.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        target = _resolve(ref, root)
        if target is None:
            raise _Open()
        out += _expand(target, root, seen | {ref})
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(key, ()) if isinstance(node.get(key), list) else ():
            out += _expand(branch, root, seen)
    for key in ("then", "else"):
        out += _expand(node.get(key), root, seen)
    return out


def _member(nodes: list[Mapping[str, Any]], root: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        properties = node.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            found += _expand(properties[name], root)
        patterns = node.get("patternProperties")
        if isinstance(patterns, Mapping):
            for pattern, schema in patterns.items():
                try:
                    if re.search(pattern, name):
                        found += _expand(schema, root)
                except re.error:
                    continue
        additional = node.get("additionalProperties")
        if isinstance(additional, Mapping):
            found += _expand(additional, root)
    return found


def _all_members(nodes: list[Mapping[str, Any]], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        for key in ("properties", "patternProperties"):
            table = node.get(key)
            if isinstance(table, Mapping):
                for schema in table.values():
                    found += _expand(schema, root)
        if isinstance(node.get("additionalProperties"), Mapping):
            found += _expand(node["additionalProperties"], root)
    return found


def _elements(nodes: list[Mapping[str, Any]], root: Mapping[str, Any], index: int | None) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        prefix = node.get("prefixItems")
        if isinstance(prefix, list):
            if index is None:
                for schema in prefix:
                    found += _expand(schema, root)
            elif 0 <= index < len(prefix):
                found += _expand(prefix[index], root)
                continue
        if isinstance(node.get("items"), Mapping):
            found += _expand(node["items"], root)
    return found


def _descendants(nodes: list[Mapping[str, Any]], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    queue = list(nodes)
    seen: set[int] = set()
    while queue:
        node = queue.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        queue += _all_members([node], root) + _elements([node], root, None)
    return out


# ------------------------------------------------------------------ ECS117


def check_related(policies: Mapping[str, LoadedPolicy]) -> Iterator[Problem]:
    """Each `related` link between two loaded policies of one root is listed in both of them.

    `related` names the clause of the other standard that states the same obligation, so the
    correspondence holds both ways. A link to a policy that is not loaded (lint given one file) or
    that comes from another root (a company policy citing a shipped one, whose file is not the
    company's to edit) is not checked. The problem is reported at the link that exists.
    """
    for policy_id in sorted(policies):
        loaded = policies[policy_id]
        policy = loaded.policy
        if policy is None:
            continue
        for index, other_id in enumerate(policy.related):
            target = policies.get(other_id)
            if target is None or target.policy is None or other_id == policy_id:
                continue
            other = target.policy
            if target.file.root.resolve() != loaded.file.root.resolve() or policy_id in other.related:
                continue
            where = other.document.locate(("related",)) if "related" in other.document.data else None
            if where is None:
                fix = f"{other.file} has no related key: add `related: [{policy_id}]` as its last key"
            else:
                fix = f"{other.file}:{where[0]} does not list {policy_id}: add it to related there"
            yield _at(policy, "ECS117", f"related link to {other_id} goes one way: {fix}", ("related", index))


POLICY_CHECKS = (check_interpretations, check_inventory, check_items, check_text_pin)
COMPILED_CHECKS = (check_evidence_paths,)
