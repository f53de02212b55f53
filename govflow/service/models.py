"""Request bodies of the JSON API (validated by pydantic; unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_NAME = r"^[A-Za-z0-9_.:-]{1,100}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenCase(_Body):
    """Open a case of ``workflow`` on a tier-3 cell."""

    workflow: str = Field(pattern=_NAME)
    cell: str = Field(min_length=1, max_length=32)
    category: str = Field(default="", max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    source: str = Field(default="api", max_length=100)
    owner: str | None = Field(default=None, max_length=32)
    at: datetime | None = Field(default=None, description="when it was reported (ISO, with zone)")


class Fire(_Body):
    """Fire ``trigger``; with ``version``, only if the case is still at that version."""

    trigger: str = Field(pattern=_NAME)
    version: int | None = Field(default=None, ge=1,
                                description="the case's version as last read (409 if changed)")
    data: dict[str, Any] = Field(default_factory=dict)
    reason: str = Field(default="", max_length=2000)


class Extend(_Body):
    """延期: approve more work days for the current deadline."""

    workdays: float = Field(gt=0, le=365)
    reason: str = Field(min_length=1, max_length=2000)


class Revisit(_Body):
    """回访 result: a rebound reopens the case."""

    rebound: bool
    note: str = Field(default="", max_length=2000)


class Supervise(_Body):
    """督办: set the supervision level by hand."""

    level: str = Field(pattern=r"^(normal|yellow|red)$")
    reason: str = Field(default="", max_length=2000)
