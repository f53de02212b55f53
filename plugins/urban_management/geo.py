"""Place records from a foreign city on the demo district's grid.

The real feeds (Chicago, Los Angeles) are replayed on the generated district: a point is
moved by a linear map from the feed's bounding box to the district's, then located on the
grid (the nearest cell when it lands outside the district's outline). Deterministic, and
close points stay close (duplicates still meet on one cell).
"""

from __future__ import annotations

from typing import Any

from govflow.grid.generate import BOX

#: (west, south, east, north) of each feed's coverage
CHICAGO_BOX = (-87.94, 41.64, -87.52, 42.03)
LOS_ANGELES_BOX = (-118.67, 33.70, -118.15, 34.34)
#: the demo district's bounds (govflow.grid.generate: its real outline's); a point that
#: lands inside them but outside the outline goes to the nearest cell
DISTRICT_BOX = BOX


class BoxMapper:
    """Maps lon/lat in ``source_box`` to a cell of ``grid`` (``None`` outside the box)."""

    def __init__(self, source_box: tuple[float, float, float, float], grid: Any,
                 target_box: tuple[float, float, float, float] = DISTRICT_BOX) -> None:
        self.source_box = source_box
        self.target_box = target_box
        self.grid = grid

    def cell(self, lon: float, lat: float) -> str | None:
        w, s, e, n = self.source_box
        if not (w <= lon <= e and s <= lat <= n):
            return None
        tw, ts, te, tn = self.target_box
        # stay a hair inside the box so points on its edge still fall in a cell
        x = tw + (te - tw) * min(max((lon - w) / (e - w), 1e-6), 1 - 1e-6)
        y = ts + (tn - ts) * min(max((lat - s) / (n - s), 1e-6), 1 - 1e-6)
        found: str | None = self.grid.nearest_cell(x, y)
        return found
