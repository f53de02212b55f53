"""The end of ``govflow demo``: the cockpit per tier, the HTML page, the figures of the run,
where the database and the page are, and what to run next."""

from __future__ import annotations

import sys
import time
from typing import Any

from govflow.demo.result import DemoResult, Options
from govflow.demo.timeline import START, day_start
from govflow.demo.world import World
from govflow.store.url import redact

TITLE = "中原区 网格治理驾驶舱 (govflow demo)"


def report(result: DemoResult, world: World, opts: Options, started: float) -> None:
    """Print everything and write the page; ``started`` is when the command began."""
    from rich.console import Console

    console = Console() if sys.stdout.isatty() else Console(width=170)
    clock = time.perf_counter
    t = clock()
    page = opts.out / "cockpit.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    _cockpit(console, result, world, opts, page)
    result.html = page
    result.seconds["end"] = clock() - t
    result.seconds["total"] = clock() - started
    _figures(console, result)
    _where(console, result, world, page, opts)


def _cockpit(console: Any, result: DemoResult, world: World, opts: Options, page: Any) -> None:
    """The cockpit over the simulated period: the district with its streets (and the top
    categories, hotspots and overdue list), then the busiest street with its communities;
    the page for the district."""
    from govflow.cockpit.html import write_html
    from govflow.cockpit.kpi import from_grid
    from govflow.cockpit.live import LiveCockpit
    from govflow.cockpit.terminal import render, tier_table

    grid = world.grid
    reading = LiveCockpit(world.engine.store, grid).refresh()
    snap = reading.snapshot
    origin = opts.start or START
    t0, t1 = day_start(1, origin), day_start(opts.days + 1, origin)
    cockpit = from_grid(snap, grid, t0=int(t0.timestamp()), t1=int(t1.timestamp()))
    render(cockpit, console)
    streets = grid.children(grid.root)
    busiest = max(streets, key=lambda s: (cockpit.row(s)["opened"], s))
    console.print(tier_table(cockpit, busiest))
    write_html(cockpit, page, grid=grid, reading=reading, store=world.engine.store)


def _figures(console: Any, result: DemoResult) -> None:
    from rich.table import Table

    table = Table(title=f"{result.days} simulated days, seed {result.seed}")
    for col in ("source", "records", "cases opened", "merged", "skipped", "dead letters"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for source in sorted(set(result.records) | set(result.opened)):
        table.add_row(source, f"{result.records.get(source, 0):,}",
                      f"{result.opened.get(source, 0):,}", f"{result.merged.get(source, 0):,}",
                      f"{result.skipped.get(source, 0):,}", f"{result.dead.get(source, 0):,}")
    console.print(table)
    c, m, e, camp = result.cases, result.messages, result.events, result.campaign
    console.print(
        f"workforce actions {sum(result.actions.values()):,} (refused "
        f"{sum(result.refused.values()):,}), extensions (延期) {result.actions.get('extend', 0):,};"
        f" timers fired {result.timers:,}: warnings "
        f"{m.get('warning', 0):,}, red lights {m.get('breach', 0):,}, escalations "
        f"{e.get('escalated', 0):,} ({c.get('escalated', 0):,} cases), supervision cards "
        f"{m.get('supervision', 0):,}; reworked cases {c.get('reworked', 0):,}; revisits "
        f"{e.get('revisits', 0):,} with {e.get('rebounds', 0):,} rebounds (reopened)")
    if camp:
        console.print(
            f"campaign {camp['id']}: {camp['tasks']} cells, on post in time {camp['on_post']} "
            f"(到岗率 {camp['rate']:.1%}), late {camp['late']}, still open {camp['open']}; "
            f"{camp['matched']:,} of {camp['places']:,} places filled from "
            f"{camp['available']:,} available volunteers (travel {camp['travel']}), "
            f"{camp['replaced']} silent replaced by {camp['refilled']} rematched, "
            f"{camp['unanswered']} still silent when the emergency ended")
    _subsystems(console, result.subsystems)
    s = result.seconds
    sim = s.get("simulate", 0.0) or 1e-9
    console.print(
        f"wall time {s.get('total', 0):.1f} s (build {s.get('build', 0):.1f} s, simulate "
        f"{sim:.1f} s, cockpit {s.get('end', 0):.1f} s); {result.total_records:,} records "
        f"({result.total_records / sim:,.0f}/s), {result.total_opened:,} cases opened "
        f"({result.total_opened / sim:,.0f}/s)")


def _serve_line(store: str, opts: Options) -> str:
    """``govflow serve`` on the demo's database (``store``: `` --store URL`` or nothing for
    the default) with the demo's workflows and plugins."""
    from govflow.demo.world import repo_file
    from govflow.errors import GovflowError

    try:
        flows = opts.workflows or repo_file("workflows.yaml", "--workflows")
        plugins = opts.plugins_dir or repo_file("plugins", "--plugins-dir")
    except GovflowError:  # not beside a checkout: the defaults of serve
        return f"govflow serve{store}"
    return f"govflow serve{store} --workflows {flows} --plugins-dir {plugins}"


def _subsystems(console: Any, subs: dict[str, Any]) -> None:
    """Gas campaign, patrols, AI vision, triage; the stage KPIs and the assessment."""
    from govflow.cockpit.assessment import FORMULA

    if not subs:
        return
    n = subs.get("counts", {})
    party = subs.get("party")
    if party:
        console.print(
            f"party organisations (组织强网): {party['branches']} grid branches, "
            f"{party['groups']} building groups, {party['households']} households linked to "
            f"{party['members']} party members (联户党员)")
    gas = subs.get("gas")
    if gas:
        console.print(
            f"gas-safety campaign (燃气安全排查): {gas['checked']:,} of {gas['premises']:,} "
            f"premises checked, {gas['hazards']} hazards found, {gas['rectified']} rectified")
    console.print(
        f"patrols (常态化巡查): {n.get('patrols_scheduled', 0):,} scheduled on work days, "
        f"{n.get('patrols_walked', 0):,} walked, {n.get('patrol_findings', 0)} findings "
        f"opened cases; AI vision: {n.get('vision_confirmed', 0)} confirmed, "
        f"{n.get('vision_false_alarms', 0)} false alarms over "
        f"{subs.get('vision_cameras', 0)} cameras (by kind: " + ", ".join(
            f"{kind} {v['confirmed']}/{v['confirmed'] + v['false_alarms']}"
            for kind, v in subs.get("vision", {}).items()) + "); messages classified by hand "
        f"(人工分类): {n.get('messages_classified', 0)}")
    k = subs.get("kpis", {})
    if k:
        console.print(
            "stage KPIs (district): " + ", ".join(
                f"{label} {k[name]:.1%}" for name, label in (
                    ("on_time_registration", "按时立案率"), ("on_time_dispatch", "按时派遣率"),
                    ("accurate_dispatch", "准确派遣率"), ("handling_rate", "处置率"),
                    ("on_time_handling", "按期处置率"), ("satisfaction", "满意率"))
                if k.get(name) is not None))
    a = subs.get("assessment")
    if a:
        console.print(
            f"assessment (四个一体): district {a['district']}, cells scored "
            f"{a['cells_scored']} (median {a['cell_median']}, lowest {a['cell_min']}); "
            f"{FORMULA}; weights 0.3/0.3/0.2/0.2", soft_wrap=True)


def _where(console: Any, result: DemoResult, world: World, page: Any, opts: Options) -> None:
    import os

    from govflow.store.url import DEFAULT_URL

    url = redact(result.url)
    default = os.environ.get("GOVFLOW_STORE_URL") or DEFAULT_URL
    store = "" if result.url == default else f" --store '{url}'"  # the default needs no flag
    root = world.grid.root
    street = world.grid.children(root)[0]
    camp = result.campaign.get("id", "CAMPAIGN")
    console.print(f"\ndatabase: {url}\ncockpit page (a snapshot): {page.resolve()}\n\n"
                  f"next, the live cockpit (领导驾驶舱) on this database, in a browser:")
    console.print(f"  {_serve_line(store, opts)}   # then open http://127.0.0.1:8000/",
                  highlight=False, soft_wrap=True)
    console.print("\nand in the terminal:")
    for line in (
        f"govflow cockpit{store} --node {street}",
        f"govflow cockpit{store} --html cockpit.html",
        f"govflow campaign status {camp}{store} --tier 1",
        f"govflow grid show {street}{store}",
        "govflow replay YOUR_311_EXPORT.csv --mapping replay/la311.yaml   # your rules on history",
    ):
        console.print(f"  {line}", highlight=False, soft_wrap=True)
