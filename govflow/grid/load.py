"""Read and write grid files: one YAML file, or a folder of CSV files.

YAML (every section optional but ``nodes``)::

    nodes:
      - {code: "410102", name: 中原区}
      - {code: "410102001", parent: "410102", name: 林山寨街道}
      - {code: "410102001001001", parent: "410102001001", name: 第1网格, households: 420,
         polygon: "POLYGON ((113.55 34.71, ...))"}
    people:
      - {id: p1, name: 王芳, home: "410102001001001", identities: [GRID_WORKER, PARTY_MEMBER],
         contact: "im:p1", skills: [first_aid]}
    duty:
      - {node: "410102001001001", person: p1, level: community}

GeoJSON (``.geojson``): a FeatureCollection, one feature per node, properties ``code``,
``parent``, ``name``, ``households`` and the node's Polygon/MultiPolygon as its geometry
(:mod:`govflow.grid.geojson`); people and duty come with ``--people``/``--duty``.

CSV: a folder with ``nodes.csv`` (code,parent,name,households,polygon), and optionally
``people.csv`` (id,name,home,identities,contact,skills; lists joined with ``|``) and
``duty.csv`` (node,person,level). Every problem of every file is reported at once with its
file and line, and nothing is loaded when there is one.

Plain YAML scalars are read as strings (codes keep their digits; ``on``/``no`` stay words).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from govflow.errors import GridError, Problem
from govflow.grid.model import Duty, Identity, Node, Person, tier_of_code
from govflow.grid.tree import Grid
from govflow.workflows.safeyaml import (
    MACHINE_WRITTEN,
    YamlFault,
    YamlLimits,
    compose,
    read_yaml_file,
)

FIELDS = {
    "nodes": ("code", "parent", "name", "households", "polygon"),
    "people": ("id", "name", "home", "identities", "contact", "skills"),
    "duty": ("node", "person", "level"),
}
REQUIRED = {"nodes": ("code", "name"), "people": ("id", "home"), "duty": ("node", "person",
                                                                            "level")}
_NULLS = {"", "~", "null", "Null", "NULL"}
Row = tuple[str, int | None, dict[str, Any]]  # file, line, fields


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _StringLoader(_Base):  # type: ignore[misc]
    """safe_load semantics, but every plain scalar stays a string; composed by
    ``safeyaml.compose``, so the size, node and depth limits hold."""


_StringLoader.yaml_implicit_resolvers = {}


def _plain(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return {str(_plain(k)): _plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    value = str(node.value)
    style = getattr(node, "style", None)
    return None if style is None and value in _NULLS else value


def _yaml_rows(path: Path, problems: list[Problem]) -> dict[str, list[Row]]:
    name = str(path)
    try:
        limits = YamlLimits.from_env(MACHINE_WRITTEN)
        root = compose(read_yaml_file(path, limits), _StringLoader, limits)
    except YamlFault as fault:
        problems.append(Problem(name, fault.line, "", f"not valid YAML: {fault.message}",
                                fault.column))
        return {}
    out: dict[str, list[Row]] = {}
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(name, 1, "", "expected a mapping with nodes/people/duty lists"))
        return out
    for key_node, value in root.value:
        key = str(key_node.value)
        if key not in FIELDS:
            problems.append(Problem(name, key_node.start_mark.line + 1, key,
                                    f"unknown section {key!r}; expected one of "
                                    f"{', '.join(FIELDS)}"))
            continue
        if not isinstance(value, yaml.SequenceNode):
            problems.append(Problem(name, value.start_mark.line + 1, key, "expected a list"))
            continue
        rows = out.setdefault(key, [])
        for i, item in enumerate(value.value):
            line = item.start_mark.line + 1
            fields = _plain(item)
            if not isinstance(fields, dict):
                problems.append(Problem(name, line, f"{key}[{i}]", "expected a mapping"))
                continue
            rows.append((name, line, fields))
    return out


def _csv_rows(path: Path, problems: list[Problem]) -> list[Row]:
    name = str(path)
    rows: list[Row] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            fields = {k: (v if v not in _NULLS else None) for k, v in record.items()
                      if k is not None}
            if None in record:
                problems.append(Problem(name, reader.line_num, "", "more fields than the header"))
            rows.append((name, reader.line_num, fields))
    return rows


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split("|") if v.strip()]


class _Parser:
    """Turns rows into records, remembering the row each record came from.

    A row with a problem is still checked field by field (every problem of the row is
    reported); it becomes a record only when its required fields are there.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: (kind, index of the record in nodes/people/duties) → (file, line, path)
        self.where_map: dict[tuple[str, int], tuple[str, int | None, str]] = {}
        self.nodes: list[Node] = []
        self.people: list[Person] = []
        self.duties: list[Duty] = []

    def where(self, kind: str, index: int, key: str) -> tuple[str, int | None, str]:
        return self.where_map.get((kind, index), ("<grid>", None, f"{kind} {key}"))

    def _check_fields(self, kind: str, row: Row, index: int) -> bool:
        file, line, fields = row
        ok = True
        for key in fields:
            if key not in FIELDS[kind]:
                self.problems.append(Problem(file, line, f"{kind}[{index}].{key}",
                                             f"unknown field {key!r}; expected "
                                             f"{', '.join(FIELDS[kind])}"))
        for key in REQUIRED[kind]:
            if not fields.get(key):
                self.problems.append(Problem(file, line, f"{kind}[{index}].{key}",
                                             f"missing {key!r}"))
                ok = False
        return ok

    def add_nodes(self, rows: list[Row]) -> None:
        for i, row in enumerate(rows):
            file, line, f = row
            complete = self._check_fields("nodes", row, i)
            households = 0
            raw = f.get("households")
            if raw is not None:
                try:
                    households = int(str(raw))
                    if households < 0:
                        raise ValueError
                except ValueError:
                    self.problems.append(Problem(file, line, f"nodes[{i}].households",
                                                 f"households must be a whole number ≥ 0, "
                                                 f"got {raw!r}"))
            if not complete:
                continue
            code = str(f["code"]).strip()
            parent = f.get("parent")
            self.where_map[("node", len(self.nodes))] = (file, line, f"nodes[{i}]")
            self.nodes.append(Node(code, str(parent).strip() if parent else None,
                                   tier_of_code(code), str(f["name"]), households,
                                   f.get("polygon") or None))

    def add_people(self, rows: list[Row]) -> None:
        known = [n for n in Identity.__members__ if n != "NONE"]
        for i, row in enumerate(rows):
            file, line, f = row
            complete = self._check_fields("people", row, i)
            identities = Identity.NONE
            for name in _list(f.get("identities")):
                try:
                    identities |= Identity.parse([name])
                except KeyError as exc:
                    self.problems.append(Problem(file, line, f"people[{i}].identities",
                                                 f"unknown identity {exc.args[0]!r}; known: "
                                                 f"{', '.join(known)}"))
            if not complete:
                continue
            pid = str(f["id"])
            self.where_map[("person", len(self.people))] = (file, line, f"people[{i}]")
            self.people.append(Person(pid, str(f.get("name") or ""), str(f["home"]), identities,
                                      str(f.get("contact") or ""),
                                      tuple(_list(f.get("skills")))))

    def add_duties(self, rows: list[Row]) -> None:
        for i, row in enumerate(rows):
            file, line, f = row
            if not self._check_fields("duty", row, i):
                continue
            self.where_map[("duty", len(self.duties))] = (file, line, f"duty[{i}]")
            self.duties.append(Duty(str(f["node"]), str(f["person"]), str(f["level"])))


def _sections(path: Path, problems: list[Problem]) -> dict[str, list[Row]]:
    if path.is_dir():
        out: dict[str, list[Row]] = {}
        for kind in FIELDS:
            file = path / f"{kind}.csv"
            if file.exists():
                out[kind] = _csv_rows(file, problems)
        return out
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(path, problems)
    if path.suffix.lower() == ".csv":
        return {"nodes": _csv_rows(path, problems)}
    if path.suffix.lower() in (".geojson", ".json"):
        from govflow.grid.geojson import read_rows

        return {"nodes": read_rows(path, problems)}
    raise GridError([Problem(str(path), None, "", "expected a .yaml file, a .csv file of "
                                                   "nodes, a .geojson file of nodes or a "
                                                   "folder of CSV files")])


def load_grid(path: str | Path, *, people: str | Path | None = None,
              duty: str | Path | None = None) -> Grid:
    """Load and validate a grid; :class:`GridError` lists every problem of every file."""
    problems: list[Problem] = []
    base = Path(path)
    if not base.exists():
        raise GridError([Problem(str(base), None, "", "no such file or folder")])
    sections = _sections(base, problems)
    for extra, kind in ((people, "people"), (duty, "duty")):
        if extra is not None:
            extra_path = Path(extra)
            if extra_path.suffix.lower() == ".csv":
                sections.setdefault(kind, []).extend(_csv_rows(extra_path, problems))
            else:
                for key, rows in _yaml_rows(extra_path, problems).items():
                    sections.setdefault(key, []).extend(rows)
    if not sections.get("nodes"):
        if not problems:
            problems.append(Problem(str(base), None, "nodes", "the grid has no nodes"))
        raise GridError(problems)
    parser = _Parser()
    parser.add_nodes(sections.get("nodes", []))
    parser.add_people(sections.get("people", []))
    parser.add_duties(sections.get("duty", []))
    return Grid.build(parser.nodes, parser.people, parser.duties, where=parser.where,
                      problems=problems + parser.problems)


def _records(grid: Grid) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    yield "nodes", [{"code": n.code, "parent": n.parent, "name": n.name,
                     "households": n.households, "polygon": n.polygon} for n in grid.nodes()]
    yield "people", [{"id": p.id, "name": p.name, "home": p.home,
                      "identities": p.identities.names(), "contact": p.contact,
                      "skills": list(p.skills)} for p in grid.people()]
    yield "duty", [{"node": d.node, "person": d.person, "level": d.level} for d in grid.duties]


def write_grid(grid: Grid, path: str | Path) -> Path:
    """Write ``grid`` as one YAML file (``.yaml``/``.yml``), a GeoJSON file of its nodes
    (``.geojson``; people and duty are not part of it) or a folder of CSV files."""
    target = Path(path)
    if target.suffix.lower() == ".geojson":
        from govflow.grid.geojson import write_geojson

        return write_geojson(grid.nodes(), target)
    if target.suffix.lower() in (".yaml", ".yml"):
        data = {kind: [{k: v for k, v in row.items() if v not in (None, [], "")} for row in rows]
                for kind, rows in _records(grid)}
        target.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True,
                                    sort_keys=False, width=200), encoding="utf-8")
        return target
    target.mkdir(parents=True, exist_ok=True)
    for kind, rows in _records(grid):
        with (target / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS[kind])
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "|".join(v) if isinstance(v, list) else
                                 ("" if v is None else v) for k, v in row.items()})
    return target


def grid_rows(grid: Grid) -> Mapping[str, list[dict[str, Any]]]:
    """Plain dict rows (grid_nodes / people / duty) as the SQL store's ``save_grid`` takes them."""
    out = dict(_records(grid))
    for row in out["nodes"]:
        row["tier"] = tier_of_code(row["code"])
    return out
