"""What a demo run did, in figures (the summary prints them; the tests check them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class Options:
    """The demo's options (the CLI's flags)."""

    days: int = 30
    seed: int = 0
    url: str | None = None
    out: Path = Path("govflow-demo")
    workflows: Path | None = None
    plugins_dir: Path | None = None
    quiet: bool = False
    #: load the kernels in a second process meanwhile (see :mod:`govflow.demo.warmup`)
    warmup: bool = True
    #: the first simulated day's 00:00 (UTC); None: :data:`govflow.demo.timeline.START`
    start: datetime | None = None
    #: records per day as a share of a district's usual day (a smaller run for tests)
    scale: float = 1.0


@dataclass
class DemoResult:
    """Figures of one run; everything but the ``seconds`` is the same for the same seed."""

    days: int
    seed: int
    url: str
    records: Counter[str] = field(default_factory=Counter)   # read, per source
    opened: Counter[str] = field(default_factory=Counter)    # cases opened, per source
    merged: Counter[str] = field(default_factory=Counter)    # duplicates merged, per source
    skipped: Counter[str] = field(default_factory=Counter)
    dead: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)   # workforce triggers applied
    refused: Counter[str] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)  # outbox delivered, per kind
    events: Counter[str] = field(default_factory=Counter)    # escalations, revisits, rebounds
    timers: int = 0
    cases: dict[str, int] = field(default_factory=dict)      # end-state figures of all cases
    campaign: dict[str, Any] = field(default_factory=dict)
    #: gas campaign, patrols, vision, triage, stage KPIs and assessment (demo.subsystems)
    subsystems: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    html: Path | None = None

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def total_opened(self) -> int:
        return sum(self.opened.values())

    def figures(self) -> dict[str, Any]:
        """Every figure that must repeat for the same seed (no wall-clock times, no ids)."""
        return {
            "records": dict(self.records), "opened": dict(self.opened),
            "merged": dict(self.merged), "skipped": dict(self.skipped), "dead": dict(self.dead),
            "actions": dict(self.actions), "refused": dict(self.refused),
            "messages": dict(self.messages), "events": dict(self.events),
            "timers": self.timers, "cases": dict(self.cases),
            "campaign": {k: v for k, v in self.campaign.items() if k != "id"},
            "subsystems": self.subsystems,
        }
