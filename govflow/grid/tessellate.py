"""Cut a polygon into ``k`` contiguous pieces, nested tier by tier (streets → communities →
cells), so every area of the map is one piece of its parent.

Each cut: sample points evenly inside the polygon (a scrambled Halton sequence, seeded), group
them with k-means (scipy's ``kmeans2``) into ``k`` clusters of similar area, take the Voronoi
diagram of the cluster centres (shapely/GEOS) and clip it to the polygon. A clipped Voronoi
cell is convex inside a convex parent; where the district's outline is concave a cell may fall
into pieces, and every piece but the largest is given to the neighbour it shares the longest
border with, so each child stays one area. Deterministic for a given seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: sample points per piece (more: smoother sizes; the cost grows with k * samples)
SAMPLES_PER_PIECE = 24
KMEANS_ITERATIONS = 12
#: above this many pieces (scaled-up benchmark grids) fewer samples and iterations
LARGE = 64


def _points_inside(polygon: Any, n: int, seed: int) -> NDArray[np.float64]:
    """``n`` well-spread points inside ``polygon`` (Halton, rejection by the bounds)."""
    import shapely
    from scipy.stats import qmc

    w, s, e, north = polygon.bounds
    ratio = max(polygon.area / max((e - w) * (north - s), 1e-18), 0.05)
    sampler = qmc.Halton(d=2, scramble=True, seed=seed)
    found: list[NDArray[np.float64]] = []
    total = 0
    for _ in range(64):
        raw = sampler.random(int(n / ratio * 1.3) + 16)
        pts = np.column_stack([w + raw[:, 0] * (e - w), s + raw[:, 1] * (north - s)])
        pts = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        found.append(pts)
        total += pts.shape[0]
        if total >= n:
            break
    out = np.concatenate(found)[:n]
    if out.shape[0] < n:  # a sliver: fall back to points on its boundary
        extra = shapely.get_coordinates(polygon.boundary.segmentize(
            max(polygon.length / (n + 1), 1e-12)))
        out = np.concatenate([out, extra])[:n]
    return out


def _centres(polygon: Any, k: int, seed: int) -> NDArray[np.float64]:
    """``k`` distinct seed points inside ``polygon``, cluster centres of an even sampling."""
    import shapely
    from scipy.cluster.vq import kmeans2

    if k == 1:
        return np.asarray(polygon.representative_point().coords, np.float64)[:1]
    big = k > LARGE
    per = 4 if big else SAMPLES_PER_PIECE
    pts = _points_inside(polygon, max(k * per, 64), seed)
    rng = np.random.default_rng(seed)
    init = pts[rng.choice(pts.shape[0], size=k, replace=False)]
    centres, label = kmeans2(pts, init, iter=2 if big else KMEANS_ITERATIONS, minit="matrix",
                             seed=rng)
    for j in range(k):
        inside = bool(shapely.contains_xy(polygon, centres[j, 0], centres[j, 1]))
        members = pts[label == j]
        if not inside or members.shape[0] == 0:  # a concave part: use its own nearest point
            pool = members if members.shape[0] else pts
            d = ((pool - centres[j]) ** 2).sum(axis=1)
            centres[j] = pool[int(np.argmin(d))]
    _, first = np.unique(np.round(centres, 12), axis=0, return_index=True)
    if first.shape[0] < k:  # coincident centres (tiny polygons): take distinct samples
        spare = [p for p in pts if not any(np.allclose(p, c) for c in centres[first])]
        centres = np.concatenate([centres[np.sort(first)], np.asarray(spare)[: k - first.shape[0]]])
    return np.asarray(centres, np.float64)


def _order(centres: NDArray[np.float64]) -> NDArray[np.intp]:
    """Reading order: bands from north to south, west to east in each band."""
    k = centres.shape[0]
    bands = max(1, round(np.sqrt(k)))
    lat = centres[:, 1]
    span = max(float(lat.max() - lat.min()), 1e-12)
    band = np.minimum(((lat.max() - lat) / span * bands).astype(np.int64), bands - 1)
    return np.lexsort((centres[:, 0], band))


def _merge_fragments(pieces: list[Any]) -> list[Any]:
    """Make every piece one polygon: stray parts join the neighbour with the longest border."""
    import shapely

    pieces = list(pieces)
    for _ in range(4):
        moved = False
        for i, piece in enumerate(pieces):
            if piece.geom_type == "Polygon":
                continue
            parts = sorted(getattr(piece, "geoms", []), key=lambda g: -g.area)
            parts = [p for p in parts if p.geom_type == "Polygon" and p.area > 0]
            if not parts:
                continue
            pieces[i] = parts[0]
            for stray in parts[1:]:
                best, length = -1, 0.0
                for j, other in enumerate(pieces):
                    if j == i:
                        continue
                    shared = stray.boundary.intersection(other.boundary).length
                    if shared > length:
                        best, length = j, shared
                target = best if best >= 0 else i
                pieces[target] = shapely.union(pieces[target], stray)
                moved = True
        if not moved:
            break
    return [shapely.make_valid(p) if not p.is_valid else p for p in pieces]


def split(polygon: Any, k: int, seed: int) -> list[Any]:
    """``polygon`` cut into ``k`` contiguous pieces in reading order (see the module doc)."""
    import shapely

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k == 1:
        return [polygon]
    centres = _centres(polygon, k, seed)
    centres = centres[_order(centres)]
    points = shapely.multipoints(centres)
    w, s, e, n = polygon.bounds
    frame = shapely.box(w - (e - w), s - (n - s), e + (e - w), n + (n - s))
    cells = list(shapely.voronoi_polygons(points, extend_to=frame, ordered=True).geoms)
    clipped = shapely.intersection(np.asarray(cells, dtype=object), polygon)
    pieces = [_polygonal(p) for p in clipped]
    return _merge_fragments(pieces)


def planar(pieces: list[Any]) -> list[Any]:
    """The same pieces re-cut from one noded set of borders, so that neighbours share their
    border exactly: pieces clipped from two different parents meet along the parents' border
    with rounding differences of about 1e-15 degree, which would count as overlaps. Every face
    of the noded borders goes to the piece that holds its inner point (a rounding sliver that
    none holds goes to the piece it overlaps most)."""
    import shapely

    geoms = np.asarray(pieces, dtype=object)
    faces = list(shapely.polygonize(
        [shapely.union_all(shapely.boundary(geoms))]).geoms)
    tree = shapely.STRtree(geoms)
    owned: list[list[Any]] = [[] for _ in pieces]
    for face in faces:
        inner = face.point_on_surface()
        hits = [int(h) for h in tree.query(inner, predicate="intersects")]
        if len(hits) != 1:
            near = [int(h) for h in tree.query(face, predicate="intersects")]
            if not near:
                continue  # a hole of the outline
            hits = [max(near, key=lambda h: shapely.intersection(face, geoms[h]).area)]
        owned[hits[0]].append(face)
    return [shapely.union_all(faces) if faces else piece
            for faces, piece in zip(owned, pieces, strict=True)]


def _polygonal(geom: Any) -> Any:
    """The areal part of an intersection (drops stray lines and points)."""
    import shapely

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon",
                                                                        "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def to_wkt(geom: Any) -> str:
    """WKT at full precision, so shared borders stay exactly shared."""
    import shapely

    return str(shapely.to_wkt(geom, rounding_precision=-1, trim=True))
