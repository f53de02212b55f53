"""Reading a YAML file takes at most ``max_bytes + 1`` bytes from it, whatever its size says:
a FIFO or a ``/proc`` file (size 0 to ``stat``) is refused past the limit, not read whole."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from govflow.workflows.safeyaml import YamlFault, YamlLimits, read_yaml_file
from tests.yaml_mutants import hang_guard

LIMIT = 1000


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_fix(tmp_path: Path) -> None:
    """A regular file past the limit: its size, the limit and the variable to raise it."""
    file = tmp_path / "big.yaml"
    file.write_bytes(b"a: 1\n" + b"#" * (LIMIT + 500) + b"\n")
    with pytest.raises(YamlFault) as info:
        read_yaml_file(file, YamlLimits(max_bytes=LIMIT))
    message = info.value.message
    assert f"the file has {file.stat().st_size:,} bytes" in message
    assert f"the limit is {LIMIT:,} bytes" in message
    assert "GOVFLOW_YAML_MAX_BYTES" in message


def test_a_file_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    """Exactly ``max_bytes`` bytes is within the limit: the whole text comes back."""
    text = "a: 1\n" + "#" * (LIMIT - 6) + "\n"
    file = tmp_path / "exact.yaml"
    file.write_bytes(text.encode("utf-8"))
    assert file.stat().st_size == LIMIT
    assert read_yaml_file(file, YamlLimits(max_bytes=LIMIT)) == text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_that_never_ends_is_read_only_to_the_limit(tmp_path: Path) -> None:
    """A FIFO whose writer stays open (``stat`` says 0 bytes, the stream never ends): the reader
    takes ``max_bytes + 1`` bytes, refuses, and leaves the rest in the pipe."""
    fifo = tmp_path / "workflows.yaml"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and fifo.stat().st_size == 0
    # a second reader of our own keeps what the refused reader did not take in the pipe
    keeper = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    writer = os.open(fifo, os.O_WRONLY)
    extra = 99
    try:
        data = b"a: 1\n" + b"#" * (LIMIT + 1 + extra - 5)
        assert os.write(writer, data) == LIMIT + 1 + extra  # fits the pipe's buffer
        with hang_guard(10), pytest.raises(YamlFault) as info:
            read_yaml_file(fifo, YamlLimits(max_bytes=LIMIT))
        left = os.read(keeper, 10 * LIMIT)
    finally:
        os.close(writer)
        os.close(keeper)
    message = info.value.message
    assert f"the file has more than {LIMIT:,} bytes" in message
    assert f"the limit is {LIMIT:,} bytes" in message
    assert "GOVFLOW_YAML_MAX_BYTES" in message
    assert len(left) == extra  # the reader took LIMIT + 1 bytes, not one more


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_a_file_whose_size_says_nothing_is_read_only_to_the_limit() -> None:
    """A ``/proc`` file has size 0 to ``stat`` but holds more than the limit: refused."""
    source = Path("/proc/self/maps")
    assert source.stat().st_size == 0 and len(source.read_bytes()) > 200
    with pytest.raises(YamlFault) as info:
        read_yaml_file(source, YamlLimits(max_bytes=200))
    assert "the file has more than 200 bytes; the limit is 200 bytes" in info.value.message


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    """A path that is not there is a YamlFault saying why, not an OSError."""
    with pytest.raises(YamlFault) as info:
        read_yaml_file(tmp_path / "gone.yaml")
    assert info.value.message.startswith("cannot read the file: ")
