"""Location → tier-3 cell, with shapely's STRtree over the cells' polygons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from govflow.grid.model import CELL_TIER, Node


class Locator:
    """Finds the cell containing a point. A point on a shared edge goes to the lowest code."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        import shapely

        cells = sorted((n for n in nodes if n.tier == CELL_TIER and n.polygon is not None),
                       key=lambda n: n.code)
        self.codes: list[str] = [n.code for n in cells]
        geoms = shapely.from_wkt([n.polygon for n in cells]) if cells else []
        self._tree: Any = shapely.STRtree(geoms) if cells else None

    def locate(self, lon: float, lat: float) -> str | None:
        """The cell code, or ``None`` when no cell contains the point."""
        if self._tree is None:
            return None
        import shapely

        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(hits.min())] if len(hits) else None

    def nearest(self, lon: float, lat: float) -> str | None:
        """The cell containing the point, else the cell closest to it (``None``: no cells)."""
        if self._tree is None:
            return None
        import shapely

        found = self.locate(lon, lat)
        if found is not None:
            return found
        return self.codes[int(self._tree.nearest(shapely.Point(lon, lat)))]

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
        """Vectorised :meth:`locate` over arrays of equal length."""
        out: list[str | None] = [None] * len(lon)
        if self._tree is None or not len(lon):
            return out
        import shapely

        points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        which, cell = self._tree.query(points, predicate="intersects")
        best: dict[int, int] = {}
        for i, c in zip(which.tolist(), cell.tolist(), strict=True):
            if i not in best or c < best[i]:
                best[i] = c
        for i, c in best.items():
            out[i] = self.codes[c]
        return out
