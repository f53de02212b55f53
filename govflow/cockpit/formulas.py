"""Each cockpit KPI's formula, as a setting of the district.

Localities count the same KPI over different denominators (应结案数 "due to close" in one
city, 立案数 less the cases still within their time in another, 应处置数 in a third), so every
figure is a formula over the aggregation kernel's per-node fields
(:data:`govflow.kernels.figures.FIELDS`) or over counts defined before it::

    kpis:
      due_to_close: {label: 应结案数 due to close, formula: closed + overdue}
      on_time_rate: {label: 按期结案率 on-time closure, formula: closed_on_time / due_to_close}

A formula is ``terms`` or ``terms / terms``, each side names joined by ``+`` and ``-``: no
numbers, no calls, nothing evaluated. A ratio is shown as a percentage, a sum as a count. The
page, the HTML snapshot and the terminal all show the formula beside the figure. A settings
file (``cockpit.yaml``: ``kpis`` replaces or adds formulas by key) is read with safe_load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import GovflowError
from govflow.kernels.figures import FIELDS

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def ratio(num: NDArray[Any], den: NDArray[Any]) -> NDArray[np.float64]:
    """``num / den`` element-wise, NaN where the denominator is not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out: NDArray[np.float64] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out


class KpiSettingsError(GovflowError):
    """A KPI formula or the cockpit settings file is wrong (the message names which)."""


@dataclass(frozen=True, slots=True)
class Formula:
    """One KPI: ``numerator`` (and ``denominator`` for a rate) as signed names."""

    key: str
    label: str
    text: str
    numerator: tuple[tuple[int, str], ...]
    denominator: tuple[tuple[int, str], ...] | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


def _terms(side: str, key: str, known: set[str]) -> tuple[tuple[int, str], ...]:
    tokens = re.findall(r"[+-]|[^\s+-]+", side)
    out: list[tuple[int, str]] = []
    sign = 1
    expect_name = True
    for tok in tokens:
        if tok in "+-":
            if expect_name and out:
                raise KpiSettingsError(f"KPI {key!r}: two operators in a row in {side!r}")
            sign = 1 if tok == "+" else -1
            expect_name = True
            continue
        if not expect_name:
            raise KpiSettingsError(f"KPI {key!r}: names must be joined by + or -, "
                                   f"got {side!r}")
        if not _NAME.fullmatch(tok) or tok not in known:
            raise KpiSettingsError(
                f"KPI {key!r}: unknown name {tok!r}; a formula uses the kernel's fields "
                f"({', '.join(FIELDS)}) or a count defined before it")
        out.append((sign, tok))
        sign = 1
        expect_name = False
    if not out or expect_name:
        raise KpiSettingsError(f"KPI {key!r}: an empty or unfinished side in {side!r}")
    return tuple(out)


def parse(key: str, label: str, text: str, known: set[str]) -> Formula:
    """One formula; ``known`` holds the names it may use (kernel fields, earlier counts)."""
    parts = text.split("/")
    if len(parts) > 2:
        raise KpiSettingsError(f"KPI {key!r}: at most one '/' in {text!r}")
    num = _terms(parts[0], key, known)
    den = _terms(parts[1], key, known) if len(parts) == 2 else None
    return Formula(key, label, " ".join(text.split()), num, den)


#: the field's formulas (China Unicom's 数字城管 platform; DOMAIN.md), in display order
DEFAULTS: tuple[tuple[str, str, str], ...] = (
    ("due_to_close", "应结案数 due to close", "closed + overdue"),
    ("closed", "结案数 closed", "closed"),
    ("closure_rate", "结案率 closure rate", "closed / due_to_close"),
    ("on_time_rate", "按期结案率 on-time rate", "closed_on_time / due_to_close"),
    ("rework_rate", "返工率 rework rate", "reworked / closed"),
    ("backlog", "积压 backlog", "backlog"),
    ("overdue", "超期 overdue", "overdue"),
    ("yellow", "黄灯 yellow", "yellow"),
    ("red", "红灯 red", "red"),
    ("on_post_rate", "到岗率 on-post rate", "campaign_on_post / campaign_required"),
    ("opened", "立案数 opened", "opened"),
)


class Formulas:
    """The district's KPI formulas, in display order, evaluated over kernel figures."""

    def __init__(self, entries: list[Formula]) -> None:
        self.entries = entries
        self.by_key = {f.key: f for f in entries}

    def __iter__(self) -> Any:
        return iter(self.entries)

    def __getitem__(self, key: str) -> Formula:
        return self.by_key[key]

    @classmethod
    def build(cls, overrides: Mapping[str, Mapping[str, str]] | None = None) -> Formulas:
        """The defaults with ``overrides`` (key → {label, formula}) replacing or adding."""
        rows = {key: {"label": label, "formula": text} for key, label, text in DEFAULTS}
        for key, spec in (overrides or {}).items():
            if not _NAME.fullmatch(str(key)) or (key in FIELDS and key not in rows):
                raise KpiSettingsError(f"KPI key {key!r} must be a lower-case name that is "
                                       f"not a kernel field")
            if not isinstance(spec, Mapping) or not isinstance(spec.get("formula"), str):
                raise KpiSettingsError(f"KPI {key!r}: expected {{label: ..., formula: ...}}")
            base = rows.get(str(key), {"label": str(key)})
            rows[str(key)] = {"label": str(spec.get("label") or base["label"]),
                              "formula": str(spec["formula"])}
        known = set(FIELDS)
        entries = []
        for key, spec in rows.items():
            formula = parse(key, spec["label"], spec["formula"], known)
            entries.append(formula)
            if not formula.is_rate:
                known.add(key)
        return cls(entries)

    @classmethod
    def load(cls, path: str | Path | None) -> Formulas:
        """From a settings file (``kpis:`` mapping), or the defaults for ``None``."""
        if path is None:
            return cls.build()
        from govflow.workflows.safeyaml import YamlFault, safe_load_file

        file = Path(path)
        try:
            raw = safe_load_file(file) or {}
        except YamlFault as fault:
            raise KpiSettingsError(f"{fault.where(file)}: cannot read the cockpit settings: "
                                   f"{fault.message}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("kpis", {}), dict):
            raise KpiSettingsError(f"{file}: expected a mapping with a 'kpis' mapping")
        try:
            return cls.build(raw.get("kpis") or {})
        except KpiSettingsError as exc:
            raise KpiSettingsError(f"{file}: {exc}") from exc

    def values(self, figures: Any) -> dict[str, NDArray[np.float64]]:
        """Every KPI for every node: counts as floats, rates as fractions (NaN: 0 ÷ 0)."""
        counts: dict[str, NDArray[np.float64]] = {
            name: figures[name].astype(np.float64) for name in FIELDS}
        out: dict[str, NDArray[np.float64]] = {}

        def side(terms: tuple[tuple[int, str], ...]) -> NDArray[np.float64]:
            total = np.zeros_like(counts[FIELDS[0]])
            for sign, name in terms:
                total = total + sign * counts[name]
            return total

        for f in self.entries:
            num = side(f.numerator)
            if f.denominator is None:
                out[f.key] = num
                counts[f.key] = num
            else:
                den = side(f.denominator)
                out[f.key] = ratio(num, den)
        return out

    def describe(self) -> list[dict[str, Any]]:
        """The formulas as the views show them."""
        return [{"key": f.key, "label": f.label, "formula": f.text, "rate": f.is_rate}
                for f in self.entries]
