"""The simulated workforce: it watches every case through the plugin hooks and acts on it.

Registered as one more plugin of the demo's engine. Each time a case enters a state, the
workforce draws its next action (:mod:`~govflow.demo.behaviour`) from a random source seeded
by the demo seed and the case's own stable key (its source and record), so what happens to a
case does not depend on the order cases are seen in, nor on the random case ids. Due actions
are applied in bulk (``apply_batch``); revisits (回头看) are answered through the
``govflow_revisit_outcome`` hook; the outbox is delivered to the staff's inboxes and counted.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from govflow.demo.behaviour import EXTEND, Step, next_step, rebound
from govflow.demo.staff import Staff
from govflow.engine.requests import FireRequest
from govflow.errors import GovflowError
from govflow.plugins import hookimpl
from govflow.records import Actor, Case, Event, Message

#: requests per commit (small commits keep each transaction short)
CHUNK = 200


def key_of(case: Case) -> str:
    """A key that names the case the same way in every run (case ids are random)."""
    data = case.data
    if data.get("ref") is not None:
        return f"{case.source}|{data['ref']}"
    if data.get("person") is not None:
        return f"order|{data.get('round', 0)}|{data['person']}"
    if data.get("campaign") is not None:  # one task a cell; a gas check a premises
        place = data.get("premises") or data.get("shop") or ""
        return f"campaign|{case.workflow}|{case.cell}|{place}"
    return f"{case.source}|{case.cell}|{case.category}|{case.opened_at.isoformat()}"


class Workforce:
    """Plugin object and actor pool: see the module docstring."""

    govflow_plugin_name = "demo_workforce"

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.staff: Staff | None = None
        #: the engine (set once it is built; extensions are applied through it)
        self.engine: Any = None
        #: open cases as last seen (intake's view of open cases reads this)
        self.open: dict[str, Case] = {}
        #: the same, by source
        self.by_source: dict[str, dict[str, Case]] = {}
        self.opened: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self._touched: dict[str, Case] = {}
        self._planned: dict[str, tuple[str, int]] = {}
        self._steps: dict[str, tuple[int, Step]] = {}
        self._queue: list[tuple[datetime, str, str, int]] = []
        self._token = 0

    # -- hooks -----------------------------------------------------------------------------
    @hookimpl
    def govflow_case_opened(self, case: Case, event: Event) -> None:
        self.opened[case.source] += 1
        self._touched[case.id] = case

    @hookimpl
    def govflow_case_transitioned(self, case: Case, event: Event) -> None:
        self._touched[case.id] = case

    @hookimpl
    def govflow_case_escalated(self, case: Case, event: Event) -> None:
        self.events["escalated"] += 1
        self._touched[case.id] = case

    @hookimpl
    def govflow_revisit_outcome(self, case: Case) -> bool | None:
        rng = random.Random(f"{self.seed}|{key_of(case)}|revisit|{case.epoch}|{case.revisits}")
        found = rebound(case, rng)
        if found is not None:
            self.events["revisits"] += 1
            self.events["rebounds"] += int(found)
        return found

    @hookimpl
    def govflow_deliver(self, messages: Sequence[Message]) -> list[str]:
        """Every message reaches its recipient's inbox (the demo counts them by kind)."""
        self.messages.update(m.kind for m in messages)
        return [m.id for m in messages]

    # -- planning --------------------------------------------------------------------------
    def settle(self) -> None:
        """Plan the next action of every case that changed since the last call."""
        touched = sorted(self._touched.values(), key=key_of)
        self._touched.clear()
        for case in touched:
            if case.is_closed:
                self.open.pop(case.id, None)
                self.by_source.get(case.source, {}).pop(case.id, None)
                self._steps.pop(case.id, None)
                continue
            self.open[case.id] = case
            self.by_source.setdefault(case.source, {})[case.id] = case
            mark = (case.state, case.epoch)
            if self._planned.get(case.id) == mark:
                continue
            self._planned[case.id] = mark
            key = key_of(case)
            step = next_step(case, random.Random(f"{self.seed}|{key}|{case.state}|{case.epoch}"))
            if step is None:
                self._steps.pop(case.id, None)
                continue
            self._push(case, step)

    def _push(self, case: Case, step: Step) -> None:
        self._token += 1
        self._steps[case.id] = (self._token, step)
        heapq.heappush(self._queue, (step.when, key_of(case), case.id, self._token))

    def due(self, now: datetime) -> list[FireRequest]:
        """The actions due by ``now``, in time order (then by case key).

        Extensions (延期) are not triggers: they are applied here, one by one, and the action
        that follows them is planned."""
        out: list[FireRequest] = []
        queue = self._queue
        while queue and queue[0][0] <= now:
            _, _, case_id, token = heapq.heappop(queue)
            planned = self._steps.get(case_id)
            case = self.open.get(case_id)
            if planned is None or planned[0] != token or case is None:
                continue
            del self._steps[case_id]
            step = planned[1]
            if step.trigger == EXTEND:
                self._extend(case, step)
                continue
            out.append(FireRequest(case_id, step.trigger, self.actor(step.who, case), step.data,
                                   step.reason))
        return out

    def _extend(self, case: Case, step: Step) -> None:
        assert self.engine is not None and step.data is not None
        try:
            self.engine.extend(case.id, float(step.data["workdays"]),
                               actor=self.actor(step.who, case), reason=step.reason)
        except GovflowError as exc:
            self.refused[f"extend: {type(exc).__name__}"] += 1
        else:
            self.actions["extend"] += 1
        if step.then is not None:
            self._push(case, step.then)

    def actor(self, kind: str, case: Case) -> Actor:
        if kind == "volunteer":
            return Actor.of(str(case.data["person"]), "volunteer", scope=case.cell)
        assert self.staff is not None, "the workforce needs its staff before acting"
        return self.staff.for_case(kind, case.cell)

    # -- acting ----------------------------------------------------------------------------
    def apply(self, engine: Any, requests: Sequence[FireRequest]) -> int:
        """Apply ``requests`` in chunks; a refused one is counted and the rest go on."""
        done = 0
        for k in range(0, len(requests), CHUNK):
            chunk = requests[k:k + CHUNK]
            try:
                engine.apply_batch(chunk)
                done += len(chunk)
                self.actions.update(r.trigger for r in chunk)
            except GovflowError:
                for req in chunk:
                    try:
                        engine.apply_batch([req])
                    except GovflowError as exc:
                        self.refused[f"{req.trigger}: {type(exc).__name__}"] += 1
                        continue
                    done += 1
                    self.actions[req.trigger] += 1
        self.settle()
        return done

    def open_of(self, source: str) -> list[Case]:
        """The open cases of one source, as last seen."""
        return list(self.by_source.get(source, {}).values())

    def pending(self) -> int:
        """Actions planned and not yet done."""
        return len(self._steps)
