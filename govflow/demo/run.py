"""The day loop of ``govflow demo`` on a simulated clock, and the command's entry point.

Each simulated day: every source's records of the day are taken in (intake, in batches, with
their own timestamps), then the day is walked in 10-minute steps: ``engine.run_until`` fires
the timers due (warnings, red lights, escalations, revisits, supervision), the workforce
applies the actions that have come due, and on day 10 the emergency campaign starts. At the
end of each day the outbox is delivered.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

from govflow.demo import mobilise, warmup
from govflow.demo.intake_view import EngineView
from govflow.demo.progress import Progress
from govflow.demo.records import MAKERS, ORDER, DayFeed, Generators, day_records
from govflow.demo.result import DemoResult, Options
from govflow.demo.subsystems import GAS_DAY, TEAM_HOUR, Subsystems
from govflow.demo.timeline import (
    CAMPAIGN_DAY,
    CAMPAIGN_HOUR,
    START,
    at_hour,
    day_start,
    first_moment,
    local_hour,
    steps_of,
)
from govflow.demo.workforce import Workforce
from govflow.demo.world import World, build_world, store_url
from govflow.errors import GovflowError
from govflow.plugins.intake import Intake
from govflow.resources import plugins_dir as plugins_folder
from govflow.resources import workflows_file

#: intake runs every this many steps (30 minutes): records keep their own times; the
#: workforce acts on them from the step they are taken in
INTAKE_EVERY = 3
#: how long after the campaign starts the silent volunteers are replaced
REMATCH_AFTER_HOURS = 2.0


def simulate(opts: Options) -> tuple[DemoResult, World, Any]:
    """Run the demo; returns its figures, the world (engine still open) and the campaign."""
    clock = time.perf_counter
    started = clock()
    proc = warmup.start() if opts.warmup else None
    try:
        found = _simulate(opts, proc, started)
    except BaseException:
        if proc is not None:  # interrupted or failed: do not wait for a compile
            proc.kill()
        raise
    finally:
        warmup.finish(proc)
    return found


def _simulate(opts: Options, proc: Any, started: float) -> tuple[DemoResult, World, Any]:
    clock = time.perf_counter
    out = Path(opts.out)
    url = store_url(opts.url, out)
    origin = opts.start or START
    workforce = Workforce(opts.seed)
    flows, plugins = workflows_file(opts.workflows), plugins_folder(opts.plugins_dir)
    print(f"govflow demo: workflows {flows}; plugins {plugins}", file=sys.stderr)
    plugins_dir = plugins.path
    world = build_world(url, workflows=flows.path, plugins_dir=plugins_dir,
                        observers=[workforce], start=origin)
    workforce.staff = world.staff
    workforce.engine = world.engine
    engine, grid = world.engine, world.grid
    host = engine.plugins
    assert host is not None
    result = DemoResult(opts.days, opts.seed, url)
    result.seconds["build"] = clock() - started
    gen = Generators.load(plugins_dir, grid.cells())
    feeds = {name: DayFeed(name, host.sources[name].model, MAKERS[name][1], MAKERS[name][2])
             for name in ORDER}
    intakes = {name: Intake(EngineView(engine, partial(workforce.open_of, name)), host)
               for name in ORDER}
    campaign_day = min(CAMPAIGN_DAY, opts.days)  # a short run still shows the campaign
    campaign_at = at_hour(campaign_day, CAMPAIGN_HOUR, origin)
    rematch_at = at_hour(campaign_day, CAMPAIGN_HOUR + REMATCH_AFTER_HOURS, origin)
    over_at = at_hour(campaign_day, CAMPAIGN_HOUR + 2 * REMATCH_AFTER_HOURS, origin)
    mob: mobilise.Mobilisation | None = None
    subs = Subsystems()
    subs.start(engine, grid, opts.days, day_start(1, origin))
    gas_at = at_hour(min(GAS_DAY, opts.days), 9.0, origin)
    sim_start = clock()
    with Progress(opts.days, quiet=opts.quiet) as bar:
        bar.started = sim_start
        for day in range(1, opts.days + 1):
            for name in ORDER:
                feeds[name].extend(day_records(gen, name, opts.seed, day, origin,
                                                     opts.scale))
            steps = steps_of(day, origin)
            for k, moment in enumerate(steps):
                result.timers += engine.run_until(moment)
                if k % INTAKE_EVERY == INTAKE_EVERY - 1:
                    _take(intakes, feeds, moment, result)
                    workforce.settle()
                    subs.detections(engine, workforce.open_of("ai_vision"))
                workforce.settle()
                if moment == campaign_at:
                    warmup.finish(proc)
                    mob = mobilise.start(engine, grid, world.staff, opts.seed)
                    bar.note(f"day {day}: campaign on {mob.campaign.tasks} cells, "
                             f"{mob.filled} volunteers matched to {mob.places} places")
                    workforce.settle()
                elif moment == rematch_at and mob is not None:
                    mobilise.replace_silent(engine, grid, world.staff, mob, workforce.open)
                    workforce.settle()
                elif moment == over_at and mob is not None:
                    mobilise.close_orders(engine, world.staff, mob, workforce.open)
                    workforce.settle()
                if moment == gas_at:
                    subs.gas(engine, grid)
                elif local_hour(moment) == TEAM_HOUR:
                    subs.evening(engine, moment)
                due = workforce.due(moment)
                if due:
                    workforce.apply(engine, due)
                bar.update(moment, day - 1 + (k + 1) / len(steps), workforce.opened.total())
            while engine.deliver_outbox(5000):
                pass
    subs.finish(engine, grid, int(day_start(1, origin).timestamp()),
                int(day_start(opts.days + 1, origin).timestamp()))
    result.subsystems = {**subs.figures, "counts": dict(sorted(subs.counts.items()))}
    result.seconds["simulate"] = clock() - sim_start
    _collect(result, workforce, world, mob)
    return result, world, mob


def _take(intakes: dict[str, Intake], feeds: dict[str, DayFeed], moment: Any,
          result: DemoResult) -> None:
    """Take in every record that has come due by ``moment``, source by source."""
    for name in ORDER:
        intake = intakes[name]
        feed = feeds[name]
        feed.until = moment
        if not feed.ready():
            continue
        report = intake.run(feed, batch=200)
        feed.taken += report.read
        result.records[name] += report.read
        result.merged[name] += report.merged
        result.skipped[name] += report.skipped
        result.dead[name] += report.dead


def _collect(result: DemoResult, workforce: Workforce, world: World,
             mob: mobilise.Mobilisation | None) -> None:
    result.opened.update(workforce.opened)
    result.actions.update(workforce.actions)
    result.refused.update(workforce.refused)
    result.messages.update(workforce.messages)
    result.events.update(workforce.events)
    result.cases = tally(world.engine.store.iter_cases())
    if mob is not None:
        mobilise.finish(world.engine, world.grid, mob)
        top = mob.status[world.grid.root]
        result.campaign = {
            "id": mob.campaign.id, "tasks": mob.campaign.tasks, "alerts": mob.campaign.alerts,
            "required": top.required, "on_post": top.on_post, "late": top.late,
            "open": top.open, "rate": round(top.rate, 4), "volunteers": mob.volunteers,
            "available": mob.available, "places": mob.places, "matched": mob.filled,
            "travel": mob.travel, "replaced": mob.replaced, "refilled": mob.refilled,
            "unanswered": mob.unanswered,
        }


def tally(cases: Any) -> dict[str, int]:
    """End-state figures over every case: open, closed, escalated, reworked, lights."""
    out: Counter[str] = Counter()
    for case in cases:
        out["total"] += 1
        out["closed" if case.is_closed else "open"] += 1
        out["escalated"] += case.escalation > 0
        out["reworked"] += case.rework > 0
        out["revisited"] += case.revisits > 0
        out["supervised"] += case.supervision != "normal"
        if not case.is_closed:
            out[f"light_{case.light}"] += 1
    return dict(sorted(out.items()))


def options(args: argparse.Namespace) -> Options:
    return Options(
        days=args.days, seed=args.seed, url=args.store, out=Path(args.out),
        workflows=Path(args.workflows) if args.workflows else None,
        plugins_dir=Path(args.plugins_dir) if args.plugins_dir else None,
        quiet=bool(args.quiet),
        start=first_moment(args.start) if args.start else None,
    )


def run_demo(opts: Options) -> DemoResult:
    """Simulate, then print the cockpit, write the page and say where everything is."""
    from govflow.demo.summary import report

    started = time.perf_counter()
    if opts.days < 1:
        raise GovflowError(f"--days must be at least 1, got {opts.days}")
    result, world, _ = simulate(opts)
    try:
        report(result, world, opts, started)
    finally:
        world.engine.close()
    return result


def main(args: argparse.Namespace) -> int:
    """``govflow demo``."""
    run_demo(options(args))
    return 0
