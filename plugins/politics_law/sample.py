"""Deterministic sample incidents and patrols for the demo district."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

KINDS = ("theft", "dispute", "fight", "fraud", "noise", "traffic", "suspicious")
SUMMARY = {"theft": "电动车被盗", "dispute": "邻里纠纷", "fight": "酒后打架", "fraud": "电信诈骗",
           "noise": "深夜噪音", "traffic": "交通事故", "suspicious": "可疑人员"}
SITES = ("建设路工地", "碧沙岗公园", "西流湖公园", "中原万达", "锦艺城", "郑州西站", "陇海路夜市")


def incidents(cells: Sequence[str], n: int, *, seed: int = 0,
              start: datetime) -> list[dict[str, Any]]:
    """``n`` incidents; fights and disputes are often called in more than once."""
    rng = random.Random(seed + 31)
    out: list[dict[str, Any]] = []
    at = start
    last: dict[str, Any] | None = None
    for i in range(n):
        at += timedelta(seconds=rng.randint(30, 900))
        if last is not None and last["kind"] in ("fight", "dispute") and rng.random() < 0.3:
            cell, kind = last["cell"], last["kind"]  # a second caller, same scene
        else:
            cell, kind = rng.choice(cells), rng.choice(KINDS)
        last = {
            "id": f"jq{seed}-{i:06d}", "cell": cell, "kind": kind,
            "severity": 3 if kind == "fight" else rng.choice((1, 1, 2)),
            "reported_at": at.isoformat(), "caller": f"139****{rng.randint(0, 9999):04d}",
            "summary": SUMMARY[kind],
        }
        out.append(last)
    return out


def patrols(cells: Sequence[str], n: int, *, seed: int = 0,
            start: datetime) -> list[dict[str, Any]]:
    """``n`` patrols, three steps each (scheduled, inspected, concluded), in time order."""
    rng = random.Random(seed + 61)
    steps: list[dict[str, Any]] = []
    for i in range(n):
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 3))
        base = {"patrol_id": f"xl{seed}-{i:05d}", "cell": rng.choice(cells),
                "officer": f"police{rng.randint(1, 60):03d}", "site": rng.choice(SITES),
                "issues": rng.choice((0, 0, 0, 1, 2))}
        for k, step in enumerate(("scheduled", "inspected", "concluded")):
            steps.append({**base, "step": step,
                          "at": (at + timedelta(minutes=45 * k)).isoformat()})
    steps.sort(key=lambda s: (s["at"], s["patrol_id"]))
    return steps
