"""A Zhongyuan-shaped district (中原区, Zhengzhou) for demos, tests and benchmarks.

14 streets, 157 communities, 934 cells at ``scale=1`` (the figures of the district's grid);
``scale`` multiplies the cells per community (``scale=100`` gives 93,400 cells). Polygons tile
a box over the district (113.55–113.68 E, 34.71–34.80 N): streets are vertical strips,
communities horizontal bands inside them, cells a near-square tiling of each band, so every
child lies inside its parent and cells never overlap. Everything is deterministic by ``seed``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Literal

import numpy as np

from govflow.grid.model import Duty, Node, Person
from govflow.grid.people import PeopleFactory
from govflow.grid.tree import Grid

DISTRICT_CODE = "410102"
DISTRICT_NAME = "中原区"
BOX = (113.55, 34.71, 113.68, 34.80)  # west, south, east, north
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


def _edges(low: float, high: float, weights: Sequence[int]) -> list[float]:
    """Cut [low, high] into spans proportional to ``weights``; shared edges, rounded once."""
    total = sum(weights)
    cuts = [low]
    acc = 0
    for w in weights[:-1]:
        acc += w
        cuts.append(round(low + (high - low) * acc / total, 7))
    cuts.append(high)
    return cuts


def _box(w: float, s: float, e: float, n: float) -> str:
    return f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


def _community_names(rng: random.Random) -> list[str]:
    names = [p + s + "社区" for s in _SUFFIXES for p in _PLACES]
    rng.shuffle(names)
    return names


def _tile_cells(box: tuple[float, float, float, float], count: int) -> list[str]:
    """A near-square tiling of ``box`` into ``count`` rectangles, row by row."""
    w, s, e, n = box
    rows = max(1, round(math.sqrt(count)))
    per_row = [count // rows + (1 if r < count % rows else 0) for r in range(rows)]
    ys = _edges(s, n, [1] * rows)
    out: list[str] = []
    for r, cols in enumerate(per_row):
        xs = _edges(w, e, [1] * cols)
        out.extend(_box(xs[c], ys[r], xs[c + 1], ys[r + 1]) for c in range(cols))
    return out


def generate_nodes(seed: int = 0, scale: int = 1) -> list[Node]:
    """The district's nodes (parents before children)."""
    if scale < 1 or COUNTS[2] * scale / COUNTS[1] > 600:
        raise ValueError(f"scale must be 1..100 (3-digit cell codes), got {scale}")
    rng = np.random.default_rng(seed)
    names = random.Random(seed)
    streets = len(STREETS)
    per_street = _split(COUNTS[1], streets, 7, rng)
    per_community = _split(COUNTS[2] * scale, COUNTS[1], 3 * scale, rng)
    community_names = _community_names(names)
    west, south, east, north = BOX
    start = 0
    cells_per_street = []
    for count in per_street:
        cells_per_street.append(sum(per_community[start:start + count]))
        start += count
    xs = _edges(west, east, cells_per_street)
    nodes = [Node(DISTRICT_CODE, None, 0, DISTRICT_NAME, 0, _box(*BOX))]
    k = 0
    for si, street_name in enumerate(STREETS):
        street = f"{DISTRICT_CODE}{si + 1:03d}"
        communities = per_community[k:k + per_street[si]]
        nodes.append(Node(street, DISTRICT_CODE, 1, street_name, 0,
                          _box(xs[si], south, xs[si + 1], north)))
        ys = _edges(south, north, communities)
        for ci, cell_count in enumerate(communities):
            community = f"{street}{ci + 1:03d}"
            box = (xs[si], ys[ci], xs[si + 1], ys[ci + 1])
            nodes.append(Node(community, street, 2, community_names[k % len(community_names)],
                              0, _box(*box)))
            k += 1
            households = rng.integers(300, 501, size=cell_count)
            for gi, polygon in enumerate(_tile_cells(box, cell_count)):
                nodes.append(Node(f"{community}{gi + 1:03d}", community, 3,
                                  f"第{gi + 1}网格", int(households[gi]), polygon))
    return nodes


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
