"""Drawing the asset graph: Mermaid, Graphviz dot, or one self-contained HTML page."""

from __future__ import annotations

import html
import json

from floe_core.artifacts import CompiledArtifacts
from floe_core.graph import AssetGraph

FORMATS = ("mermaid", "dot", "html")
_SHAPES = {"source": ("[(", ")]"), "external": ("[(", ")]"), "python": ("[[", "]]"), "dbt_seed": ("[/", "/]")}


def render(artifacts: CompiledArtifacts, keys: list[str], fmt: str) -> str:
    graph = AssetGraph(artifacts.orchestration.assets)
    chosen = set(keys)
    edges = graph.subgraph_edges(chosen)
    if fmt == "mermaid":
        return _mermaid(artifacts, sorted(chosen), edges)
    if fmt == "dot":
        return _dot(artifacts, sorted(chosen), edges)
    return _html(artifacts, graph, sorted(chosen), edges)


def _ids(keys: list[str]) -> dict[str, str]:
    # Stable, collision-free ids: keys may contain / . - which neither Mermaid nor dot accept bare.
    return {k: f"n{i}" for i, k in enumerate(keys)}


def _mermaid(artifacts: CompiledArtifacts, keys: list[str], edges: list[tuple[str, str]]) -> str:
    ids = _ids(keys)
    lines = ["flowchart LR"]
    by_group: dict[str, list[str]] = {}
    for key in keys:
        by_group.setdefault(artifacts.assets_by_key[key].group, []).append(key)
    for group in sorted(by_group):
        lines.append(f"  subgraph {group}")
        for key in by_group[group]:
            left, right = _SHAPES.get(artifacts.assets_by_key[key].kind, ("[", "]"))
            lines.append(f'    {ids[key]}{left}"{key}"{right}')
        lines.append("  end")
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
    return "\n".join(lines) + "\n"


def _dot(artifacts: CompiledArtifacts, keys: list[str], edges: list[tuple[str, str]]) -> str:
    lines = ["digraph floe {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    shapes = {"source": "cylinder", "external": "cylinder", "python": "component", "dbt_seed": "folder"}
    for key in keys:
        asset = artifacts.assets_by_key[key]
        lines.append(f"  {json.dumps(key)} [shape={shapes.get(asset.kind, 'box')}, "
                     f"tooltip={json.dumps(asset.kind + ' / ' + asset.group)}];")
    lines += [f"  {json.dumps(a)} -> {json.dumps(b)};" for a, b in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _html(artifacts: CompiledArtifacts, graph: AssetGraph, keys: list[str], edges: list[tuple[str, str]]) -> str:
    """A page with the graph laid out in layers (longest path from the sources) and drawn as inline SVG."""
    depth: dict[str, int] = {}
    for key in graph.topological_order(keys):
        ups = [a for a, b in edges if b == key]
        depth[key] = 1 + max((depth[u] for u in ups), default=-1)
    columns: dict[int, list[str]] = {}
    for key in sorted(keys):
        columns.setdefault(depth[key], []).append(key)
    width, height, gap_x, gap_y = 200, 34, 80, 16
    pos = {}
    for col, col_keys in columns.items():
        for row, key in enumerate(col_keys):
            pos[key] = (20 + col * (width + gap_x), 20 + row * (height + gap_y))
    total_w = 40 + (max(columns, default=0) + 1) * (width + gap_x)
    total_h = 40 + max((len(v) for v in columns.values()), default=1) * (height + gap_y)
    colors = {"dbt_model": "#dbeafe", "dbt_seed": "#dcfce7", "dbt_snapshot": "#fef9c3", "source": "#f3f4f6",
              "external": "#f3f4f6", "python": "#fce7f3"}
    parts = []
    for a, b in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        parts.append(f'<path d="M{x1 + width},{y1 + height / 2} C{x1 + width + gap_x / 2},{y1 + height / 2} '
                     f'{x2 - gap_x / 2},{y2 + height / 2} {x2},{y2 + height / 2}" class="edge" '
                     f'data-from="{html.escape(a)}" data-to="{html.escape(b)}"/>')
    for key in sorted(keys):
        asset = artifacts.assets_by_key[key]
        x, y = pos[key]
        label = key if len(key) <= 26 else key[:24] + "…"
        parts.append(f'<g class="node" data-key="{html.escape(key)}"><title>{html.escape(key)} '
                     f'({asset.kind}, group {html.escape(asset.group)})</title>'
                     f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="6" '
                     f'fill="{colors.get(asset.kind, "#fff")}"/>'
                     f'<text x="{x + 10}" y="{y + 22}">{html.escape(label)}</text></g>')
    title = html.escape(artifacts.metadata.name)
    legend = " ".join(f'<span style="background:{c}">{k}</span>' for k, c in colors.items())
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}: asset graph</title>\n'
        f"<style>{_CSS}</style></head><body>\n"
        f"<h1>{title}</h1><p>{len(keys)} assets, {len(edges)} dependencies. "
        "Click an asset to highlight its lineage.</p>\n"
        f'<p class="legend">{legend}</p>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}">{"".join(parts)}</svg>\n'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


_CSS = """
body { font-family: system-ui, sans-serif; margin: 16px }
.edge { fill: none; stroke: #64748b; stroke-width: 1.3 }
.node rect { stroke: #334155 } .node text { font-size: 13px }
.legend span { padding: 2px 6px; margin-right: 4px; border: 1px solid #ccc }
.node.dim { opacity: .25 } .edge.dim { opacity: .1 }
"""

_SCRIPT = """
const edges = [...document.querySelectorAll('.edge')].map(e => [e.dataset.from, e.dataset.to, e]);
function reach(start, down) {
  const seen = new Set([start]);
  let frontier = [start];
  while (frontier.length) {
    const next = [];
    for (const [a, b] of edges) {
      const [s, t] = down ? [a, b] : [b, a];
      if (frontier.includes(s) && !seen.has(t)) { seen.add(t); next.push(t); }
    }
    frontier = next;
  }
  return seen;
}
document.querySelectorAll('.node').forEach(n => n.addEventListener('click', () => {
  const keep = new Set([...reach(n.dataset.key, true), ...reach(n.dataset.key, false)]);
  document.querySelectorAll('.node').forEach(m => m.classList.toggle('dim', !keep.has(m.dataset.key)));
  edges.forEach(([a, b, e]) => e.classList.toggle('dim', !(keep.has(a) && keep.has(b))));
}));
"""
