"""``govflow demo``: a short run of the district, its figures, the page and determinism."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from govflow.demo.result import DemoResult, Options
from govflow.demo.run import run_demo, simulate
from govflow.demo.world import store_url
from tests.conftest import postgres_url

pytestmark = pytest.mark.slow

SOURCES = ("urban_patrol", "ai_vision", "police_incidents", "police_patrols", "hotline_feed",
           "party_visits")


def _run(tmp_path: Path, name: str, *, days: int = 2, seed: int = 0,
         url: str | None = None) -> DemoResult:
    opts = Options(days=days, seed=seed, url=url, out=tmp_path / name, quiet=True,
                   warmup=False)
    return run_demo(opts)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, DemoResult]:
    """The same two-day run twice (seed 0), in two folders."""
    base = tmp_path_factory.mktemp("demo")
    return _run(base, "a"), _run(base, "b")


def test_every_plugin_source_opens_cases(two_days: tuple[DemoResult, DemoResult]) -> None:
    """Each of the six sample sources reads records and opens cases; nothing is dead."""
    result = two_days[0]
    for source in SOURCES:
        assert result.records[source] > 0, source
        assert result.opened[source] > 0, source
    assert sum(result.dead.values()) == 0
    assert result.skipped["party_visits"] > 0  # visits that found nothing
    assert 100 <= result.total_records / result.days <= 400  # a district's day


def test_deadlines_warn_escalate_and_cases_are_reworked(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """Late work turns lights yellow and red and escalates; checks and revisits send back."""
    result = two_days[0]
    assert result.messages["warning"] > 0
    assert result.messages["breach"] > 0
    assert result.events["escalated"] > 0
    assert result.cases["escalated"] > 0
    assert result.cases["reworked"] > 0
    assert result.actions["rework"] + result.actions["redo"] > 0
    assert result.events["revisits"] > 0
    assert sum(result.refused.values()) == 0


def test_campaign_covers_every_cell_and_volunteers_are_matched(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """A short run still holds the campaign: 934 tasks, a high on-post rate, orders sent."""
    camp = two_days[0].campaign
    assert camp["tasks"] == camp["required"] == 934
    assert camp["on_post"] + camp["late"] + camp["open"] == 934
    assert 0.85 <= camp["rate"] < 1.0
    assert camp["rate"] == pytest.approx(camp["on_post"] / 934, abs=1e-4)
    assert camp["matched"] == camp["places"] == 934 + 2 * 157
    assert two_days[0].opened["campaign"] == 934
    assert two_days[0].opened["mobilise"] == camp["matched"] + camp["refilled"]
    assert camp["replaced"] > 0


def test_page_is_written(two_days: tuple[DemoResult, DemoResult]) -> None:
    """The cockpit page is one self-contained HTML file with the cells in it."""
    page = two_days[0].html
    assert page is not None and page.is_file()
    text = page.read_text(encoding="utf-8")
    assert text.lower().startswith("<!doctype html>")
    assert "<script src" not in text and "<link" not in text
    assert len(re.findall(r'"code": "\d{15}"', text)) == 934  # the heat map's cells


def test_same_seed_same_figures(two_days: tuple[DemoResult, DemoResult]) -> None:
    """Two runs with one seed give the same figures (case ids differ, nothing else)."""
    first, second = two_days
    assert first.figures() == second.figures()
    assert first.campaign["id"] != second.campaign["id"]


def test_another_seed_other_figures(tmp_path: Path,
                                    two_days: tuple[DemoResult, DemoResult]) -> None:
    """The seed drives what happens: another seed, other figures."""
    other, world, _ = simulate(Options(days=1, seed=7, out=tmp_path, quiet=True,
                                       warmup=False))
    world.engine.close()
    assert other.figures()["records"] != two_days[0].figures()["records"]


def test_cli_default_folder_and_url(tmp_path: Path) -> None:
    """Without --url the store is govflow.db in the output folder; PostgreSQL gets a schema."""
    assert store_url(None, tmp_path) == f"sqlite:///{(tmp_path / 'govflow.db').resolve()}"
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert store_url(pg, tmp_path) == pg + "?schema=govflow_demo"
    assert store_url(pg + "?schema=x", tmp_path) == pg + "?schema=x"


def test_demo_on_postgresql(tmp_path: Path, capsys: Any) -> None:
    """One day on PostgreSQL in a schema of its own: same kind of figures as SQLite."""
    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url()}?schema={schema}"
    result = _run(tmp_path, "pg", days=1, url=url)
    try:
        assert result.total_opened > 934
        assert result.campaign["tasks"] == 934
        assert "postgresql" in capsys.readouterr().out
    finally:
        from govflow.store.sql import SqlStore

        store = SqlStore(url)
        store.drop_schema()
        store.close()
