"""Deterministic sample hotline messages for the demo district (Chinese text)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

PLACES = ("颍河路", "伏牛路", "桐柏路", "嵩山路", "淮河路", "汝河路", "建设路", "棉纺路",
          "中原路", "华山路", "秦岭路", "航海路")

#: (kind, subject template, text template) per first-level category
TEMPLATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "城乡建设": (("complaint", "{p}小区物业不作为", "{p}{n}号院物业长期不清理楼道，电梯经常停运。"),
             ("complaint", "{p}工地夜间施工", "{p}附近工地施工到深夜，围挡破损。"),
             ("help", "{p}路灯不亮", "{p}{n}号门前路灯坏了一个月，晚上出行不便。")),
    "环境保护": (("complaint", "{p}餐馆油烟扰民",
              "{p}{n}号饭店油烟直排，异味很大，请环保部门处理。"),
             ("complaint", "{p}噪音污染", "{p}广场舞噪音扰民，晚上十点还在放音乐。")),
    "交通运输": (("suggestion", "建议{p}增开公交线路", "{p}一带公交线路太少，站台离小区太远。"),
             ("complaint", "{p}出租车拒载", "在{p}打出租车被拒载。")),
    "教育文体": (("consultation", "{p}小学入学咨询", "孩子明年入学，{p}学区的学校怎么报名？"),
             ("complaint", "{p}培训机构收费", "{p}一家培训机构乱收学费，老师频繁更换。")),
    "劳动和社会保障": (("help", "{p}工地拖欠工资", "在{p}工地干活，老板拖欠农民工工资三个月。"),
                ("consultation", "退休养老金咨询", "我下个月退休，养老金和医保怎么办理？")),
    "卫生计生": (("complaint", "{p}诊所卫生差", "{p}{n}号诊所卫生条件差，医生无证行医。"),),
    "商贸旅游": (("complaint", "{p}超市价格欺诈",
              "{p}超市商品价格标签与收银不符，消费者权益受损。"),),
}
KINDS_WEIGHT = {"城乡建设": 4, "环境保护": 2, "交通运输": 2, "教育文体": 2, "劳动和社会保障": 2,
                "卫生计生": 1, "商贸旅游": 1}


def hotline_messages(cells: Sequence[str], n: int, *, seed: int = 0,
                     start: datetime) -> list[dict[str, Any]]:
    """``n`` messages; the intended first level is kept as ``expected_l1`` for checks."""
    rng = random.Random(seed + 104729)
    names = list(KINDS_WEIGHT)
    weights = [KINDS_WEIGHT[k] for k in names]
    out: list[dict[str, Any]] = []
    at = start
    for i in range(n):
        at += timedelta(seconds=rng.randint(20, 600))
        l1 = rng.choices(names, weights)[0]
        kind, subject, text = rng.choice(TEMPLATES[l1])
        place, number = rng.choice(PLACES), rng.randint(1, 300)
        out.append({
            "id": f"msg{seed}-{i:06d}", "cell": rng.choice(cells), "received_at": at.isoformat(),
            "caller": f"138****{rng.randint(0, 9999):04d}", "kind": kind,
            "subject": subject.format(p=place, n=number), "text": text.format(p=place, n=number),
            "expected_l1": l1,
        })
    return out
