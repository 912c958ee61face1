"""Record predicates: three-valued, compiled once, typed comparisons."""

from __future__ import annotations

import pytest

from checker.compiling import CompileEnv
from checker.errors import CheckerError
from checker.predicates import compile_predicate
from tests.conftest import make_bundle

CTX = make_bundle().context()


def holds(spec, record, params=None):
    env = CompileEnv("t/p", None, params or {})
    return compile_predicate(spec, env, ("p",))(CTX)(record)


@pytest.mark.parametrize(
    ("spec", "record", "expected"),
    [
        ({"field": "a", "equals": 1}, {"a": 1}, True),
        ({"field": "a", "equals": 1}, {"a": 2}, False),
        ({"field": "a", "equals": 1}, {}, None),
        ({"field": "a", "equals": 1}, {"a": None}, None),
        ({"field": "a", "not_equals": 1}, {"a": 2}, True),
        ({"field": "a", "in": ["x", "y"]}, {"a": "y"}, True),
        ({"field": "a", "not_in": ["x", "y"]}, {"a": "y"}, False),
        ({"field": "a", "present": True}, {"a": 0}, True),
        ({"field": "a", "present": False}, {}, True),
        ({"field": "a", "nonempty": True}, {"a": []}, False),
        ({"field": "a.b", "ge": 3}, {"a": {"b": 3}}, True),
        ({"field": "a.b", "gt": 3}, {"a": {"b": 3}}, False),
        ({"field": "a", "le": {"param": "limit"}}, {"a": 5}, True),
        ({"field": "a", "lt": {"field": "b"}}, {"a": 5, "b": 5}, False),
        ({"field": "a", "on_or_before": {"field": "b"}}, {"a": "2025-03-01", "b": "2025-03-01"}, True),
        ({"field": "a", "before": {"field": "b"}}, {"a": "2025-03-01", "b": "2025-03-01"}, False),
        # a timestamp is compared with a date through its local date in the bundle's zone
        ({"field": "a", "on_or_before": {"field": "b"}}, {"a": "2025-03-01T23:30:00+08:00", "b": "2025-03-01"}, True),
        ({"field": "a", "on_or_before": {"field": "b"}}, {"a": "2025-03-01T16:30:00Z", "b": "2025-03-01"}, False),
        ({"field": "a", "after": {"context": "period_end"}}, {"a": "2026-01-01"}, True),
        ({"field": "a", "within_period": True}, {"a": "2025-12-31T23:59:59+08:00"}, True),
        ({"field": "a", "within_period": True}, {"a": "2025-12-31T16:00:00Z"}, False),
        ({"field": "a", "contains": "x"}, {"a": ["x"]}, True),
        ({"field": "a", "length_ge": 2}, {"a": ["x"]}, False),
        ({"field": "a", "some": {"field": "k", "equals": 1}}, {"a": [{"k": 0}, {"k": 1}]}, True),
        ({"field": "a", "every": {"field": "k", "equals": 1}}, {"a": [{"k": 0}, {"k": 1}]}, False),
        ({"field": "a", "every": {"field": "k", "equals": 1}}, {"a": []}, True),
        ({"field": "a", "some": {"field": "k", "equals": 1}}, {"a": [{"k": 0}, {}]}, None),
        ({"all": [{"field": "a", "equals": 1}, {"field": "b", "equals": 1}]}, {"a": 1}, None),
        ({"all": [{"field": "a", "equals": 2}, {"field": "b", "equals": 1}]}, {"a": 1}, False),
        ({"any": [{"field": "a", "equals": 1}, {"field": "b", "equals": 1}]}, {"a": 1}, True),
        ({"any": [{"field": "a", "equals": 2}, {"field": "b", "equals": 1}]}, {"a": 1}, None),
        ({"not": {"field": "a", "equals": 1}}, {"a": 1}, False),
        ({"not": {"field": "a", "equals": 1}}, {}, None),
        ({"field": "a", "not_equals": True, "if_missing": True}, {}, True),
        ({"field": "a", "not_equals": True, "if_missing": True}, {"a": True}, False),
        ({"field": "a", "ge": 3, "if_missing": False}, {"a": None}, False),
        ({"field": "a", "ge": 3, "if_missing": False}, {"a": 4}, True),
    ],
)
def test_predicate(spec, record, expected):
    assert holds(spec, record, {"limit": 5}) is expected


def test_literal_tests_run_first_and_spare_the_costlier_ones():
    """`all`/`any` answer the same in any order; the literal comparison runs first, so a period test is skipped."""
    from checker.trace import Trace

    env = CompileEnv("t/p", None, {})
    spec = {"all": [{"field": "t", "within_period": True}, {"field": "c", "equals": "service"}]}
    bound = compile_predicate(spec, env, ("p",))
    record = {"t": "2025-06-01T00:00:00+08:00", "c": "product"}
    assert bound(CTX)(record) is False
    assert bound(CTX)({**record, "c": "service"}) is True
    assert bound(CTX)({"c": "service"}) is None
    assert holds({"any": [{"field": "t", "within_period": True}, {"field": "c", "equals": "service"}]}, record) is True
    trace = Trace()
    assert bound(make_bundle().context(trace=trace))(record) is False
    assert [(c.subject, c.result) for c in trace.preamble] == [("c", False)]


@pytest.mark.parametrize(
    ("spec", "code", "message"),
    [
        ({"field": "a", "equals": {"param": "nope"}}, "ECS106", "parameter 'nope' is not declared under parameters"),
        ({"field": "a", "bogus": 1}, "ECS104", "a field predicate takes exactly one of"),
        ({"field": "a b", "equals": 1}, "ECS104", "field 'a b' is not a dotted name"),
        ({"xor": []}, "ECS104", "unknown predicate 'xor'"),
        ({"field": "a", "present": "yes"}, "ECS104", "present takes true or false"),
        ({"field": "a", "equals": {"path": "complaints"}}, "ECS105", "does not parse"),
        ({"field": "a", "present": True, "if_missing": True}, "ECS104", "if_missing takes true or false"),
    ],
)
def test_bad_predicates_are_refused_at_compile_time(spec, code, message):
    with pytest.raises(CheckerError) as info:
        holds(spec, {})
    (problem,) = info.value.problems
    assert problem.code == code and message in problem.message
