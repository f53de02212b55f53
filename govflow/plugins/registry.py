"""The typed registry handed to ``govflow_register_*`` hooks.

It records which plugin added what, and refuses a name taken twice with
:class:`~govflow.errors.RegistrationConflict` naming both plugins. The host calls each
plugin's register hook inside :meth:`Registry.acting_as`, so what a plugin added in a hook
call that then failed is rolled back: a plugin is registered whole per hook, or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from govflow.errors import PluginError, RegistrationConflict, WorkflowLoadError
from govflow.plugins.rules import Rule, RuleFn, rule_from_function
from govflow.plugins.rules_yaml import load_rules
from govflow.plugins.sources import Source

#: What an engine action is: ``Callable[[ActionContext], None]`` (see govflow.engine).
Action = Callable[[Any], None]

#: The plugin name used for what the host itself registers (e.g. ``rules_files=``).
HOST = "<host>"
#: The built-in plugin's name; its actions and functions are trusted (not wrapped).
BUILTIN = "builtin"


def _guarded(fn: Callable[..., Any], plugin: str, what: str) -> Callable[..., Any]:
    """``fn``, with any exception it raises turned into a PluginError naming the plugin."""

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except PluginError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {plugin!r}: {what} raised {exc!r}", plugin=plugin,
                              hook=what) from exc

    return call


class Registry:
    """Sources, actions, guard functions, workflow files and rules, with their plugins."""

    def __init__(self) -> None:
        self.sources: dict[str, Source] = {}
        self.actions: dict[str, Action] = {}
        self.functions: dict[str, Callable[..., Any]] = {}
        self.workflow_files: list[Path] = []
        self.rules: dict[str, list[Rule]] = {}
        #: (kind, name) → plugin that added it
        self.owners: dict[tuple[str, str], str] = {}
        self._plugin = HOST
        self._journal: list[tuple[str, str]] | None = None

    @contextmanager
    def acting_as(self, plugin: str) -> Iterator[None]:
        """Attribute additions to ``plugin``; undo them if the block raises."""
        previous, self._plugin, self._journal = self._plugin, plugin, []
        try:
            yield
        except BaseException:
            for kind, name in reversed(self._journal):
                self._remove(kind, name)
            raise
        finally:
            self._plugin, self._journal = previous, None

    @property
    def plugin(self) -> str:
        """The plugin whose register hook is running."""
        return self._plugin

    def added_by(self, plugin: str) -> list[tuple[str, str]]:
        """What ``plugin`` registered, as (kind, name) pairs in order."""
        return [key for key, owner in self.owners.items() if owner == plugin]

    def _claim(self, kind: str, name: str) -> None:
        first = self.owners.get((kind, name))
        if first is not None:
            raise RegistrationConflict(kind=kind, name=name, first=first, second=self._plugin)
        self.owners[(kind, name)] = self._plugin
        if self._journal is not None:
            self._journal.append((kind, name))

    def _remove(self, kind: str, name: str) -> None:
        self.owners.pop((kind, name), None)
        if kind == "source":
            self.sources.pop(name, None)
        elif kind == "action":
            self.actions.pop(name, None)
        elif kind == "function":
            self.functions.pop(name, None)
        elif kind == "workflows":
            self.workflow_files[:] = [p for p in self.workflow_files if str(p) != name]
        elif kind == "rule":
            source, _, rule = name.partition(":")
            kept = [r for r in self.rules.get(source, []) if r.name != rule]
            self.rules[source] = kept

    def _bad(self, what: str) -> PluginError:
        return PluginError(f"plugin {self._plugin!r}: {what}", plugin=self._plugin,
                           hook="register")

    def add_source(self, source: Source) -> None:
        """Register a data source under ``source.name``."""
        model = getattr(source, "model", None)
        if not isinstance(model, type) or not issubclass(model, BaseModel):
            raise self._bad(f"source {getattr(source, 'name', source)!r} has no pydantic "
                            "`model` class; set `model = YourRecord` (a pydantic BaseModel)")
        if not isinstance(getattr(source, "name", None), str) or not callable(
                getattr(source, "read", None)):
            raise self._bad(f"{source!r} is not a Source: it needs `name: str` and "
                            "`read(cursor) -> Iterator[RawRecord]`")
        self._claim("source", source.name)
        self.sources[source.name] = source

    def add_action(self, name: str, fn: Action) -> None:
        """Register an entry/exit action that workflow files call by ``name``.

        An exception the action raises reaches the engine as a :class:`PluginError` naming
        the plugin and the action, so the change it was part of is refused cleanly.
        """
        if not callable(fn):
            raise self._bad(f"action {name!r} is {fn!r}, not a callable")
        self._claim("action", name)
        self.actions[name] = fn if self._plugin == BUILTIN else _guarded(
            fn, self._plugin, f"action {name!r}")

    def add_function(self, name: str, fn: Callable[..., Any]) -> None:
        """Register a guard function that guard expressions call by ``name``."""
        if not callable(fn):
            raise self._bad(f"function {name!r} is {fn!r}, not a callable")
        self._claim("function", name)
        self.functions[name] = fn if self._plugin == BUILTIN else _guarded(
            fn, self._plugin, f"guard function {name!r}")

    def add_workflows(self, path: str | Path) -> None:
        """Register an extra workflow file (YAML) for the engine to load.

        The file is loaded and checked here, against the built-in actions and functions and
        those registered so far (plugins register actions and functions before workflows),
        so a broken file fails this plugin's register call, not the engine's start.
        """
        from govflow.workflows.expr import BUILTIN_FUNCTIONS
        from govflow.workflows.load import BUILTIN_ACTIONS, load_workflows

        found = Path(path)
        if not found.is_file():
            raise self._bad(f"workflow file {found} does not exist")
        try:
            load_workflows(found, actions=BUILTIN_ACTIONS | set(self.actions),
                           functions=BUILTIN_FUNCTIONS | set(self.functions))
        except WorkflowLoadError as exc:
            raise self._bad(f"workflow file {found} does not load: {exc}") from exc
        self._claim("workflows", str(found))
        self.workflow_files.append(found)

    def add_rules(self, source: str, *rules: RuleFn | Rule) -> None:
        """Register Python mapping rules for ``source``, tried in the order given."""
        for given in rules:
            rule = given if isinstance(given, Rule) else rule_from_function(source, given)
            self._claim("rule", f"{source}:{rule.name}")
            self.rules.setdefault(source, []).append(rule)

    def add_rules_file(self, path: str | Path) -> None:
        """Register the rules of a ``rules.yaml`` file (checked against the sources' models).

        Files the host is given (``PluginHost(rules_files=...)``, the deployment's rules beside
        its workflows) go before the plugins' own rules, so the deployment can override them;
        a deployment rule named like a plugin's rule of the same source replaces it.
        """
        models = {name: src.model for name, src in self.sources.items()}
        deployment: dict[str, int] = {}
        for rule in load_rules(Path(path), models=models):
            key = f"{rule.source}:{rule.name}"
            if self._plugin == HOST and self.owners.get(("rule", key), HOST) != HOST:
                self._remove("rule", key)  # the deployment's rule replaces the plugin's
            self._claim("rule", key)
            found = self.rules.setdefault(rule.source, [])
            if self._plugin == HOST:  # the deployment's rules come before the plugins'
                at = deployment.get(rule.source, 0)
                found.insert(at, rule)
                deployment[rule.source] = at + 1
            else:
                found.append(rule)
