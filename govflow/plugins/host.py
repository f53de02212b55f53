"""The plugin host: one pluggy manager per engine, loading, and isolated hook calls.

:class:`PluginHost` implements the engine's :class:`~govflow.engine.hooks.EngineHooks`.
Every hook implementation is called on its own: one that raises (or returns something the
hook does not allow) is recorded in :attr:`PluginHost.failures` and logged, and the next
plugin is still called. Hook-wrappers are refused at start-up, since they would defeat that.

Environment:

* ``GOVFLOW_BLOCK_PLUGINS=a,b`` blocks plugins by name (entry-point, folder or given name);
* ``GOVFLOW_TRACE_HOOKS=1`` logs every hook call and its result to ``govflow.plugins.trace``.

A plugin module that defines ``make_plugin()`` is registered as the object that function
returns, and a plugin given as a class is instantiated, afresh for each host: plugins with
state keep it per engine.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from govflow.errors import PluginError
from govflow.plugins import hookspecs
from govflow.plugins.loading import folder_candidates, folder_module, iter_entry_points
from govflow.plugins.markers import PROJECT
from govflow.plugins.registry import HOST, Action, Registry
from govflow.plugins.rules import Rule
from govflow.plugins.sources import Source
from govflow.records import Case, Event, Message, Timer

log = logging.getLogger("govflow.plugins")
trace_log = logging.getLogger("govflow.plugins.trace")

#: How many failures are kept in full; the rest are only counted in ``failure_counts``.
MAX_KEPT_FAILURES = 1000


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin failed in a hook: it raised ``error``, or returned what the hook forbids."""

    plugin: str
    hook: str
    error: BaseException

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} failed in {self.hook}: {self.error!r}"


def _plugin_name(obj: object) -> str:
    given = getattr(obj, "govflow_plugin_name", None)
    if isinstance(given, str):
        return given
    if isinstance(obj, ModuleType):
        return obj.__name__
    return type(obj).__name__ if not isinstance(obj, type) else obj.__name__


class PluginHost:
    """Loads plugins, runs their register hooks once, and calls observer hooks safely.

    :param plugins: plugin objects (modules, instances) to register, in order.
    :param plugins_dir: a folder of plugins (``x.py`` or ``x/__init__.py``).
    :param entry_points: load the installed ``govflow`` entry points.
    :param builtin: register the built-in plugin (actions ``notify_owner``, ...).
    :param rules_files: ``rules.yaml`` files of the deployment (errors here stop start-up).
    :param env: the environment to read ``GOVFLOW_*`` from (default ``os.environ``).
    """

    def __init__(
        self,
        plugins: Iterable[object] = (),
        *,
        plugins_dir: str | Path | None = None,
        entry_points: bool = True,
        builtin: bool = True,
        rules_files: Sequence[str | Path] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if env is None else env
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.blocked = frozenset(
            n.strip() for n in environ.get("GOVFLOW_BLOCK_PLUGINS", "").split(",") if n.strip()
        )
        for name in sorted(self.blocked):
            self.pm.set_blocked(name)
        self.trace = environ.get("GOVFLOW_TRACE_HOOKS", "") not in ("", "0", "false")
        self.failures: list[PluginFailure] = []
        self.failure_counts: Counter[tuple[str, str]] = Counter()
        self.registry = Registry()
        self._load(plugins, plugins_dir, entry_points, builtin)
        self._impls = {name: self._ordered(name) for name in hookspecs.HOOK_NAMES}
        self._register_all()
        for path in rules_files:
            with self.registry.acting_as(HOST):
                self.registry.add_rules_file(path)

    # -- loading -------------------------------------------------------------------------

    def _load(
        self, plugins: Iterable[object], plugins_dir: str | Path | None, use_eps: bool,
        builtin: bool,
    ) -> None:
        if builtin:
            from govflow.plugins import builtin as builtin_plugin

            self._add(builtin_plugin, "builtin")
        if use_eps:
            for name, ep in iter_entry_points():
                if name in self.blocked:
                    continue
                self._add_loaded(name, ep.load)
        if plugins_dir is not None:
            for name, init in folder_candidates(Path(plugins_dir)):
                if name not in self.blocked:
                    self._add_loaded(name, partial(folder_module, name, init))
        for obj in plugins:
            self._add(obj, _plugin_name(obj))
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or _plugin_name(exc.plugin)
            raise PluginError(
                f"plugin {name!r}: {exc}; hooks are declared in govflow.plugins.hookspecs "
                "(names start with govflow_)", plugin=name) from exc

    def _add_loaded(self, name: str, load: Callable[[], object]) -> None:
        """Import a plugin; an import that fails is a recorded failure, not a crash."""
        try:
            obj = load()
        except (Exception, SystemExit) as exc:
            self._fail(name, "load", exc)
            return
        self._add(obj, name)

    def _add(self, obj: object, name: str) -> None:
        if self.pm.is_blocked(name):
            return
        factory = getattr(obj, "make_plugin", None)
        try:
            if isinstance(obj, ModuleType) and callable(factory):
                obj = factory()  # a fresh plugin object per engine: its state is this engine's
            elif isinstance(obj, type):
                obj = obj()  # an entry point naming a class: one instance per engine
        except (Exception, SystemExit) as exc:  # its constructor failed: skip it, recorded
            self._fail(name, "load", exc)
            return
        try:
            self.pm.register(obj, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginError(f"plugin {name!r} cannot be registered: {exc}",
                              plugin=name) from exc
        for hook in self.pm.get_hookcallers(obj) or []:
            for impl in hook.get_hookimpls():
                if impl.plugin_name == name and (impl.hookwrapper or impl.wrapper):
                    self.pm.unregister(obj)
                    raise PluginError(
                        f"plugin {name!r}: {hook.name} is a wrapper; govflow calls each plugin "
                        "on its own, so drop wrapper=/hookwrapper=", plugin=name, hook=hook.name)

    def _ordered(self, hook: str) -> list[Any]:
        """The implementations of ``hook`` in pluggy's call order (last registered first)."""
        caller = getattr(self.pm.hook, hook)
        return list(reversed(caller.get_hookimpls()))

    @property
    def plugin_names(self) -> list[str]:
        """Names of the registered plugins."""
        return [name for name, plugin in self.pm.list_name_plugin() if plugin is not None]

    # -- the isolated call loop ----------------------------------------------------------

    def _fail(self, plugin: str, hook: str, error: BaseException) -> None:
        self.failure_counts[(plugin, hook)] += 1
        if len(self.failures) < MAX_KEPT_FAILURES:
            self.failures.append(PluginFailure(plugin, hook, error))
        log.error("plugin %r failed in %s: %r (skipped; the engine goes on)", plugin, hook, error)

    def _garbage(self, plugin: str, hook: str, result: object, wanted: str) -> None:
        self._fail(plugin, hook, PluginError(
            f"plugin {plugin!r}: {hook} returned {result!r:.80}; it must return {wanted}",
            plugin=plugin, hook=hook))

    def _each(self, hook: str, kwargs: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
        """Call every implementation of ``hook``; yield (plugin, result) of those that return."""
        for impl in self._impls[hook]:
            if self.trace:
                trace_log.info("call %s -> %s", hook, impl.plugin_name)
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except (Exception, SystemExit) as exc:  # KeyboardInterrupt still stops the run
                self._fail(impl.plugin_name, hook, exc)
                continue
            if self.trace:
                trace_log.info("  %s <- %s: %r", hook, impl.plugin_name, result)
            yield impl.plugin_name, result

    def _observe(self, hook: str, **kwargs: Any) -> None:
        if not self._impls[hook]:
            return
        for plugin, result in self._each(hook, kwargs):
            if result is not None:
                self._garbage(plugin, hook, result, "None")

    def _register_all(self) -> None:
        """Run the register hooks in order; a failing call is rolled back and recorded."""
        for hook in hookspecs.REGISTER_HOOKS:
            # load order (built-in first): the plugin that came first keeps a contested name
            for impl in reversed(self._impls[hook]):
                plugin = impl.plugin_name
                if self.trace:
                    trace_log.info("call %s -> %s", hook, plugin)
                try:
                    with self.registry.acting_as(plugin):
                        result = impl.function(*[self.registry for _ in impl.argnames])
                except (Exception, SystemExit) as exc:
                    self._fail(plugin, hook, exc)
                    continue
                if result is not None:
                    self._garbage(plugin, hook, result, "None")

    # -- what the engine reads -----------------------------------------------------------

    @property
    def actions(self) -> dict[str, Action]:
        return self.registry.actions

    @property
    def functions(self) -> dict[str, Callable[..., Any]]:
        return self.registry.functions

    @property
    def workflow_files(self) -> list[Path]:
        return self.registry.workflow_files

    @property
    def sources(self) -> dict[str, Source]:
        return self.registry.sources

    @property
    def rules(self) -> dict[str, list[Rule]]:
        return self.registry.rules

    # -- EngineHooks ---------------------------------------------------------------------

    def case_opened(self, case: Case, event: Event) -> None:
        self._observe("govflow_case_opened", case=case, event=event)

    def case_transitioned(self, case: Case, event: Event) -> None:
        self._observe("govflow_case_transitioned", case=case, event=event)

    def case_escalated(self, case: Case, event: Event) -> None:
        self._observe("govflow_case_escalated", case=case, event=event)

    def case_closed(self, case: Case, event: Event) -> None:
        self._observe("govflow_case_closed", case=case, event=event)

    def deliver(self, messages: Sequence[Message]) -> list[str]:
        """The union of the ids the plugins delivered (ids not among ``messages`` are refused)."""
        hook = "govflow_deliver"
        if not messages or not self._impls[hook]:
            return []
        known = {m.id for m in messages}
        delivered: dict[str, None] = {}
        for plugin, result in self._each(hook, {"messages": list(messages)}):
            if not isinstance(result, list | tuple | set | frozenset) or not all(
                    isinstance(i, str) for i in result):
                self._garbage(plugin, hook, result, "a list of message ids")
                continue
            strangers = [i for i in result if i not in known]
            if strangers:
                self._garbage(plugin, hook, strangers, "ids of the messages it was given")
            delivered.update((i, None) for i in result if i in known)
        return list(delivered)

    def timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        self._observe("govflow_timer_dead", timer=timer, reason=reason, attempts=attempts)

    def revisit_outcome(self, case: Case) -> bool | None:
        """The first True/False any plugin answers (stops at first non-None result)."""
        hook = "govflow_revisit_outcome"
        if not self._impls[hook]:
            return None
        for plugin, result in self._each(hook, {"case": case}):
            if result is None:
                continue
            if isinstance(result, bool):
                return result
            self._garbage(plugin, hook, result, "True, False or None")
        return None
