"""One convention for every ``govflow`` command: exit 0 done, 1 refused or failed, 2 usage;
``--store URL`` wherever a store is opened; read-only commands make no file; ``--version``;
plugin failures are errors; times in the calendar's zone.

The commands are enumerated from the parser, so a new command is checked (and a test here
fails until its refused input is listed in ``REFUSED``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from govflow.cli import build_parser, leaf_parsers, main

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = str(ROOT / "workflows.yaml")
#: commands that open no store (every other one must take --store)
NO_STORE = {"validate", "graph", "simulate", "plugins", "calendar status", "calendar import"}
#: commands that only read, or change what is there: they must never create a store
EXISTING_ONLY = {"db current", "grid show", "campaign status", "campaign cancel", "cockpit",
                 "timers dead", "keys list", "keys revoke", "calendar replan", "migrate",
                 "grid party load", "grid party generate", "webhooks list", "webhooks remove",
                 "webhooks enable", "webhooks deliveries"}
MISSING = "sqlite:///missing.db"
BOGUS = "bogus://nowhere"

#: per command, arguments it refuses (run in an empty working directory); exit status 1
REFUSED: dict[str, list[str]] = {
    "validate": ["nope.yaml"],
    "graph": ["standard_case", "--file", "nope.yaml"],
    "simulate": ["nope.yaml"],
    "db upgrade": ["--store", BOGUS],
    "db current": ["--store", MISSING],
    "grid generate": ["--people", "none", "--save", "--store", BOGUS],
    "grid load": ["nope.yaml", "--check"],
    "grid show": ["--store", MISSING],
    "campaign start": ["410102", "--name", "x", "--store", MISSING],
    "campaign status": ["C1", "--store", MISSING],
    "campaign cancel": ["C1", "--reason", "over", "--store", MISSING],
    "cockpit": ["--store", MISSING],
    "demo": ["--store", BOGUS, "--quiet"],
    "replay": ["nope.csv", "--mapping", "nope.yaml", "--store", "memory://"],
    "plugins": ["--plugins-dir", "broken_plugins", "--no-entry-points"],
    "intake": ["nosuch", "--store", "memory://", "--no-entry-points", "--workflows", WORKFLOWS],
    "calendar status": ["--file", "nope.yaml"],
    "calendar import": ["nope.txt"],
    "calendar replan": ["--workflows", "nope.yaml", "--store", "memory://"],
    "timers dead": ["--store", MISSING],
    "serve": ["--store", BOGUS, "--workflows", WORKFLOWS],
    "worker": ["--once", "--store", BOGUS, "--workflows", WORKFLOWS],
    "keys add": ["k", "--role", "r", "--store", BOGUS],
    "keys list": ["--store", MISSING],
    "keys revoke": ["k", "--store", MISSING],
    "grid party load": ["nope.yaml", "--store", MISSING],
    "grid party generate": ["--store", MISSING],
    "webhooks add": ["http://127.0.0.1:9/", "--events", "case.opened", "--store", BOGUS],
    "webhooks list": ["--store", MISSING],
    "webhooks remove": ["wh_x", "--store", MISSING],
    "webhooks enable": ["wh_x", "--store", MISSING],
    "webhooks deliveries": ["--store", MISSING],
    "migrate": ["standard_case", "--to", "2", "--map", "oops", "--store", "memory://"],
}

BROKEN_PLUGIN = '''\
from pydantic import BaseModel

from govflow.plugins import ListSource, OpenCase, hookimpl

FAIL = "{fail}"


class Report(BaseModel):
    id: str
    cell: str


def opened(record: Report) -> OpenCase:
    if FAIL == "rule":
        raise ValueError("the severity table is missing")
    return OpenCase("standard_case", record.cell, "test:report", {{"description": "a report"}})


@hookimpl
def govflow_register_sources(registry):
    registry.add_source(ListSource(
        "reports", Report,
        lambda: [{{"id": f"r{{i}}", "cell": "410102001001001"}} for i in range(3)],
        id_field="id"))


@hookimpl
def govflow_register_actions(registry):
    if FAIL == "actions":
        raise RuntimeError("the police API key is missing")
    registry.add_action("tell_police", lambda ctx: None)


@hookimpl
def govflow_register_rules(registry):
    registry.add_rules("reports", opened)
'''


def _plugins(folder: Path, fail: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reports.py").write_text(BROKEN_PLUGIN.format(fail=fail), encoding="utf-8")
    return folder


def _commands() -> dict[str, argparse.ArgumentParser]:
    """``"db upgrade"`` → its parser, for every command that runs something."""
    return {" ".join(p.prog.split()[1:]): p for p in leaf_parsers(build_parser())}


def _defaults(parser: argparse.ArgumentParser) -> dict[str, object]:
    return {key: parser.get_default(key) for key in ("_opens_store", "_existing_store")}


def _required(parser: argparse.ArgumentParser) -> list[str]:
    """Placeholder values for the command's required arguments ("1" parses as any type)."""
    out: list[str] = []
    for action in parser._actions:
        if not action.option_strings and action.nargs not in ("?", "*"):
            out.append("1")
        elif action.option_strings and action.required:
            out += [action.option_strings[0], "1"]
    return out


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory and no store named in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVFLOW_STORE_URL", raising=False)
    monkeypatch.delenv("GOVFLOW_BLOCK_PLUGINS", raising=False)
    yield tmp_path


def test_the_parser_lists_every_command() -> None:
    """The enumeration finds the nested commands too, and every one is covered here."""
    commands = _commands()
    assert {"db upgrade", "demo", "keys revoke", "calendar replan"} <= set(commands)
    assert set(commands) == set(REFUSED), "list a refused input for each new command"


@pytest.mark.parametrize("command", sorted(REFUSED))
def test_a_bad_option_is_exit_2_with_the_commands_usage(
        command: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown option: exit 2, the command's own usage, the option named."""
    parser = _commands()[command]
    with pytest.raises(SystemExit) as exited:
        main([*command.split(), *_required(parser), "--no-such-option"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: govflow {command} ")
    assert "unrecognized arguments: --no-such-option" in err
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("command", sorted(REFUSED))
def test_a_refused_input_is_exit_1_with_one_message(
        command: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file, an unknown name or a store URL that cannot be: exit 1, the reason on
    stderr, no traceback."""
    _plugins(workdir / "broken_plugins", fail="actions")
    assert main([*command.split(), *REFUSED[command]]) == 1
    err = capsys.readouterr().err
    assert err.strip(), "a refusal says why on stderr"
    assert "Traceback" not in err


def test_every_command_that_opens_a_store_takes_store() -> None:
    """--store (with the hidden --url alias) on every command but those that open none."""
    for name, parser in _commands().items():
        options = {s for a in parser._actions for s in a.option_strings}
        if name in NO_STORE:
            assert "--store" not in options, name
            continue
        assert {"--store", "--url"} <= options, name
        assert _defaults(parser)["_opens_store"] is True, name
        assert "--url" not in parser.format_help(), name


def test_url_still_works_with_a_note(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--url is read as --store and says it is deprecated."""
    assert main(["db", "current", "--url", MISSING]) == 1
    err = capsys.readouterr().err
    assert "--url is deprecated; use --store" in err and "no store at missing.db" in err


def test_read_only_commands_leave_no_file(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each reading command on a store that is not there: exit 1, what to run first, and no
    file made (neither the named one nor the default govflow.db)."""
    commands = _commands()
    flagged = {n for n, p in commands.items() if _defaults(p)["_existing_store"]}
    assert flagged == EXISTING_ONLY
    for name in sorted(flagged):
        argv = [*name.split(), *_required(commands[name])]
        for store in (["--store", MISSING], []):
            assert main([*argv, *store]) == 1, name
            err = capsys.readouterr().err
            assert "no store at" in err and "govflow db upgrade" in err, (name, err)
            assert list(workdir.iterdir()) == [], name


def test_cockpit_on_a_store_without_a_grid_points_to_the_demo(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An upgraded but empty store: the cockpit says how to get a grid (or the demo's)."""
    assert main(["db", "upgrade"]) == 0
    assert main(["cockpit"]) == 1
    err = capsys.readouterr().err
    assert "holds no grid" in err and "govflow grid load FILE --store URL" in err
    assert "govflow demo" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package's version and exits 0."""
    import govflow

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"govflow {govflow.__version__}\n"


def test_a_failed_plugin_makes_plugins_exit_1(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plugin that raises in a register hook: listed as FAILED, exit 1, a note on stderr;
    the same folder without the fault exits 0."""
    folder = _plugins(workdir / "p", fail="actions")
    assert main(["plugins", "--plugins-dir", str(folder), "--no-entry-points"]) == 1
    captured = capsys.readouterr()
    assert "FAILED plugin 'reports' failed in govflow_register_actions" in captured.out
    assert "the police API key is missing" in captured.out
    assert "plugin failure" in captured.err
    good = _plugins(workdir / "good", fail="")  # another path: a folder plugin loads once
    assert main(["plugins", "--plugins-dir", str(good), "--no-entry-points"]) == 0


def test_intake_refuses_to_read_when_a_plugin_failed_to_register(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A failing action registration: exit 1 with the plugin's error, nothing read, no store
    made (the records are not turned into dead letters)."""
    folder = _plugins(workdir / "p", fail="actions")
    code = main(["intake", "reports", "--plugins-dir", str(folder), "--no-entry-points",
                 "--workflows", WORKFLOWS, "--store", "sqlite:///i.db"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the police API key is missing" in err and "nothing was read" in err
    assert "GOVFLOW_BLOCK_PLUGINS=reports" in err
    assert not (workdir / "i.db").exists()


def test_intake_with_a_failing_rule_exits_1_and_shows_the_error(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rule that raises: the records are kept as dead letters, the rule's error is shown,
    exit 1; with a working rule the same intake opens the cases and exits 0."""
    from govflow.store import open_store

    folder = _plugins(workdir / "p", fail="rule")
    argv = ["intake", "reports", "--plugins-dir", str(folder), "--no-entry-points",
            "--workflows", WORKFLOWS]
    assert main([*argv, "--store", "sqlite:///bad.db"]) == 1
    captured = capsys.readouterr()
    assert "dead: rule_error 3" in captured.out
    assert "the severity table is missing" in captured.out
    assert "plugin code failed" in captured.err
    store = open_store("sqlite:///bad.db")
    try:
        assert len(store.dead_letters("reports")) == 3
    finally:
        store.close()
    argv[3] = str(_plugins(workdir / "good", fail=""))  # another path: loaded once per path
    assert main([*argv, "--store", "sqlite:///good.db"]) == 0
    assert "opened 3" in capsys.readouterr().out


def test_intake_keeps_its_cases_in_the_default_store(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --store the intake writes govflow.db, and a second run resumes its cursor."""
    folder = _plugins(workdir / "p", fail="")
    argv = ["intake", "reports", "--plugins-dir", str(folder), "--no-entry-points",
            "--workflows", WORKFLOWS]
    assert main(argv) == 0
    assert main(argv) == 0
    first, second = capsys.readouterr().out.strip().splitlines()
    assert "opened 3" in first and "read 0" in second
    assert (workdir / "govflow.db").is_file()


def test_times_are_shown_in_the_calendars_zone(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """keys list shows the revocation time in Asia/Shanghai (+08:00)."""
    assert main(["keys", "add", "desk", "--role", "hotline_operator"]) == 0
    assert main(["keys", "revoke", "desk"]) == 0
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "revoked " in out and "+08:00" in out


def test_postgres_scheme_is_read_as_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    """postgres:// (as Heroku and libpq tools write it) reaches the psycopg driver: a refused
    connection is one line, exit 1, no traceback and no password."""
    from govflow.store.url import resolve

    assert resolve("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve("postgres+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert main(["db", "upgrade", "--store", "postgres://gov:Sesame99@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("govflow: ") and "Traceback" not in err and "Sesame99" not in err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`govflow … | head`: no 'Broken pipe' message, no traceback, the SIGPIPE status."""
    proc = subprocess.Popen([sys.executable, "-m", "govflow", "validate", WORKFLOWS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert err == ""
