"""人工分类: a person classifies a message the model was unsure of.

The message waits as a ``message_triage`` case (category ``unsure:<level-1 guess>``); the
operator's answer moves that same case into the workflow it was meant for (``data.target``:
``board_message`` or ``hotline``) with the chosen category, so its history — arrival, the
model's guess and confidence, the wait, who classified it — stays on one case.
"""

from __future__ import annotations

from typing import Any

from govflow.errors import DataError
from govflow.records import Actor, Case

WORKFLOW = "message_triage"
UNSURE = "unsure:"


def confirm_category(engine: Any, case_id: str, category: str, *, actor: Actor,
                     taxonomy: Any = None) -> Case:
    """Classify a waiting message as ``category`` (``l1/l2/l3``) and move it on.

    ``taxonomy`` (leaves of the official tree), when given, is checked: a path that is not a
    leaf is refused with the fix, before anything changes.
    """
    case = engine.case(case_id)
    if case.workflow != WORKFLOW:
        raise DataError(f"case {case_id!r} is a {case.workflow!r} case, not a message "
                        f"waiting for classification ({WORKFLOW})")
    parts = category.split("/")
    if len(parts) != 3 or not all(parts):
        raise DataError(f"category {category!r}: give the official leaf as l1/l2/l3")
    if taxonomy is not None and category not in {leaf.path for leaf in taxonomy}:
        raise DataError(f"category {category!r} is not a leaf of the official tree; "
                        "see zhengwu_category_taxonomy.csv for the leaves")
    target = str(case.data.get("target") or "board_message")
    l1, l2, l3 = parts
    return engine.move(case_id, target, actor=actor, category=category,
                       data={"l1": l1, "l2": l2, "l3": l3, "classified_by": actor.id},
                       reason=f"classified by hand: {category}", from_states=("triage",))
