"""Grids as GeoJSON: read a FeatureCollection of nodes (``govflow grid load x.geojson``) and
write one (the map's ``/api/v1/grid.geojson``).

One feature per node: ``properties`` carry ``code``, ``parent``, ``name`` and ``households``
(as in the YAML and CSV forms), ``geometry`` the node's Polygon or MultiPolygon in lon/lat
(WGS-84, RFC 7946), or ``null`` for a node without a boundary. Inside the grid a polygon is
kept as WKT, so a GeoJSON grid and a YAML grid are the same grid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govflow.errors import Problem

#: properties a feature may carry (the node fields but the polygon, which is the geometry)
PROPERTIES = ("code", "parent", "name", "households")
#: decimals of a written coordinate (1e-6 degree is about 0.1 m)
DECIMALS = 6


def read_rows(path: Path, problems: list[Problem]) -> list[tuple[str, int | None,
                                                                 dict[str, Any]]]:
    """Node rows (file, feature number, fields) from a GeoJSON FeatureCollection."""
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    name = str(path)
    try:
        root = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(name, getattr(exc, "lineno", None), "",
                                f"not valid GeoJSON: {exc}"))
        return []
    if not isinstance(root, dict) or root.get("type") != "FeatureCollection" or \
            not isinstance(root.get("features"), list):
        problems.append(Problem(name, None, "", "expected a GeoJSON FeatureCollection with "
                                                "one feature per grid node"))
        return []
    rows: list[tuple[str, int | None, dict[str, Any]]] = []
    for i, feature in enumerate(root["features"]):
        where = f"features[{i}]"
        fields: dict[str, Any] = {}
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            problems.append(Problem(name, None, where, "expected a Feature with properties "
                                                       "code, parent, name, households"))
            continue
        for key, value in feature["properties"].items():
            if key in PROPERTIES and value is not None:
                fields[key] = str(value)
        geometry = feature.get("geometry")
        if geometry is not None:
            try:
                geom = shape(geometry)
            except (ShapelyError, ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(Problem(name, None, f"{where}.geometry",
                                        f"not a GeoJSON geometry: {exc}"))
            else:
                if geom.geom_type in ("Polygon", "MultiPolygon"):
                    fields["polygon"] = geom.wkt
                else:
                    problems.append(Problem(name, None, f"{where}.geometry",
                                            f"a node's boundary must be a Polygon or "
                                            f"MultiPolygon, got {geom.geom_type}"))
        rows.append((name, None, fields))  # checked further with the other forms' rows
    return rows


def _geometry(wkt: str | None, decimals: int | None) -> dict[str, Any] | None:
    if not wkt:
        return None
    import shapely
    from shapely.geometry import mapping

    geom = shapely.from_wkt(wkt)
    if decimals is not None:
        geom = shapely.set_precision(geom, 10.0 ** -decimals)
    out: dict[str, Any] = dict(mapping(geom))
    return out


def _centre(wkt: str, decimals: int) -> list[float]:
    """A point inside the polygon (for a label), not its centroid, which may fall outside."""
    import shapely

    point = shapely.from_wkt(wkt).representative_point()
    return [round(point.x, decimals), round(point.y, decimals)]


def feature_collection(nodes: Any, *, tiers: set[int] | None = None,
                       decimals: int | None = DECIMALS) -> dict[str, Any]:
    """A FeatureCollection of ``nodes`` (``Node`` records; only ``tiers`` when given), with
    ``code``, ``parent``, ``name``, ``tier`` and ``households`` as properties (and, when
    rounded, ``centre``: a point inside for a label); coordinates rounded to ``decimals``
    (``None``: as stored)."""
    features = []
    for node in nodes:
        if tiers is not None and node.tier not in tiers:
            continue
        props: dict[str, Any] = {"code": node.code, "parent": node.parent,
                                 "name": node.name, "tier": node.tier,
                                 "households": node.households}
        if node.polygon and decimals is not None:
            props["centre"] = _centre(node.polygon, decimals)
        features.append({"type": "Feature", "id": node.code, "properties": props,
                         "geometry": _geometry(node.polygon, decimals)})
    return {"type": "FeatureCollection", "features": features}


def write_geojson(nodes: Any, path: str | Path) -> Path:
    """Write ``nodes`` as a GeoJSON file (UTF-8, full precision) that :func:`read_rows`
    reads back into the same grid."""
    target = Path(path)
    target.write_text(json.dumps(feature_collection(nodes, decimals=None), ensure_ascii=False),
                      encoding="utf-8")
    return target
