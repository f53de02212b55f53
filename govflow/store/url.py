"""Store URLs: the default, how to tell which database a URL names, and how to show one.

A URL is shown (in messages, logs, the CLI) only through :func:`redact`, which replaces the
password with ``***``, so no error message ever carries a secret.
"""

from __future__ import annotations

import re

#: The embedded default: a SQLite file in the working directory (WAL mode).
DEFAULT_URL = "sqlite:///govflow.db"

#: A URL as it appears in a message: ``scheme://`` up to the next whitespace.
_URL = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>\S+)")
#: What follows the ``@`` that ends the userinfo: a host (and port), then the path or the end.
_HOST = re.compile(r"[A-Za-z0-9.\-_%\[\]:]*(?=[/?#]|$)")
#: ``password=...`` / ``sslpassword=...`` in a query string or a libpq keyword string; the
#: value ends at ``&``, whitespace, or a ``:`` that ends the URL in a message (``...: why``).
_QUERY_PASSWORD = re.compile(
    r"(?i)(?P<key>\b[A-Za-z_]*password=)(?P<pw>'(?:[^'\\]|\\.)*'|(?:[^&\s:]|:(?!\s|$))*)")


def _userinfo(match: re.Match[str]) -> str:
    """Mask the password of one URL: from the first ``:`` to the last ``@`` before the host.

    A password may hold an unencoded ``@``, ``/``, ``?`` or ``#``; the ``@`` that ends it is
    the last one followed by a host-like part, so an ``@`` in a query may mask too much,
    never too little.
    """
    head, rest = match.group("head"), match.group("rest")
    at = next((i for i in range(len(rest) - 1, -1, -1)
               if rest[i] == "@" and _HOST.match(rest, i + 1)), -1)
    colon = rest.find(":", 0, at) if at > 0 else -1
    if colon < 0:
        return match.group(0)
    return f"{head}{rest[:colon]}:***{rest[at:]}"


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (also when the URL is malformed).

    Works on a bare URL and on a message that quotes one (or a libpq keyword string).
    """
    shown = _URL.sub(_userinfo, url)
    return _QUERY_PASSWORD.sub(lambda m: f"{m.group('key')}***", shown)


def resolve(url: str | None) -> str:
    """The URL to open: ``url`` itself, or :data:`DEFAULT_URL` when it is ``None`` or empty.

    ``postgres://`` (the spelling of Heroku and libpq tools, which SQLAlchemy does not know)
    and ``postgresql://`` without a driver are read as ``postgresql+psycopg://``, the driver
    govflow installs (SQLAlchemy 2.0 would otherwise look for psycopg2).
    """
    if url:
        bare = re.match(r"(?i)postgres(?:ql)?://", url)
        if bare:
            return "postgresql+psycopg://" + url[bare.end():]
        if re.match(r"(?i)postgres\+", url):
            return "postgresql" + url[len("postgres"):]
    return url or DEFAULT_URL


def backend(url: str) -> str:
    """``"memory"``, ``"sqlite"`` or ``"postgresql"`` (the part of the scheme before ``+``)."""
    scheme = url.split(":", 1)[0].lower()
    name = scheme.split("+", 1)[0]
    if name in ("postgres", "postgresql"):
        return "postgresql"
    return name
