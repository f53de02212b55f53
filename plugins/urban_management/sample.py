"""Deterministic sample data for the demo district: patrol findings and AI detections.

Night markets are modelled as hotspots: a stall reported on a cell is reported again by
other patrols and cameras within the next hours (the reports that must merge).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

KINDS = ("street_vending", "oil_fumes", "hoarding", "gas_safety")
WEIGHTS = (0.55, 0.2, 0.15, 0.1)
PLACES = ("颍河路", "伏牛路", "桐柏路", "嵩山路", "淮河路", "汝河路", "建设路", "棉纺路",
          "中原路", "华山路", "秦岭路", "航海路")
SHOPS = ("老王烧烤", "蜀香火锅", "豫菜馆", "兰州拉面", "胡辣汤铺", "烩面馆", "麻辣烫")


def patrol_findings(cells: Sequence[str], n: int, *, seed: int = 0,
                    start: datetime) -> list[dict[str, Any]]:
    """``n`` patrol findings over ``cells``; about a third of the vending ones are repeats."""
    rng = random.Random(seed)
    hotspots = rng.sample(list(cells), k=min(len(cells), max(1, len(cells) // 40)))
    out: list[dict[str, Any]] = []
    at = start
    for i in range(n):
        at += timedelta(seconds=rng.randint(5, 90))
        kind = rng.choices(KINDS, WEIGHTS)[0]
        cell = rng.choice(hotspots) if kind == "street_vending" and rng.random() < 0.35 else (
            rng.choice(cells))
        place = rng.choice(PLACES)
        out.append({
            "id": f"pf{seed}-{i:06d}", "kind": kind, "cell": cell, "found_at": at.isoformat(),
            "reporter": f"gw{rng.randint(1, 300):04d}",
            "location": f"{place}{rng.randint(1, 300)}号门前",
            "shop": rng.choice(SHOPS) if kind == "oil_fumes" else "",
            "prior_offences": rng.choice((0, 0, 0, 1, 2)) if kind == "street_vending" else 0,
        })
    return out


def detections(cells: Sequence[str], n: int, *, seed: int = 0,
               start: datetime) -> list[dict[str, Any]]:
    """``n`` AI-vision detections; confidence spreads from 0.4 to 0.99."""
    rng = random.Random(seed + 7919)
    out: list[dict[str, Any]] = []
    at = start
    for i in range(n):
        at += timedelta(seconds=rng.randint(10, 300))
        confidence = round(min(0.99, max(0.4, rng.betavariate(5, 1.6))), 3)
        out.append({
            "id": f"ai{seed}-{i:06d}", "camera": f"cam-{rng.randint(1, 500):04d}",
            "cell": rng.choice(cells), "kind": rng.choices(KINDS, (0.7, 0.1, 0.15, 0.05))[0],
            "confidence": confidence, "detected_at": at.isoformat(), "confirmed_by": None,
        })
    return out
