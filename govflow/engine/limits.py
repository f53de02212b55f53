"""How much one call to the engine may carry: the limits the engine's door enforces."""

from __future__ import annotations

from dataclasses import dataclass

from govflow.records import MAX_DEPTH

#: 1 MiB: the default largest payload of one call, in bytes of JSON
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits on what one engine call carries (``Engine(..., limits=Limits(...))``).

    ``max_bytes``: the largest ``data`` of one call, in bytes of compact UTF-8 JSON (1 MiB).
    ``max_depth``: how deep lists and objects may nest in it (32; the data itself is level 1).
    ``int_bits``: integers must fit a signed integer of this many bits (64: what PostgreSQL's
    ``jsonb`` and most JSON readers keep exactly); larger numbers go as strings.
    """

    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    int_bits: int = 64

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "int_bits"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{name} = {value!r}: give a whole number of at least 1")

    @property
    def min_int(self) -> int:
        return -(1 << (self.int_bits - 1))

    @property
    def max_int(self) -> int:
        return (1 << (self.int_bits - 1)) - 1
