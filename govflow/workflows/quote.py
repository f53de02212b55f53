"""``quoted``: a value as an error message shows it, never longer than a line or two."""

from __future__ import annotations

import reprlib
from typing import Any

_SHORT = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlist = _SHORT.maxdict = 6
_SHORT.maxlevel = 3


def quoted(value: Any, limit: int = 80) -> str:
    """``repr(value)``, or for a long text its start, an ellipsis and its length:
    ``'xxxxxxxx…' (1,000,000 characters)``. Containers are cut by :mod:`reprlib`."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        head = repr(value[:limit])
        return f"{head[:-1]}…{head[-1]} ({len(value):,} characters)"
    return _SHORT.repr(value)
