"""The one njit wrapper of govflow: explicit signatures, ``cache=True``, compiled lazily.

Nothing here imports numba at import time. A :class:`Kernel` wraps a plain Python function
and its one signature; the first call imports numba and compiles (or, when the on-disk cache
next to the sources is warm, loads) the machine code, then disables further compilation so a
call with the wrong array types fails loudly instead of compiling a second version. When the
cache is cold the first call says on stderr that it is compiling.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

_LOCK = threading.Lock()


class Kernel:
    """A lazily compiled ``@njit(signature, cache=True)`` function."""

    def __init__(self, fn: Callable[..., Any], signature: str) -> None:
        self.fn = fn
        self.signature = signature
        self.name = fn.__name__
        self._dispatcher: Any = None

    @property
    def is_loaded(self) -> bool:
        """Whether this process has already compiled or loaded the kernel."""
        return self._dispatcher is not None

    def compiled(self) -> Any:
        """The numba dispatcher, compiling or loading it on first use."""
        if self._dispatcher is None:
            with _LOCK:
                if self._dispatcher is None:
                    self._dispatcher = _build(self.fn, self.signature, self.name)
        return self._dispatcher

    def __call__(self, *args: Any) -> Any:
        return self.compiled()(*args)


def kernel(signature: str) -> Callable[[Callable[..., Any]], Kernel]:
    """Decorate a kernel body: ``@kernel("void(int32[::1], int64[:, ::1])")``."""

    def wrap(fn: Callable[..., Any]) -> Kernel:
        return Kernel(fn, signature)

    return wrap


class Helper:
    """A function that kernels call (compiled with its caller; never called from Python)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def helper(fn: Callable[..., Any]) -> Helper:
    """Mark a module-level function as callable from kernels of the same module."""
    return Helper(fn)


def _bind_helpers(fn: Callable[..., Any], numba: Any) -> None:
    """Swap the :class:`Helper` globals ``fn`` names for numba functions, depth first."""
    names = fn.__code__.co_names
    for name in names:
        found = fn.__globals__.get(name)
        if isinstance(found, Helper):
            _bind_helpers(found.fn, numba)
            fn.__globals__[name] = numba.njit(cache=True, nogil=True)(found.fn)


def _build(fn: Callable[..., Any], signature: str, name: str) -> Any:
    import numba  # imported here on purpose: only commands that run a kernel pay for it

    _bind_helpers(fn, numba)
    dispatcher = numba.njit(cache=True, nogil=True)(fn)
    if _cache_is_warm(dispatcher):
        dispatcher.compile(signature)
    else:
        with _announce(name):
            dispatcher.compile(signature)
    dispatcher.disable_compile()
    return dispatcher


def _cache_is_warm(dispatcher: Any) -> bool:
    try:
        index_path = dispatcher._cache._cache_file._index_path
    except AttributeError:  # a numba version with another cache layout: assume cold
        return False
    return os.path.exists(str(index_path))


def _announce(name: str) -> AbstractContextManager[Any]:
    """A rich spinner on a terminal, one plain line otherwise (logs, CI)."""
    message = f"govflow: compiling kernel {name!r} (first run only; cached afterwards)"
    if sys.stderr.isatty():
        from rich.console import Console

        return Console(stderr=True).status(message)
    print(message, file=sys.stderr, flush=True)
    return nullcontext()
