"""Police incidents and patrol reports (智慧政法) as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

IncidentKind = Literal["theft", "dispute", "fight", "fraud", "noise", "traffic", "suspicious"]


class Incident(BaseModel):
    """A police incident (警情) reported on a cell."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    kind: IncidentKind
    severity: int = Field(ge=1, le=3)
    reported_at: AwareDatetime
    caller: str = Field("", max_length=32)
    summary: str = Field("", max_length=1000)


class PatrolEvent(BaseModel):
    """One step of a police patrol (巡逻): scheduled, inspected, concluded."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    patrol_id: str = Field(min_length=1, max_length=32)
    step: Literal["scheduled", "inspected", "concluded"]
    cell: str = Field(pattern=r"^\d{15}$")
    officer: str = Field(min_length=1, max_length=32)
    at: AwareDatetime
    site: str = Field("", max_length=200)
    issues: int = Field(0, ge=0)


class Handoff(BaseModel):
    """A patrol that found problems (``handed_off``), waiting to open its rectification."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    patrol_case: str = Field(min_length=1, max_length=64)
    cell: str = Field(pattern=r"^\d{15}$")
    site: str = Field("", max_length=200)
    issues: int = Field(ge=1)
    at: AwareDatetime
