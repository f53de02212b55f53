"""Store URLs: the default, how to tell which database a URL names, and how to show one.

A URL is shown (in messages, logs, the CLI) only through :func:`redact`, which replaces the
password with ``***``, so no error message ever carries a secret.
"""

from __future__ import annotations

import re

#: The embedded default: a SQLite file in the working directory (WAL mode).
DEFAULT_URL = "sqlite:///govflow.db"

#: ``scheme://user:password@`` — the password part, whatever it contains up to the last ``@``.
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@?#]*):(?P<pw>[^/?#]*)@")
#: ``password=...`` in a query string (``?password=x&...``) or a libpq keyword string.
_QUERY_PASSWORD = re.compile(r"(?i)(?P<key>\bpassword=)(?P<pw>[^&\s]*)")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (also when the URL is malformed)."""
    shown = _USERINFO.sub(lambda m: f"{m.group('head')}:***@", url, count=1)
    return _QUERY_PASSWORD.sub(lambda m: f"{m.group('key')}***", shown)


def resolve(url: str | None) -> str:
    """The URL to open: ``url`` itself, or :data:`DEFAULT_URL` when it is ``None`` or empty."""
    return url or DEFAULT_URL


def backend(url: str) -> str:
    """``"memory"``, ``"sqlite"`` or ``"postgresql"`` (the part of the scheme before ``+``)."""
    scheme = url.split(":", 1)[0].lower()
    name = scheme.split("+", 1)[0]
    if name in ("postgres", "postgresql"):
        return "postgresql"
    return name
