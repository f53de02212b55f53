"""Helpers for plugins' sample-data generators: the demo district's cells, built lazily."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govflow.grid import Grid


@lru_cache(maxsize=4)
def district(seed: int = 0) -> Grid:
    """The generated demo district (934 cells), without people; built once per seed."""
    from govflow.grid import generate_district

    return generate_district(seed, people="none")


def district_cells(seed: int = 0) -> list[str]:
    """The cell codes of the demo district, in code order."""
    return sorted(district(seed).cells())
