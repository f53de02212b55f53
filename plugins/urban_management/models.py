"""The records of smart urban management (智慧城管), as pydantic models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Kind = Literal["street_vending", "oil_fumes", "hoarding", "gas_safety"]
CELL = r"^\d{15}$"
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PatrolFinding(_Record):
    """A foot or vehicle patrol's finding (巡查发现)."""

    id: str = Field(min_length=1, max_length=64)
    kind: Kind
    cell: str = Field(pattern=CELL)
    found_at: AwareDatetime
    reporter: str = Field(min_length=1, max_length=64)
    location: str = Field(max_length=200)
    shop: str = Field("", max_length=100)
    prior_offences: int = Field(0, ge=0)


class Detection(_Record):
    """An AI-vision detection from a camera (AI 视觉平台), with the model's confidence."""

    id: str = Field(min_length=1, max_length=64)
    camera: str = Field(min_length=1, max_length=64)
    cell: str = Field(pattern=CELL)
    kind: Kind
    confidence: float = Field(ge=0.0, le=1.0)
    detected_at: AwareDatetime
    #: who confirmed a low-confidence detection by looking at the frame, if anyone
    confirmed_by: str | None = None


class Open311Note(_Record):
    """One note of an Open311 GeoReport v2 service request, with its request's fields."""

    request_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=0)
    service_name: str = Field(max_length=100)
    service_code: str = Field("", max_length=64)
    agency: str = Field("", max_length=100)
    address: str = Field("", max_length=200)
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)
    requested_at: AwareDatetime
    note_type: Literal[
        "submitted", "opened", "activity", "follow_on_created", "follow_on_closed", "closed"
    ]
    note_at: AwareDatetime
    summary: str = Field("", max_length=500)
    description: str = Field("", max_length=2000)
    follow_on_id: str = Field("", max_length=32)


def _la_time(value: object) -> object:
    """``12/31/2017 11:59:58 PM`` (Los Angeles local time) → an aware datetime."""
    if isinstance(value, str) and "/" in value:
        naive = datetime.strptime(value.strip(), "%m/%d/%Y %I:%M:%S %p")
        return naive.replace(tzinfo=LOS_ANGELES)
    return value


class La311Request(_Record):
    """A row of the MyLA311 service-request CSV."""

    SRNumber: str = Field(min_length=1, max_length=32)
    CreatedDate: AwareDatetime
    RequestType: str = Field(min_length=1, max_length=64)
    Status: str = Field(max_length=32)
    RequestSource: str | None = Field(None, max_length=64)
    Owner: str | None = Field(None, max_length=32)
    Address: str | None = Field(None, max_length=200)
    NCName: str | None = Field(None, max_length=100)
    Latitude: float = Field(ge=-90, le=90)
    Longitude: float = Field(ge=-180, le=180)

    _created = field_validator("CreatedDate", mode="before")(_la_time)
