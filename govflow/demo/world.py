"""The demo's world: the district and its people in a fresh store, and the engine over it.

The district's layout is the generator's seed 0 (the plugins' sample generators use the same
cells); the demo's ``--seed`` drives only what happens in it. A SQLite file is replaced; on
PostgreSQL the demo works in its own schema (``govflow_demo`` unless the URL names one),
dropped and made again, so a second run starts from nothing too. A SQLite file that holds
a store the demo did not make (cases or a grid, and no demo mark) is refused, never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from govflow.clock import SimClock
from govflow.demo.staff import Staff
from govflow.demo.timeline import START
from govflow.engine.engine import Engine
from govflow.errors import GovflowError
from govflow.grid import Grid, generate_district
from govflow.grid.persist import save_to_store
from govflow.grid.routing import ResponsibilityMatrix, Rule, grid_actions
from govflow.resources import find
from govflow.store.url import backend

LAYOUT_SEED = 0
DEMO_SCHEMA = "govflow_demo"
#: the cursor row that marks a store the demo made (so a later run may replace it)
DEMO_MARK = "govflow demo"
#: the responsibility matrix (派遣): gas goes to the community, the rest to the street
MATRIX = ResponsibilityMatrix((
    Rule("gas_safety", "410102", "community", unit="燃气安全专班"),
    Rule("*", "410102", "street", unit="街道综合执法队"),
))


@dataclass
class World:
    """Everything the day loop works on."""

    grid: Grid
    engine: Engine
    staff: Staff
    clock: SimClock
    url: str
    plugins_dir: Path


def repo_file(name: str, flag: str) -> Path:
    """``name`` (``workflows.yaml`` or ``plugins``) in the working directory if it is there,
    else the one shipped with govflow (see :mod:`govflow.resources`); a clear error naming
    ``flag`` when there is none."""
    found = find(name)
    if found is None:
        raise GovflowError(f"no {name} in {Path.cwd()} nor shipped with govflow; run govflow "
                           f"demo from a folder that has it, or pass {flag}")
    return found.path


def store_url(url: str | None, out: Path) -> str:
    """The store URL to use: the given one, or ``govflow.db`` in the output folder."""
    if url:
        if backend(url) == "postgresql" and "schema=" not in url:
            return f"{url}{'&' if '?' in url else '?'}schema={DEMO_SCHEMA}"
        return url
    return f"sqlite:///{(out / 'govflow.db').resolve()}"


def fresh_store(url: str) -> Any:
    """An empty store at ``url`` (the old SQLite file or demo schema is removed first)."""
    from govflow.store.sql import SqlStore

    if backend(url) == "sqlite":
        path = Path(url.split(":///", 1)[1].split("?", 1)[0])
        _check_replaceable(path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        old = SqlStore(url, create=True)
        old.drop_schema()
        old.close()
    store = SqlStore(url, create=True)
    store.commit([], cursor=(DEMO_MARK, "made by govflow demo"))
    return store


def _check_replaceable(path: Path) -> None:
    """Refuse to replace a SQLite file that holds a store the demo did not make."""
    import sqlite3

    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        con = sqlite3.connect(path)  # it exists; only read (closing tidies the WAL files)
        try:
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "cursors" in tables and con.execute(
                    "SELECT 1 FROM cursors WHERE source = ?", (DEMO_MARK,)).fetchone():
                return
            held = [t for t in ("cases", "grid_nodes", "api_keys") if t in tables and
                    con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise GovflowError(f"{path} is not a store the demo made ({exc}); the demo starts "
                           "from an empty store: pass --store sqlite:///demo.db, or move "
                           f"{path} away") from None
    if held:
        raise GovflowError(
            f"{path} holds a store the demo did not make ({', '.join(held)} in it); the demo "
            "starts from an empty store: pass --store sqlite:///demo.db, or move "
            f"{path} away")


def build_world(url: str, *, workflows: Path, plugins_dir: Path,
                observers: list[object], start: datetime = START) -> World:
    """Generate the district, keep it in a fresh store, and start the engine on it."""
    grid = generate_district(LAYOUT_SEED)
    store = fresh_store(url)
    save_to_store(store, grid)
    clock = SimClock(start)
    engine = Engine(workflows, store=store, clock=clock, grid=grid,
                    actions=grid_actions(grid, MATRIX), plugins=observers,
                    plugins_dir=plugins_dir)
    return World(grid, engine, Staff.build(grid), clock, url, plugins_dir)
