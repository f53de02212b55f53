"""Assessment (四个一体): scores per node and per person from the cases they answer for.

Work, tasks, responsibility, and reward and penalty move together along the four-level
contact chain; the score is what the reward and penalty are settled on. Over a window, from
the duty kernel's counts (:mod:`govflow.kernels.duty`):

- on-time      = closed on time ÷ closed
- no rework    = 1 − reworked ÷ closed
- no escalation = 1 − escalated ÷ answered for (cases open at some moment of the window)
- on post      = on-post tasks confirmed by their deadline ÷ tasks required

**score = 100 × Σ wᵢ·rateᵢ ÷ Σ wᵢ**, the sums over the rates that are defined (a node with no
on-post tasks is scored on the other three). Default weights 0.3 / 0.3 / 0.2 / 0.2 (the field's
composite scores weight closure, on-time handling and rework about equally; cities differ, so
the weights are configuration). A node's figures include every node below it (its cases
are counted up the tiers); a person's are the cases they handled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from govflow.kernels.duty import DutyFigures
from govflow.kernels.duty_columns import DUTY

FORMULA = ("score = 100 × (w_on_time·on_time + w_rework·(1 − rework) + w_escalation·(1 − "
           "escalated) + w_on_post·on_post) ÷ (sum of the weights of the defined rates)")


@dataclass(frozen=True, slots=True)
class Weights:
    on_time: float = 0.3
    rework: float = 0.3
    escalation: float = 0.2
    on_post: float = 0.2


def _rate(num: NDArray[np.int64], den: NDArray[np.int64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1), np.nan)


def rates(rows: NDArray[np.int64]) -> dict[str, NDArray[np.float64]]:
    """The four rates of each row (NaN where undefined)."""
    col = {name: rows[:, j] for name, j in DUTY.items()}
    return {
        "on_time": _rate(col["closed_on_time"], col["closed"]),
        "rework": _rate(col["reworked"], col["closed"]),
        "escalated": _rate(col["escalated"], col["answered"]),
        "on_post": _rate(col["tasks_on_post"], col["tasks_required"]),
    }


def scores(rows: NDArray[np.int64], weights: Weights | None = None) -> NDArray[np.float64]:
    """The score (0..100) of each row; NaN for a row with no defined rate."""
    w = weights or Weights()
    r = rates(rows)
    terms = ((w.on_time, r["on_time"]), (w.rework, 1 - r["rework"]),
             (w.escalation, 1 - r["escalated"]), (w.on_post, r["on_post"]))
    num = np.zeros(rows.shape[0])
    den = np.zeros(rows.shape[0])
    for weight, value in terms:
        defined = ~np.isnan(value)
        num += np.where(defined, weight * np.nan_to_num(value), 0.0)
        den += np.where(defined, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.maximum(den, 1e-12), np.nan)


def node_scores(figures: DutyFigures, weights: Weights | None = None) -> NDArray[np.float64]:
    return scores(figures.nodes, weights)


def person_scores(figures: DutyFigures, weights: Weights | None = None
                  ) -> NDArray[np.float64]:
    return scores(figures.people, weights)
