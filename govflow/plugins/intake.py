"""Intake: read a source from its stored cursor, validate, map, and commit in batches.

Every record read ends up in exactly one place: a case change (open, merge note, trigger,
note), a counted skip, or a dead letter with its reason. Each batch commits its case changes,
its dead letters and the source cursor in one transaction, so a restart resumes after the
last committed record and takes no record twice.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from govflow.engine.requests import FireRequest, NoteRequest, OpenRequest
from govflow.errors import GovflowError, PluginError
from govflow.plugins.host import PluginHost
from govflow.plugins.intake_index import CaseIndex
from govflow.plugins.rules import NoRuleMatched, Note, OpenCase, Skip, Trigger, apply_rules
from govflow.plugins.sources import RawRecord, Source
from govflow.records import Actor, Case, DeadLetter

#: Longest string a record field may hold; longer ones are refused before validation.
MAX_FIELD_CHARS = 65_536
#: How much of a refused record's payload a dead letter keeps (per string field).
KEPT_FIELD_CHARS = 500
_CELL = re.compile(r"^\d{15}$")

Request = OpenRequest | FireRequest | NoteRequest


@dataclass
class IntakeReport:
    """What one run did; ``taken + dead == read`` always holds."""

    source: str
    read: int = 0
    opened: int = 0
    merged: int = 0
    triggered: int = 0
    noted: int = 0
    skipped: int = 0
    dead: int = 0
    batches: int = 0
    cursor: str | None = None
    #: seconds in plugin code (source read, model validation, mapping rules)
    plugin_seconds: float = 0.0
    #: seconds in the engine and store (apply_batch)
    engine_seconds: float = 0.0
    dead_reasons: Counter[str] = field(default_factory=Counter)
    #: the first dead letter's reason of each kind (what the CLI shows beside the count)
    dead_examples: dict[str, str] = field(default_factory=dict)

    @property
    def taken(self) -> int:
        return self.opened + self.merged + self.triggered + self.noted + self.skipped

    @property
    def plugin_share(self) -> float:
        total = self.plugin_seconds + self.engine_seconds
        return self.plugin_seconds / total if total else 0.0


class Rejected(Exception):
    """A record cannot be taken in; ``kind`` groups reasons in the report."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        super().__init__(reason)


@dataclass(slots=True)
class _Item:
    raw: RawRecord
    kind: str  # opened / merged / triggered / noted / skipped / dead
    request: Request | None = None
    letter: DeadLetter | None = None
    why: str = ""


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= KEPT_FIELD_CHARS else value[:KEPT_FIELD_CHARS] + "…"
    if isinstance(value, Mapping):
        return {str(k): _clip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clip(v) for v in value[:50]]
    return value


def _safe_repr(value: Any) -> str:
    """A short repr that survives a broken ``__repr__``."""
    try:
        text = repr(value)
    except Exception as exc:  # a plugin object's repr may raise anything
        text = f"<{type(value).__name__} (repr failed: {type(exc).__name__})>"
    return text if len(text) <= KEPT_FIELD_CHARS else text[:KEPT_FIELD_CHARS] + "…"


def _oversize(value: Any, limit: int, path: str = "") -> str | None:
    """The path of the first string longer than ``limit``, or None (flat records: one pass)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            kind = type(v)
            if kind is str:
                if len(v) > limit:
                    return f"{path}.{k}" if path else str(k)
            elif kind is not int and kind is not float and v is not None and kind is not bool:
                found = _oversize(v, limit, f"{path}.{k}" if path else str(k))
                if found:
                    return found
        return None
    if isinstance(value, str):
        return path or "<record>" if len(value) > limit else None
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = _oversize(v, limit, f"{path}[{i}]")
            if found:
                return found
    return None


class Intake:
    """Takes records of registered sources into an engine.

    The open cases of a source are read from the store on its first run and then kept current
    from this intake's own commits (a merge re-checks its case in the store first), so run
    one ``Intake`` per engine and reuse it.

    :param engine: the engine (``apply_batch``, ``store``, ``clock``, ``workflow``).
    :param host: the plugin host that registered the sources and rules.
    :param cells: the valid cell codes; default: the engine's grid cells (if it has a grid),
        else any 15-digit code.
    """

    def __init__(
        self, engine: Any, host: PluginHost, *, cells: Collection[str] | None = None,
        max_field_chars: int = MAX_FIELD_CHARS,
    ) -> None:
        self.engine = engine
        self.host = host
        self.max_field_chars = max_field_chars
        if cells is None:
            grid = getattr(engine, "grid", None)
            grid_cells = getattr(grid, "cells", None)
            cells = frozenset(grid_cells()) if callable(grid_cells) else None
        self.cells = cells
        self._workflows: dict[str, bool] = {}
        #: per source: its open cases, read from the store on the first run, then kept
        #: current from this intake's own commits (merges re-check the store)
        self._indexes: dict[str, CaseIndex] = {}
        self._source = ""
        #: re-driven dead letters to remove with the run's first commit (see ``run``)
        self._retire: list[str] = []

    def run(self, source: str | Source, *, limit: int | None = None,
            batch: int = 500, retire: Sequence[str] = ()) -> IntakeReport:
        """Take in up to ``limit`` records of a source, committing every ``batch`` records.

        ``retire``: ids of the dead letters these records come from (a re-drive); they are
        removed in the same transaction as the first commit, so a record is taken in once
        (:class:`~govflow.errors.DeadLetterGone` if another re-drive removed them first).

        ``source`` is a registered source's name, or a :class:`Source` object (its rules are
        the ones registered under its ``name``). A source with a ``prepare(engine)`` method has
        it called first (e.g. to read what it already took in from the store).
        """
        if isinstance(source, str):
            found = self.host.sources.get(source)
            if found is None:
                known = ", ".join(sorted(self.host.sources)) or "none"
                raise GovflowError(f"no source {source!r} is registered (sources: {known}); "
                                   "is its plugin loaded and not blocked?")
            source = found
        source_name = source.name
        prepare = getattr(source, "prepare", None)
        if callable(prepare):  # a source that reads the store before each run (its ledger)
            prepare(self.engine)
        rules = self.host.rules.get(source_name, [])
        # the engine's own intake acts with the reserved system role, minted by the engine
        actor = self.engine.system_actor(f"source:{source_name}")
        report = IntakeReport(source=source_name)
        store = self.engine.store
        index = self._indexes.get(source_name)
        if index is None:
            index = self._indexes[source_name] = CaseIndex.build(store, source_name)
        index.settle(())  # forget anything held by a run that stopped half-way
        self._source = source_name
        self._retire = list(retire)
        items: list[_Item] = []
        clock = time.perf_counter
        start = clock()
        records: Iterator[Any] | None = None  # plugin code: may yield anything
        last = store.get_cursor(source_name)
        while limit is None or report.read < limit:
            try:
                if records is None:  # a read() that fails at once is reported like a later one
                    records = iter(source.read(last))
                raw = next(records)
            except StopIteration:
                break
            except Exception as exc:  # the source itself failed: keep what was read so far
                report.plugin_seconds += clock() - start
                self._flush(items, report, index)
                raise PluginError(
                    f"source {source_name!r} failed while reading after record "
                    f"{report.read} ({exc!r}); what was read before is committed and the next "
                    "run resumes from there", plugin=source_name, hook="read") from exc
            report.read += 1
            if isinstance(raw, RawRecord):
                item = self._take(raw, source.model, rules, actor, index)
            else:
                item = self._not_raw(raw, last)
            last = item.raw.cursor or last
            if item.kind == "flush":  # needs a case still pending in this batch
                report.plugin_seconds += clock() - start
                self._flush(items, report, index)
                start = clock()
                item = self._take(raw, source.model, rules, actor, index)
            items.append(item)
            if len(items) >= batch:
                report.plugin_seconds += clock() - start
                self._flush(items, report, index)
                start = clock()
        report.plugin_seconds += clock() - start
        self._flush(items, report, index)
        report.cursor = store.get_cursor(source_name)
        return report

    # -- one record ------------------------------------------------------------------------

    def _take(self, raw: RawRecord, model: Any, rules: Any, actor: Actor,
              index: CaseIndex) -> _Item:
        try:
            return self._map(raw, model, rules, actor, index)
        except Rejected as exc:
            return _Item(raw, "dead", letter=self._letter(raw, str(exc)), why=exc.kind)
        except Exception as exc:  # plugin code (a validator, a rule, a source) misbehaved
            reason = f"plugin_error: {type(exc).__name__}: {exc}"
            return _Item(raw, "dead", letter=self._letter(raw, reason), why="plugin_error")

    def _not_raw(self, raw: Any, last: str | None) -> _Item:
        """A dead letter for something a source yielded that is not a :class:`RawRecord`.

        It keeps its own ``cursor`` if it has a string one; otherwise it takes the cursor of
        the record before it (a restart then reads it again, and dead-letters it again).
        """
        own = None if isinstance(raw, Mapping) else getattr(raw, "cursor", None)
        cursor = own if isinstance(own, str) else (last or "")
        kept = RawRecord(id=f"<{type(raw).__name__}>", cursor=cursor,
                         payload={"yielded": _safe_repr(raw)})
        reason = (f"plugin_error: TypeError: the source yielded a {type(raw).__name__}, "
                  "not a RawRecord")
        return _Item(kept, "dead", letter=self._letter(kept, reason), why="plugin_error")

    def _map(self, raw: RawRecord, model: Any, rules: Any, actor: Actor,
             index: CaseIndex) -> _Item:
        too_long = _oversize(raw.payload, self.max_field_chars)
        if too_long:
            raise Rejected("oversize", f"field {too_long} is longer than "
                           f"{self.max_field_chars} characters")
        try:
            record = model.model_validate(raw.payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<record>'}: {e['msg']}"
                for e in exc.errors()[:5])
            raise Rejected("invalid", f"invalid record: {problems}") from exc
        try:
            op = apply_rules(rules, record)
        except NoRuleMatched as exc:
            raise Rejected("unmapped", str(exc)) from exc
        except Exception as exc:
            raise Rejected("rule_error", f"mapping rule raised {exc!r}") from exc
        if isinstance(op, Skip):
            return _Item(raw, "skipped")
        if isinstance(op, OpenCase):
            return self._open(raw, op, actor, index)
        case_id = index.by_ref(op.ref)
        if case_id is None:
            if index.pending_ref(op.ref):
                return _Item(raw, "flush")
            raise Rejected("no_case", f"no open case for ref {op.ref!r} of this source")
        if isinstance(op, Trigger):
            index.touched.add(case_id)
            return _Item(raw, "triggered", FireRequest(
                case_id, op.trigger, op.actor or actor, dict(op.data) or None, op.reason))
        assert isinstance(op, Note)
        return _Item(raw, "noted", NoteRequest(case_id, op.what, actor, dict(op.data) or None,
                                               op.reason))

    def _open(self, raw: RawRecord, op: OpenCase, actor: Actor, index: CaseIndex) -> _Item:
        if not isinstance(op.cell, str) or not isinstance(op.data, Mapping) or not (
                op.at is None or (isinstance(op.at, datetime) and op.at.tzinfo is not None)):
            raise Rejected("rule_error", f"the mapping rule gave a bad OpenCase: cell "
                           f"{op.cell!r:.40}, at {op.at!r:.40} (needs an aware datetime or "
                           f"None), data of type {type(op.data).__name__}")
        if not _CELL.match(op.cell) or (self.cells is not None and op.cell not in self.cells):
            raise Rejected("unknown_cell", f"unknown cell {op.cell!r}: not a cell of the grid")
        if not self._known_workflow(op.workflow):
            raise Rejected("unknown_workflow", f"unknown workflow {op.workflow!r}")
        ref = op.ref or raw.id
        at = op.at or self.engine.clock.now()
        if op.merge_within is not None:
            key = (op.cell, op.category)
            if index.pending_key(key, at, op.merge_within):
                return _Item(raw, "flush")
            target = index.merge_target(key, at, op.merge_within)
            if target is not None and target in index.touched:
                return _Item(raw, "flush")  # a trigger in this batch may close it first
            if target is not None:
                return _Item(raw, "merged", NoteRequest(
                    target, "merge", actor, {"ref": ref, "record": raw.id},
                    f"duplicate report {raw.id} merged"))
        data = dict(op.data)
        data["ref"] = ref
        request = OpenRequest(op.workflow, op.cell, op.category, data, self._source, op.owner,
                              op.at, actor)
        index.hold(ref, (op.cell, op.category), at)
        return _Item(raw, "opened", request)

    def _known_workflow(self, name: str) -> bool:
        known = self._workflows.get(name)
        if known is None:
            try:
                self.engine.workflow(name)
                known = True
            except (GovflowError, KeyError):
                known = False
            self._workflows[name] = known
        return known

    def _letter(self, raw: RawRecord, reason: str) -> DeadLetter:
        try:
            payload = json.dumps(_clip(raw.payload), ensure_ascii=False, default=str)
        except (ValueError, RecursionError, TypeError):  # a self-referencing payload
            payload = json.dumps(_safe_repr(raw.payload), ensure_ascii=False)
        return DeadLetter(id=secrets.token_hex(8), source=self._source, record_id=raw.id,
                          reason=reason, payload=payload, at=self.engine.clock.now())

    # -- commit ----------------------------------------------------------------------------

    def _flush(self, items: list[_Item], report: IntakeReport, index: CaseIndex) -> None:
        """Commit the batch: case changes, dead letters and the cursor in one transaction.

        A request the engine refuses (a trigger not allowed in the case's state, a permission)
        becomes a dead letter in the same commit, through ``apply_batch(on_error=...)``.
        """
        if not items:
            return
        started = time.perf_counter()
        owners = {id(i.request): i for i in items if i.request is not None}
        requests = [i.request for i in items if i.request is not None]
        letters = [i.letter for i in items if i.letter is not None]

        def refuse(request: Request, error: GovflowError) -> DeadLetter:
            item = owners[id(request)]
            item.kind, item.why = "dead", "engine_refused"
            item.letter = self._letter(item.raw, f"engine refused: {error}")
            return item.letter

        position = next((i.raw.cursor for i in reversed(items) if i.raw.cursor), None)
        cursor = (self._source, position) if position is not None else None
        retired, self._retire = self._retire, []
        if requests:
            results = self.engine.apply_batch(requests, cursor=cursor, dead_letters=letters,
                                              on_error=refuse, retired=retired)
        else:
            self.engine.store.commit([], cursor=cursor, dead_letters=letters, retired=retired)
            results = []
        for item in items:
            setattr(report, item.kind, getattr(report, item.kind) + 1)
            if item.why:
                report.dead_reasons[item.why] += 1
                if item.letter is not None:
                    report.dead_examples.setdefault(item.why, item.letter.reason)
        index.settle(r for r in results if isinstance(r, Case))
        report.batches += 1
        report.engine_seconds += time.perf_counter() - started
        items.clear()
