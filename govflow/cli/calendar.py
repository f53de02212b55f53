"""``govflow calendar status | import | replan``: the work calendar's years and notices."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.cli.argtypes import iso_day
from govflow.cli.options import add_store, add_workflows, local_time, open_existing, workflows_path

if TYPE_CHECKING:
    from govflow.worktime import WorkCalendar

DEFAULT_FILE = "workflows.yaml"


def add_commands(subparsers: Any) -> None:
    """Register the ``govflow calendar`` commands."""
    cal = subparsers.add_parser(
        "calendar", help="the work calendar: years covered, notices imported, re-planning",
        description="Which years the work calendar knows (official from chinese-calendar or "
        "the workflows file, else provisional), the State Council's yearly notice imported, "
        "and pending deadlines re-planned when a year becomes official. See docs/calendar.md.")
    sub = cal.add_subparsers(dest="calendar_command", metavar="SUBCOMMAND", required=True)

    status = sub.add_parser("status", help="each year's status and the calendar's horizon")
    status.add_argument("--file", default=None,
                        help=f"the workflows file whose calendar to show (default: {DEFAULT_FILE} "
                        "if it exists, else mainland China's calendar)")
    status.add_argument("--today", type=iso_day, default=None,
                        help="the day to plan from, YYYY-MM-DD (default: today in Shanghai)")
    status.set_defaults(func=run_status)

    imp = sub.add_parser(
        "import", help="read the State Council's holiday notice(s) into holidays/workdays",
        description="Read the text of 国务院办公厅关于YYYY年部分节假日安排的通知 (one or more "
        "files, the later notice winning on the dates it names) and print the holidays and "
        "workdays, or write them into a workflows file's calendar with --into. A text "
        "that cannot be read fully is refused, and nothing is imported.")
    imp.add_argument("notices", nargs="+", metavar="NOTICE.txt", help="notice text files (UTF-8)")
    imp.add_argument("--into", default=None, metavar="FILE",
                     help="the workflows file to write the days into (comments are kept)")
    imp.set_defaults(func=run_import)

    replan = sub.add_parser(
        "replan", help="move pending due times to what the current calendar gives",
        description="Recompute the pending timers (deadlines, warnings, supervision, "
        "revisits) of every open case under the workflows file's calendar; list each moved due "
        "time (case, kind, old -> new), then move them, one audited replan event per case. "
        "Safe while workers tick.")
    add_store(replan, existing=True)
    add_workflows(replan)
    replan.add_argument("--plugins-dir", default=None,
                        help="a plugins folder whose actions the workflows name")
    replan.add_argument("--dry-run", action="store_true", help="list the moves, change nothing")
    replan.set_defaults(func=run_replan)


def _calendar(file: str | None) -> WorkCalendar:
    from govflow.workflows import load_workflows
    from govflow.worktime import WorkCalendar

    if file is None and not Path(DEFAULT_FILE).is_file():
        return WorkCalendar.china()
    loaded = load_workflows(Path(file or DEFAULT_FILE), filename=file or DEFAULT_FILE)
    return WorkCalendar.from_spec(loaded.calendar)


def today_in(zone: str) -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(zone)).date()


def run_status(args: argparse.Namespace) -> int:
    from govflow.worktime.status import provisional_warning, thin_file_years, year_statuses

    cal = _calendar(args.file)
    today = args.today or today_in(cal.timezone)
    rows = year_statuses(cal, today)
    runs: list[tuple[int, int, str]] = []
    for row in rows:
        if runs and runs[-1][2] == row.status and runs[-1][1] == row.year - 1:
            runs[-1] = (runs[-1][0], row.year, row.status)
        else:
            runs.append((row.year, row.year, row.status))
    for first, last, status in runs:
        years = str(first) if first == last else f"{first}–{last}"
        print(f"{years:<10} {status}")
    horizon = cal.horizon()
    if horizon is None:
        print("horizon: none (calendar.official is false: Monday to Friday every year)")
    else:
        print(f"horizon: {horizon.isoformat()} (every later day is provisional)")
    for warning in [provisional_warning(cal, today), *thin_file_years(cal)]:
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from govflow.worktime.notice import merge, read_notice_file

    notices = [read_notice_file(path) for path in args.notices]  # all read before any write
    off, work = merge(notices)
    years = sorted({n.year for n in notices})
    if args.into is None:
        shown = ", ".join(map(str, years))
        print(f"# the days of {shown} as the State Council's notices set them")
        for key, days in (("holidays", off), ("workdays", work)):
            print(f"{key}:" if days else f"{key}: []")
            for day in sorted(days):
                print(f"  - {day.isoformat()}")
        return 0
    from govflow.workflows import load_workflows
    from govflow.workflows.calendar_edit import write_calendar_days

    spec = load_workflows(Path(args.into), filename=args.into).calendar
    named = off | work
    keep = {date.fromisoformat(d) for d in spec.holidays}
    keep_work = {date.fromisoformat(d) for d in spec.workdays}
    # the file's own days of the imported years give way to the notices', and so do those
    # of other years that a notice names (an item reaching into the neighbouring year)
    holidays = {d for d in keep if d.year not in years and d not in named} | off
    workdays = {d for d in keep_work if d.year not in years and d not in named} | work
    write_calendar_days(args.into, holidays, workdays)
    print(f"{args.into}: calendar days of {', '.join(map(str, years))} written "
          f"({len(off)} holidays, {len(work)} workdays from {len(notices)} notice"
          f"{'s' if len(notices) != 1 else ''}); run `govflow calendar replan` to move "
          "pending deadlines")
    return 0


def run_replan(args: argparse.Namespace) -> int:
    from govflow import Engine

    store = open_existing(args)  # pending timers to move must be there: no new, empty store
    engine = Engine(workflows_path(args), store=store, plugins_dir=args.plugins_dir)
    try:
        moves = engine.replan(dry_run=args.dry_run)
    finally:
        engine.close()
    zone = engine.calendar.timezone

    def shown(moment: Any) -> str:
        return local_time(moment, zone) if moment else "(dropped)"

    for move in moves:
        mark = " (provisional)" if move.new_provisional else ""
        print(f"{move.case_id}  {move.kind:<9} {shown(move.old)} -> {shown(move.new)}{mark}")
    cases = len({m.case_id for m in moves})
    verb = "would move" if args.dry_run else "moved"
    print(f"{verb} {len(moves)} due time{'s' if len(moves) != 1 else ''} of {cases} "
          f"case{'s' if cases != 1 else ''}")
    return 0
