"""Deterministic members (3 per cell) and their visits for the demo district."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "明", "丽", "伟", "芳", "军", "红梅", "海燕", "国华")
ISSUES = ("none", "elderly_alone", "hardship", "stairwell_clutter", "leaking_pipe", "dispute")
ISSUE_WEIGHTS = (0.8, 0.05, 0.04, 0.05, 0.03, 0.03)


def members(cells: Sequence[str], *, seed: int = 0, per_cell: int = 3) -> list[dict[str, Any]]:
    """``per_cell`` members per cell, each answering for 5–12 households."""
    rng = random.Random(seed + 11)
    out: list[dict[str, Any]] = []
    for cell in cells:
        for k in range(per_cell):
            count = rng.randint(5, 12)
            out.append({
                "id": f"pm{cell[-9:]}{k}", "cell": cell,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "households": [f"{cell}-h{k:01d}{j:02d}" for j in range(count)],
            })
    return out


def visits(roster: Sequence[dict[str, Any]], n: int, *, seed: int = 0,
           start: datetime) -> list[dict[str, Any]]:
    """``n`` visits by members of ``roster`` to their own households, in time order."""
    rng = random.Random(seed + 13)
    out: list[dict[str, Any]] = []
    at = start
    for i in range(n):
        at += timedelta(seconds=rng.randint(20, 400))
        member = rng.choice(roster)
        issue = rng.choices(ISSUES, ISSUE_WEIGHTS)[0]
        out.append({
            "id": f"zf{seed}-{i:06d}", "member_id": member["id"], "cell": member["cell"],
            "household": rng.choice(member["households"]), "visited_at": at.isoformat(),
            "issue": issue, "note": "" if issue == "none" else f"走访发现: {issue}",
        })
    return out


def coverage(roster: Sequence[dict[str, Any]], visited: Sequence[dict[str, Any]]) -> float:
    """Share of the roster's households visited at least once (走访覆盖率)."""
    households = {h for m in roster for h in m["households"]}
    seen = {v["household"] for v in visited} & households
    return len(seen) / len(households) if households else 0.0
