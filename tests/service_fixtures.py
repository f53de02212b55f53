"""A real ``govflow serve`` process for tests: SQLite file (or PostgreSQL), ephemeral port.

``start_server(...)`` makes the keys it is given in the store, starts
``python -m govflow serve --port 0`` and waits for the line with its URL. The ``service``
fixture gives one with a key per role of the hotline path, stopped (SIGTERM) after the test.
Registered in ``tests/conftest.py`` through ``pytest_plugins``, so any test may use it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"
CELL = "410102001001001"
OTHER_CELL = "410102002001001"
_LISTENING = re.compile(r"listening on (http://\S+)")

#: the keys the ``service`` fixture makes: name → (roles, scope)
DEFAULT_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "operator": (("hotline_operator",), ()),
    "handler": (("handler",), ()),
    "local_handler": (("handler",), (CELL,)),
    "far_handler": (("handler",), (OTHER_CELL,)),
    "cadre": (("cadre",), ()),
    "worker": (("grid_worker",), (CELL,)),
    "other_worker": (("grid_worker",), (OTHER_CELL,)),
    "registrar": (("registrar",), ()),
    "dispatcher": (("dispatcher",), ()),
    "checker": (("checker",), ()),
    "commander": (("commander",), ()),
    "inspector": (("inspector",), ()),
}


@dataclass
class Server:
    """A running ``govflow serve``: its URL, its keys (name → secret), its process."""

    url: str
    store_url: str
    keys: dict[str, str]
    process: subprocess.Popen[str]
    args: list[str]
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[key]}"}

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)
        finally:
            self._reap()

    def kill(self) -> None:
        """SIGKILL: no shutdown at all."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self._reap()

    def _reap(self) -> None:
        if self.reader is not None:
            self.reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


KeySpec = dict[str, tuple[Sequence[str], Sequence[str]]]


def make_keys(store_url: str, keys: KeySpec) -> dict[str, str]:
    """Make keys in the store (creating its schema if new); name → secret."""
    from govflow.service.keys import issue
    from govflow.store.sql import SqlStore

    store = SqlStore(store_url, create=True)
    try:
        return {name: issue(store, name, roles=roles, scope=scope)[1]
                for name, (roles, scope) in keys.items()}
    finally:
        store.close()


def start_server(
    store_url: str, *, keys: dict[str, str] | None = None, extra: Sequence[str] = (),
    workflows: Path = WORKFLOWS, timeout: float = 60.0, env: dict[str, str] | None = None,
) -> Server:
    """Start ``govflow serve`` on 127.0.0.1:0 and wait until it prints its URL."""
    args = [sys.executable, "-m", "govflow", "serve", "--store", store_url, "--workflows",
            str(workflows), "--host", "127.0.0.1", "--port", "0", *extra]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    output: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            match = _LISTENING.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(timeout) or not found:
        process.kill()
        process.wait(10)
        reader.join(10)
        if process.stdout is not None:
            process.stdout.close()
        raise AssertionError("govflow serve did not start:\n" + "".join(output))
    return Server(found[0], store_url, dict(keys or {}), process, args, output, reader)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Server]:
    """A ``govflow serve`` on a fresh SQLite file, with a key per role (DEFAULT_KEYS)."""
    url = f"sqlite:///{tmp_path / 'service.db'}"
    keys = make_keys(url, DEFAULT_KEYS)
    server = start_server(url, keys=keys)
    try:
        yield server
    finally:
        server.stop()
