"""Load (or, the first time, compile) the numba kernels in a second process.

The demo needs the matching kernel on day 10 and the aggregation kernel at the end. With a
cold cache compiling them takes several seconds of one core; this runs it on the other core
while the district is built and the first days are simulated (``python -m
govflow.demo.warmup``). The demo waits for it before its first kernel call.
"""

from __future__ import annotations

import subprocess
import sys


def start() -> subprocess.Popen[bytes]:
    """Start the warm-up process (its output is discarded)."""
    return subprocess.Popen([sys.executable, "-m", "govflow.demo.warmup"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish(proc: subprocess.Popen[bytes] | None) -> None:
    """Wait for the warm-up process (a failed warm-up only means the demo compiles itself)."""
    if proc is not None:
        proc.wait()


def main() -> None:
    """Call each kernel once on a tiny input."""
    import numpy as np

    from govflow.kernels import samples
    from govflow.kernels.aggregate import aggregate
    from govflow.kernels.matching import match

    parent = samples.district_parent()
    vols, posts = samples.matching_instance(0, 200, 20, parent)
    match(vols, posts, parent)
    cols = samples.sample_cases(0, 100, parent)
    aggregate(cols, parent, t0=samples.T_START, t1=samples.T_START + 90 * samples.DAY,
              n_status=8, n_category=30)
    np.zeros(1)


if __name__ == "__main__":
    main()
