"""Record predicates and value expressions, compiled to closures.

A predicate answers True, False or None (unknown: a field it needs is
missing). Compilation happens once per policy; `bind(ctx)` happens once per
run; the returned closure runs per record and does no parsing of the
predicate itself.

Predicate forms (exactly one operator per mapping):

    {all: [P, ...]}   {any: [P, ...]}   {not: P}
    {field: a.b, equals: V}        {field: a.b, not_equals: V}
    {field: a.b, in: [..]}         {field: a.b, not_in: [..]}
    {field: a.b, present: bool}    {field: a.b, nonempty: bool}
    {field: a.b, ge|gt|le|lt: V}                      numbers
    {field: a.b, before|on_or_before|after|on_or_after: V}   dates/timestamps
    {field: a.b, within_period: true}
    {field: a.b, contains: V}      {field: a.b, length_ge: V}
    {field: a.b, some: P}          {field: a.b, every: P}   over a list field
    {field: a.b, attached: true}   an attachment whose file is present and digest-matched

Within `all` and `any`, tests of a field against a literal run first: the
three-valued answer is the same in any order, and a trace shows the order
in which they ran.

A field predicate may add `if_missing: true|false`: the answer when the
field is absent or null, instead of unknown (e.g. a complaint without the
first-contact flag is read as not resolved at first contact).

A value V is a literal, {param: NAME}, {field: a.b} (same record),
{path: $.json.path} (bundle), or {context: period_start|period_end|as_of}.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Text
from checker.paths import PathSyntaxError, field_steps


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

Value = Callable[[Any], Any]
Bound = Callable[[EvalContext], Value]
Pred = Callable[[Any], bool | None]
BoundPred = Callable[[EvalContext], Pred]

FIELD_OPS = (
    "equals", "not_equals", "in", "not_in", "present", "nonempty",
    "ge", "gt", "le", "lt", "before", "on_or_before", "after", "on_or_after",
    "within_period", "contains", "length_ge", "some", "every", "attached",
)
CONTEXT_VALUES = ("period_start", "period_end", "as_of")
VALUE_OPS = ("equals", "not_equals", "ge", "gt", "le", "lt", "before", "on_or_before", "after", "on_or_after",
             "contains", "length_ge")  # the operators whose argument is a value V


def getter(field: str, env: CompileEnv, at: tuple[Any, ...]) -> Callable[[Any], Any]:
    """A fast accessor for a dotted field; MISSING when absent or null."""
    try:
        steps = field_steps(field)
    except PathSyntaxError as err:
        raise env.error("ECS104", str(err), at) from None
    if len(steps) == 1:
        key = steps[0]

        def get1(record: Any) -> Any:
            try:
                value = record.get(key)
            except AttributeError:  # not a mapping
                return MISSING
            return MISSING if value is None else value

        return get1

    def get(record: Any) -> Any:
        node = record
        for step in steps:
            if not isinstance(node, dict):
                return MISSING
            node = node.get(step)
            if node is None:
                return MISSING
        return node

    return get


def _one_key(field: str) -> str | None:
    """The key of a field that is one plain step (`category`), for predicates that read it inline."""
    try:
        steps = field_steps(field)
    except PathSyntaxError:
        return None
    return steps[0] if len(steps) == 1 and isinstance(steps[0], str) else None


def _literal_equality(field: str, get: Callable[[Any], Any], arg: Any, want: bool, if_missing: bool | None) -> Pred:
    """`field equals|not_equals literal`, answering `if_missing` when the field is absent or null.

    The commonest filter of all, so a one-step field is read inline rather
    than through its getter (one call fewer per record).
    """
    key = _one_key(field)
    if key is None:
        return lambda r: if_missing if (v := get(r)) is MISSING else (v == arg) is want

    def equality(record: Any) -> bool | None:
        try:
            value = record.get(key)
        except AttributeError:  # not a mapping
            return if_missing
        return if_missing if value is None else (value == arg) is want

    return equality


_LITERAL_OPS = ("equals", "not_equals", "in", "not_in", "present", "nonempty")


def _is_literal_test(spec: Mapping[str, Any]) -> bool:
    """A field compared with a literal: a lookup and a comparison, no parsing."""
    return "field" in spec and any(op in spec and not isinstance(spec[op], Mapping) for op in _LITERAL_OPS)


def compile_value(spec: Any, env: CompileEnv, at: tuple[Any, ...]) -> Bound:
    """Compile a value expression to `bind(ctx) -> (record -> value)`."""
    if not isinstance(spec, Mapping):
        return lambda ctx: (lambda record: spec)
    if len(spec) != 1:
        raise env.error("ECS104", "a value is one of {param}, {field}, {path}, {context}", at)
    ((kind, arg),) = spec.items()
    if kind == "param":
        value = env.param(arg, at + (kind,))
        return lambda ctx: (lambda record: value)
    if kind == "field":
        get = getter(arg, env, at + (kind,))
        return lambda ctx: get
    if kind == "path":
        path = env.path(arg, at + (kind,))

        def bind_path(ctx: EvalContext) -> Value:
            found = ctx.select(path)
            value = found[0][1] if len(found) == 1 and found[0][1] is not None else MISSING
            return lambda record: value

        return bind_path
    if kind == "context":
        if arg not in CONTEXT_VALUES:
            raise env.error("ECS104", f"context value must be one of {', '.join(CONTEXT_VALUES)}", at + (kind,))

        def bind_context(ctx: EvalContext) -> Value:
            value = {"period_start": ctx.period_start, "period_end": ctx.period_end, "as_of": ctx.as_of}[arg]
            return lambda record: value

        return bind_context
    raise env.error("ECS104", f"unknown value kind {kind!r}; use param, field, path or context", at)


def _tri_all(preds: list[Pred]) -> Pred:
    if len(preds) == 2:  # unrolled: the common short conjunctions run per record
        first, second = preds

        def pred2(record: Any) -> bool | None:
            a = first(record)
            if a is False:
                return False
            b = second(record)
            if b is False:
                return False
            return None if a is None or b is None else True

        return pred2
    if len(preds) == 3:
        first, second, third = preds

        def pred3(record: Any) -> bool | None:
            a = first(record)
            if a is False:
                return False
            b = second(record)
            if b is False:
                return False
            c = third(record)
            if c is False:
                return False
            return None if a is None or b is None or c is None else True

        return pred3

    def pred(record: Any) -> bool | None:
        unknown = False
        for p in preds:
            result = p(record)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True

    return pred


def _tri_any(preds: list[Pred]) -> Pred:
    def pred(record: Any) -> bool | None:
        unknown = False
        for p in preds:
            result = p(record)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return pred


_NUMERIC = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}
_TEMPORAL = {"before": operator.lt, "on_or_before": operator.le, "after": operator.gt, "on_or_after": operator.ge}


def _temporal(value: Any, ctx: EvalContext) -> dt.date | dt.datetime:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    return ctx.instants.temporal(value)


def _same_kind(left: Any, right: Any, ctx: EvalContext) -> tuple[Any, Any]:
    """Compare a date with a timestamp by the timestamp's local date."""
    left_dt, right_dt = isinstance(left, dt.datetime), isinstance(right, dt.datetime)
    if left_dt and not right_dt:
        left = ctx.instants.local_date(left)
    elif right_dt and not left_dt:
        right = ctx.instants.local_date(right)
    return left, right


def compile_predicate(spec: Any, env: CompileEnv, at: tuple[Any, ...]) -> BoundPred:
    if not isinstance(spec, Mapping):
        raise env.error("ECS104", "a predicate is a mapping", at)
    if "field" not in spec:
        if len(spec) != 1:
            raise env.error("ECS104", "a predicate has one of all, any, not, or field with one operator", at)
        ((kind, arg),) = spec.items()
        if kind in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                raise env.error("ECS104", f"{kind} takes a non-empty list of predicates", at + (kind,))
            compiled = [compile_predicate(p, env, at + (kind, i)) for i, p in enumerate(arg)]
            # Three-valued and/or give the same answer in any order, so the
            # cheap literal tests run first and spare the costlier ones.
            parts = [compiled[i] for i in sorted(range(len(arg)), key=lambda i: not _is_literal_test(arg[i]))]
            combine = _tri_all if kind == "all" else _tri_any
            return lambda ctx: combine([p(ctx) for p in parts])
        if kind == "not":
            inner = compile_predicate(arg, env, at + (kind,))

            def bind_not(ctx: EvalContext) -> Pred:
                p = inner(ctx)

                def negated(record: Any) -> bool | None:
                    result = p(record)
                    return None if result is None else not result

                return negated

            return bind_not
        raise env.error("ECS104", f"unknown predicate {kind!r}", at)

    ops = [key for key in spec if key not in ("field", "if_missing")]
    if len(ops) != 1 or ops[0] not in FIELD_OPS:
        raise env.error(
            "ECS104", f"a field predicate takes exactly one of: {', '.join(FIELD_OPS)}", at
        )
    op = ops[0]
    arg = spec[op]
    get = getter(spec["field"], env, at + ("field",))
    right = compile_value(arg, env, at + (op,)) if isinstance(arg, Mapping) and op in VALUE_OPS else None
    if_missing = spec.get("if_missing")
    if "if_missing" in spec and (not isinstance(if_missing, bool) or op in ("present", "nonempty")):
        raise env.error("ECS104", "if_missing takes true or false, and not with present or nonempty", at + ("if_missing",))
    if op in ("equals", "not_equals") and not isinstance(arg, Mapping):
        equality = _literal_equality(spec["field"], get, arg, op == "equals", if_missing)
        return _traced(lambda ctx: equality, spec["field"], op, arg, get, None, if_missing)
    if if_missing is None:
        return _traced(_field_predicate(op, arg, spec["field"], get, env, at + (op,), right), spec["field"], op, arg, get, right, None)
    inner = _field_predicate(op, arg, spec["field"], get, env, at + (op,), right)

    def bind_defaulted(ctx: EvalContext) -> Pred:
        test = inner(ctx)
        return lambda r: if_missing if get(r) is MISSING else test(r)

    return _traced(bind_defaulted, spec["field"], op, arg, get, right, if_missing)


_READ_AS = {True: Text("缺失，按 true 处理", "missing, read as true"), False: Text("缺失，按 false 处理", "missing, read as false")}


def _traced(bound: BoundPred, name: str, op: str, arg: Any, get: Callable[[Any], Any], right: Bound | None,
            if_missing: bool | None) -> BoundPred:
    """The predicate, recording each answer with the value read when the run is traced (checker.trace).

    The trace is looked up once per binding; untraced, the bound predicate is
    returned as it is.
    """

    def bind(ctx: EvalContext) -> Pred:
        pred = bound(ctx)
        trace = ctx.trace
        if trace is None:
            return pred
        if right is not None:
            other: Value = right(ctx)
        elif op == "within_period":
            span = f"{ctx.period_start.isoformat()}..{ctx.period_end.isoformat()}"
            other = lambda record: span  # noqa: E731
        else:
            other = lambda record: None if op in ("some", "every") else arg  # noqa: E731
        nested = op in ("some", "every")

        def traced(record: Any) -> bool | None:
            if nested:
                trace.mute()
                try:
                    result = pred(record)
                finally:
                    trace.unmute()
            else:
                result = pred(record)
            left = get(record)
            note = _READ_AS[if_missing] if if_missing is not None and left is MISSING else None
            trace.field(name, left, op, other(record), result, note)
            return result

        return traced

    return bind


def _field_predicate(op: str, arg: Any, field: str, get: Callable[[Any], Any], env: CompileEnv,
                     where: tuple[Any, ...], value_of: Bound | None) -> BoundPred:

    if op in ("present", "nonempty"):
        if not isinstance(arg, bool):
            raise env.error("ECS104", f"{op} takes true or false", where)
        if op == "present":
            return lambda ctx: (lambda r: (get(r) is not MISSING) is arg)
        return lambda ctx: (lambda r: (get(r) not in (MISSING, "", [], {})) is arg)

    if op in ("some", "every"):
        inner = compile_predicate(arg, env, where)
        decisive = op == "some"  # the answer that settles it at once

        def bind_list(ctx: EvalContext) -> Pred:
            p = inner(ctx)

            def over(record: Any) -> bool | None:
                items = get(record)
                if items is MISSING:
                    return None
                if not isinstance(items, list):
                    return False
                unknown = False
                for item in items:
                    result = p(item)
                    if result is decisive:
                        return decisive
                    if result is None:
                        unknown = True
                return None if unknown else not decisive

            return over

        return bind_list

    if op == "within_period":
        if arg is not True:
            raise env.error("ECS104", "within_period takes true", where)

        key = _one_key(field)

        def bind_period(ctx: EvalContext) -> Pred:
            window = ctx.period_window()
            contains, seen = window.contains, window.seen

            if key is None:
                def inside(record: Any) -> bool | None:
                    value = get(record)
                    return None if value is MISSING else contains(value)

                return inside

            def inside_one_key(record: Any) -> bool | None:  # the usual case, read inline
                try:
                    value = record.get(key)
                except AttributeError:
                    return None
                if value is None:
                    return None
                known = seen.get(value)
                return contains(value) if known is None else known

            return inside_one_key

        return bind_period

    if op == "attached":
        if arg is not True:
            raise env.error("ECS104", "attached takes true", where)

        def bind_attached(ctx: EvalContext) -> Pred:
            def attached(record: Any) -> bool | None:
                ref = get(record)
                if not isinstance(ref, dict) or "path" not in ref:
                    return None
                check = ctx.attachments.get(ref["path"])
                if check is None or check.status in ("missing", "too_large"):
                    return None  # no file: the evidence is insufficient, not contrary
                return check.ok  # a changed file never counts

            return attached

        return bind_attached

    if op in ("in", "not_in"):
        if not isinstance(arg, list):
            raise env.error("ECS104", f"{op} takes a list", where)
        choices = frozenset(arg)
        want = op == "in"
        return lambda ctx: (lambda r: None if (v := get(r)) is MISSING else (v in choices) is want)

    if value_of is None:
        value_of = compile_value(arg, env, where)

    if op in ("equals", "not_equals"):
        want = op == "equals"  # a literal was compiled by _literal_equality; here the value is looked up

        def bind_eq(ctx: EvalContext) -> Pred:
            other = value_of(ctx)

            def eq(record: Any) -> bool | None:
                left, right = get(record), other(record)
                if left is MISSING or right is MISSING:
                    return None
                return (left == right) is want

            return eq

        return bind_eq

    if op in ("contains", "length_ge"):
        def bind_list_op(ctx: EvalContext) -> Pred:
            other = value_of(ctx)

            def test(record: Any) -> bool | None:
                left, right = get(record), other(record)
                if left is MISSING or right is MISSING:
                    return None
                if not isinstance(left, list):
                    return False
                return right in left if op == "contains" else len(left) >= right

            return test

        return bind_list_op

    if op in _NUMERIC:
        compare = _NUMERIC[op]

        def bind_num(ctx: EvalContext) -> Pred:
            other = value_of(ctx)

            def test(record: Any) -> bool | None:
                left, right = get(record), other(record)
                if left is MISSING or right is MISSING:
                    return None
                return bool(compare(left, right))

            return test

        return bind_num

    compare = _TEMPORAL[op]

    def bind_time(ctx: EvalContext) -> Pred:
        other = value_of(ctx)

        def test(record: Any) -> bool | None:
            left, right = get(record), other(record)
            if left is MISSING or right is MISSING:
                return None
            a, b = _same_kind(_temporal(left, ctx), _temporal(right, ctx), ctx)
            return bool(compare(a, b))

        return test

    return bind_time
