"""The grid and campaign commands, end to end on a SQLite file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from govflow.cli import main

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"


def test_generate_show_and_a_campaign_round(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """generate --save, show, campaign start/status/cancel work against one store."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(WORKFLOWS, tmp_path / "workflows.yaml")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert main(["grid", "generate", "--people", "chain", "--save", "--store", url]) == 0
    assert main(["grid", "show", "410102001", "--store", url]) == 0
    shown = capsys.readouterr().out
    assert "林山寨街道" in shown and "934" in shown
    assert main(["campaign", "start", "410102003", "--name", "drill", "--store", url]) == 0
    started = capsys.readouterr().out
    campaign = started.split()[1]
    assert "tasks under 410102003" in started
    assert re.search(r"on post by \d{4}-\d\d-\d\d \d\d:\d\d\+08:00$", started.strip())
    assert main(["campaign", "status", campaign, "--store", url, "--tier", "2"]) == 0
    assert "0.0%" in capsys.readouterr().out
    assert main(["campaign", "cancel", campaign, "--reason", "over", "--store", url]) == 0
    assert "open tasks cancelled" in capsys.readouterr().out


def test_load_reports_a_bad_file_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """grid load on a file with problems prints every one and returns 1."""
    bad = tmp_path / "bad.csv"
    bad.write_text("code,parent,name\n410102,,中原区\n410102001,410102777,x\n", encoding="utf-8")
    assert main(["grid", "load", str(bad), "--check"]) == 1
    assert "dangling parent" in capsys.readouterr().err


def test_unknown_campaign_node_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """campaign start on a node the grid lacks says so and returns 1."""
    out = tmp_path / "zy"
    assert main(["grid", "generate", "--people", "chain", "--out", str(out)]) == 0
    code = main(["campaign", "start", "410102999", "--name", "x", "--grid", str(out),
                 "--workflows", str(WORKFLOWS), "--store", f"sqlite:///{tmp_path / 'g.db'}"])
    assert code == 1
    assert "unknown node '410102999'" in capsys.readouterr().err
