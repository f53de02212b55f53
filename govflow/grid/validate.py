"""Structural checks of a grid, its people and its duty chain: every problem, at once.

Each check returns :class:`~govflow.errors.Problem` rows located by ``where(kind, index, key)``:
``kind`` is ``"node"``, ``"person"`` or ``"duty"``, ``index`` the record's position in the list
checked and ``key`` its code or id. A loaded file maps the index to the file and line the
record came from, so every problem names its own row (also when two rows share a code).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from govflow.errors import Problem
from govflow.grid.model import CELL_TIER, DUTY_LEVELS, Duty, Node, Person, tier_of_code

Where = Callable[[str, int, str], tuple[str, int | None, str]]


def nowhere(kind: str, index: int, key: str) -> tuple[str, int | None, str]:
    """Location of records built in memory: no file, no line."""
    return ("<memory>", None, f"{kind} {key}")


def check_nodes(nodes: Sequence[Node], where: Where = nowhere) -> list[Problem]:
    """Codes, parents (dangling, cycles), nesting of codes under parents, one root."""
    problems: list[Problem] = []

    def add(i: int, message: str) -> None:
        problems.append(Problem(*where("node", i, nodes[i].code), message))

    first: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.code in first:
            earlier = _at(where, "node", first[node.code], node.code)
            add(i, f"duplicate code {node.code!r} (first at {earlier}); give each node its "
                   "own code")
        else:
            first[node.code] = i
    by_code = {n.code: n for n in nodes}
    roots = [i for i, n in enumerate(nodes) if n.parent is None]
    if len(roots) != 1:
        shown = ", ".join(nodes[i].code for i in roots) if roots else "none"
        message = (f"a grid needs exactly one root (a node without parent); found "
                   f"{len(roots)}: {shown}")
        if roots:
            add(roots[1], message)
        else:
            problems.append(Problem(*where("node", 0, nodes[0].code if nodes else "?"),
                                    message))
    for i, node in enumerate(nodes):
        tier = tier_of_code(node.code)
        if tier < 0:
            add(i, f"code {node.code!r} is not 6 digits plus 3 per tier (at most 15)")
        if node.parent is None:
            continue
        if node.parent not in by_code:
            add(i, f"parent {node.parent!r} of {node.code!r} is not a node of the grid "
                   f"(dangling parent); add it or fix the parent code")
            continue
        if tier >= 0 and not (node.code.startswith(node.parent)
                              and len(node.code) == len(node.parent) + 3):
            add(i, f"code {node.code!r} does not nest under its parent's code "
                   f"{node.parent!r} (parent code + 3 digits)")
    problems.extend(_cycles(by_code, first, where))
    return problems


def _at(where: Where, kind: str, index: int, key: str) -> str:
    file, line, path = where(kind, index, key)
    return f"{file}:{line}" if line is not None else path


def _cycles(by_code: dict[str, Node], first: dict[str, int], where: Where) -> list[Problem]:
    """Report each parent cycle once, naming its members."""
    problems: list[Problem] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in by_code:
        path: list[str] = []
        code: str | None = start
        while code is not None and code in by_code and state.get(code, 0) == 0:
            state[code] = 1
            path.append(code)
            code = by_code[code].parent
        if code is not None and state.get(code) == 1:
            loop = path[path.index(code):]
            low = min(loop)
            problems.append(Problem(*where("node", first[low], low),
                                    "parent cycle: " + " → ".join([*loop, code])
                                    + "; a node cannot lie below itself"))
        for member in path:
            state[member] = 2
    return problems


def check_polygons(nodes: Sequence[Node], where: Where = nowhere) -> list[Problem]:
    """WKT parses; a child's polygon lies inside its parent's; cells do not overlap."""
    import shapely
    from shapely import wkt
    from shapely.errors import ShapelyError

    problems: list[Problem] = []
    geoms: dict[str, object] = {}
    index: dict[str, int] = {}
    for i, node in enumerate(nodes):
        index.setdefault(node.code, i)
        if node.polygon is None:
            continue
        try:
            geom = wkt.loads(node.polygon)
        except (ShapelyError, ValueError) as exc:
            problems.append(Problem(*where("node", i, node.code),
                                    f"polygon is not valid WKT: {exc}"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            problems.append(Problem(*where("node", i, node.code),
                                    f"polygon of {node.code!r} is not a valid (multi)polygon"))
            continue
        geoms[node.code] = geom
    with_parent = [n for n in nodes if n.code in geoms and n.parent in geoms]
    if with_parent:
        parents = [shapely.buffer(geoms[n.parent], 1e-9) for n in with_parent]  # type: ignore[index]
        inside = shapely.covers(parents, [geoms[n.code] for n in with_parent])
        for node, ok in zip(with_parent, inside, strict=True):
            if not ok:
                problems.append(Problem(*where("node", index[node.code], node.code),
                                        f"{node.code!r} lies outside the polygon of its parent "
                                        f"{node.parent!r}; fix either polygon"))
    cells = [n.code for n in nodes if n.tier == CELL_TIER and n.code in geoms]
    if cells:
        tree = shapely.STRtree([geoms[c] for c in cells])
        left, right = tree.query([geoms[c] for c in cells], predicate="overlaps")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if i < j:
                problems.append(Problem(*where("node", index[cells[i]], cells[i]),
                                        f"cell {cells[i]!r} overlaps cell {cells[j]!r}; a point "
                                        f"must lie in one cell only"))
    some = any(n.tier == CELL_TIER and n.polygon is not None for n in nodes)
    if some:
        for i, node in enumerate(nodes):
            if node.tier == CELL_TIER and node.polygon is None:
                problems.append(Problem(*where("node", i, node.code),
                                        f"cell {node.code!r} has no polygon while other cells "
                                        f"do; give every cell one (or none)"))
    return problems


def check_people(people: Sequence[Person], codes: set[str], where: Where = nowhere
                 ) -> list[Problem]:
    """Unique ids; every home is a node of the grid."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, person in enumerate(people):
        if person.id in first:
            problems.append(Problem(*where("person", i, person.id),
                                    f"duplicate person id {person.id!r} (first at "
                                    f"{_at(where, 'person', first[person.id], person.id)})"))
        else:
            first[person.id] = i
        if person.home not in codes:
            problems.append(Problem(*where("person", i, person.id),
                                    f"person {person.id!r} is assigned to unknown node "
                                    f"{person.home!r}; use a code of the grid"))
    return problems


def check_duties(duties: Sequence[Duty], tiers: dict[str, int], person_ids: set[str],
                 where: Where = nowhere) -> list[Problem]:
    """Known node, person and level; the level fits the node's tier; one person per node."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, duty in enumerate(duties):
        loc = where("duty", i, f"#{i}")

        def add(message: str, loc: tuple[str, int | None, str] = loc) -> None:
            problems.append(Problem(*loc, message))

        if duty.node not in tiers:
            add(f"duty names unknown node {duty.node!r}")
        if duty.person not in person_ids:
            add(f"duty names unknown person {duty.person!r}")
        level_tier = DUTY_LEVELS.get(duty.level)
        if level_tier is None:
            add(f"duty level {duty.level!r} is not one of {', '.join(DUTY_LEVELS)}")
        elif duty.node in tiers and tiers[duty.node] != level_tier:
            add(f"duty level {duty.level!r} answers for tier {level_tier} nodes, but "
                f"{duty.node!r} is tier {tiers[duty.node]}")
        if duty.level != "households" and level_tier is not None:
            if duty.node in seen:
                add(f"node {duty.node!r} already has a person on duty (duty #{seen[duty.node]}); "
                    f"one person answers for a node")
            else:
                seen[duty.node] = i
    return problems
