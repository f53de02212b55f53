"""The live cockpit in real headless Chromium (Selenium, Debian's chromium-driver), served by
a real ``govflow serve`` on a short demo's database: district → street → community → cell →
case, the figures on screen checked against the store at every level, then a trigger fired
through the API shows on the open page without a reload.

Screenshots of each level go to ``$GOVFLOW_SCREENSHOTS`` or, without it, to
``screenshots/`` under pytest's base temporary folder. Skipped without Chromium and its
driver locally; in CI (CI=true) their absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from govflow.cockpit.kpi import from_grid
from govflow.cockpit.live import _end
from govflow.cockpit.views import node_view
from govflow.demo.result import Options
from govflow.demo.run import run_demo
from govflow.grid.persist import load_from_store
from govflow.kernels.snapshot import from_store
from govflow.store import open_store
from tests.conftest import SHANGHAI
from tests.service_fixtures import ROOT, Server, make_keys, start_server

pytestmark = pytest.mark.slow
DAYS = 30  # the page's default window


def _drivers() -> tuple[str, str]:
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)),
                   None)
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    message = ("headless Chromium and its driver are not installed (Debian: apt-get install "
               "-y chromium chromium-driver fonts-noto-cjk)")
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; in CI the browser test must run")
    pytest.skip(message)


def _all_roles() -> list[str]:
    roles: set[str] = set()
    for path in [ROOT / "workflows.yaml", *sorted((ROOT / "plugins").glob("*/*.yaml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            roles.update(str(r) for r in data.get("roles") or [])
    return sorted(roles - {"system"})  # the engine's own role: a key holds it only if granted


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("GOVFLOW_SCREENSHOTS")
    folder = Path(named) if named else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A two-day demo's database served without the worker (so only the test moves it)."""
    out = tmp_path_factory.mktemp("live-demo")
    run_demo(Options(days=2, seed=0, out=out, quiet=True, warmup=False))
    url = f"sqlite:///{out / 'govflow.db'}"
    keys = make_keys(url, {"chief": (_all_roles(), ()),
                           "local": (["grid_worker"], ["410102001001001"])})
    srv = start_server(url, keys=keys, extra=["--no-worker", "--plugins-dir",
                                              str(ROOT / "plugins")])
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    binary, driver_path = _drivers()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1500", "--lang=zh-CN", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"):
        options.add_argument(arg)
    options.binary_location = binary
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _expected(server: Server, code: str) -> dict[str, Any]:
    """The figures of ``code`` computed afresh from the store (not from the server)."""
    store = open_store(server.store_url)
    try:
        grid = load_from_store(store)
        snap = from_store(store, grid.to_arrays().index)
    finally:
        store.close()
    t1 = _end(snap)
    cockpit = from_grid(snap, grid, t0=t1 - DAYS * 86400, t1=t1)
    return node_view(cockpit, code)


def _sql_counts(server: Server, code: str, t1_iso: str) -> dict[str, int]:
    """Backlog and red lights under ``code`` counted by plain SQL over the cases table
    (the SQLite store keeps UTC times as naive ISO text)."""
    from datetime import UTC, datetime

    t1 = datetime.fromisoformat(t1_iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con = sqlite3.connect(server.store_url.removeprefix("sqlite:///"))
    try:
        backlog, red = con.execute(
            "SELECT count(*), coalesce(sum(light = 'red'), 0) FROM cases WHERE cell LIKE ? "
            "AND opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)",
            (code + "%", t1, t1)).fetchone()
    finally:
        con.close()
    return {"backlog": int(backlog), "red": int(red)}


def _wait(driver: Any, check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    error = driver.execute_script("return document.body.dataset.error || ''")
    raise AssertionError(f"timed out waiting for {what}; page error: {error!r}")


def _rendered(driver: Any, code: str, case: str = "") -> None:
    _wait(driver, lambda: str(driver.execute_script(
        "return document.body.dataset.rendered || ''")).startswith(f"{code}|{case}|"),
          f"the page to show {code} {case}")
    time.sleep(0.4)  # ECharts finishes its frame


def _check_figures(driver: Any, server: Server, code: str) -> dict[str, Any]:
    """Every KPI card shows the store's figure, with its formula; bars list the children."""
    from selenium.webdriver.common.by import By

    view = _expected(server, code)
    for kpi in view["kpis"]:
        shown = driver.find_element(By.ID, f"kpi-{kpi['key']}").text
        assert shown == kpi["shown"], (code, kpi["key"], shown, kpi["shown"])
        card = driver.find_element(By.CSS_SELECTOR, f'.card[data-kpi="{kpi["key"]}"]')
        assert kpi["formula"].split()[0] in card.text
    sql = _sql_counts(server, code, view["window"]["to"])
    by_key = {k["key"]: k for k in view["kpis"]}
    assert by_key["backlog"]["value"] == sql["backlog"]
    assert by_key["red"]["value"] == sql["red"]
    rows = driver.find_elements(By.CSS_SELECTOR, "#children tbody tr[data-code]")
    if view["bars"]:
        assert [r.get_attribute("data-code") for r in rows] == [b["code"] for b in view["bars"]]
        assert rows[0].find_elements(By.TAG_NAME, "td")[1].text == \
            view["bars"][0]["shown"]["on_time_rate"]
    overdue = driver.find_elements(By.CSS_SELECTOR, "#overdue tbody tr[data-case]")
    assert [r.get_attribute("data-case") for r in overdue] == \
        [o["case_id"] for o in view["overdue"]]
    return view


def _click(driver: Any, selector: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def test_drill_down_and_live_change(server: Server, browser: Any, shots: Path) -> None:
    """district → street → community → cell → case, figures checked against the store at
    each level; a trigger fired through the API changes the open page without a reload."""
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    district = "410102"
    _rendered(browser, district)
    assert browser.execute_script(
        "return document.fonts.check('16px \"Noto Sans CJK SC\"', '中原区')"), \
        "no CJK font: Chinese would show as boxes (Debian: fonts-noto-cjk)"
    assert "中原区" in browser.find_element(By.ID, "district-name").text
    assert "北京时间" in browser.find_element(By.ID, "window").text
    view = _check_figures(browser, server, district)
    assert len(view["bars"]) == 14
    panels = browser.find_element(By.ID, "panel-campaigns").text
    assert "到岗率" in panels and "%" in panels
    assert "暂无数据" in browser.find_element(By.ID, "panel-dispatch").text  # honest: none
    browser.save_screenshot(str(shots / "1-district.png"))

    # the busiest street, then its busiest community, then its cell with the most cases
    street = max(view["bars"], key=lambda b: (b["values"]["backlog"] or 0, b["code"]))["code"]
    _click(browser, f'#children tr[data-code="{street}"]')
    _rendered(browser, street)
    assert f"node={street}" in browser.current_url  # the place is in the URL
    view = _check_figures(browser, server, street)
    browser.save_screenshot(str(shots / "2-street.png"))

    community = max(view["bars"], key=lambda b: (b["values"]["backlog"] or 0,
                                                  b["code"]))["code"]
    _click(browser, f'#children tr[data-code="{community}"]')
    _rendered(browser, community)
    view = _check_figures(browser, server, community)
    browser.save_screenshot(str(shots / "3-community.png"))

    cell = max(view["bars"], key=lambda b: (b["values"]["backlog"] or 0, b["code"]))["code"]
    _click(browser, f'#children tr[data-code="{cell}"]')
    _rendered(browser, cell)
    _check_figures(browser, server, cell)
    listed = [r.get_attribute("data-case") for r in
              browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr[data-case]")]
    store = open_store(server.store_url)
    try:
        in_cell = {c.id: c for c in store.iter_cases() if c.cell == cell}
    finally:
        store.close()
    assert sorted(listed) == sorted(in_cell)
    browser.save_screenshot(str(shots / "4-cell.png"))

    # the case to act on: an open case of the cell the chief may move
    client = httpx.Client(base_url=server.url, headers=server.headers("chief"), timeout=30)
    target, trigger = None, None
    for case_id in listed:
        if in_cell[case_id].closed_at is not None:
            continue
        allowed = client.get(f"/api/v1/cases/{case_id}/triggers").json()["triggers"]
        usable = [t for t in allowed if t not in ("cancel", "void")]
        if usable:
            target, trigger = case_id, usable[0]
            break
    if target is None:  # the cell has nothing open: any listed case opens the timeline
        target = listed[0]
    _click(browser, f'#cases tr[data-case="{target}"]')
    _rendered(browser, cell, target)
    assert f"case={target}" in browser.current_url
    events = browser.find_elements(By.CSS_SELECTOR, "#timeline li")
    store = open_store(server.store_url)
    try:
        history = store.history(target)
    finally:
        store.close()
    assert len(events) == len(history)
    assert browser.find_element(By.ID, "case-id").text == target
    browser.save_screenshot(str(shots / "5-case.png"))
    assert trigger is not None, f"no open case of cell {cell} accepts a trigger"

    before = browser.execute_script("return document.body.dataset.rendered")
    backlog_before = browser.find_element(By.ID, "kpi-backlog").text
    fired = client.post(f"/api/v1/cases/{target}/fire", json={"trigger": trigger})
    assert fired.status_code == 200, fired.text
    new_state = fired.json()["state"]
    _wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#timeline li"))
          == len(history) + 1, "the fired trigger on the open page", timeout=30)
    assert browser.execute_script("return document.body.dataset.rendered") != before
    last = browser.find_elements(By.CSS_SELECTOR, "#timeline li")[-1].text
    assert trigger in last
    view = _check_figures(browser, server, cell)
    by_key = {k["key"]: k for k in view["kpis"]}
    if fired.json()["closed_at"] is not None:
        assert browser.find_element(By.ID, "kpi-backlog").text != backlog_before
    assert browser.find_element(By.ID, "case-state").text, new_state
    browser.save_screenshot(str(shots / "6-after-trigger.png"))
    assert by_key["backlog"]["shown"] == browser.find_element(By.ID, "kpi-backlog").text
    client.close()


def test_the_case_page_draws_the_escalation_ladder(server: Server, browser: Any,
                                                  shots: Path) -> None:
    """A 12345 order put into handling over the API shows the hotline's ladder on its case
    page: three steps (community yellow, street red, district), each with the time it falls
    due, the same as the store's pending ladder timers."""
    from selenium.webdriver.common.by import By

    cell = "410102001001001"
    with httpx.Client(base_url=server.url, headers=server.headers("chief"), timeout=30) as client:
        opened = client.post("/api/v1/cases", json={"workflow": "hotline", "cell": cell,
                                                    "data": {"kind": "complaint"}})
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        for trigger in ("sign", "start"):
            fired = client.post(f"/api/v1/cases/{case_id}/fire", json={"trigger": trigger})
            assert fired.status_code == 200, fired.text
    assert fired.json()["state"] == "handling"
    store = open_store(server.store_url)
    try:
        due = sorted(t.due_at for t in store.pending_timers(case_id) if t.kind == "ladder")
    finally:
        store.close()
    assert len(due) == 3
    browser.get(f"{server.url}/#node={cell}&kpi=on_time_rate&days={DAYS}&case={case_id}")
    _rendered(browser, cell, case_id)
    steps = browser.find_elements(By.CSS_SELECTOR, "#ladder .step")
    assert [s.get_attribute("data-step") for s in steps] == ["1", "2", "3"]
    assert all("pending" in (s.get_attribute("class") or "") for s in steps)
    texts = [s.text for s in steps]
    assert "社区" in texts[0] and "黄牌" in texts[0] and "街道" in texts[1] and "红牌" in texts[1]
    assert "区 district" in texts[2]
    shown = [t.split("待 ")[1][:16] for t in texts]
    local = [d.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") for d in due]
    assert shown == local, (shown, local)
    browser.save_screenshot(str(shots / "7-ladder.png"))


def test_map_and_geojson_serve_every_cell(server: Server) -> None:
    """The map's data: every one of the 934 cells with a polygon and a colour value."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        fc = client.get("/api/v1/grid.geojson").json()
        cells = [f for f in fc["features"] if f["properties"]["tier"] == 3]
        assert len(cells) == 934
        assert all(f["geometry"]["type"] == "Polygon" for f in cells)
        data = client.get("/api/v1/cockpit/map").json()
        assert set(data["cells"]) == {f["properties"]["code"] for f in cells}
        assert client.get("/api/v1/cockpit/nodes/999").status_code == 404
        page = client.get("/")
        assert page.status_code == 200 and "/static/vendor/echarts/echarts.min.js" in page.text
        assert "http://" not in page.text and "https://" not in page.text  # offline
        assert client.get("/static/../../pyproject.toml").status_code == 404
        assert client.get("/api/v1/cockpit/nodes/410102", params={"until": "2026-10-01"}
                          ).status_code == 422  # a time without its offset
        assert client.get("/api/v1/cockpit/cells/410102001/cases").status_code == 422
        local = server.headers("local")  # a key answers for its own cell only
        assert client.get("/api/v1/cockpit/nodes/410102001001001", headers=local
                          ).status_code == 200
        refused = client.get("/api/v1/cockpit/nodes/410102002", headers=local)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        settings = client.get("/api/v1/cockpit/settings").json()
        assert {k["key"]: k["formula"] for k in settings["kpis"]}["on_time_rate"] == \
            "closed_on_time / due_to_close"
