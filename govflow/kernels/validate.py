"""Input checks run before any kernel: a bad array raises :class:`KernelInputError` with
what is wrong and how to fix it, never a segfault inside numba or a silently wrong figure.

Every check also hands back the array in the exact dtype and layout the kernel's explicit
signature wants (C-contiguous), so callers may pass lists or other integer widths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels.columns import DTYPES, NEVER, CaseColumns


def as_array(name: str, values: Any, dtype: type[np.generic]) -> NDArray[Any]:
    """``values`` as a 1-D C-contiguous array of ``dtype``; out-of-range values are refused."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise KernelInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    if arr.size and arr.dtype.kind == "f" and np.dtype(dtype).kind in "iu":
        if np.isnan(arr).any():
            raise KernelInputError(f"{name} contains NaN; give whole numbers")
        if not np.array_equal(arr, np.floor(arr)):
            raise KernelInputError(f"{name} must hold whole numbers, got fractions")
    if arr.size and arr.dtype.kind not in "iufb":
        raise KernelInputError(f"{name} must be numeric, got dtype {arr.dtype}")
    target = np.dtype(dtype)
    if arr.size and target.kind in "iu" and arr.dtype != target:
        info = np.iinfo(target)
        lo, hi = arr.min(), arr.max()
        if lo < info.min or hi > info.max:
            raise KernelInputError(
                f"{name} holds values from {lo} to {hi}, outside {target} "
                f"({info.min}..{info.max})"
            )
    out = np.ascontiguousarray(arr, dtype=target)
    # the explicit signatures take writeable arrays; read-only ones (e.g. a grid's) are copied
    return out if out.flags.writeable else out.copy()


def as_times(name: str, values: Any) -> NDArray[np.int64]:
    """Times as int64 seconds; float input may use ``inf`` for "never" but no NaN."""
    arr = np.asarray(values)
    if arr.size and arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise KernelInputError(
                f"{name} contains NaN times; use +inf or govflow.kernels.NEVER for 'never'"
            )
        if (arr == -np.inf).any():
            raise KernelInputError(f"{name} contains -inf; times must be real moments")
        big = np.isinf(arr) | (arr >= float(NEVER))
        if (arr < -float(NEVER)).any():
            raise KernelInputError(f"{name} holds times before -2**63 s")
        result = np.where(big, 0.0, np.floor(arr)).astype(np.int64)
        result[big] = NEVER
        return np.ascontiguousarray(result)
    return as_array(name, arr, np.int64)


def same_length(**arrays: NDArray[Any]) -> int:
    """The common length of ``arrays``, or an error naming every length."""
    lengths = {name: int(a.shape[0]) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise KernelInputError(f"arrays must have one length, got {shown}")
    return next(iter(lengths.values()), 0)


def in_range(name: str, arr: NDArray[Any], lo: int, hi: int, what: str) -> None:
    """Every value in ``[lo, hi)``; ``what`` says what the values index."""
    if arr.size == 0:
        return
    bad = (arr < lo) | (arr >= hi)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise KernelInputError(
            f"{name}[{first}] = {arr[first]} is out of range: {what} has indices {lo}..{hi - 1}"
        )


def check_parent(parent: Any) -> NDArray[np.int32]:
    """A grid parent array: -1 at roots, otherwise an index smaller than the node's own."""
    arr = as_array("parent", parent, np.int32)
    if arr.size == 0:
        raise KernelInputError("parent is empty: the grid needs at least one node")
    idx = np.arange(arr.size)
    bad = (arr < -1) | (arr >= idx)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise KernelInputError(
            f"parent[{first}] = {arr[first]}: parents must come before their children "
            f"(-1 for a root); order the nodes parents-first (Grid.to_arrays does)"
        )
    return arr


def check_columns(
    cols: CaseColumns, *, n_nodes: int, n_status: int, n_category: int
) -> CaseColumns:
    """Case columns in kernel dtypes, with ranges and time order checked."""
    out: dict[str, Any] = {
        name: (as_times(name, getattr(cols, name)) if DTYPES[name] is np.int64
               else as_array(name, getattr(cols, name), DTYPES[name]))
        for name in DTYPES
    }
    same_length(**out)
    in_range("cell", out["cell"], 0, n_nodes, f"the grid ({n_nodes} nodes)")
    in_range("status", out["status"], 0, max(n_status, 0), f"the status table ({n_status})")
    in_range("category", out["category"], 0, max(n_category, 0),
             f"the category table ({n_category})")
    in_range("light", out["light"], 0, 3, "lights (0 green, 1 yellow, 2 red)")
    if out["rework"].size and out["rework"].min() < 0:
        raise KernelInputError("rework counts must not be negative")
    opened, closed = out["opened"], out["closed"]
    if opened.size:
        if (opened == NEVER).any():
            raise KernelInputError("opened must be a real time for every case (found NEVER)")
        early = closed < opened
        if early.any():
            first = int(np.flatnonzero(early)[0])
            raise KernelInputError(
                f"case {first} closed ({closed[first]}) before it opened ({opened[first]})"
            )
    return CaseColumns(**out)
