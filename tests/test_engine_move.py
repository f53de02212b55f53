"""Engine.move: a provisional case moves into another workflow, keeping its id and its log."""

from __future__ import annotations

import pytest

from govflow import Actor, Engine
from govflow.engine.reducer import rebuild
from govflow.errors import CaseError, PermissionDenied, TransitionNotAllowed

CELL = "410102001001001"
REGISTRAR = Actor.of("reg", "registrar", "inspector")


def test_move_keeps_the_case_and_rebuilds_from_its_log(engine: Engine) -> None:
    """The moved case is in the target's initial state with its deadline; replaying its log
    (open in one workflow, move into another) gives the stored case on every store."""
    case = engine.open_case("standard_case", cell=CELL, actor=Actor.of("w", "grid_worker"),
                            category="ai_unconfirmed:oil_fumes", data={"camera": "c1"})
    moved = engine.move(case.id, "rectification", actor=REGISTRAR, category="oil_fumes",
                        data={"shop": "老王烩面"}, reason="frame checked",
                        from_states=("reported",))
    assert (moved.id, moved.workflow, moved.state) == (case.id, "rectification", "found")
    assert moved.data == {"camera": "c1", "shop": "老王烩面"}
    engine.fire(case.id, "serve_notice", actor=REGISTRAR, data={"rectify_within": "3 days"})
    history = engine.history(case.id)
    assert [e.trigger for e in history] == ["open", "move", "serve_notice"]
    assert history[1].data["from_workflow"] == "standard_case"
    stored = engine.case(case.id)
    stored.rev = 0
    assert rebuild(history, engine.workflow) == stored


def test_move_refuses_closed_cases_wrong_states_and_roles(engine: Engine) -> None:
    """A closed case, a state outside from_states, an actor who may not open the target."""
    case = engine.open_case("standard_case", cell=CELL, actor=Actor.of("w", "grid_worker"))
    with pytest.raises(PermissionDenied, match="may not move"):
        engine.move(case.id, "rectification", actor=Actor.of("x", "reporter"))
    engine.fire(case.id, "register", actor=REGISTRAR)
    with pytest.raises(TransitionNotAllowed, match="only from"):
        engine.move(case.id, "rectification", actor=REGISTRAR, from_states=("reported",))
    done = engine.open_case("standard_case", cell=CELL, actor=Actor.of("w", "grid_worker"))
    engine.fire(done.id, "invalidate", actor=REGISTRAR)
    with pytest.raises(CaseError, match="closed"):
        engine.move(done.id, "rectification", actor=REGISTRAR)
