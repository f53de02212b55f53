"""Generated grid forces: names, identities and the duty chain, in realistic numbers.

Per cell: a grid worker, a building head per ~60 households, one or two courtyard heads,
three party members linked to households, and volunteers (~20,000 in the district) with skill
tags; per community: a doctor, a police officer, a property manager, a self-organisation head
and one committee member per two cells; per street and community a cadre on the duty chain.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from govflow.grid.model import CELL_TIER, Duty, Identity, Node, Person

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩凯佳欣"
    "怡晨阳雪梅海燕丹亮飞鑫宁新颖琳健"
)
SKILLS = (
    "first_aid", "elderly_care", "logistics", "driving", "sampling", "psychology",
    "sanitation", "patrol", "it_support", "translation", "child_care", "electrician",
)
VOLUNTEERS_PER_CELL = 21  # about 20,000 in a 934-cell district
PARTY_MEMBERS_PER_CELL = 3
HOUSEHOLDS_PER_BUILDING_HEAD = 60


class PeopleFactory:
    """Makes people with sequential ids ``p0000001``… from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def person(self, home: str, identities: Identity, skills: tuple[str, ...] = ()) -> Person:
        self.count += 1
        pid = f"p{self.count:07d}"
        rng = self.rng
        given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        name = rng.choice(_SURNAMES) + given
        return Person(pid, name, home, identities, f"im:{pid}", skills)

    def chain(self, nodes: Sequence[Node], people: list[Person], duties: list[Duty]) -> None:
        """The duty chain (四级包联) and one grid worker per cell."""
        cadre = Identity.CADRE | Identity.PARTY_MEMBER
        member = ""
        cells_seen: dict[str, int] = {}
        for node in nodes:
            if node.tier == 0:
                head = self.person(node.code, cadre | Identity.COUNTY_CADRE)
                people.append(head)
                duties.append(Duty(node.code, head.id, "district"))
            elif node.tier == 1:
                p = self.person(node.parent or node.code, cadre | Identity.COUNTY_CADRE)
                people.append(p)
                duties.append(Duty(node.code, p.id, "county"))
            elif node.tier == 2:
                p = self.person(node.parent or node.code, cadre | Identity.STREET_CADRE)
                people.append(p)
                duties.append(Duty(node.code, p.id, "street"))
            elif node.tier == CELL_TIER and node.parent is not None:
                seen = cells_seen.get(node.parent, 0)
                cells_seen[node.parent] = seen + 1
                if seen % 2 == 0:  # one committee member answers for two cells
                    m = self.person(node.parent, cadre | Identity.COMMITTEE_MEMBER)
                    people.append(m)
                    member = m.id
                duties.append(Duty(node.code, member, "community"))
                people.append(self.person(node.code, Identity.GRID_WORKER))

    def forces(self, nodes: Sequence[Node], people: list[Person], duties: list[Duty]) -> None:
        """Everyone else: heads, managers, police, doctors, party members, volunteers."""
        rng = self.rng
        for node in nodes:
            if node.tier == 2:
                for identity in (Identity.COMMUNITY_DOCTOR, Identity.COMMUNITY_POLICE,
                                 Identity.PROPERTY_MANAGER, Identity.SELF_ORG_HEAD):
                    people.append(self.person(node.code, identity | self._maybe_party()))
            elif node.tier == CELL_TIER:
                heads = max(1, round(node.households / HOUSEHOLDS_PER_BUILDING_HEAD))
                for _ in range(heads):
                    extra = Identity.VOLUNTEER if rng.random() < 0.3 else Identity.NONE
                    people.append(self.person(node.code, Identity.BUILDING_HEAD | extra
                                              | self._maybe_party()))
                for _ in range(rng.choice((1, 1, 2))):
                    people.append(self.person(node.code, Identity.COURTYARD_HEAD
                                              | self._maybe_party()))
                for _ in range(PARTY_MEMBERS_PER_CELL):
                    member = self.person(node.code, Identity.PARTY_MEMBER)
                    people.append(member)
                    duties.append(Duty(node.code, member.id, "households"))
                for _ in range(VOLUNTEERS_PER_CELL):
                    skills = tuple(sorted(rng.sample(SKILLS, rng.choice((1, 1, 2, 3)))))
                    people.append(self.person(node.code, Identity.VOLUNTEER
                                              | self._maybe_party(0.15), skills))

    def _maybe_party(self, share: float = 0.4) -> Identity:
        return Identity.PARTY_MEMBER if self.rng.random() < share else Identity.NONE
