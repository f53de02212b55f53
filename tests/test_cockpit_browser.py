"""The HTML cockpit rendered in headless Chromium: the page's script runs offline and the
figures on screen are the cockpit's. Skipped without Chromium locally; in CI (CI=true) a
missing Chromium is a failure (``.ci/run`` installs Debian's ``chromium``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govflow.cockpit.html import page_data, write_html
from govflow.cockpit.kpi import from_grid
from govflow.cockpit.sample import sample_snapshot
from govflow.grid import generate_district

pytestmark = pytest.mark.slow


def chromium() -> str:
    """The Chromium binary, or skip (fail in CI)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium is not installed (Debian: apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; in CI the browser test must run")
    pytest.skip(message)


def _dump_dom(binary: str, page: Path, profile: Path) -> str:
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=3000",
            "--dump-dom", page.resolve().as_uri()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_page_renders_in_chromium_with_the_cockpit_figures(tmp_path: Path) -> None:
    """KPI cards show the computed figures; the script draws all 934 cells and the overdue."""
    binary = chromium()
    grid = generate_district(0, people="none")
    snap = sample_snapshot(grid.to_arrays(), 20_000)
    t0 = 1_780_272_000 + 30 * 86400
    cockpit = from_grid(snap, grid, t0=t0, t1=t0 + 30 * 86400)
    page = write_html(cockpit, tmp_path / "cockpit.html")
    dom = _dump_dom(binary, page, tmp_path / "profile")
    for key, shown in page_data(cockpit).items():
        assert re.search(rf'id="kpi-{key}"[^>]*>{re.escape(shown)}<', dom), key
    cells = re.findall(r'<div class="cell" data-code="(\d+)"', dom)
    assert len(cells) == 934 and len(set(cells)) == 934
    assert re.search(r'id="cell-count">934<', dom)
    assert 'style="background' in dom  # the heat-map colours were painted
    overdue = cockpit.overdue(n=50)
    rows = re.findall(r"<tr><td>([0-9a-f]{16})</td>", dom)
    assert rows[: len(overdue)] == [o.case_id for o in overdue]
