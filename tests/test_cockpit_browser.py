"""The HTML snapshot (``govflow cockpit --html``) in headless Chromium: one file, made from
the live page's template, that runs offline and shows the cockpit's figures. Skipped without
Chromium and its driver locally; in CI (CI=true) their absence is a failure."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govflow.cockpit.html import page_data, write_html
from govflow.cockpit.kpi import from_grid
from govflow.cockpit.sample import sample_snapshot
from govflow.grid import generate_district
from tests.test_cockpit_live import _drivers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    binary, driver_path = _drivers()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1400", "--disable-background-networking",
                "--no-first-run"):
        options.add_argument(arg)
    options.binary_location = binary
    found = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield found
    finally:
        found.quit()


def _wait_rendered(driver: Any, code: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = driver.execute_script("return [document.body.dataset.rendered || '',"
                                      " document.body.dataset.error || '']")
        assert not state[1], state[1]
        if state[0].startswith(code + "|"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the snapshot never showed {code}")


def test_snapshot_renders_offline_with_the_cockpit_figures(tmp_path: Path, driver: Any
                                                          ) -> None:
    """KPI cards show the computed figures; the map registers all 934 cells; a street of the
    snapshot opens from its row; nothing is fetched from anywhere."""
    from selenium.webdriver.common.by import By

    grid = generate_district(0, people="none")
    snap = sample_snapshot(grid.to_arrays(), 20_000)
    t0 = 1_780_272_000 + 30 * 86400
    cockpit = from_grid(snap, grid, t0=t0, t1=t0 + 30 * 86400)
    page = write_html(cockpit, tmp_path / "cockpit.html", grid=grid)
    text = page.read_text(encoding="utf-8")
    assert "src=\"http" not in text and "href=\"http" not in text and "/static/" not in text
    driver.get(page.resolve().as_uri())
    _wait_rendered(driver, cockpit.root)
    for key, shown in page_data(cockpit).items():
        assert driver.find_element(By.ID, f"kpi-{key}").text == shown, key
    registered = driver.execute_script(
        "return echarts.getMap('grid').geoJSON.features.length")
    assert registered == 934
    rows = driver.find_elements(By.CSS_SELECTOR, "#children tbody tr[data-code]")
    assert len(rows) == 14
    street = rows[3].get_attribute("data-code")
    rows[3].click()
    _wait_rendered(driver, street)
    for key, shown in page_data(cockpit, street).items():
        assert driver.find_element(By.ID, f"kpi-{key}").text == shown, key
    overdue = [r.get_attribute("data-case") for r in
               driver.find_elements(By.CSS_SELECTOR, "#overdue tbody tr[data-case]")]
    assert overdue == [o.case_id for o in cockpit.overdue(street, 20)]
    assert "synthetic" in driver.find_element(By.ID, "panel-campaigns").text
