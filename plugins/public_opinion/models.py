"""Citizen messages (问政留言 / 热线) as pydantic models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _local(value: object) -> object:
    """Board times are naive local (China) times: make them aware; keep any given offset."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # not a time: the model reports it
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value


class BoardEvent(BaseModel):
    """A message posted on the government message board, or the reply to it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str = Field(min_length=1, max_length=32)
    event: Literal["posted", "replied"]
    at: AwareDatetime
    subject: str = Field(min_length=1, max_length=500)
    detail: str = Field("", max_length=20_000)
    district: str = Field("", max_length=32)
    label_l1: str = Field("", max_length=32)

    _at = field_validator("at", mode="before")(_local)


class HotlineMessage(BaseModel):
    """A message from the 12345 hotline / message feed of the demo district."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    received_at: AwareDatetime
    caller: str = Field(min_length=1, max_length=32)
    kind: Literal["consultation", "help", "complaint", "suggestion"]
    subject: str = Field(min_length=1, max_length=200)
    text: str = Field("", max_length=5000)
