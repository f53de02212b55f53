"""How one ``govflow serve`` (or ``govflow worker``) process is set up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything the service needs to start; plain values, no open resources."""

    #: store URL (``None``: the default SQLite file ``govflow.db``)
    store_url: str | None = None
    #: the district's workflows file
    workflows: Path = Path("workflows.yaml")
    #: a folder of plugins (their actions, sources, rules)
    plugins_dir: Path | None = None
    host: str = "127.0.0.1"
    #: 0 picks an ephemeral port (the start-up line shows the real one)
    port: int = 8000
    #: run the worker loop (timers, outbox, intake) in the serving process
    run_worker: bool = True
    #: request bodies larger than this are refused with 413
    max_body_bytes: int = 1_000_000
    #: the zone times are shown in (the calendar's)
    timezone: str = "Asia/Shanghai"
    #: seconds between the worker's timer sweeps and outbox deliveries
    tick_seconds: float = 1.0
    #: seconds between scheduled intakes of the plugins' sources (0: never)
    intake_seconds: float = 300.0
    #: gather concurrent writes into one commit (group commit)
    group_commit: bool = True
    #: most requests one group commit holds
    max_batch: int = 256
    #: most rows one page of a list holds (a client may ask for fewer)
    max_page: int = 500
    #: the Open311 ``jurisdiction_id`` served (None: any is accepted)
    open311_jurisdiction: str | None = None
