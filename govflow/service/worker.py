"""The worker loop: due timers (``engine.tick``), outbox delivery, scheduled intake.

One thread runs periodic tasks; each task is a callable returning how much it did, run every
``every`` seconds (sooner again when it did a full load of work). A task that raises is
logged and counted and tried at its next turn: the loop never dies of one failure. Other
modules add their own tasks with :meth:`Worker.add_task` (the webhook sender is one).
:meth:`Worker.stop` lets the running task finish, then returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govflow.errors import ConflictError, ContentionError

if TYPE_CHECKING:
    from govflow.engine.engine import Engine
    from govflow.service.config import ServiceConfig
    from govflow.service.metrics import Metrics

log = logging.getLogger("govflow.service.worker")

#: a task: does some work, returns how many items it handled (None: not counted)
Task = Callable[[], int | None]


@dataclass
class _Scheduled:
    name: str
    run: Task
    every: float
    #: run again at once while a run handles at least this many items
    busy_at: int | None
    next_at: float = 0.0


class Worker:
    """Periodic tasks in one background thread (or in the caller's, with :meth:`run`)."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self._tasks: list[_Scheduled] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._on_stop: list[Callable[[], None]] = []
        self._running = False

    @classmethod
    def for_engine(
        cls, engine: Engine, lock: threading.Lock, metrics: Metrics | None,
        config: ServiceConfig,
    ) -> Worker:
        """The standard loop: timers and outbox every ``tick_seconds``; the plugins' sources
        every ``intake_seconds`` (when there are any)."""
        worker = cls(metrics)
        chunk = 500

        def tick() -> int:
            with lock:
                done = engine.tick(limit=chunk)
            if metrics is not None and done:
                metrics.timers_fired.inc(done)
            return done

        def outbox() -> int:
            with lock:
                return engine.deliver_outbox()

        worker.add_task("timers", tick, every=config.tick_seconds, busy_at=chunk)
        worker.add_task("outbox", outbox, every=config.tick_seconds, busy_at=1000)
        from govflow.service.webhooks_sender import add_tasks as add_webhook_tasks

        sender = add_webhook_tasks(worker, engine, metrics, config)
        if sender is not None:
            worker.on_stop(sender.close)
        host = engine.plugins
        if host is not None and host.sources and config.intake_seconds > 0:
            from govflow.plugins.intake import Intake

            intake = Intake(engine, host)

            def take_in() -> int:
                taken = 0
                for name in sorted(host.sources):
                    with lock:
                        taken += intake.run(name).taken
                return taken

            worker.add_task("intake", take_in, every=config.intake_seconds)
        return worker

    def add_task(self, name: str, run: Task, *, every: float, busy_at: int | None = None) -> None:
        """Run ``run`` every ``every`` seconds (also after start: it joins the loop)."""
        if every <= 0:
            raise ValueError(f"task {name!r}: every must be > 0 seconds, not {every}")
        with self._lock:
            self._tasks.append(_Scheduled(name, run, every, busy_at))

    def on_stop(self, release: Callable[[], None]) -> None:
        """Call ``release`` (close a client, a pool) once, when the loop has ended (or at
        :meth:`stop`, if no loop runs)."""
        with self._lock:
            self._on_stop.append(release)

    @property
    def task_names(self) -> list[str]:
        with self._lock:
            return [t.name for t in self._tasks]

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        """Run the loop in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="govflow-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to stop; wait for the task in hand to finish."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if not self._running:  # else the loop releases as it ends (stop from a signal)
            self._release()

    def _release(self) -> None:
        with self._lock:
            releases, self._on_stop = self._on_stop, []
        for release in releases:
            try:
                release()
            except Exception:
                log.exception("releasing a worker task's resources failed")

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Run tasks as they come due until :meth:`stop` (or a SIGTERM handler calling it)."""
        self._running = True
        try:
            self._loop()
        finally:
            self._running = False
            self._release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            with self._lock:
                due = [t for t in self._tasks if t.next_at <= now]
            for task in due:
                if self._stop.is_set():
                    return
                self._run(task)
            with self._lock:
                soonest = min((t.next_at for t in self._tasks), default=now + 1.0)
            self._stop.wait(max(0.0, soonest - time.monotonic()))

    def run_once(self) -> dict[str, int]:
        """Run every task once now (tests, ``govflow worker --once``)."""
        with self._lock:
            tasks = list(self._tasks)
        return {t.name: self._run(t) for t in tasks}

    def _run(self, task: _Scheduled) -> int:
        done = 0
        outcome = "ok"
        try:
            done = task.run() or 0
        except (ConflictError, ContentionError):
            outcome = "contended"  # another process got there first: try again soon
            log.info("worker task %s met contention; trying again", task.name)
        except Exception:
            outcome = "failed"
            log.exception("worker task %s failed; trying again in %.0f s", task.name,
                          task.every)
        if self.metrics is not None:
            self.metrics.worker_runs.labels(task.name, outcome).inc()
        busy = task.busy_at is not None and done >= task.busy_at
        task.next_at = time.monotonic() + (0.0 if busy else task.every)
        return done
