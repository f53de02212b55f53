"""The cockpit as ONE self-contained HTML page: no server, no external URL, no CDN.

Inline CSS, inline SVG bars per tier, and a little inline JavaScript that draws the cells as a
heat map from JSON embedded in the page (coloured by on-time rate or by backlog, switchable),
then the overdue list and the top categories. Open the file in any browser.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from govflow.cockpit.kpi import TIER_NAMES, Cockpit
from govflow.cockpit.terminal import PLURAL, fmt, when

KPIS = (
    ("due_to_close", "应结案数 due to close", "d"), ("closed", "结案数 closed", "d"),
    ("closure_rate", "结案率 closure rate", "%"), ("on_time_rate", "按期结案率 on-time", "%"),
    ("rework_rate", "返工率 rework rate", "%"), ("overdue", "超期 overdue", "d"),
    ("yellow", "黄灯 yellow", "d"), ("red", "红灯 red", "d"),
    ("on_post_rate", "到岗率 on post", "%"), ("mean_hours", "平均办理 mean h", "h"),
    ("p90_hours", "P90 办理 h", "h"),
)

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#0f1720;color:#e6edf3}
header{padding:16px 24px;background:#13202d;border-bottom:2px solid #1f6feb}
h1{margin:0;font-size:22px}h2{font-size:16px;margin:18px 0 8px}
main{padding:8px 24px 32px}.muted{color:#8b949e;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#161f2b;border:1px solid #263445;border-radius:8px;padding:10px}
.card .label{display:block;font-size:12px;color:#8b949e}.card .value{font-size:22px}
.heat{display:grid;grid-template-columns:repeat(34,16px);gap:2px}
.cell{width:16px;height:16px;border-radius:2px;background:#30363d}
button{background:#21262d;color:#e6edf3;border:1px solid #30363d;border-radius:6px;
padding:4px 10px;margin-right:6px;cursor:pointer}button.on{border-color:#1f6feb}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #263445}
td.n{text-align:right}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}
svg text{fill:#c9d1d9;font-size:11px}
"""

_SCRIPT = """
(function(){
  var data=JSON.parse(document.getElementById('cell-data').textContent);
  var box=document.getElementById('cells');
  var maxBacklog=1;data.forEach(function(c){if(c.backlog>maxBacklog)maxBacklog=c.backlog;});
  function colour(c,metric){
    if(metric==='backlog'){var t=c.backlog/maxBacklog;
      return 'rgb('+Math.round(60+195*t)+','+Math.round(70-40*t)+','+Math.round(80-50*t)+')';}
    if(c.on_time===null)return '#30363d';
    return 'hsl('+Math.round(120*c.on_time)+',70%,42%)';
  }
  data.forEach(function(c){var d=document.createElement('div');d.className='cell';
    d.dataset.code=c.code;d.dataset.onTime=c.on_time===null?'':c.on_time;
    d.dataset.backlog=c.backlog;
    d.title=c.code+' '+c.name+' · on time '+(c.on_time===null?'–':(100*c.on_time).toFixed(1)+'%')
      +' · backlog '+c.backlog;box.appendChild(d);});
  function paint(metric){var cells=box.children;
    for(var i=0;i<cells.length;i++){cells[i].style.background=colour(data[i],metric);}
    document.querySelectorAll('button[data-metric]').forEach(function(b){
      b.classList.toggle('on',b.dataset.metric===metric);});
    document.getElementById('heat-metric').textContent=metric;}
  document.querySelectorAll('button[data-metric]').forEach(function(b){
    b.addEventListener('click',function(){paint(b.dataset.metric);});});
  paint('on_time');
  document.getElementById('cell-count').textContent=String(box.children.length);
})();
"""


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def _bars(cockpit: Cockpit, rows: Any, tier: int, metric: str = "on_time_rate") -> str:
    """An inline SVG: one horizontal bar per node in ``rows`` (on-time rate, with backlog)."""
    rates = getattr(cockpit, metric)()
    backlog = cockpit.figures["backlog"]
    height = 16
    parts = [f'<svg class="bars" data-tier="{tier}" width="760" '
             f'height="{height * len(rows) + 4}" role="img">']
    for k, i in enumerate(rows):
        r = rates[i]
        width = 0 if math.isnan(r) else round(380 * r)
        y = k * height + 2
        colour = "#30363d" if math.isnan(r) else f"hsl({int(120 * r)},70%,42%)"
        label = html.escape(f"{cockpit.names[i]}")
        parts.append(
            f'<g data-code="{cockpit.codes[i]}"><text x="0" y="{y + 11}">{label}</text>'
            f'<rect x="200" y="{y}" width="{width}" height="{height - 4}" fill="{colour}"/>'
            f'<text x="{205 + width}" y="{y + 11}">{fmt(r, "%")} · backlog '
            f'{int(backlog[i]):,}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _tier_section(cockpit: Cockpit, inside: Any, tier: int, *, first: bool,
                  worst: int = 20) -> str:
    """Bars for every node of the next tier down; deeper tiers show their ``worst`` nodes."""
    rows = np.flatnonzero(inside & (cockpit.tier == tier))
    title = f"{PLURAL[tier]}: 按期结案率 on-time rate"
    if not first and rows.shape[0] > worst:
        rates = np.nan_to_num(cockpit.on_time_rate()[rows], nan=2.0)
        rows = rows[np.argsort(rates, kind="stable")[:worst]]
        title += f" (the {worst} lowest)"
    return f'<h2>{title}</h2>{_bars(cockpit, rows, tier)}'


def render_html(cockpit: Cockpit, code: str | None = None, *, top: int = 15) -> str:
    """The page for ``code`` (default: the district) as a string."""
    code = code or cockpit.root
    i = cockpit.node(code)
    row = cockpit.row(code)
    e = html.escape
    cards = "".join(
        f'<div class="card" data-kpi="{key}"><span class="label">{e(label)}</span>'
        f'<span class="value" id="kpi-{key}">{fmt(row[key], kind)}</span></div>'
        for key, label, kind in KPIS)
    inside = cockpit.under(code)
    cells = np.flatnonzero(inside & (cockpit.tier == cockpit.tier.max()))
    on_time, backlog = cockpit.on_time_rate(), cockpit.figures["backlog"]
    data = [{"code": cockpit.codes[c], "name": cockpit.names[c], "on_time": _num(on_time[c]),
             "backlog": int(backlog[c])} for c in cells]
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    tiers = sorted({int(t) for t in cockpit.tier[inside]} - {int(cockpit.tier[i])})
    bars = "".join(_tier_section(cockpit, inside, t, first=t == tiers[0])
                   for t in tiers if t < cockpit.tier.max())
    overdue = cockpit.overdue(code, 50)
    late_rows = "".join(
        f"<tr><td>{e(o.case_id)}</td><td>{e(o.code)}</td><td>{e(o.category)}</td>"
        f'<td>{e(o.status)}</td><td class="n">{o.hours_overdue:.1f}</td></tr>' for o in overdue)
    cat_rows = "".join(f'<tr><td>{e(n)}</td><td class="n">{c:,}</td></tr>'
                       for n, c in cockpit.top_categories(code, top))
    hot_rows = "".join(
        f'<tr><td>{e(h.code)}</td><td>{e(h.name)}</td><td>{e(h.category)}</td>'
        f'<td class="n">{h.count}</td></tr>' for h in cockpit.hotspots(code, n=top))
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>领导驾驶舱 · {e(cockpit.names[i])}</title><style>{_STYLE}</style></head>
<body><header><h1>领导驾驶舱 cockpit · <span id="node-name">{e(cockpit.names[i])}</span>
<span class="muted">({e(code)}, {TIER_NAMES[int(cockpit.tier[i])]})</span></h1>
<div class="muted">window {when(cockpit.t0)} – {when(cockpit.t1)} UTC ·
<span id="case-count">{len(cockpit.snapshot):,}</span> cases in the snapshot</div></header>
<main><section id="kpis" class="cards">{cards}</section>
<section id="heatmap"><h2>cells (<span id="cell-count">0</span>) coloured by
<span id="heat-metric">on_time</span></h2>
<div><button data-metric="on_time">按期结案率 on-time rate</button>
<button data-metric="backlog">积压 backlog</button></div>
<div id="cells" class="heat" style="margin-top:8px"></div>
<script type="application/json" id="cell-data">{blob}</script></section>
<section id="tiers">{bars}</section>
<div class="grid2"><section id="overdue"><h2>超期 overdue (<span id="overdue-count">
{int(row["overdue"]):,}</span>; most overdue first)</h2>
<table><thead><tr><th>case</th><th>cell</th><th>category</th><th>state</th>
<th>hours over</th></tr></thead><tbody id="overdue-rows">{late_rows}</tbody></table></section>
<section><h2>top categories</h2><table id="categories"><tbody>{cat_rows}</tbody></table>
<h2>hotspots</h2><table id="hotspots"><tbody>{hot_rows}</tbody></table></section></div>
</main><script>{_SCRIPT}</script></body></html>
"""


def write_html(cockpit: Cockpit, path: str | Path, code: str | None = None) -> Path:
    """Write the page to ``path`` (UTF-8) and return it."""
    out = Path(path)
    out.write_text(render_html(cockpit, code), encoding="utf-8")
    return out


def page_data(cockpit: Cockpit, code: str | None = None) -> dict[str, Any]:
    """The figures the page shows, as the page formats them (for tests and tooling)."""
    row = cockpit.row(code or cockpit.root)
    return {key: fmt(row[key], kind) for key, _, kind in KPIS}
