"""The guard-expression language: a safe subset of Python expressions.

``data.severity >= 2 and category in ['oil_fume']`` is parsed with :mod:`ast` once, checked
against a whitelist, and compiled into nested closures; the text itself is never evaluated.

Allowed: ``and``/``or``/``not``, comparisons (``in``, ``not in``, chains), ``+ - * / // %`` on
numbers, unary ``-``/``+``, the case names in :data:`ENV_NAMES`, field lookups on ``data`` and
``input`` (``data.severity``, ``data['severity']``, ``data.address.street``, ``data.items[0]``),
constants, list/tuple/set literals, and calls of registered functions with positional
arguments. Everything else (other attributes, dunders, lambdas, comprehensions, keywords,
``**``, dict literals, walrus, f-strings) is refused when the file loads.

At run time a missing field is ``None``; an ordering comparison with ``None`` is ``False``;
``x in None`` is ``False``. Other type errors raise :class:`~govflow.errors.GuardError`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from typing import Any

from govflow.errors import GuardError
from govflow.workflows.exprops import (
    BINOPS,
    Env,
    Fn,
    Refused,
    and_,
    compare,
    lookup,
    number,
    or_,
    single_comparison,
)

#: the names a guard may read; the engine fills them from the case
ENV_NAMES: frozenset[str] = frozenset(
    {
        "data", "input", "category", "state", "source", "cell", "owner",
        "rework", "escalation", "revisits", "supervision", "light",
    }
)  # fmt: skip
#: the names whose attributes are field lookups
RECORD_NAMES: frozenset[str] = frozenset({"data", "input"})
#: guard functions every engine knows, and their implementations
BUILTIN_FUNCTION_IMPLS: Mapping[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
}
BUILTIN_FUNCTIONS: frozenset[str] = frozenset(BUILTIN_FUNCTION_IMPLS)
#: longest guard text accepted, and the deepest nesting
MAX_LENGTH = 2000
_CONSTANT_TYPES = (str, int, float, bool, type(None))
MAX_DEPTH = 40



class GuardSyntaxError(ValueError):
    """A guard text that does not parse or uses something outside the language."""

    def __init__(self, message: str, *, column: int | None = None) -> None:
        self.column = column
        super().__init__(message)


class CompiledGuard:
    """A checked, compiled guard; satisfies :class:`govflow.workflows.spec.Guard`.

    ``fields`` are the ``data`` fields the expression reads, ``functions`` the ones it calls.
    """

    __slots__ = ("_fn", "fields", "functions", "source")

    def __init__(
        self, source: str, fn: Fn, fields: frozenset[str], functions: frozenset[str]
    ) -> None:
        self.source = source
        self._fn = fn
        self.fields = fields
        self.functions = functions

    def evaluate(self, env: Env) -> Any:
        """Evaluate over ``env``; runtime type errors raise GuardError naming the guard."""
        try:
            return self._fn(env)
        except Refused as exc:
            raise GuardError(f"guard {self.source!r} failed: {exc}") from None
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, KeyError) as exc:
            raise GuardError(
                f"guard {self.source!r} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def __call__(self, env: Env) -> bool:
        return bool(self.evaluate(env))

    def __repr__(self) -> str:
        return f"CompiledGuard({self.source!r})"


def compile_guard(
    text: str,
    *,
    functions: Collection[str] = BUILTIN_FUNCTIONS,
    fields: Collection[str] | None = None,
) -> CompiledGuard:
    """Parse, check and compile ``text``.

    ``functions`` are the callable names; ``fields``, when given, are the declared ``data``
    fields (reading any other is an error). Raises :class:`GuardSyntaxError`.
    """
    if not isinstance(text, str) or not text.strip():
        raise GuardSyntaxError("a guard must be a non-empty expression, e.g. data.severity >= 2")
    if len(text) > MAX_LENGTH:
        raise GuardSyntaxError(f"guard is {len(text)} characters; keep it under {MAX_LENGTH}")
    source = " ".join(text.split())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise GuardSyntaxError(
            f"guard does not parse: {exc.msg}{where}; "
            "write a Python-style expression such as data.severity >= 2 and category == 'x'",
            column=exc.offset,
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise GuardSyntaxError(f"guard does not parse: {exc}") from None
    builder = _Builder(frozenset(functions), None if fields is None else frozenset(fields))
    fn = builder.build(tree.body, 0)
    return CompiledGuard(source, fn, frozenset(builder.fields), frozenset(builder.called))


class _Builder:
    """Walks a parsed expression, checking each node and returning its closure."""

    def __init__(self, functions: frozenset[str], declared: frozenset[str] | None) -> None:
        self.functions = functions
        self.declared = declared
        self.fields: set[str] = set()
        self.called: set[str] = set()

    def fail(self, node: ast.AST, message: str) -> GuardSyntaxError:
        column = getattr(node, "col_offset", None)
        where = f" (column {column + 1})" if column is not None else ""
        return GuardSyntaxError(f"{message}{where}", column=column)

    def build(self, node: ast.expr, depth: int) -> Fn:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"guard nests deeper than {MAX_DEPTH} levels; simplify it")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{_describe(node)} is not allowed in a guard; {_HINT}")
        fn: Fn = method(node, depth + 1)
        return fn

    def _Constant(self, node: ast.Constant, depth: int) -> Fn:
        value = node.value
        if not isinstance(value, _CONSTANT_TYPES):
            raise self.fail(node, f"constant {value!r} is not allowed; use numbers and text")
        return lambda env: value

    def _Name(self, node: ast.Name, depth: int) -> Fn:
        name = node.id
        if name in self.functions and name not in ENV_NAMES:
            raise self.fail(node, f"function {name!r} must be called, e.g. {name}(data.items)")
        if name not in ENV_NAMES:
            raise self.fail(
                node,
                f"unknown name {name!r}; a guard reads {', '.join(sorted(ENV_NAMES))}, "
                f"or a case field as data.{name}",
            )
        return lambda env: env.get(name)

    def _record_field(self, node: ast.expr, key: str) -> None:
        """Note (and check) a first-level field read on ``data``."""
        if not (isinstance(node, ast.Name) and node.id == "data"):
            return
        self.fields.add(key)
        if self.declared is not None and key not in self.declared:
            shown = ", ".join(sorted(self.declared)) or "none"
            raise self.fail(
                node,
                f"data.{key} is not a declared field (declared: {shown}); "
                f"add {key} under the workflow's fields or fix the name",
            )

    def _rooted_in_record(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        return isinstance(node, ast.Name) and node.id in RECORD_NAMES

    def _Attribute(self, node: ast.Attribute, depth: int) -> Fn:
        key = node.attr
        if key.startswith("_"):
            raise self.fail(node, f"attribute {key!r} is not allowed (no names starting with _)")
        if not self._rooted_in_record(node.value):
            raise self.fail(
                node,
                f"attribute .{key} is not allowed: only data.<field> and input.<field> "
                "look things up",
            )
        self._record_field(node.value, key)
        return self.lookup(node.value, key, depth)

    def lookup(self, record: ast.expr, key: str | int, depth: int) -> Fn:
        if isinstance(record, ast.Name):  # data.x: the common case, one closure
            root = record.id

            def field(env: Env) -> Any:
                value = env.get(root)
                return value.get(key) if type(value) is dict else lookup(value, key)

            return field
        inner = self.build(record, depth)
        return lambda env: lookup(inner(env), key)

    def _Subscript(self, node: ast.Subscript, depth: int) -> Fn:
        if not self._rooted_in_record(node.value):
            raise self.fail(node, "[...] is allowed only on data and input fields")
        index = node.slice
        if not isinstance(index, ast.Constant) or not isinstance(index.value, str | int):
            raise self.fail(node, "the key in [...] must be a constant text or whole number")
        key = index.value
        if isinstance(key, bool):
            raise self.fail(node, "the key in [...] must be a constant text or whole number")
        if isinstance(key, str):
            if key.startswith("_"):
                raise self.fail(node, f"key {key!r} is not allowed (no names starting with _)")
            self._record_field(node.value, key)
        return self.lookup(node.value, key, depth)

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Fn:
        parts = [self.build(value, depth) for value in node.values]
        fn = parts.pop()
        is_and = isinstance(node.op, ast.And)
        while parts:  # a and b and c == a and (b and c): same value, same short-circuit
            fn = and_(parts.pop(), fn) if is_and else or_(parts.pop(), fn)
        return fn

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Fn:
        operand = self.build(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        if isinstance(node.op, ast.USub):
            return lambda env: -number(operand(env), "unary -")
        if isinstance(node.op, ast.UAdd):
            return lambda env: +number(operand(env), "unary +")
        raise self.fail(node, "operator ~ is not allowed in a guard")

    def _BinOp(self, node: ast.BinOp, depth: int) -> Fn:
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator {_OPNAMES.get(type(node.op), '?')} is not allowed")
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        symbol = _OPNAMES[type(node.op)]

        def arithmetic(env: Env) -> Any:
            return op(number(left(env), symbol), number(right(env), symbol))

        return arithmetic

    def _Compare(self, node: ast.Compare, depth: int) -> Fn:
        for cmp in node.ops:
            if isinstance(cmp, ast.Is | ast.IsNot) and not _is_none(node, cmp):
                raise self.fail(node, "'is' / 'is not' compare only with None; use == / !=")
        first = self.build(node.left, depth)
        rest = tuple(
            (type(cmp), self._operand(value, depth, cmp))
            for cmp, value in zip(node.ops, node.comparators, strict=True)
        )
        if len(rest) == 1:
            return single_comparison(first, *rest[0])

        def chain(env: Env) -> bool:
            left = first(env)
            for cmp, value in rest:
                right = value(env)
                if not compare(cmp, left, right):
                    return False
                left = right
            return True

        return chain

    def _operand(self, node: ast.expr, depth: int, cmp: ast.cmpop) -> Fn:
        """A comparison operand; ``in [constants]`` builds its collection once, not per call."""
        fn = self.build(node, depth)
        constant = isinstance(node, ast.List | ast.Tuple | ast.Set) and all(
            isinstance(item, ast.Constant) for item in node.elts
        )
        if not constant or not isinstance(cmp, ast.In | ast.NotIn):
            return fn
        items = fn({})  # membership in a list and in a tuple of the same items agree
        frozen = frozenset(items) if isinstance(items, set) else tuple(items)
        return lambda env: frozen

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set, depth: int) -> tuple[Fn, ...]:
        for item in node.elts:
            if isinstance(item, ast.Starred):
                raise self.fail(item, "*unpacking is not allowed in a guard")
        return tuple(self.build(item, depth) for item in node.elts)

    def _List(self, node: ast.List, depth: int) -> Fn:
        items = self._sequence(node, depth)
        return lambda env: [item(env) for item in items]

    def _Tuple(self, node: ast.Tuple, depth: int) -> Fn:
        items = self._sequence(node, depth)
        return lambda env: tuple(item(env) for item in items)

    def _Set(self, node: ast.Set, depth: int) -> Fn:
        items = self._sequence(node, depth)
        return lambda env: {item(env) for item in items}

    def _Call(self, node: ast.Call, depth: int) -> Fn:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only registered functions may be called, e.g. len(data.items)")
        name = node.func.id
        if name not in self.functions:
            shown = ", ".join(sorted(self.functions)) or "none"
            raise self.fail(node, f"unknown function {name!r}; registered functions: {shown}")
        if node.keywords:
            raise self.fail(node, f"{name}() takes positional arguments only")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, "*unpacking is not allowed in a guard")
        self.called.add(name)
        args = tuple(self.build(arg, depth) for arg in node.args)
        fallback = BUILTIN_FUNCTION_IMPLS.get(name)

        def call(env: Env) -> Any:
            fn = env.get(name, fallback)
            if not callable(fn):
                raise Refused(f"guard function {name!r} is not registered with the engine")
            return fn(*(arg(env) for arg in args))

        return call


def _is_none(node: ast.Compare, cmp: ast.cmpop) -> bool:
    index = node.ops.index(cmp)
    operands = [node.left, *node.comparators]
    return any(
        isinstance(side, ast.Constant) and side.value is None
        for side in (operands[index], operands[index + 1])
    )


_OPNAMES: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
    ast.BitAnd: "&", ast.MatMult: "@",
}  # fmt: skip
_HINT = (
    "guards allow and/or/not, comparisons, + - * / // %, data.<field>, constants, "
    "lists and registered function calls"
)
_DESCRIPTIONS: dict[str, str] = {
    "Lambda": "lambda",
    "ListComp": "a comprehension",
    "SetComp": "a comprehension",
    "DictComp": "a comprehension",
    "GeneratorExp": "a generator expression",
    "Dict": "a dict literal",
    "IfExp": "x if c else y",
    "NamedExpr": "the := operator",
    "JoinedStr": "an f-string",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Starred": "*unpacking",
    "Slice": "a slice",
}


def _describe(node: ast.AST) -> str:
    return _DESCRIPTIONS.get(type(node).__name__, type(node).__name__)
