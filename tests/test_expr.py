"""The guard-expression language: what it accepts, what it refuses, how it evaluates."""

from __future__ import annotations

import ast
import contextlib
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govflow.errors import GuardError
from govflow.workflows import BUILTIN_FUNCTIONS, Guard, GuardSyntaxError, compile_guard
from govflow.workflows.expr import ENV_NAMES


def env(**data: Any) -> dict[str, Any]:
    base: dict[str, Any] = {name: None for name in ENV_NAMES}
    base.update(data=data, input={}, category="oil_fume", state="reported", rework=0)
    return base


def test_issue_example_evaluates_over_the_case() -> None:
    """The issue's example guard is true for a severe oil-fume case and false otherwise."""
    guard = compile_guard("data.severity >= 2 and category in ['oil_fume']")
    assert guard.evaluate(env(severity=3)) is True
    assert guard.evaluate(env(severity=1)) is False
    assert guard.fields == frozenset({"severity"})


def test_compiled_guard_satisfies_the_engine_protocol() -> None:
    """A compiled guard has the ``source`` and ``evaluate`` the engine's Guard protocol needs."""
    guard: Guard = compile_guard("rework >= 1")
    assert guard.source == "rework >= 1"
    assert guard.evaluate(env()) is False


def test_whitespace_is_normalised_in_source() -> None:
    """A guard folded over several YAML lines keeps one-space source text."""
    assert compile_guard("data.a  ==\n 1").source == "data.a == 1"


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("data.missing >= 2", {}, False),
        ("data.missing < 2", {}, False),
        ("data.missing == None", {}, True),
        ("data.missing is None", {}, True),
        ("data.missing is not None", {"missing": 0}, True),
        ("'x' in data.missing", {}, False),
        ("'x' not in data.missing", {}, True),
        ("data.address.street == 'jianshe'", {"address": {"street": "jianshe"}}, True),
        ("data.address.street == 'jianshe'", {}, False),
        ("data['severity'] + 1 == 3", {"severity": 2}, True),
        ("data.items[0] == 'a'", {"items": ["a"]}, True),
        ("data.items[5] == None", {"items": ["a"]}, True),
        ("1 < data.n < 5", {"n": 3}, True),
        ("1 < data.n < 5", {"n": 7}, False),
        ("len(data.items) >= 2", {"items": [1, 2]}, True),
        ("max(data.a, data.b) == 4 and min(1, 2) == 1 and abs(-3) == 3", {"a": 4, "b": 2}, True),
        ("data.n % 2 == 0 and data.n // 2 == 2 and data.n / 8 == 0.5", {"n": 4}, True),
        ("not data.flag", {}, True),
        ("-data.n == -2 and +data.n == 2", {"n": 2}, True),
        ("category in {'oil_fume', 'vending'}", {}, True),
        ("state in ('reported', 'registered')", {}, True),
        ("data.x or 'default'", {}, "default"),
        ("input.satisfied == True", {}, False),
    ],
)
def test_evaluation(text: str, data: dict[str, Any], expected: Any) -> None:
    """Each supported form evaluates as documented (missing fields are None, None orders False)."""
    assert compile_guard(text).evaluate(env(**data)) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("data.__class__", "starting with _"),
        ("().__class__.__bases__", "starting with _"),
        ("data['__class__']", "starting with _"),
        ("state.upper()", "registered functions"),
        ("category.join", "only data.<field>"),
        ("x > 1", "unknown name 'x'"),
        ("__import__('os')", "unknown function"),
        ("open('/etc/passwd')", "unknown function"),
        ("len", "must be called"),
        ("len(x=1)", "positional"),
        ("len(*data.items)", "unpacking"),
        ("lambda: 1", "lambda"),
        ("[x for x in data.items]", "comprehension"),
        ("{'a': 1}", "dict literal"),
        ("2 ** 100", "operator **"),
        ("1 << 3", "operator <<"),
        ("~1", "operator ~"),
        ("data.a if data.b else 1", "is not allowed"),
        ("(y := 1)", ":="),
        ("f'{data}'", "f-string"),
        ("data[1:2]", "constant"),
        ("data[state]", "constant"),
        ("data.a is 1", "'is'"),
        ("b'x' == data.a", "constant"),
        ("1 +", "does not parse"),
        ("", "non-empty"),
        ("   ", "non-empty"),
        ("a = 1", "does not parse"),
        ("import os", "does not parse"),
        ("data.a " + "+ 1 " * 1200, "characters"),
        ("-" * 60 + "1", "deeper"),
    ],
)
def test_refused_at_load(text: str, fragment: str) -> None:
    """Anything outside the language is refused when the file loads, saying what to write."""
    with pytest.raises(GuardSyntaxError, match=None) as info:
        compile_guard(text)
    assert fragment in str(info.value)


def test_declared_fields_are_enforced() -> None:
    """With declared fields, reading an undeclared data field is a load-time error."""
    compile_guard("data.severity > 1", fields={"severity"})
    with pytest.raises(GuardSyntaxError, match=r"data\.sevrity is not a declared field"):
        compile_guard("data.sevrity > 1", fields={"severity"})
    compile_guard("input.anything > 1", fields={"severity"})


def test_unknown_function_is_refused_and_registered_one_is_found_in_env() -> None:
    """A plugin's function must be registered to load, and is looked up in the env to run."""
    with pytest.raises(GuardSyntaxError, match="unknown function 'near'"):
        compile_guard("near(cell, 3)")
    guard = compile_guard("near(cell, 3)", functions=BUILTIN_FUNCTIONS | {"near"})
    assert guard.evaluate({**env(), "near": lambda cell, n: n == 3}) is True
    with pytest.raises(GuardError, match="not registered"):
        guard.evaluate(env())


@pytest.mark.parametrize(
    "text",
    [
        "data.a + 1 > 0",
        "data.s > 1",
        "1 / data.zero > 0",
        "len(data.n) > 0",
        "'a' in data.n",
        "data.s.x == 1",
        "-data.s == 1",
    ],
)
def test_runtime_type_errors_raise_guard_error_naming_the_guard(text: str) -> None:
    """A runtime type error other than a missing field raises GuardError with the guard text."""
    guard = compile_guard(text)
    with pytest.raises(GuardError) as info:
        guard.evaluate(env(s="text", zero=0, n=5))
    assert text in str(info.value)


def test_missing_field_in_arithmetic_is_an_error_not_a_guess() -> None:
    """Arithmetic on a missing field raises (only comparisons treat None softly)."""
    with pytest.raises(GuardError, match="needs numbers"):
        compile_guard("data.a + 1 > 0").evaluate(env())


class Hostile:
    """A value whose every attribute access is an escape from the sandbox."""

    def __getattribute__(self, name: str) -> Any:
        raise AssertionError(f"guard read attribute {name!r} of a case value")


@pytest.mark.parametrize(
    "text",
    ["data.h.x == 1", "data.h[0] == 1", "data.items[0].x", "-data.h", "data.h + 1",
     "len(data.h)", "data.h < 1", "data.h == 1", "data.h in [1]", "not data.h"],
)
def test_case_values_are_never_asked_for_attributes(text: str) -> None:
    """Looking up, negating or adding a case value never reads its attributes (no escape)."""
    guard = compile_guard(text)
    with contextlib.suppress(GuardError):
        guard.evaluate(env(h=Hostile(), items=[Hostile()]))


# -- property tests -------------------------------------------------------------------------

TOKENS = [
    "data", "input", "state", "category", ".", "__class__", "__globals__", "__subclasses__",
    "mro", "severity", "items", "(", ")", "[", "]", "{", "}", ",", ":", "0", "1", "-1", "'x'",
    "+", "-", "*", "/", "//", "%", "**", "<", ">=", "==", "!=", "and", "or", "not", "in",
    "is", "None", "True", "lambda", "for", "if", "else", "len", "open", "__import__", "getattr",
    "import", "os", "x", "=", ":=", "yield", "await", "f'{data}'", "*", "data.severity",
    "data.severity.x", "data.items[0]", "data.items[0].x", ".x", "[0]",
]  # fmt: skip
ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Constant, ast.List, ast.Tuple,
    ast.Set, ast.Call,
)  # fmt: skip


def _accepted_tree_is_in_the_language(text: str) -> None:
    tree = ast.parse(" ".join(text.split()), mode="eval")
    for node in ast.walk(tree):
        assert isinstance(node, ALLOWED_NODES), type(node).__name__
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("_")
        if isinstance(node, ast.Name):
            assert node.id in ENV_NAMES | BUILTIN_FUNCTIONS
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id in BUILTIN_FUNCTIONS


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join), st.text()))
def test_random_text_never_escapes_the_sandbox(text: str) -> None:
    """Random text is refused, or is within the whitelist and evaluates without escaping."""
    try:
        guard = compile_guard(text)
    except GuardSyntaxError:
        return
    _accepted_tree_is_in_the_language(text)
    hostile_env = env(severity=Hostile(), items=[Hostile()])
    hostile_env["state"] = Hostile()
    with contextlib.suppress(GuardError):
        guard.evaluate(hostile_env)


# A small expression tree: rendered to text for the language, evaluated directly as reference.
@dataclass(frozen=True)
class Node:
    kind: str
    value: Any = None
    children: tuple[Node, ...] = ()


class RefError(Exception):
    """The reference says: this raises GuardError."""


DATA = {"a": 3, "b": -2, "f": 0.5, "s": "oil", "items": [1, 2, 3], "none": None}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod,
}  # fmt: skip
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_FUNCS: dict[str, Callable[..., Any]] = {"len": len, "min": min, "max": max, "abs": abs}


def render(node: Node) -> str:
    if node.kind == "const":
        return repr(node.value)
    if node.kind == "field":
        return f"data.{node.value}"
    if node.kind == "list":
        return "[" + ", ".join(render(c) for c in node.children) + "]"
    if node.kind == "not":
        return f"(not {render(node.children[0])})"
    if node.kind == "neg":
        return f"(-{render(node.children[0])})"
    if node.kind == "call":
        return f"{node.value}(" + ", ".join(render(c) for c in node.children) + ")"
    left, right = (render(c) for c in node.children)
    return f"({left} {node.value} {right})"


def reference(node: Node) -> Any:
    kind = node.kind
    if kind == "const":
        return node.value
    if kind == "field":
        return DATA.get(node.value)
    if kind == "list":
        return [reference(c) for c in node.children]
    if kind == "not":
        return not reference(node.children[0])
    if kind == "neg":
        value = reference(node.children[0])
        if not isinstance(value, int | float):
            raise RefError
        return -value
    if kind == "call":
        try:
            return _FUNCS[node.value](*(reference(c) for c in node.children))
        except (TypeError, ValueError) as exc:
            raise RefError from exc
    if kind == "bool":
        left = reference(node.children[0])
        if node.value == "and":
            return reference(node.children[1]) if left else left
        return left if left else reference(node.children[1])
    left, right = (reference(c) for c in node.children)
    op = node.value
    try:
        if op in _ARITH:
            if not (isinstance(left, int | float) and isinstance(right, int | float)):
                raise RefError
            return _ARITH[op](left, right)
        if op in _ORDER:
            return False if left is None or right is None else _ORDER[op](left, right)
        if op in ("==", "!="):
            return (left == right) == (op == "==")
        if right is None:
            return op == "not in"
        return (left in right) == (op == "in")
    except (TypeError, ZeroDivisionError, OverflowError) as exc:
        raise RefError from exc


leaves = st.one_of(
    st.builds(Node, st.just("const"), st.integers(-5, 5)),
    st.builds(Node, st.just("const"), st.sampled_from([0.5, 2.0, True, False, None, "oil", ""])),
    st.builds(Node, st.just("field"), st.sampled_from([*DATA, "missing"])),
)


def _branches(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    pair = st.tuples(children, children)
    return st.one_of(
        st.builds(Node, st.just("bin"), st.sampled_from([*_ARITH, *_ORDER, "==", "!=", "in",
                                                         "not in"]), pair),
        st.builds(Node, st.just("bool"), st.sampled_from(["and", "or"]), pair),
        st.builds(Node, st.just("not"), st.none(), st.tuples(children)),
        st.builds(Node, st.just("neg"), st.none(), st.tuples(children)),
        st.builds(Node, st.just("list"), st.none(), st.lists(children, max_size=3).map(tuple)),
        st.builds(Node, st.just("call"), st.sampled_from(sorted(_FUNCS)),
                  st.lists(children, min_size=1, max_size=2).map(tuple)),
    )


trees = st.recursive(leaves, _branches, max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(trees)
def test_evaluation_equals_the_reference(tree: Node) -> None:
    """Random expression trees evaluate to what a direct interpreter of the tree says."""
    guard = compile_guard(render(tree))
    try:
        expected = reference(tree)
    except RefError:
        with pytest.raises(GuardError):
            guard.evaluate(env(**DATA))
        return
    assert guard.evaluate(env(**DATA)) == expected
