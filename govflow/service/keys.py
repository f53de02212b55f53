"""Service keys: made once, shown once, kept only as a hash, checked on every request.

A key is ``gfk_`` and 32 random bytes in URL-safe base64: with that much entropy a plain
SHA-256 is the right hash (a slow password hash protects guessable secrets, not these), and
it lets the store find a key by its hash with one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from govflow.errors import AuthError, ServiceError
from govflow.records import SYSTEM, ApiKey
from govflow.store.base import KeyStore
from govflow.widths import NAME
from govflow.workflows.quote import quoted

PREFIX = "gfk_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def key_store(store: object) -> KeyStore:
    """The store as a key store, or a clear error for a store that keeps no keys."""
    if not isinstance(store, KeyStore):
        raise ServiceError(f"the store {store!r} cannot keep service keys")
    return store


def issue(
    store: object, name: str, *, roles: Iterable[str], scope: Iterable[str] = (),
    actor: str | None = None, at: datetime | None = None, grant_system: bool = False,
) -> tuple[ApiKey, str]:
    """Make a key; returns the stored record and the secret (shown once, never stored).

    The ``system`` role is the engine's own (what its timers act as): a key holds it only
    with ``grant_system`` (``govflow keys add --grant-system``), said on purpose."""
    name = name.strip()
    if not name or len(name) > NAME:
        raise ServiceError(f"key name {quoted(name, 40)}: give 1 to {NAME} characters")
    if actor is not None and not 0 < len(actor) <= NAME:
        raise ServiceError(f"key {name!r}: actor {quoted(actor, 40)}: give an id of 1 to {NAME} "
                           "characters (or leave it out: the key acts as its name)")
    roles = tuple(sorted({r.strip() for r in roles if r.strip()}))
    if not roles:
        raise ServiceError(f"key {name!r} needs at least one role (--role ROLE)")
    if SYSTEM in roles and not grant_system:
        raise ServiceError(
            f"key {name!r}: the role {SYSTEM!r} is the engine's own (its timers act as it) and "
            "lets the key fire triggers meant for deadlines only; give the roles the key's "
            "holder works in, or grant it on purpose with --grant-system")
    secret = PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name, key_hash=hash_secret(secret), actor=actor or name, roles=roles,
                    scope=tuple(s.strip() for s in scope if s.strip()),
                    created_at=at or datetime.now(UTC))
    key_store(store).add_key(record)
    return record, secret


def authenticate(keys: KeyStore, header: str | None) -> ApiKey:
    """The live key an ``Authorization: Bearer …`` header carries, or :class:`AuthError`."""
    if not header:
        raise AuthError("this request needs a key: send `Authorization: Bearer KEY` "
                        "(make one with `govflow keys add NAME --role ROLE`)")
    kind, _, secret = header.partition(" ")
    secret = secret.strip()
    if kind.lower() != "bearer" or not secret:
        raise AuthError("the Authorization header must be `Bearer KEY`")
    found = keys.find_key(hash_secret(secret))
    if found is None:
        raise AuthError("the key is not known here (check it was copied whole, or make a new "
                        "one with `govflow keys add`)")
    if found.revoked_at is not None:
        raise AuthError(f"the key {found.name!r} was revoked; ask for a new one")
    return found
