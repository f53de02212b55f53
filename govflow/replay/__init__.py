"""Replay real case history through a workflow on a simulated clock (``govflow replay``)."""

from __future__ import annotations

from govflow.replay.errors import MappingError, ReplayError
from govflow.replay.files import replay_file
from govflow.replay.mapping import ReplayMapping, load_mapping, parse_mapping
from govflow.replay.readers import read_csv, read_open311, read_records
from govflow.replay.records import BadRow, Move, ReadResult, ReplayRecord
from govflow.replay.report import build_report, figures, render
from govflow.replay.run import ReplayResult, replay, replay_engine

__all__ = [
    "BadRow",
    "MappingError",
    "Move",
    "ReadResult",
    "ReplayError",
    "ReplayMapping",
    "ReplayRecord",
    "ReplayResult",
    "build_report",
    "figures",
    "load_mapping",
    "parse_mapping",
    "read_csv",
    "read_open311",
    "read_records",
    "render",
    "replay",
    "replay_engine",
    "replay_file",
]
