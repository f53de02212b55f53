"""舆情服务 (public opinion): citizen messages classified into the official category tree.

Sources:

* ``zhengwu_board``: the government message board (real data, ``zhengwu_replied_cases_
  compact.csv``): each message opens a ``board_message`` case when posted and is answered
  when the reply came (replayed in time order);
* ``zhengwu_labeled``: the labelled sample (with full text and the official first level);
* ``hotline_feed``: generated 12345 hotline messages of the demo district → ``hotline`` cases.

Every message is classified by keywords into the three-level tree
(``zhengwu_category_taxonomy.csv``); the case category is ``l1/l2/l3``.
"""

from __future__ import annotations

import os
import zlib
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from govflow.plugins import ListSource, OpenCase, Trigger, hookimpl
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district_cells

from . import feeds, sample
from .classify import Classifier, load_taxonomy
from .models import BoardEvent, HotlineMessage

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1].parent / "shared" / "data"
SAMPLE_START = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
#: first-level categories handled at street level rather than by the cell (owner moves up)
STREET_LEVEL = frozenset({"政法", "纪检监察", "国土资源"})


def in_category(category: str, l1: str) -> bool:
    """Guard function: whether a case category ``l1/l2/l3`` lies under first level ``l1``."""
    return category == l1 or category.startswith(l1 + "/")


def route_by_category(ctx: Any) -> None:
    """Action: categories handled by street departments are owned by the cell's street."""
    if ctx.case.category.split("/", 1)[0] in STREET_LEVEL:
        ctx.case.owner = ctx.case.cell[:9]


class PublicOpinion:
    """The plugin object (its classifier reads the taxonomy once, when first needed)."""

    govflow_plugin_name = "public_opinion"

    def __init__(self, *, data_dir: str | Path | None = None, seed: int = 0,
                 sample_size: int = 2000, start: datetime = SAMPLE_START) -> None:
        self.data_dir = Path(data_dir or os.environ.get("GOVFLOW_DATA_DIR") or DEFAULT_DATA)
        self.seed, self.sample_size, self.start = seed, sample_size, start

    @cached_property
    def classifier(self) -> Classifier:
        taxonomy = self.data_dir / "zhengwu" / "zhengwu_category_taxonomy.csv"
        return Classifier(load_taxonomy(taxonomy) if taxonomy.is_file() else [])

    @cached_property
    def cells(self) -> list[str]:
        return district_cells(self.seed)

    def board_cell(self, message_id: str, district_name: str) -> str:
        """Board districts A1..A7 map to streets of the demo district; the id picks the cell."""
        cells = self.cells
        digits = "".join(ch for ch in district_name if ch.isdigit())
        if digits:
            street = f"{cells[0][:6]}{(int(digits) - 1) % 14 + 1:03d}"
            cells = [c for c in cells if c.startswith(street)] or cells
        return cells[zlib.crc32(message_id.encode()) % len(cells)]

    def board_rule(self, record: BoardEvent) -> OpenCase | Trigger:
        if record.event == "replied":
            return Trigger(record.message_id, "reply", reason="department replied")
        leaf = self.classifier.classify(record.subject, record.detail)
        data = {"subject": record.subject, "l1": leaf.l1, "l2": leaf.l2, "l3": leaf.l3}
        if record.label_l1:
            data["label_l1"] = record.label_l1
        return OpenCase("board_message", self.board_cell(record.message_id, record.district),
                        leaf.path, data, ref=record.message_id, at=record.at)

    def hotline_rule(self, record: HotlineMessage) -> OpenCase:
        leaf = self.classifier.classify(record.subject, record.text)
        window = timedelta(days=1) if record.kind == "complaint" else None
        return OpenCase("hotline", record.cell, leaf.path, {
            "caller_phone": record.caller, "kind": record.kind, "subject": record.subject,
        }, at=record.received_at, merge_within=window)

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        zhengwu = self.data_dir / "zhengwu"
        registry.add_source(ListSource(
            "zhengwu_board", BoardEvent,
            lambda: feeds.board_events(zhengwu / "zhengwu_replied_cases_compact.csv")))
        registry.add_source(ListSource(
            "zhengwu_labeled", BoardEvent,
            lambda: feeds.labeled_messages(zhengwu / "zhengwu_messages_labeled_sample.csv"),
            id_field="message_id"))
        registry.add_source(ListSource(
            "hotline_feed", HotlineMessage,
            lambda: sample.hotline_messages(self.cells, self.sample_size, seed=self.seed,
                                            start=self.start), id_field="id"))

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        registry.add_workflows(HERE / "board.yaml")

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules("zhengwu_board", self.board_rule)
        registry.add_rules("zhengwu_labeled", self.board_rule)
        registry.add_rules("hotline_feed", self.hotline_rule)

    @hookimpl
    def govflow_register_functions(self, registry: Registry) -> None:
        registry.add_function("in_category", in_category)

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("route_by_category", route_by_category)


def make_plugin() -> PublicOpinion:
    """A fresh plugin object for each engine."""
    return PublicOpinion()
