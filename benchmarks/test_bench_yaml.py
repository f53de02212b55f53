"""The hardened YAML reader beside plain PyYAML on the same text (issue 12).

Two texts: the shipped workflows.yaml (read by ``load_yaml``: limits, lines, shared aliases)
beside ``yaml.safe_load`` (pure Python, what workflow files were read with before) and
``yaml.load(..., CSafeLoader)``; and a generated grid file (``rows`` mappings of six fields,
as a district's grid file is) composed by ``safeyaml.compose`` (the event count, libyaml's
composer, the graph measured) beside bare ``yaml.compose`` with the same C loader. The two
sides of each floor run in alternating rounds and their medians are compared.

Floors: ``load_yaml`` of the workflows file no slower than ``yaml.safe_load``; the hardened
compose of the grid file within 2.5 × bare libyaml composing (the price of the limits).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.conftest import size, timed
from govflow.workflows.safeyaml import MACHINE_WRITTEN, compose
from govflow.workflows.yamlio import load_yaml

WORKFLOWS = (Path(__file__).parents[1] / "workflows.yaml").read_text(encoding="utf-8")
ROWS = size(20_000, 2_000)
GRID = "nodes:\n" + "".join(
    f'  - {{code: "4101020010010{i:05d}", parent: "410102001001", name: 第{i}网格, '
    f'households: {400 + i % 50}, polygon: "POLYGON ((113.5 34.7, 113.6 34.7, 113.6 34.8))"}}\n'
    for i in range(ROWS)
)
ROUNDS = size(15, 7)


class _GridLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
    """The grid reader's loader: every scalar a string."""


_GridLoader.yaml_implicit_resolvers = {}

IMPLEMENTATIONS: dict[str, Callable[[], Any]] = {
    "workflows_load_yaml": lambda: load_yaml(WORKFLOWS),
    "workflows_yaml_safe_load": lambda: yaml.safe_load(WORKFLOWS),
    "workflows_yaml_load_csafe": lambda: yaml.load(WORKFLOWS, Loader=yaml.CSafeLoader),
    "grid_safeyaml_compose": lambda: compose(GRID, _GridLoader, MACHINE_WRITTEN),
    "grid_yaml_compose_csafe": lambda: yaml.compose(GRID, Loader=_GridLoader),
}


@pytest.mark.parametrize("name", list(IMPLEMENTATIONS))
def test_yaml_read(benchmark: BenchmarkFixture, name: str) -> None:
    """One read of the text by each reader (pytest-benchmark rows, side by side)."""
    benchmark.group = "yaml read: " + name.split("_", 1)[0]
    result = benchmark.pedantic(IMPLEMENTATIONS[name], rounds=ROUNDS, iterations=1)
    assert result is not None


def _medians(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(ROUNDS):  # alternating, so load on the machine hits both alike
        a.append(timed(first))
        b.append(timed(second))
    return statistics.median(a), statistics.median(b)


def test_floor_workflows_no_slower_than_safe_load(benchmark: BenchmarkFixture) -> None:
    """load_yaml (limits, lines, libyaml) of workflows.yaml ≤ yaml.safe_load's time."""
    ours, peer = _medians(IMPLEMENTATIONS["workflows_load_yaml"],
                          IMPLEMENTATIONS["workflows_yaml_safe_load"])
    benchmark.extra_info.update(load_yaml_ms=ours * 1e3, safe_load_ms=peer * 1e3,
                                ratio=ours / peer)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert ours <= peer, f"load_yaml {ours * 1e3:.1f} ms beside safe_load {peer * 1e3:.1f} ms"


def test_floor_grid_compose_within_limits_cost(benchmark: BenchmarkFixture) -> None:
    """safeyaml.compose of a grid file ≤ 2.5 × bare libyaml composing of it."""
    ours, peer = _medians(IMPLEMENTATIONS["grid_safeyaml_compose"],
                          IMPLEMENTATIONS["grid_yaml_compose_csafe"])
    benchmark.extra_info.update(hardened_ms=ours * 1e3, bare_ms=peer * 1e3, ratio=ours / peer)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert ours <= 2.5 * peer, f"{ours * 1e3:.0f} ms beside {peer * 1e3:.0f} ms bare"
