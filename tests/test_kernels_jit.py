"""The njit wrapper: nothing compiled on import, one announcement when the cache is cold,
and a warm cache that loads in a fresh process in well under the compile time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300, check=True)


def test_importing_the_kernels_imports_no_numba() -> None:
    """`import govflow.kernels` and the kernel modules leave numba unloaded."""
    out = _python(
        "import sys, govflow.kernels, govflow.kernels.aggregate, govflow.kernels.sweep, "
        "govflow.kernels.matching, govflow.cockpit; print('numba' in sys.modules)")
    assert out.stdout.strip() == "False"


def test_cold_cache_says_it_is_compiling_and_warm_cache_is_quiet(tmp_path: Path) -> None:
    """The first call of a kernel with no cache prints one line on stderr; later ones don't."""
    (tmp_path / "tiny_kernel.py").write_text(textwrap.dedent("""
        from govflow.kernels._jit import kernel

        @kernel("int64(int64)")
        def plus_one(x):
            return x + 1
        """))
    code = "import tiny_kernel; print(tiny_kernel.plus_one(41))"
    first = _python(code, cwd=tmp_path)
    second = _python(code, cwd=tmp_path)
    assert first.stdout.strip() == second.stdout.strip() == "42"
    assert "compiling kernel 'plus_one'" in first.stderr
    assert "compiling" not in second.stderr


def test_wrong_array_types_do_not_compile_a_second_version() -> None:
    """Kernels accept exactly their signature; the public functions convert for them."""
    import numpy as np

    from govflow.kernels.sweep import sweep_at_kernel

    light = np.empty(1, np.int8)
    esc = np.empty(1, np.uint8)
    with pytest.raises(TypeError):
        sweep_at_kernel(np.zeros(1, np.int32), np.zeros(1, np.int64), np.zeros(1, np.int8),
                        np.int64(0), light, esc)


@pytest.mark.slow
def test_fresh_process_loads_a_cached_kernel_in_under_a_second() -> None:
    """With the cache warm, a new process's first aggregation call takes < 1 s.

    Measured as the process's CPU time (numba import + cache load + the call): on the shared
    2-core machine the wall time of the same call swings 2–3× with the other processes' load.
    """
    code = textwrap.dedent("""
        import time
        from govflow.kernels import samples
        from govflow.kernels.aggregate import aggregate
        parent = samples.district_parent()
        cols = samples.sample_cases(0, 1000, parent)
        t = time.process_time()
        aggregate(cols, parent, t0=samples.T_START, t1=samples.T_START + 86400 * 90,
                  n_status=8, n_category=30)
        print(time.process_time() - t)
        """)
    _python(code)  # warms the cache if needed
    started = time.perf_counter()
    seconds = float(_python(code).stdout.strip())
    assert seconds < 1.0, f"first call in a fresh process took {seconds:.2f} s"
    assert time.perf_counter() - started < 30
