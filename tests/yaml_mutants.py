"""A seeded mutator of workflow files, for the fuzz test and for measuring outside the suite.

``mutate(text, seed)`` returns the bytes of one mutant of ``text``: one to three edits chosen
from byte flips, line deletions and duplications, indentation changes, value swaps, inserted
anchors and aliases (self-aliases and alias bombs among them), control bytes, invalid UTF-8,
bad dates and huge values. The same seed gives the same mutant.

Run as a script to load many mutants of the shipped workflows.yaml and count the outcomes::

    python -m tests.yaml_mutants 1000
"""

from __future__ import annotations

import random
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: the district's workflows file, as shipped
SHIPPED = Path(__file__).parents[1] / "workflows.yaml"

@contextmanager
def hang_guard(seconds: int = 20) -> Iterator[None]:
    """Fail (not wait for ever) when the block runs longer than ``seconds``: a hang detector,
    far above the time any of these inputs needs, not a speed claim."""

    def stop(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_VALUE = re.compile(rb"^(\s*-?\s*[\w.]+:\s)(.+)$")


def _line(rng: random.Random, lines: list[bytes]) -> int:
    return rng.randrange(len(lines)) if lines else 0


def _byte_flip(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    data = bytearray(b"".join(lines))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data))
        data[at] = rng.choice([data[at] ^ (1 << rng.randrange(8)), rng.randrange(256),
                               rng.choice(b":-[]{}&*!|>'\"#%@`,?")])
    return bytes(data).splitlines(keepends=True)


def _delete_line(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    at = _line(rng, lines)
    return lines[:at] + lines[at + rng.randint(1, 3):]


def _duplicate_line(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    at = _line(rng, lines)
    return lines[:at + 1] + lines[at:at + 1] * rng.randint(1, 2) + lines[at + 1:]


def _indent(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    at = _line(rng, lines)
    line = lines[at]
    choice = rng.randrange(3)
    if choice == 0:
        line = b" " * rng.randint(1, 3) + line
    elif choice == 1:
        line = line[rng.randint(1, 4):] if line.startswith(b" ") else line
    else:
        line = b"\t" + line.lstrip(b" ")
    return [*lines[:at], line, *lines[at + 1:]]


def _swap_values(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    valued = [i for i, line in enumerate(lines) if _VALUE.match(line.rstrip(b"\n"))]
    if len(valued) < 2:
        return lines
    a, b = rng.sample(valued, 2)
    ma = _VALUE.match(lines[a].rstrip(b"\n"))
    mb = _VALUE.match(lines[b].rstrip(b"\n"))
    assert ma is not None and mb is not None
    out = list(lines)
    out[a] = ma.group(1) + mb.group(2) + b"\n"
    out[b] = mb.group(1) + ma.group(2) + b"\n"
    return out


def _set_value(rng: random.Random, lines: list[bytes], value: bytes) -> list[bytes]:
    valued = [i for i, line in enumerate(lines) if _VALUE.match(line.rstrip(b"\n"))]
    if not valued:
        return lines
    at = rng.choice(valued)
    match = _VALUE.match(lines[at].rstrip(b"\n"))
    assert match is not None
    return [*lines[:at], match.group(1) + value + b"\n", *lines[at + 1:]]


def _typed_value(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    value = rng.choice([b"2026-02-30", b"2026-13-01", b"[2026-02-30]", b"1e999", b"-.inf",
                        b".nan", b"~", b"{}", b"[]", b"0x", b"9" * 5000, b"!!binary ###",
                        b"!!python/object:os.system x", b"!!timestamp nope", b"<<: 3",
                        b"\"\\x\"", b"'", b"\"", b"|", b">-", b"? x", b"*nowhere"])
    return _set_value(rng, lines, value)


def _anchor_alias(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    choice = rng.randrange(4)
    if choice == 0:  # a self-alias
        return _set_value(rng, lines, b"&self [*self]")
    if choice == 1:  # an alias bomb as a value
        levels = rng.randint(4, 12)
        bomb = b"".join(
            b"x_%d: &l%d [%s]\n" % (i, i, b",".join([b"*l%d" % (i - 1)] * 9 if i else [b"lol"] * 9))
            for i in range(levels)
        )
        if rng.random() < 0.5:
            return [bomb, *lines]
        return [bomb, *_set_value(rng, lines, b"*l%d" % (levels - 1))]  # the bomb used
    if choice == 2:  # an anchor somewhere and an alias to it elsewhere
        out = _set_value(rng, lines, b"&fz {a: 1}")
        return _set_value(rng, out, b"*fz")
    return _set_value(rng, lines, b"{<<: *fz}")  # a merge of an alias never defined


def _control_byte(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    data = bytearray(b"".join(lines))
    byte = rng.choice([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
    data.insert(rng.randrange(len(data)), byte)
    return bytes(data).splitlines(keepends=True)


def _bad_utf8(rng: random.Random, lines: list[bytes]) -> list[bytes]:
    data = bytearray(b"".join(lines))
    bad = rng.choice([b"\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"])
    at = rng.randrange(len(data))
    data[at:at] = bad
    return bytes(data).splitlines(keepends=True)


def _huge_value(rng: random.Random, lines: list[bytes], largest: int) -> list[bytes]:
    size = rng.choice([s for s in (10_000, 100_000, 1_000_000) if s <= largest] or [largest])
    choice = rng.randrange(4)
    if choice == 0:
        value = b'"' + b"x" * size + b'"'
    elif choice == 1:
        value = b"[" + b"0," * (size // 2) + b"0]"
    elif choice == 2:
        depth = min(size, 5_000)
        value = b"[" * depth + b"]" * depth
    else:
        value = b'"data.x >= ' + b"1 + " * (size // 4) + b'1"'
    return _set_value(rng, lines, value)


MUTATIONS: tuple[Callable[..., list[bytes]], ...] = (
    _byte_flip, _delete_line, _duplicate_line, _indent, _swap_values, _typed_value,
    _anchor_alias, _control_byte, _bad_utf8, _huge_value,
)  # fmt: skip


def mutate(text: str, seed: int, *, largest: int = 1_000_000) -> bytes:
    """One mutant of ``text`` (one to three mutations, chosen by ``seed``); a huge value has
    at most ``largest`` bytes."""
    rng = random.Random(seed)
    lines = text.encode("utf-8").splitlines(keepends=True)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutation = rng.choice(MUTATIONS)
        if mutation is _huge_value:
            lines = _huge_value(rng, lines, largest)
        else:
            lines = mutation(rng, lines)
        lines = lines or [b"\n"]
    return b"".join(lines)


if __name__ == "__main__":  # pragma: no cover - the measurement outside the suite
    import collections
    import signal
    import sys
    import tempfile
    import time

    from govflow.errors import WorkflowLoadError
    from govflow.workflows.load import load_workflows

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    source = SHIPPED.read_text(encoding="utf-8")

    def _timeout(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, _timeout)
    outcomes: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    times: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "workflows.yaml"
        for seed in range(first, first + count):
            file.write_bytes(mutate(source, seed))
            started = time.perf_counter()
            signal.alarm(20)
            try:
                load_workflows(file)
                kind = "accepted"
            except WorkflowLoadError as exc:
                if all(p.line is not None for p in exc.problems):
                    kind = "clean, every problem with a line"
                else:
                    kind = "clean, some problem without a line"
                    examples[kind].append(f"{seed}: {exc}"[:300])
                if any(len(p.message) > 1000 for p in exc.problems):
                    examples["message over 1000 characters"].append(str(seed))
            except TimeoutError:
                kind = "hang (over 20 s)"
                examples[kind].append(str(seed))
            except BaseException as exc:  # counted: this is what is measured
                kind = f"traceback ({type(exc).__name__})"
                examples[kind].append(f"{seed}: {exc}"[:300])
            finally:
                signal.alarm(0)
            times.append((time.perf_counter() - started, seed))
            outcomes[kind] += 1
    for kind, n in outcomes.most_common():
        print(f"{n:6d}  {100 * n / count:5.1f} %  {kind}")
    times.sort()
    print(f"time per mutant: median {1000 * times[len(times) // 2][0]:.1f} ms, "
          f"99th percentile {1000 * times[len(times) * 99 // 100][0]:.0f} ms, "
          f"slowest {times[-1][0]:.2f} s (seed {times[-1][1]})")
    for kind, shown in examples.items():
        print(f"-- {kind}: {len(shown)}")
        for line in shown[:8]:
            print("   ", line.replace("\n", " | "))
