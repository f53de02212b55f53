"""What the simulated workforce does next on a case, and after how long.

One rule per (workflow, state): who acts, which trigger, and a delay drawn from a seeded
random source. Delays are log-normal around a median; a share of them are late on purpose
(past the state's limit) so that warnings, red lights and escalations happen at a realistic
rate; checks fail now and then (rework) and hotline callers are sometimes unhappy (redo).
Office staff act in office hours only (a case reported at night waits for the morning).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from govflow.demo.timeline import LOCAL
from govflow.records import Case

#: kinds of actor that keep office hours (08:30–18:00 local)
OFFICE = frozenset({"handler", "checker", "inspector", "party_member"})


@dataclass(frozen=True, slots=True)
class Step:
    """The next action on a case: ``trigger`` by an actor of kind ``who`` at ``when``."""

    trigger: str
    who: str
    when: datetime
    data: dict[str, Any] | None = None
    reason: str = ""
    #: for :data:`EXTEND`: the action that follows once the extension is approved
    then: Step | None = None


#: pseudo-trigger: ask for an extension (延期) of ``data["workdays"]``, approved by ``who``
EXTEND = "extend"


def minutes(rng: random.Random, median: float, *, spread: float = 0.6, late: float = 0.0,
            limit: float = 0.0) -> float:
    """A log-normal delay in minutes; with probability ``late`` one past ``limit``."""
    if late and rng.random() < late:
        return limit * rng.uniform(1.05, 2.2)
    return median * math.exp(rng.gauss(0.0, spread))


def office(moment: datetime, rng: random.Random) -> datetime:
    """``moment`` moved into office hours (the same day or the next morning)."""
    loc = moment.astimezone(LOCAL)
    hour = loc.hour + loc.minute / 60
    if 8.5 <= hour < 18.0:
        return moment
    days = 1 if hour >= 18.0 else 0
    morning = (loc + timedelta(days=days)).replace(hour=8, minute=30, second=0, microsecond=0)
    return (morning + timedelta(minutes=rng.uniform(0, 90))).astimezone(moment.tzinfo)


def _step(trigger: str, who: str, since: datetime, wait: float, rng: random.Random,
          data: dict[str, Any] | None = None, reason: str = "") -> Step:
    when = since + timedelta(minutes=wait)
    if who in OFFICE:
        when = office(when, rng)
    return Step(trigger, who, when, data, reason)


def next_step(case: Case, rng: random.Random) -> Step | None:
    """The workforce's next action on ``case`` in its current state, or None (timers act)."""
    rule = RULES.get((case.workflow, case.state))
    return rule(case, case.state_entered_at, rng) if rule else None


def _std_reported(c: Case, t: datetime, r: random.Random) -> Step | None:
    if c.category.startswith("ai_unconfirmed"):
        return None  # a person looks at the frame: demo.subsystems confirms or rejects it
    return _step("register", "registrar", t, minutes(r, 6, late=0.04, limit=30), r)


def _std_registered(c: Case, t: datetime, r: random.Random) -> Step:
    if int(c.data.get("returns") or 0) >= 3:
        return _step("arbitrate", "dispatcher", t, minutes(r, 15), r)
    return _step("dispatch", "dispatcher", t, minutes(r, 6, late=0.04, limit=30), r)


def _std_dispatched(c: Case, t: datetime, r: random.Random) -> Step:
    if r.random() < 0.06:
        return _step("return", "handler", t, minutes(r, 90), r,
                     {"reason": r.choice(("not_our_duty", "wrong_location"))})
    return _step("sign", "handler", t, minutes(r, 60, spread=0.9), r)


def _late_or_extended(trigger: str, approver: str, t: datetime, r: random.Random,
                      median: float, limit: float) -> Step:
    """Handling that runs late: two times in five the unit asks for an extension first."""
    wait = minutes(r, median, spread=0.8, late=0.05, limit=limit)
    finish = _step(trigger, "handler", t, wait, r)
    if wait > limit and r.random() < 0.4:
        ask = _step(EXTEND, approver, t, limit * r.uniform(0.4, 0.6), r,
                    {"workdays": float(r.choice((3, 5)))}, "处置难度大, 申请延期")
        return Step(ask.trigger, ask.who, ask.when, ask.data, ask.reason, then=finish)
    return finish


def _std_handling(c: Case, t: datetime, r: random.Random) -> Step:
    return _late_or_extended("finish", "dispatcher", t, r, 20 * 60, 7 * 24 * 60)


def _std_checking(c: Case, t: datetime, r: random.Random) -> Step:
    if r.random() < 0.12:
        return _step("rework", "checker", t, minutes(r, 30), r, reason="核查未通过")
    return _step("approve", "checker", t, minutes(r, 30), r)


def _rect_found(c: Case, t: datetime, r: random.Random) -> Step:
    if r.random() < 0.08:
        return _step("dismiss", "inspector", t, minutes(r, 240), r, reason="核实无问题")
    return _step("serve_notice", "inspector", t, minutes(r, 300, spread=0.8), r)


def _rect_reinspecting(c: Case, t: datetime, r: random.Random) -> Step:
    wait = minutes(r, 240, spread=0.8, late=0.06, limit=26 * 60)
    if r.random() < 0.2:
        return _step("fail_inspection", "inspector", t, wait, r,
                     {"fine_yuan": float(r.choice((500, 1000, 2000)))}, "复查不合格")
    return _step("pass_inspection", "inspector", t, wait, r, {"purifier_ok": True})


def _sv_found(c: Case, t: datetime, r: random.Random) -> Step:
    if r.random() < 0.06:
        return _step("dismiss", "grid_worker", t, minutes(r, 30), r, reason="摊贩已离开")
    return _step("persuade", "grid_worker", t, minutes(r, 25, late=0.05, limit=120), r)


def _sv_persuading(c: Case, t: datetime, r: random.Random) -> Step:
    if c.rework >= 1 and r.random() < 0.6:
        return _step("penalise", "inspector", t, minutes(r, 120), r, reason="屡劝不改")
    return _step("clear", "grid_worker", t, minutes(r, 60, late=0.04, limit=24 * 60), r)


def _hot_received(c: Case, t: datetime, r: random.Random) -> Step:
    if r.random() < 0.06:
        return _step("return", "handler", t, minutes(r, 120), r, {"reason": "not_our_duty"})
    return _step("sign", "handler", t, minutes(r, 90, spread=0.9, late=0.06, limit=48 * 60), r)


def _hot_handling(c: Case, t: datetime, r: random.Random) -> Step:
    return _late_or_extended("reply", "hotline_operator", t, r, 26 * 60, 8 * 24 * 60)


def _hot_callback(c: Case, t: datetime, r: random.Random) -> Step:
    if c.rework == 0 and r.random() < 0.1:
        return _step("redo", "hotline_operator", t, minutes(r, 20), r, reason="群众不满意")
    return _step("close", "hotline_operator", t, minutes(r, 20), r)


def _order_sent(c: Case, t: datetime, r: random.Random) -> Step | None:
    if r.random() < 0.08:  # no answer: the order escalates and the place is matched again
        return None
    return _step("acknowledge", "volunteer", t, minutes(r, 25, spread=0.8), r)


def _fixed(trigger: str, who: str, median: float, **kw: float) -> Any:
    def rule(c: Case, t: datetime, r: random.Random) -> Step:
        return _step(trigger, who, t, minutes(r, median, **kw), r)

    return rule


RULES: dict[tuple[str, str], Any] = {
    ("standard_case", "reported"): _std_reported,
    ("standard_case", "registered"): _std_registered,
    ("standard_case", "dispatched"): _std_dispatched,
    ("standard_case", "signed"): _fixed("start", "handler", 90),
    ("standard_case", "arbitration"): _fixed("arbitrated", "commander", 240),
    ("standard_case", "handling"): _std_handling,
    ("standard_case", "handled"): _fixed("check", "checker", 60),
    ("standard_case", "checking"): _std_checking,
    ("standard_case", "closed"): _fixed("evaluate", "checker", 600),
    ("rectification", "found"): _rect_found,
    ("rectification", "reinspecting"): _rect_reinspecting,
    ("rectification", "penalised"): _fixed("serve_notice", "inspector", 600),
    ("rectification", "passed"): _fixed("watch", "inspector", 60),
    ("street_vending", "found"): _sv_found,
    ("street_vending", "persuading"): _sv_persuading,
    ("street_vending", "penalised"): _fixed("clear", "grid_worker", 90),
    ("hotline", "received"): _hot_received,
    ("hotline", "signed"): _fixed("start", "handler", 120, spread=0.8),
    ("hotline", "returned"): _fixed("reroute", "hotline_operator", 45),
    ("hotline", "handling"): _hot_handling,
    ("hotline", "replied"): _fixed("call_back", "hotline_operator", 16 * 60, spread=0.4),
    ("hotline", "callback"): _hot_callback,
    ("safety_incident", "reported"): _fixed("dispatch", "police", 8, late=0.06, limit=30),
    ("safety_incident", "dispatched"): _fixed("arrive", "police", 14, late=0.04, limit=60),
    ("safety_incident", "on_scene"): _fixed("resolve", "police", 80),
    ("household_help", "found"): _fixed("take_on", "party_member", 240, spread=0.9,
                                        late=0.06, limit=48 * 60),
    ("household_help", "helping"): _fixed("finish", "party_member", 30 * 60, spread=0.6),
    ("emergency_task", "assigned"): _fixed("check_in", "grid_worker", 22, spread=0.45,
                                           late=0.05, limit=60),
    ("command_order", "sent"): _order_sent,
    ("command_order", "acknowledged"): _fixed("complete", "volunteer", 240),
}

#: revisit findings (回头看): chance of a rebound at revisit n (1-based) per workflow
REBOUND = {"street_vending": (0.22, 0.12, 0.08), "rectification": (0.12, 0.1, 0.08)}


def rebound(case: Case, rng: random.Random) -> bool | None:
    """Whether a due revisit finds the problem back (None: not a workflow we answer for)."""
    rates = REBOUND.get(case.workflow)
    if rates is None:
        return None
    n = min(case.revisits, len(rates) - 1)
    return rng.random() < rates[n]
