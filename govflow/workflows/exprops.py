"""What a compiled guard does at run time: the operators, None-soft comparisons, lookups.

Kept apart from the compiler (:mod:`govflow.workflows.expr`) so each reads on its own. Values
from the case are only ever asked for their type (``type(value)``), never for an attribute.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]


class Refused(Exception):
    """Raised inside a compiled guard; ``CompiledGuard.evaluate`` names the guard."""


BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
ORDER: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
EQUALITY: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
def number(value: Any, what: str) -> Any:
    # type() rather than isinstance(): never read an attribute (not even __class__) of a value
    if issubclass(type(value), int | float):
        return value
    raise Refused(f"{what} needs numbers, got {type(value).__name__} {value!r}")


def compare(op: type[ast.cmpop], left: Any, right: Any) -> bool:
    if op in ORDER:
        if left is None or right is None:
            return False
        return bool(ORDER[op](left, right))
    if op in EQUALITY:
        return bool(EQUALITY[op](left, right))
    if right is None:  # a missing list field holds nothing
        return op is ast.NotIn
    contained = left in right
    return contained if op is ast.In else not contained


def and_(left: Fn, right: Fn) -> Fn:
    return lambda env: left(env) and right(env)


def or_(left: Fn, right: Fn) -> Fn:
    return lambda env: left(env) or right(env)


def single_comparison(first: Fn, cmp: type[ast.cmpop], second: Fn) -> Fn:
    order = ORDER.get(cmp)
    if order is not None:

        def ordered(env: Env) -> bool:
            left = first(env)
            right = second(env)
            if left is None or right is None:
                return False
            return bool(order(left, right))

        return ordered
    equality = EQUALITY.get(cmp)
    if equality is not None:
        return lambda env: bool(equality(first(env), second(env)))
    return lambda env: compare(cmp, first(env), second(env))


def lookup(value: Any, key: Any) -> Any:
    """Field lookup that yields None for what is missing (records may lack any field)."""
    kind = type(value)
    if kind is dict:
        return value.get(key)
    if value is None:
        return None
    if issubclass(kind, Mapping):
        return value.get(key)
    if issubclass(kind, list | tuple) and type(key) is int:
        return value[key] if -len(value) <= key < len(value) else None
    raise Refused(f"cannot look up {key!r} in {type(value).__name__} {value!r}")


