"""Render the figures table of ``benchmarks/README.md`` from a pytest-benchmark JSON file.

    pytest benchmarks --benchmark-json=out/bench.json
    python -m benchmarks.report out/bench.json [out/rerun.json ...]

Each row is one benchmark: its median, the rounds it ran, and the figures it recorded in
``extra_info`` (rates, ratios to its peer measured in the same run). With several files, a
benchmark in a later file replaces the same one from an earlier file (a partial re-run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def render(data: dict[str, Any]) -> str:
    """The markdown: a header with the date and machine, then one row per benchmark."""
    info = data.get("machine_info", {})
    cpu = info.get("cpu", {}).get("brand_raw", "unknown CPU")
    lines = [
        f"Run {data.get('datetime', '')[:16].replace('T', ' ')} UTC on {info.get('node', '?')}: "
        f"{cpu}, {info.get('cpu', {}).get('count', '?')} cores, Python "
        f"{info.get('python_version', '?')}.",
        "",
        "| benchmark | median | rounds | figures |",
        "|---|--:|--:|---|",
    ]
    for bench in sorted(data.get("benchmarks", []), key=lambda b: b["fullname"]):
        stats = bench["stats"]
        figures = ", ".join(f"{k} {_number(v)}" for k, v in sorted(bench["extra_info"].items()))
        name = bench["fullname"].removeprefix("benchmarks/")
        lines.append(f"| `{name}` | {stats['median'] * 1e3:,.1f} ms | {stats['rounds']} | "
                     f"{figures} |")
    return "\n".join(lines) + "\n"


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run's header with every benchmark, later runs replacing earlier ones."""
    merged = dict(runs[0])
    by_name = {b["fullname"]: b for run in runs for b in run.get("benchmarks", [])}
    merged["benchmarks"] = list(by_name.values())
    return merged


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    runs = [json.loads(Path(arg).read_text(encoding="utf-8")) for arg in argv]
    print(render(merge(runs)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
