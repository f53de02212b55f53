"""The plugin host: loading, blocking, tracing, start-up checks and the registry's owners."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from govflow.errors import PluginError, RegistrationConflict
from govflow.plugins import PluginHost, hookimpl
from govflow.plugins.hookspecs import HOOK_NAMES
from govflow.plugins.registry import Registry

ROOT = Path(__file__).resolve().parents[1]


class Adds:
    """Registers one action and one function."""

    govflow_plugin_name = "adds"

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("stamp", lambda ctx: None)

    @hookimpl
    def govflow_register_functions(self, registry: Registry) -> None:
        registry.add_function("double", lambda x: 2 * x)


def test_builtin_plugin_registers_the_builtin_actions_and_functions() -> None:
    """The built-in actions and guard functions come from the 'builtin' plugin."""
    host = PluginHost(entry_points=False)
    assert {"notify_owner", "notify_reporter", "watchlist_add", "watchlist_remove"} <= set(
        host.actions)
    assert {"len", "min", "max", "abs"} <= set(host.functions)
    assert host.registry.owners[("action", "notify_owner")] == "builtin"


def test_given_plugins_are_registered_and_their_additions_recorded() -> None:
    """What a plugin adds is recorded against its name."""
    host = PluginHost([Adds()], entry_points=False)
    assert host.functions["double"](4) == 8
    assert host.registry.added_by("adds") == [("action", "stamp"), ("function", "double")]
    assert "adds" in host.plugin_names


def test_a_name_taken_twice_names_both_plugins() -> None:
    """A second plugin registering a taken name fails with both plugin names; the first stays."""

    class Again(Adds):
        govflow_plugin_name = "again"

    host = PluginHost([Adds(), Again()], entry_points=False)
    conflicts = [f.error for f in host.failures if isinstance(f.error, RegistrationConflict)]
    assert conflicts and conflicts[0].first == "adds" and conflicts[0].second == "again"
    assert "'adds'" in str(conflicts[0]) and "'again'" in str(conflicts[0])
    assert host.registry.owners[("action", "stamp")] == "adds"


def test_an_unknown_hook_name_fails_at_start_up() -> None:
    """A misspelt hook is a PluginError naming the plugin when the host starts."""

    class Typo:
        @hookimpl
        def govflow_case_openned(self, case: object) -> None: ...

    with pytest.raises(PluginError, match="govflow_case_openned") as info:
        PluginHost([Typo()], entry_points=False)
    assert info.value.plugin == "Typo"


def test_a_hook_wrapper_is_refused_at_start_up() -> None:
    """Wrappers would defeat isolation, so they are refused with a message saying so."""

    class Wraps:
        @hookimpl(wrapper=True)
        def govflow_case_opened(self, case: object, event: object) -> object:
            return (yield)

    with pytest.raises(PluginError, match="wrapper"):
        PluginHost([Wraps()], entry_points=False)


def test_block_list_from_the_environment_skips_plugins_by_name() -> None:
    """GOVFLOW_BLOCK_PLUGINS=a,b keeps those plugins out."""
    host = PluginHost([Adds()], entry_points=False,
                      env={"GOVFLOW_BLOCK_PLUGINS": "adds, builtin"})
    assert "stamp" not in host.actions and "notify_owner" not in host.actions
    assert host.blocked == {"adds", "builtin"}


def test_trace_env_logs_every_hook_call(caplog: pytest.LogCaptureFixture) -> None:
    """GOVFLOW_TRACE_HOOKS=1 writes each hook call to the govflow.plugins.trace logger."""
    with caplog.at_level(logging.INFO, logger="govflow.plugins.trace"):
        PluginHost([Adds()], entry_points=False, env={"GOVFLOW_TRACE_HOOKS": "1"})
    assert "call govflow_register_actions -> adds" in caplog.text


def test_folder_plugins_load_by_their_folder_name() -> None:
    """--plugins-dir: each package in the folder is a plugin named after it."""
    host = PluginHost(plugins_dir=ROOT / "plugins", entry_points=False)
    for name in ("party_building", "politics_law", "urban_management", "public_opinion"):
        assert name in host.plugin_names
    assert {"chicago_open311", "hotline_feed", "police_incidents", "party_visits"} <= set(
        host.sources)


def test_make_plugin_builds_a_fresh_object_per_host(tmp_path: Path) -> None:
    """A folder module with make_plugin() is registered as a new object for each host."""
    (tmp_path / "counter.py").write_text(
        "from govflow.plugins import hookimpl\n"
        "class Counter:\n"
        "    @hookimpl\n"
        "    def govflow_register_functions(self, registry):\n"
        "        registry.add_function('me', lambda: id(self))\n"
        "def make_plugin():\n"
        "    return Counter()\n", encoding="utf-8")
    first = PluginHost(plugins_dir=tmp_path, entry_points=False)
    second = PluginHost(plugins_dir=tmp_path, entry_points=False)
    assert first.functions["me"]() != second.functions["me"]()


def test_a_folder_plugin_that_fails_to_import_is_recorded(tmp_path: Path) -> None:
    """An import error is a recorded failure at 'load'; the other plugins still load."""
    (tmp_path / "broken.py").write_text("raise RuntimeError('cannot start')\n",
                                        encoding="utf-8")
    host = PluginHost(plugins_dir=tmp_path, entry_points=False)
    assert [(f.plugin, f.hook) for f in host.failures] == [("broken", "load")]
    assert "notify_owner" in host.actions


def test_hook_names_all_carry_the_project_prefix() -> None:
    """Every hook is declared with the govflow_ prefix."""
    assert all(name.startswith("govflow_") for name in HOOK_NAMES)


def test_the_package_exports_a_sorted_complete_all() -> None:
    """govflow.plugins.__all__ is sorted and every name in it exists."""
    import govflow.plugins as package

    assert package.__all__ == sorted(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)


def test_a_plugin_given_as_a_class_is_instantiated_per_host() -> None:
    """A class (e.g. what an entry point names) becomes one instance per host."""
    host = PluginHost([Adds], entry_points=False)
    assert "stamp" in host.actions and "adds" in host.plugin_names


def test_a_plugin_whose_make_plugin_raises_is_recorded_and_skipped(tmp_path: Path) -> None:
    """make_plugin() raising is a 'load' failure; the other plugins still load."""
    (tmp_path / "badmake.py").write_text(
        "def make_plugin():\n    raise ValueError('no config')\n", encoding="utf-8")
    host = PluginHost([Adds()], plugins_dir=tmp_path, entry_points=False)
    assert [(f.plugin, f.hook) for f in host.failures] == [("badmake", "load")]
    assert "badmake" not in host.plugin_names and "stamp" in host.actions


class Unbuildable:
    """A plugin class whose constructor raises (even SystemExit)."""

    govflow_plugin_name = "unbuildable"

    def __init__(self) -> None:
        raise SystemExit("bye")


def test_a_plugin_class_whose_init_raises_is_recorded_and_skipped() -> None:
    """A class that cannot be instantiated is a 'load' failure, not a crash."""
    host = PluginHost([Unbuildable, Adds], entry_points=False)
    assert [(f.plugin, f.hook) for f in host.failures] == [("unbuildable", "load")]
    assert "stamp" in host.actions


class BrokenWorkflows:
    """Registers an action, then a workflow file that does not load."""

    govflow_plugin_name = "broken_workflows"

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        registry.add_workflows(self.path)


def test_a_broken_workflow_file_is_a_recorded_register_failure(tmp_path: Path) -> None:
    """The file is checked at registration: the call is rolled back and the engine starts."""
    from govflow.engine.engine import Engine

    bad = tmp_path / "bad.yaml"
    bad.write_text("workflows:\n  w:\n    states: [oops\n", encoding="utf-8")
    host = PluginHost([BrokenWorkflows(bad), Adds()], entry_points=False)
    (failure,) = host.failures
    assert (failure.plugin, failure.hook) == ("broken_workflows", "govflow_register_workflows")
    assert "does not load" in str(failure.error) and "bad.yaml" in str(failure.error)
    assert host.workflow_files == []
    engine = Engine(ROOT / "workflows.yaml", plugins=host)
    assert engine.workflow("street_vending").name == "street_vending"


class Exits:
    """Calls sys.exit in an observer hook."""

    govflow_plugin_name = "exits"

    @hookimpl
    def govflow_revisit_outcome(self, case: object) -> bool:
        raise SystemExit(3)


def test_system_exit_in_a_hook_is_recorded_not_raised() -> None:
    """SystemExit from a plugin's hook is a recorded failure; the call returns normally."""
    host = PluginHost([Exits()], entry_points=False)
    assert host.revisit_outcome(object()) is None  # type: ignore[arg-type]
    assert [(f.plugin, f.hook) for f in host.failures] == [("exits", "govflow_revisit_outcome")]
