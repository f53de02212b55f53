"""Grid files: YAML and CSV load and round-trip; bad files list every problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from govflow.errors import GridError
from govflow.grid import Grid, Identity, generate_district
from govflow.grid.load import load_grid, write_grid

GOOD = """\
nodes:
  - {code: "410102", name: 中原区, polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001", parent: "410102", name: 林山寨街道,
     polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001001", parent: "410102001", name: 颍河路社区,
     polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001001001", parent: "410102001001", name: 第1网格, households: 420,
     polygon: "POLYGON ((0 0, 2 0, 2 4, 0 4, 0 0))"}
  - {code: "410102001001002", parent: "410102001001", name: 第2网格, households: 380,
     polygon: "POLYGON ((2 0, 4 0, 4 4, 2 4, 2 0))"}
people:
  - {id: p1, name: 王芳, home: "410102001001001", identities: [GRID_WORKER, PARTY_MEMBER],
     skills: [first_aid]}
  - {id: p2, name: 李强, home: "410102001001", identities: "CADRE|COMMITTEE_MEMBER"}
duty:
  - {node: "410102001001001", person: p2, level: community}
"""

BAD = """\
nodes:
  - {code: "410102", name: 中原区, polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001", parent: "410102", name: 街道一,
     polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001", parent: "410102", name: 街道一又一次}
  - {code: "410102001001", parent: "410102009", name: 悬空社区}
  - {code: "410102002001", parent: "410102001", name: 错位社区}
  - {code: "410102003", parent: "410102003001", name: 环甲}
  - {code: "410102003001", parent: "410102003", name: 环乙}
  - {code: "410102001002", parent: "410102001", name: 社区,
     polygon: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"}
  - {code: "410102001002001", parent: "410102001002", name: 出界网格, households: 10,
     polygon: "POLYGON ((3 3, 9 3, 9 9, 3 9, 3 3))"}
  - {code: "410102001002002", parent: "410102001002", name: 网格, households: many,
     polygon: "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"}
people:
  - {id: p1, name: 王芳, home: "410102999999999", identities: [GRID_WORKER]}
  - {id: p2, name: 李强, home: "410102", identities: [WIZARD]}
duty:
  - {node: "410102001002002", person: nobody, level: community}
"""


def test_yaml_file_loads(tmp_path: Path) -> None:
    """A good YAML file gives the grid, people with identities and the duty chain."""
    path = tmp_path / "grid.yaml"
    path.write_text(GOOD, encoding="utf-8")
    grid = load_grid(path)
    assert len(grid) == 5
    assert grid.person("p1").identities == Identity.GRID_WORKER | Identity.PARTY_MEMBER
    assert grid.person("p1").skills == ("first_aid",)
    assert grid.on_duty("410102001001001") == "p2"
    assert grid.locate(1.0, 1.0) == "410102001001001"
    assert grid.locate(3.0, 1.0) == "410102001001002"


def test_bad_yaml_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    """Duplicate, dangling parent, bad nesting, cycle, polygon outside its parent, bad
    households, unknown home, unknown identity and unknown duty person: all in one error."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(GridError) as info:
        load_grid(path)
    problems = info.value.problems
    text = str(info.value)
    by_line = {p.line: p.message for p in problems}
    assert all(p.file == str(path) for p in problems)
    assert "duplicate code '410102001'" in by_line[5]
    assert "dangling parent" in by_line[6]
    assert "does not nest under its parent's code" in by_line[7]
    assert "parent cycle" in text and "410102003 → 410102003001 → 410102003" in text
    assert "lies outside the polygon of its parent" in by_line[12]
    assert "households must be a whole number" in by_line[14]
    assert "unknown node '410102999999999'" in by_line[17]
    assert "unknown identity 'WIZARD'" in by_line[18]
    assert "unknown person 'nobody'" in by_line[20]
    assert len(problems) >= 9


def test_bad_csv_rows_are_named_by_line(tmp_path: Path) -> None:
    """CSV problems name the file and the line of the row."""
    folder = tmp_path / "grid"
    folder.mkdir()
    (folder / "nodes.csv").write_text(
        "code,parent,name,households,polygon\n"
        "410102,,中原区,,\n"
        "410102001,410102,街道,,\n"
        "410102001,410102,重复街道,,\n"
        "410102001001,410102007,悬空,,\n", encoding="utf-8")
    (folder / "people.csv").write_text(
        "id,name,home,identities,contact,skills\n"
        "p1,王芳,410102001,GRID_WORKER|VOLUNTEER,im:p1,first_aid|driving\n"
        "p2,李强,410102555,CADRE,,\n", encoding="utf-8")
    with pytest.raises(GridError) as info:
        load_grid(folder)
    where = {(Path(p.file).name, p.line) for p in info.value.problems}
    assert ("nodes.csv", 4) in where  # the duplicate
    assert ("nodes.csv", 5) in where  # the dangling parent
    assert ("people.csv", 3) in where  # unknown home


def test_overlapping_cells_and_missing_polygons_are_problems(tmp_path: Path) -> None:
    """Cells may not overlap, and either every cell has a polygon or none has."""
    text = GOOD.replace("POLYGON ((2 0, 4 0, 4 4, 2 4, 2 0))",
                        "POLYGON ((1 0, 4 0, 4 4, 1 4, 1 0))")
    path = tmp_path / "overlap.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GridError, match="overlaps cell"):
        load_grid(path)
    lines = GOOD.splitlines()
    lines[8] = ('  - {code: "410102001001002", parent: "410102001001", name: 第2网格, '
                'households: 380}')
    del lines[9]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GridError, match="has no polygon while other cells do"):
        load_grid(path)


def test_not_a_grid_file_is_a_clear_error(tmp_path: Path) -> None:
    """Invalid YAML, a missing file and an unknown section are reported, not raised raw."""
    path = tmp_path / "broken.yaml"
    path.write_text("nodes: [\n", encoding="utf-8")
    with pytest.raises(GridError, match="not valid YAML"):
        load_grid(path)
    with pytest.raises(GridError, match="no such file"):
        load_grid(tmp_path / "missing.yaml")
    path.write_text("nodez: []\n", encoding="utf-8")
    with pytest.raises(GridError, match="unknown section 'nodez'"):
        load_grid(path)


def test_csv_round_trip_keeps_everything(tmp_path: Path) -> None:
    """write_grid → load_grid as CSV gives the same nodes, people and duties."""
    grid = generate_district(seed=3)
    loaded = load_grid(write_grid(grid, tmp_path / "zhongyuan"))
    assert loaded.nodes() == grid.nodes()
    assert loaded.people() == grid.people()
    assert loaded.duties == grid.duties


def test_yaml_round_trip(tmp_path: Path) -> None:
    """write_grid → load_grid as YAML gives the same grid (a small one)."""
    path = tmp_path / "g.yaml"
    path.write_text(GOOD, encoding="utf-8")
    grid = load_grid(path)
    again = load_grid(write_grid(grid, tmp_path / "again.yaml"))
    assert again.nodes() == grid.nodes() and again.people() == grid.people()


def test_build_rejects_bad_records_in_memory() -> None:
    """Grid.build validates records made in code, too."""
    from govflow.grid import Node

    with pytest.raises(GridError, match="exactly one root"):
        Grid.build([Node("410102", None, 0, "a"), Node("410103", None, 0, "b")])


ROWS = """\
nodes:
  - {code: "410102", name: 中原区}
  - {code: "410102001", parent: "410102", name: 街道}
  - {code: "410102001", parent: "410102", name: 重复}
  - {code: "410102001001", parent: "410102001", households: -1}
people:
  - {id: p1, name: 王芳, home: "410102999999999", identities: [GRID_WORKER, WIZARD]}
  - {id: p1, name: dup, home: "410102001"}
  - {name: no id, home: "410102888", identities: [DRAGON]}
"""


def test_each_problem_is_on_its_own_row_and_a_row_is_checked_whole(tmp_path: Path) -> None:
    """Two rows sharing an id each get their own problems; a row with one bad field (or a
    missing one) still has its other fields checked."""
    path = tmp_path / "rows.yaml"
    path.write_text(ROWS, encoding="utf-8")
    with pytest.raises(GridError) as info:
        load_grid(path)
    by_line: dict[int | None, list[str]] = {}
    for problem in info.value.problems:
        by_line.setdefault(problem.line, []).append(problem.message)
    assert any("duplicate code '410102001' (first at" in m for m in by_line[4])
    assert 3 not in by_line  # the first row with that code is fine
    assert any("missing 'name'" in m for m in by_line[5])
    assert any("households must be a whole number" in m for m in by_line[5])
    first_p1 = " ".join(by_line[7])
    assert "unknown identity 'WIZARD'" in first_p1 and "unknown node '410102999999999'" in first_p1
    assert "duplicate person id 'p1'" in " ".join(by_line[8])
    assert "unknown node" not in " ".join(by_line[8])
    third = " ".join(by_line[9])
    assert "missing 'id'" in third and "unknown identity 'DRAGON'" in third
