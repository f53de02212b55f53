"""The typed registry: what it accepts, what it refuses, and rollback of a failed call."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from govflow.errors import PluginError, RegistrationConflict
from govflow.plugins import ListSource, Skip
from govflow.plugins.registry import Registry


class Rec(BaseModel):
    id: str


def test_a_source_needs_a_pydantic_model() -> None:
    """An object without a pydantic ``model`` is refused with what to set."""

    class NoModel:
        name = "x"
        model = dict

        def read(self, cursor: str | None) -> list[object]:
            return []

    registry = Registry()
    with registry.acting_as("p"), pytest.raises(PluginError, match="pydantic `model`"):
        registry.add_source(NoModel())  # type: ignore[arg-type]


def test_a_missing_workflow_file_is_refused(tmp_path: Path) -> None:
    """add_workflows checks the file exists."""
    with pytest.raises(PluginError, match="does not exist"):
        Registry().add_workflows(tmp_path / "none.yaml")


def test_rules_of_one_source_conflict_by_name() -> None:
    """Two rules with one name on one source: RegistrationConflict naming both plugins."""

    def rule(record: Rec) -> Skip:
        return Skip()

    registry = Registry()
    with registry.acting_as("first"):
        registry.add_rules("s", rule)
    with registry.acting_as("second"), pytest.raises(RegistrationConflict) as info:
        registry.add_rules("s", rule)
    assert (info.value.kind, info.value.first, info.value.second) == ("rule", "first", "second")


def test_a_failing_call_rolls_back_everything_it_added() -> None:
    """acting_as undoes the additions of a block that raises."""
    registry = Registry()
    with pytest.raises(RuntimeError), registry.acting_as("p"):
        registry.add_source(ListSource("s", Rec, list))
        registry.add_function("f", abs)
        raise RuntimeError("late failure")
    assert registry.sources == {} and registry.functions == {} and registry.owners == {}
