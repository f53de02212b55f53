"""A self-contained HTML page of the demo's figures (a stand-in for ``govflow.cockpit``'s
page): per-street bars and the 934 cells as a heat map of their backlog. No scripts, no
external files: it opens from disk."""

from __future__ import annotations

import html
from pathlib import Path

from govflow.demo.figures import Figures
from govflow.grid import Grid


def _colour(share: float) -> str:
    """Green (nothing open) to red (the most open of any cell)."""
    share = max(0.0, min(1.0, share))
    return f"hsl({int(120 * (1 - share))},70%,50%)"


def write_page(path: Path, figs: Figures, grid: Grid, title: str) -> Path:
    rows = []
    streets = [c for c in figs.codes if len(c) == 9]
    top = max((figs.row(s)["opened"] for s in streets), default=1) or 1
    for code in streets:
        r = figs.row(code)
        width = 100 * r["opened"] / top
        rows.append(
            f"<tr><td>{code}</td><td>{html.escape(grid.node(code).name)}</td>"
            f"<td><div class=bar style='width:{width:.0f}%'></div></td>"
            f"<td>{r['opened']:.0f}</td><td>{r['closed']:.0f}</td><td>{r['backlog']:.0f}</td>"
            f"<td>{r['overdue']:.0f}</td><td>{r['on_time_rate']:.1%}</td>"
            f"<td>{r['rework_rate']:.1%}</td><td>{r['on_post_rate']:.1%}</td></tr>")
    cells = [c for c in figs.codes if len(c) == 15]
    worst = max((figs.row(c)["backlog"] for c in cells), default=1) or 1
    tiles = "".join(
        f"<i title='{c} {html.escape(grid.node(c).name)}: {figs.row(c)['backlog']:.0f} open' "
        f"style='background:{_colour(figs.row(c)['backlog'] / worst)}'></i>" for c in cells)
    district = figs.row(figs.codes[0])
    text = f"""<!doctype html><html lang=zh><meta charset=utf-8><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{padding:2px 8px;text-align:right}}.bar{{background:#4a7;height:12px;min-width:1px}}
td:nth-child(3){{width:240px}}#cells{{display:grid;grid-template-columns:repeat(40,14px);gap:1px}}
#cells i{{width:14px;height:14px;display:block}}</style>
<h1>{html.escape(title)}</h1>
<p>Cases opened {district['opened']:.0f}, closed {district['closed']:.0f}, open
{district['backlog']:.0f} ({district['overdue']:.0f} overdue, {district['red']:.0f} red);
on-time closure {district['on_time_rate']:.1%}, rework {district['rework_rate']:.1%},
on-post rate {district['on_post_rate']:.1%}.</p>
<h2>Streets</h2><table><tr><th>code<th>name<th><th>opened<th>closed<th>open<th>overdue
<th>on time<th>rework<th>on post</tr>{''.join(rows)}</table>
<h2>Cells: open cases (green none, red most)</h2><div id=cells>{tiles}</div></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
