"""舆情服务 (public opinion): citizen messages classified into the official category tree.

Sources:

* ``zhengwu_board``: the government message board (real data, ``zhengwu_replied_cases_
  compact.csv``): each message opens a ``board_message`` case when posted and is answered
  when the reply came (replayed in time order);
* ``zhengwu_labeled``: the labelled sample (with full text and the official first level);
* ``hotline_feed``: generated 12345 hotline messages of the demo district → ``hotline`` cases.

Every message is classified into the three-level tree (``zhengwu_category_taxonomy.csv``)
by the trained model of :mod:`.model` (trained at first use from the labelled sample under the
data directory), falling back to the keyword classifier of :mod:`.classify` when the sample
is not there; the case category is ``l1/l2/l3``. A message whose level-1 confidence is below
the threshold opens a ``message_triage`` case instead: a person classifies it
(:func:`.triage.confirm_category`), which moves the case into its workflow with its history.
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

from . import evaluate, feeds, model, sample, triage
from .classify import Category, Classifier, load_taxonomy
from .model import CONFIDENCE_THRESHOLD, Prediction, TrainedClassifier, train_from
from .models import BoardEvent, HotlineMessage

__all__ = ["evaluate", "model", "triage"]

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
                 sample_size: int = 2000, start: datetime = SAMPLE_START,
                 threshold: float = CONFIDENCE_THRESHOLD, trained: bool = True) -> None:
        self.data_dir = Path(data_dir or os.environ.get("GOVFLOW_DATA_DIR") or DEFAULT_DATA)
        self.seed, self.sample_size, self.start = seed, sample_size, start
        self.threshold, self.trained = threshold, trained

    @cached_property
    def keywords(self) -> Classifier:
        taxonomy = self.data_dir / "zhengwu" / "zhengwu_category_taxonomy.csv"
        return Classifier(load_taxonomy(taxonomy) if taxonomy.is_file() else [])

    @cached_property
    def classifier(self) -> TrainedClassifier | Classifier:
        """The trained model (trained here, once), or the keywords without a sample."""
        found = train_from(self.data_dir) if self.trained else None
        return found if found is not None else self.keywords

    def predict(self, subject: str, text: str) -> Prediction:
        """Leaf and confidence; the keyword fallback answers with confidence 1 (no model)."""
        chosen = self.classifier
        if isinstance(chosen, TrainedClassifier):
            return chosen.predict(subject, text)
        return Prediction(chosen.classify(subject, text), 1.0, 0.0)

    def _open(self, workflow: str, cell: str, guess: Prediction, data: dict[str, Any],
              hold: bool = True, **kw: Any) -> OpenCase:
        """The case for a message: its own workflow if sure, ``message_triage`` if not."""
        leaf: Category = guess.category
        data = {**data, "l1": leaf.l1, "l2": leaf.l2, "l3": leaf.l3,
                "confidence": round(guess.confidence, 4)}
        if guess.confident(self.threshold) or not hold:
            return OpenCase(workflow, cell, leaf.path, data, **kw)
        kw.pop("merge_within", None)
        return OpenCase(triage.WORKFLOW, cell, f"{triage.UNSURE}{leaf.l1}",
                        {**data, "target": workflow}, **kw)

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

    def replay_rule(self, record: BoardEvent) -> OpenCase | Trigger:
        """The replayed board: history already routed each message, so none waits for a
        person (its confidence is still recorded)."""
        return self.board_rule(record, hold=False)

    def board_rule(self, record: BoardEvent, hold: bool = True) -> OpenCase | Trigger:
        """A posted message opens its case (unsure ones: triage); a reply answers it."""
        if record.event == "replied":
            return Trigger(record.message_id, "reply", reason="department replied")
        guess = self.predict(record.subject, record.detail)
        data: dict[str, Any] = {"subject": record.subject}
        if record.label_l1:
            data["label_l1"] = record.label_l1
        return self._open("board_message", self.board_cell(record.message_id, record.district),
                          guess, data, hold=hold, ref=record.message_id, at=record.at)

    def hotline_rule(self, record: HotlineMessage) -> OpenCase:
        guess = self.predict(record.subject, record.text)
        window = timedelta(days=1) if record.kind == "complaint" else None
        return self._open("hotline", record.cell, guess, {
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
        registry.add_rules("zhengwu_board", self.replay_rule)
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
