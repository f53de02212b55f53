"""Webhooks: the event kinds, subscriptions, Standard Webhooks signing and the retry plan.

Kinds (what a subscription's ``events`` name; ``*`` is every kind, ``trigger.*`` and
``timer.*`` every kind of that family):

========================  =================================================================
``case.opened``           a case was opened
``trigger.<name>``        a workflow trigger fired (by a person or by the engine)
``case.closed``           a transition ended in a final state (sent beside its trigger)
``case.reopened``         a revisit found a rebound: the case goes back to work
``timer.warning``         a deadline's yellow warning fired
``timer.breach``          a deadline passed (red)
``timer.escalation``      the case escalated up the ladder or the duty chain
``timer.revisit_due``     a revisit (回访) fell due
========================  =================================================================

Notes, extensions, supervision, re-planning and migrations are not sent.

Signing follows the Standard Webhooks specification: ``webhook-id`` (the delivery's id,
unchanged across retries: the receiver's idempotency key), ``webhook-timestamp`` (seconds,
of this attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``
under the base64 key of a ``whsec_`` secret. It is three lines of the standard library, so
sending needs no extra package; the tests check it with the ``standardwebhooks`` library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit

from govflow.engine.reducer import ENGINE_EVENTS
from govflow.errors import ServiceError
from govflow.records import Case, Event
from govflow.store.webhooks import FeedItem, NewDelivery, Webhook, WebhookStore

#: the kinds, each with what it means (also the documented list)
KINDS: dict[str, str] = {
    "case.opened": "a case was opened",
    "trigger.<name>": "a workflow trigger fired",
    "case.closed": "a transition ended in a final state",
    "case.reopened": "a revisit found a rebound",
    "timer.warning": "a deadline's yellow warning fired",
    "timer.breach": "a deadline passed (red)",
    "timer.escalation": "the case escalated",
    "timer.revisit_due": "a revisit fell due",
}
#: engine events and the kind each is sent as
_TIMER_KINDS = {"warn": "timer.warning", "breach": "timer.breach",
                "escalate": "timer.escalation", "revisit_due": "timer.revisit_due"}
_PATTERN = re.compile(r"^(\*|case\.(\*|opened|closed|reopened)|"
                      r"timer\.(\*|warning|breach|escalation|revisit_due)|"
                      r"trigger\.(\*|[A-Za-z_][A-Za-z0-9_-]{0,99}))$")
SECRET_PREFIX = "whsec_"
ID_PREFIX = "wh_"


def check_events(patterns: Iterable[str]) -> tuple[str, ...]:
    """The subscription's kinds, checked; a clear error naming each bad one."""
    found = tuple(dict.fromkeys(p.strip() for p in patterns if p.strip()))
    if not found:
        raise ServiceError("a webhook needs at least one event kind, e.g. `--events '*'` or "
                           "`--events case.opened,trigger.sign`")
    bad = [p for p in found if not _PATTERN.match(p)]
    if bad:
        raise ServiceError(
            f"unknown webhook event kind(s) {', '.join(map(repr, bad))}; use "
            f"{', '.join(KINDS)}, or `*`, `case.*`, `trigger.*`, `timer.*`")
    return found


def check_url(url: str) -> str:
    """An http(s) URL with a host; anything else is refused before it is stored."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError(f"webhook URL {url!r}: give an http:// or https:// URL with a host")
    return url


def wants(patterns: Sequence[str], kind: str) -> bool:
    """Whether a subscription to ``patterns`` receives ``kind``."""
    family = kind.partition(".")[0]
    return any(p == "*" or p == kind or p == f"{family}.*" for p in patterns)


def kinds_of(event: Event, final: bool) -> list[str]:
    """What one committed event is sent as (often nothing); ``final``: its ``dest`` is a final
    state of the case's workflow."""
    trigger = event.trigger
    if event.data.get("note"):
        return []
    if trigger == "open":
        return ["case.opened"]
    if trigger in _TIMER_KINDS:
        return [_TIMER_KINDS[trigger]]
    if trigger == "revisit":
        return ["case.reopened"] if event.data.get("rebound") else []
    if trigger in ENGINE_EVENTS:
        return []
    return [f"trigger.{trigger}", "case.closed"] if final else [f"trigger.{trigger}"]


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def subscribe(hooks: WebhookStore, url: str, events: Iterable[str], *,
              at: datetime | None = None) -> Webhook:
    """Make a subscription (active); the returned record holds the secret, shown once."""
    hook = Webhook(id=ID_PREFIX + secrets.token_hex(8), url=check_url(url),
                   events=check_events(events), secret=new_secret(), active=True,
                   created_at=at or datetime.now(UTC))
    hooks.add(hook)
    return hook


def webhook_view(hook: Webhook, *, secret: bool = False) -> dict[str, Any]:
    """A subscription as the API shows it (the secret only when just made)."""
    view: dict[str, Any] = {
        "id": hook.id, "url": hook.url, "events": list(hook.events), "active": hook.active,
        "created_at": hook.created_at.isoformat(),
        "disabled_at": hook.disabled_at.isoformat() if hook.disabled_at else None,
        "disabled_reason": hook.disabled_reason or None}
    if secret:
        view["secret"] = hook.secret
    return view


# -- retries ---------------------------------------------------------------------------------
#: the first retry comes this long after the first attempt; each next one twice as long
FIRST_RETRY = timedelta(seconds=30)
#: no two attempts further apart than this
LONGEST_WAIT = timedelta(hours=12)
#: attempts in all (the first and the retries); after the last one the delivery is failed
ATTEMPTS = 17
#: each wait is scaled by a random factor in 1 ± JITTER, so receivers coming back after an
#: outage are not hit by every sender at the same second
JITTER = 0.2


def backoff(attempts: int, *, first: timedelta = FIRST_RETRY,
            rng: random.Random | None = None) -> timedelta | None:
    """How long to wait after ``attempts`` failed attempts, or None: give up.

    Exponential from ``first``, capped at :data:`LONGEST_WAIT`, with jitter; over the
    :data:`ATTEMPTS` attempts the waits add up to about three days (``first`` = 30 s)."""
    if attempts >= ATTEMPTS:
        return None
    nominal = min(first * (2 ** (attempts - 1)), LONGEST_WAIT)
    factor: float = 1.0 + (rng or random).uniform(-JITTER, JITTER)
    wait: timedelta = nominal * factor
    return wait


def schedule(*, first: timedelta = FIRST_RETRY) -> list[timedelta]:
    """The nominal waits (no jitter) between the attempts, in order."""
    return [min(first * (2 ** (n - 1)), LONGEST_WAIT) for n in range(1, ATTEMPTS)]


# -- fan-out ---------------------------------------------------------------------------------
def delivery_id(webhook_id: str, event: Event, kind: str) -> str:
    """Stable per (subscription, event, kind): a fan-out done twice writes one row."""
    raw = f"{webhook_id}\x00{event.case_id}\x00{event.seq}\x00{kind}".encode()
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


def body(kind: str, event: Event, case: Case | None, zone: tzinfo) -> str:
    """The JSON body: ``{"type", "timestamp", "data": {"case_id", "event", "case"}}``."""
    from govflow.service.views import case_view, event_view

    document = {"type": kind, "timestamp": event.at.astimezone(UTC).isoformat(),
                "data": {"case_id": event.case_id, "event": event_view(event, zone),
                         "case": None if case is None else case_view(case, zone)}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


class FanOut:
    """Turns feed items into deliveries: which subscriptions want which kinds."""

    def __init__(self, is_final: Callable[[Case, str], bool], zone: tzinfo) -> None:
        #: (case, state) -> whether the state is final in the case's workflow
        self.is_final = is_final
        self.zone = zone

    def __call__(self, items: Sequence[FeedItem],
                 hooks: Sequence[Webhook]) -> list[NewDelivery]:
        out: list[NewDelivery] = []
        for item in items:
            case = item.case
            event = item.event
            final = case is not None and self.is_final(case, event.dest)
            for kind in kinds_of(event, final):
                made: str | None = None
                for hook in hooks:
                    # a subscription gets the events committed after it was made
                    if hook.created_at > item.created_at or not wants(hook.events, kind):
                        continue
                    made = made or body(kind, event, case, self.zone)
                    out.append(NewDelivery(delivery_id(hook.id, event, kind), hook.id, kind,
                                           event.case_id, made))
        return out
