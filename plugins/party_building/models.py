"""Party branches, members with their households, and visit logs (智慧党建)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Issue = Literal["none", "elderly_alone", "hardship", "stairwell_clutter", "leaking_pipe",
                "dispute"]


class Member(BaseModel):
    """A party member on a cell's branch and the households they answer for (党员联户)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    households: tuple[str, ...] = Field(max_length=50)


class Visit(BaseModel):
    """A member's visit to a household (入户走访), with what the visit found."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    member_id: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    household: str = Field(min_length=1, max_length=64)
    visited_at: AwareDatetime
    issue: Issue = "none"
    note: str = Field("", max_length=1000)
