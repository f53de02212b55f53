"""Running the service: uvicorn for ``govflow serve``, the bare loop for ``govflow worker``.

uvicorn handles SIGTERM and SIGINT: it stops accepting, lets in-flight requests finish, then
runs the app's shutdown (queued writes answered, worker stopped, store closed).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from govflow.service.config import ServiceConfig
from govflow.store.url import redact


def serve(config: ServiceConfig) -> None:
    """Serve until SIGTERM/SIGINT. Prints one line with the URL once it listens."""
    import uvicorn

    from govflow.service.app import create_app

    app = create_app(config)
    ctx = app.state.govflow
    worker = "with the worker" if config.run_worker else "without the worker"
    store = redact(config.store_url or "sqlite:///govflow.db")

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.should_exit:
                return
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"govflow serve: listening on http://{shown}:{port} ({store}, {worker})",
                  flush=True)

    server = Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False,
        lifespan="on", timeout_graceful_shutdown=30, server_header=False))
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for the
    # handler that was there before it: this one, so a stop asked for is a clean exit (0)
    stopped: list[int] = []

    def asked_to_stop(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    signal.signal(signal.SIGTERM, asked_to_stop)
    signal.signal(signal.SIGINT, asked_to_stop)
    try:
        server.run()
    finally:
        ctx.close()
    if stopped:
        print("govflow serve: stopped", file=sys.stderr, flush=True)


def work(config: ServiceConfig, *, once: bool = False) -> None:
    """Run the worker loop in this thread until SIGTERM/SIGINT (or one round, ``once``)."""
    from govflow.service.context import open_engine
    from govflow.service.metrics import Metrics
    from govflow.service.worker import Worker

    engine = open_engine(config)
    try:
        worker = Worker.for_engine(engine, threading.Lock(), Metrics(), config)
        if once:
            done = worker.run_once()
            worker.stop()  # lets attempts in hand (webhooks) finish and be recorded
            print("govflow worker: " + ", ".join(f"{k} {v}" for k, v in done.items()))
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"govflow worker: running ({redact(config.store_url or '')}; tasks "
              f"{', '.join(worker.task_names)})", flush=True)
        worker.run()
    finally:
        engine.close()
    print("govflow worker: stopped", file=sys.stderr, flush=True)
