"""The rule operators: a flat table, name -> (argument schema, compile).

Importing this package registers every operator. Record operators read a
collection selected once by JSONPath and run compiled predicates over plain
Python objects; nothing is re-parsed per record.
"""

from checker.operators import (  # noqa: F401  (registration)
    combinators,
    conditional,
    deadlines,
    documents,
    elapsed,
    indicators,
    links,
    lists,
    objects,
    optional,
    records,
    relations,
    schedule,
    shares,
    values,
)
from checker.operators.base import OPERATORS, Operator, Outcome, Rule, compile_rule, render_template

__all__ = ["OPERATORS", "Operator", "Outcome", "Rule", "compile_rule", "render_template"]
