"""Party organisations and households on the grid (组织强网, 联户党员包群众).

A grid party branch (网格党支部) sits on each third-tier cell and a building party group
(楼栋党小组) on each building under it; households (户) belong to a building's group and each
is linked to one party member (联户党员), the last link of the four-level contact chain:
county cadre → street → community committee member → cell → party member → household.

Loaded from a YAML file (``orgs:`` and ``households:`` lists; :func:`load_party`), validated
against the grid with every problem listed at once (:class:`~govflow.errors.GridError`),
written back (:func:`write_party`), and exported as arrays for the kernels
(:func:`party_arrays`: each organisation's and household's node index, each household's
member as a people-array index, and households per node rolled up the tiers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from govflow.errors import GridError, Problem
from govflow.grid.duty import chain, households_of
from govflow.grid.model import Identity
from govflow.grid.tree import Grid
from govflow.workflows.safeyaml import MACHINE_WRITTEN, YamlFault, YamlLimits, safe_load_file

# libyaml (C) when installed, with the same safe_dump semantics; pure Python otherwise
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Kind = Literal["branch", "group"]
KINDS = ("branch", "group")


@dataclass(frozen=True, slots=True)
class PartyOrg:
    """A grid branch (``branch``, on a cell) or a building group (``group``, under a branch)."""

    code: str
    kind: Kind
    cell: str
    name: str
    parent: str | None = None      # a group's branch
    secretary: str | None = None   # a person of the grid, a party member


@dataclass(frozen=True, slots=True)
class Household:
    """A household, in a building group, with its linked party member (联户党员)."""

    id: str
    cell: str
    group: str
    address: str
    member: str


@dataclass(frozen=True, slots=True)
class Party:
    orgs: tuple[PartyOrg, ...]
    households: tuple[Household, ...]

    def org(self, code: str) -> PartyOrg:
        for o in self.orgs:
            if o.code == code:
                return o
        raise KeyError(f"no party organisation {code!r}")

    def households_of_member(self, person: str) -> list[Household]:
        return [h for h in self.households if h.member == person]


def validate_party(party: Party, grid: Grid, file: str = "<party>", *,
                   by_key: bool = False) -> None:
    """Raise GridError listing every problem: unknown cells, people, parents; duplicates;
    a group whose branch is on another cell; a member or secretary who is not a party
    member; a household member without a households duty on that cell.

    Problems name rows by position (``orgs[3]``, as in a file) or, with ``by_key``, by code
    and id (``orgs[410102001001001-B]``, as rows kept in a store are found)."""
    problems: list[Problem] = []

    def org_at(i: int, o: PartyOrg) -> str:
        return f"orgs[{o.code if by_key else i}]"

    def bad(path: str, message: str) -> None:
        problems.append(Problem(file, None, path, message))

    cells = set(grid.cells())
    orgs: dict[str, PartyOrg] = {}
    for i, o in enumerate(party.orgs):
        where = org_at(i, o)
        if o.code in orgs:
            bad(f"{where}.code", f"organisation {o.code!r} is listed twice")
        orgs[o.code] = o
        if o.kind not in KINDS:
            bad(f"{where}.kind", f"kind {o.kind!r}: use branch or group")
        if o.cell not in cells:
            bad(f"{where}.cell", f"{o.cell!r} is not a third-tier cell of the grid")
        if o.secretary is not None:
            _party_member(grid, o.secretary, f"{where}.secretary", bad)
    for i, o in enumerate(party.orgs):
        where = org_at(i, o)
        if o.kind == "group":
            branch = orgs.get(o.parent or "")
            if branch is None or branch.kind != "branch":
                bad(f"{where}.parent", f"group {o.code!r} needs the code of its branch, got "
                    f"{o.parent!r}")
            elif branch.cell != o.cell:
                bad(f"{where}.parent", f"group {o.code!r} is on {o.cell} but its branch "
                    f"{branch.code!r} is on {branch.cell}")
        elif o.parent is not None:
            bad(f"{where}.parent", "a branch has no parent organisation")
    seen: set[str] = set()
    linked = {(d.node, d.person) for d in grid.duties if d.level == "households"}
    for i, h in enumerate(party.households):
        where = f"households[{h.id if by_key else i}]"
        if h.id in seen:
            bad(f"{where}.id", f"household {h.id!r} is listed twice")
        seen.add(h.id)
        group = orgs.get(h.group)
        if group is None or group.kind != "group":
            bad(f"{where}.group", f"{h.group!r} is not a building party group")
        elif group.cell != h.cell:
            bad(f"{where}.group", f"group {h.group!r} is on {group.cell}, the household on "
                f"{h.cell}")
        if _party_member(grid, h.member, f"{where}.member", bad) and \
                (h.cell, h.member) not in linked:
            bad(f"{where}.member", f"{h.member!r} has no households duty on {h.cell}; add "
                "a duty (level: households) or link the household to one who has")
    if problems:
        raise GridError(problems)


def _party_member(grid: Grid, person: str, path: str, bad: Any) -> bool:
    try:
        who = grid.person(person)
    except Exception:
        bad(path, f"no person {person!r} in the grid's people")
        return False
    if Identity.PARTY_MEMBER not in who.identities:
        bad(path, f"{person!r} is not a party member (identity party_member)")
        return False
    return True


def load_party(path: str | Path, grid: Grid) -> Party:
    """Read and validate a party file; every problem is listed, none is skipped."""
    file = Path(path)
    try:
        doc = safe_load_file(file, YamlLimits.from_env(MACHINE_WRITTEN)) or {}
    except YamlFault as fault:
        raise GridError([Problem(str(file), fault.line, "", f"cannot read: {fault.message}",
                                 fault.column)]) from None
    problems: list[Problem] = []
    orgs = _rows(doc, "orgs", PartyOrg, file, problems)
    homes = _rows(doc, "households", Household, file, problems)
    if problems:
        raise GridError(problems)
    party = Party(tuple(orgs), tuple(homes))
    validate_party(party, grid, str(file))
    return party


def _rows(doc: Any, key: str, kind: Any, file: Path, problems: list[Problem]) -> list[Any]:
    rows = doc.get(key, []) if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        problems.append(Problem(str(file), None, key, "must be a list of mappings"))
        return []
    out = []
    for i, row in enumerate(rows):
        try:
            fields = {k: (None if v is None else str(v)) for k, v in dict(row).items()}
            out.append(kind(**fields))
        except (TypeError, ValueError) as exc:
            problems.append(Problem(str(file), None, f"{key}[{i}]", f"bad row: {exc}"))
    return out


def write_party(party: Party, path: str | Path) -> Path:
    out = Path(path)
    doc = {"orgs": [asdict(o) for o in party.orgs],
           "households": [asdict(h) for h in party.households]}
    out.write_text(yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False),
                   encoding="utf-8")
    return out


@dataclass(frozen=True, slots=True)
class PartyArrays:
    org_node: np.ndarray          # int32 node index of each organisation (its cell)
    org_kind: np.ndarray          # int8: 0 branch, 1 group
    household_node: np.ndarray    # int32 node index of each household's cell
    household_member: np.ndarray  # int32 index of the member in the grid's people arrays
    households: np.ndarray        # int64 recorded households per node, rolled up


def party_arrays(party: Party, grid: Grid) -> PartyArrays:
    arrays = grid.to_arrays()
    people = {pid: i for i, pid in enumerate(grid.people_arrays().ids)}
    home = np.fromiter((arrays.index[h.cell] for h in party.households), np.int32,
                       len(party.households))
    per_node = np.bincount(home, minlength=len(arrays.codes))
    return PartyArrays(
        org_node=np.fromiter((arrays.index[o.cell] for o in party.orgs), np.int32,
                             len(party.orgs)),
        org_kind=np.fromiter((KINDS.index(o.kind) for o in party.orgs), np.int8,
                             len(party.orgs)),
        household_node=home,
        household_member=np.fromiter((people[h.member] for h in party.households), np.int32,
                                     len(party.households)),
        households=arrays.rollup(per_node))


def contact_chain(grid: Grid, party: Party, household: str) -> list[tuple[str, str | None]]:
    """(what, who) from a household up: its party member, then each node's person on duty."""
    found = [h for h in party.households if h.id == household]
    if not found:
        raise GridError([Problem("<party>", None, household, f"no household {household!r}")])
    h = found[0]
    return [(f"household {h.id}", h.member), *chain(grid, h.cell)]


def generate_party(grid: Grid, cells: Iterable[str] | None = None, *,
                   buildings: int = 2, per_building: int = 4) -> Party:
    """A branch per cell, ``buildings`` groups under it, ``per_building`` households each,
    linked round-robin to the cell's party members on households duty (demo, tests)."""
    orgs: list[PartyOrg] = []
    homes: list[Household] = []
    for cell in sorted(cells if cells is not None else grid.cells()):
        members = households_of(grid, cell)
        if not members:
            continue
        branch = f"{cell}-B"
        orgs.append(PartyOrg(branch, "branch", cell, f"{grid.node(cell).name}党支部",
                             secretary=members[0]))
        for b in range(buildings):
            group = f"{cell}-G{b + 1}"
            orgs.append(PartyOrg(group, "group", cell, f"{b + 1}号楼党小组", branch,
                                 members[b % len(members)]))
            for k in range(per_building):
                n = b * per_building + k
                homes.append(Household(f"{cell}-H{n + 1:03d}", cell, group,
                                       f"{b + 1}号楼{k + 1:02d}室", members[n % len(members)]))
    return Party(tuple(orgs), tuple(homes))
