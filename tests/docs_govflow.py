"""``govflow`` as the docs' shell blocks meet it in tests/test_docs_run.py.

Every command runs as written, through ``python -m govflow`` of the interpreter running the
tests, except the few that would run long or for ever, which are changed here, in one place:

* ``govflow demo ...``: ``--days 1 --quiet`` (a day of the district instead of thirty);
* ``govflow serve ...``: on ``127.0.0.1`` and a free port (``--host``/``--port`` replaced); it
  must print its ``listening on`` line within 120 s, is then stopped with SIGTERM and must exit
  0 (the graceful stop of docs/service.md);
* ``govflow worker ...``: ``--once`` (each task once, then exit).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

GOVFLOW = [sys.executable, "-m", "govflow"]


def _drop(args: list[str], flag: str) -> list[str]:
    """``args`` without ``flag`` and its value (``--flag V`` or ``--flag=V``)."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == flag:
            skip = True
        elif not arg.startswith(flag + "="):
            out.append(arg)
    return out


def _serve(args: list[str]) -> int:
    args = [*_drop(_drop(args, "--host"), "--port"), "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen([*GOVFLOW, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    listening = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            sys.stdout.write(line)
            if "listening on" in line:
                listening.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not listening.wait(120) or proc.poll() is not None:
        proc.kill()
        proc.wait()
        print("docs shim: govflow serve did not report listening within 120 s", file=sys.stderr)
        return 1
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        print("docs shim: govflow serve did not stop within 60 s of SIGTERM", file=sys.stderr)
        return 1
    reader.join(5)
    return code


def main(args: list[str]) -> int:
    command = args[:1]
    if command == ["demo"]:
        args = [*_drop(args, "--days"), "--days", "1", "--quiet"]
    elif command == ["worker"] and "--once" not in args:
        args = [*args, "--once"]
    elif command == ["serve"] and not {"-h", "--help"} & set(args):
        return _serve(args)
    sys.stdout.flush()
    os.execv(sys.executable, [*GOVFLOW, *args])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
