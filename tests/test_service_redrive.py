"""Re-driving a dead letter over HTTP, end to end: a plugin's rule fails, so intake keeps the
records as dead letters; the rule is fixed; ``POST /api/v1/dead-letters/{id}/redrive`` on a
real ``govflow serve`` takes the record in through the source's rules, opens its case and
removes the letter, and a second re-drive of the same letter is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.service_fixtures import DEFAULT_KEYS, ROOT, WORKFLOWS, make_keys, start_server

CELL = "410102001001001"

PLUGIN = f'''\
from pathlib import Path

from pydantic import BaseModel

from govflow.plugins import ListSource, OpenCase, hookimpl

BROKEN = Path(__file__).with_name("broken")


class Report(BaseModel):
    id: str
    cell: str
    text: str


def opened(record: Report) -> OpenCase:
    if BROKEN.exists():
        raise ValueError("the severity table is missing")
    return OpenCase("standard_case", record.cell, "test:report",
                    {{"description": record.text}}, ref=record.id)


@hookimpl
def govflow_register_sources(registry):
    registry.add_source(ListSource(
        "reports", Report,
        lambda: [{{"id": f"r{{i}}", "cell": "{CELL}", "text": f"report {{i}}"}}
                 for i in range(2)],
        id_field="id"))


@hookimpl
def govflow_register_rules(registry):
    registry.add_rules("reports", opened)
'''


def test_dead_letter_redriven_once_after_the_rule_is_fixed(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "reports.py").write_text(PLUGIN, encoding="utf-8")
    (plugins / "broken").write_text("", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'redrive.db'}"
    keys = make_keys(url, {"handler": DEFAULT_KEYS["handler"], "admin": (("admin",), ())})

    intake = subprocess.run(
        [sys.executable, "-m", "govflow", "intake", "reports", "--plugins-dir", str(plugins),
         "--no-entry-points", "--workflows", str(WORKFLOWS), "--store", url],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert intake.returncode == 1, intake.stdout + intake.stderr  # plugin code failed
    assert "the severity table is missing" in intake.stdout + intake.stderr

    (plugins / "broken").unlink()  # the department fixes its rule
    server = start_server(url, keys=keys, extra=["--no-worker", "--plugins-dir", str(plugins)])
    try:
        with httpx.Client(base_url=server.url, timeout=60,
                          headers=server.headers("admin")) as client:
            refused = client.post("/api/v1/dead-letters/x/redrive",
                                  headers=server.headers("handler"))
            assert refused.status_code == 403  # re-driving acts as the engine: an admin's
            letters = client.get("/api/v1/dead-letters", params={"source": "reports"})
            assert letters.status_code == 200, letters.text
            found = letters.json()["dead_letters"]
            assert sorted(d["record_id"] for d in found) == ["r0", "r1"]
            assert all("severity table" in d["reason"] for d in found)
            assert client.get("/api/v1/cases", params={"cell": CELL}).json()["cases"] == []

            first = next(d for d in found if d["record_id"] == "r0")
            redriven = client.post(f"/api/v1/dead-letters/{first['id']}/redrive")
            assert redriven.status_code == 200, redriven.text
            assert redriven.json()["taken"] == 1 and redriven.json()["dead"] == 0

            cases = client.get("/api/v1/cases", params={"cell": CELL}).json()["cases"]
            assert [c["data"]["description"] for c in cases] == ["report 0"]
            left = client.get("/api/v1/dead-letters", params={"source": "reports"}).json()
            assert [d["record_id"] for d in left["dead_letters"]] == ["r1"]

            again = client.post(f"/api/v1/dead-letters/{first['id']}/redrive")
            assert again.status_code in (400, 404), again.text
            assert again.headers["content-type"].startswith("application/problem+json")
            assert first["id"] in again.json()["detail"]
            cases = client.get("/api/v1/cases", params={"cell": CELL}).json()["cases"]
            assert len(cases) == 1  # not taken in twice
    finally:
        server.stop()
