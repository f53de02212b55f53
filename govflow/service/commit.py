"""Group commit: concurrent writes share one engine batch, so one database commit.

Each request handler hands its :class:`~govflow.engine.requests.OpenRequest` or
:class:`~govflow.engine.requests.FireRequest` to :meth:`GroupCommitter.submit` and awaits its
own result. One task drains the queue: whatever has gathered while the previous commit ran
(up to ``max_batch``) goes into one :meth:`Engine.apply_batch`, run in a thread. A request
the engine refuses (permission, state, version) is rolled back to its savepoint and answered
with its error; the others commit. If the commit itself fails (another process changed a case
in between, a deadlock), the requests are applied again one by one, each answered alone. So
an acknowledged write is always committed, and under load the commit rate no longer bounds
the request rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from govflow.errors import ConflictError, ContentionError, GovflowError
from govflow.records import Case

if TYPE_CHECKING:
    from govflow.engine.engine import Engine
    from govflow.engine.requests import Request
    from govflow.service.metrics import Metrics

_Item = tuple["Request", "asyncio.Future[Case]"]


class GroupCommitter:
    """Gathers concurrent write requests into shared commits (one task per event loop)."""

    def __init__(
        self, engine: Engine, lock: threading.Lock, metrics: Metrics, *, max_batch: int = 256,
        grouped: bool = True,
    ) -> None:
        self.engine = engine
        self.lock = lock
        self.metrics = metrics
        self.max_batch = max_batch if grouped else 1
        #: one thread applies every batch (it keeps one connection for its reads)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="govflow-commit")
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The committing thread (other engine writes run there too)."""
        return self._thread

    # -- life ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the draining task on the running loop (the app's start-up)."""
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        """Answer everything queued, then stop (the app's shutdown)."""
        if self._task is None or self._queue is None:
            return
        await self._queue.join()
        self._task.cancel()
        self._thread.shutdown(wait=False)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    # -- use -------------------------------------------------------------------------------
    async def submit(self, request: Request) -> Case:
        """Apply ``request`` in the next group commit; its case, or its GovflowError."""
        if self._queue is None:
            # not started (an app used without its lifespan): apply alone, in a thread
            return await asyncio.get_running_loop().run_in_executor(
                self._thread, self._alone, request)
        future: asyncio.Future[Case] = asyncio.get_running_loop().create_future()
        await self._queue.put((request, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            items = [await queue.get()]
            while len(items) < self.max_batch and not queue.empty():
                items.append(queue.get_nowait())
            try:
                results = await asyncio.get_running_loop().run_in_executor(
                    self._thread, self._apply, [req for req, _ in items])
            except BaseException as exc:  # the store is down: every waiter hears it
                results = [exc] * len(items)
            for (_, future), result in zip(items, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
            for _ in items:
                queue.task_done()

    # -- in the thread ---------------------------------------------------------------------
    def _apply(self, requests: Sequence[Request]) -> list[Case | BaseException]:
        with self.lock:
            try:
                done: list[Case | BaseException] = list(
                    self.engine.apply_batch(requests, on_error=_keep_none))
            except (ConflictError, ContentionError):
                if len(requests) == 1:
                    raise
                done = [self._one(req) for req in requests]
        self.metrics.group_commit(len(requests))
        return done

    def _one(self, request: Request) -> Case | BaseException:
        try:
            return self.engine.apply_batch([request])[0]
        except GovflowError as exc:
            return exc

    def _alone(self, request: Request) -> Case:
        result = self._apply([request])[0]
        if isinstance(result, BaseException):
            raise result
        return result


def _keep_none(request: object, error: GovflowError) -> None:
    """A refused API request is answered with its error; it is no dead letter."""
    return None
