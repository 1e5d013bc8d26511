"""Charts as inline SVG, drawn on the server (no script, no external library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

OUTCOME_COLOURS = {
    "PROHIBITED": "#b3261e", "LICENCE_REQUIRED": "#d08400", "NEEDS_INFORMATION": "#8e6bbf",
    "GENERAL_AUTHORISATION": "#3f8fd2", "NO_LICENCE_REQUIRED": "#1d7a3a",
}
PALETTE = ("#0b5cad", "#d08400", "#1d7a3a", "#b3261e", "#8e6bbf", "#3f8fd2", "#6b7785")


def colour(key: str, index: int) -> str:
    return OUTCOME_COLOURS.get(key, PALETTE[index % len(PALETTE)])


def stacked_bars(labels: Sequence[str], series: Mapping[str, Sequence[int]], *, title: str,
                 width: int = 480, height: int = 200) -> Markup:
    """Stacked columns: one per label, one segment per series (e.g. checks per day by outcome)."""
    left, bottom, top = 34, 34, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(labels), 1)
    bar = max(step * 0.7, 1.0)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#9aa4b1"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y = float(top + plot_h)
        for s, (name, values) in enumerate(series.items()):
            if not values[i]:
                continue
            h = values[i] / peak * plot_h
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour(name, s)}">'
                         f"<title>{escape(label)}: {values[i]} {escape(name)}</title></rect>")
        if len(labels) <= 10 or i % max(len(labels) // 6, 1) == 0:  # about six labels
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(names: Sequence[str]) -> Markup:
    items = "".join(f'<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
                    f'fill="{colour(n, i)}"/></svg> {escape(n.replace("_", " ").lower())}</span>'
                    for i, n in enumerate(names))
    return Markup(f'<div class="legend">{items}</div>')


def horizontal_bars(rows: Sequence[tuple[str, float, bool]], *, title: str, unit: str = "",
                    width: int = 480) -> Markup:
    """One bar per row: (label, value, highlighted); highlighted bars are drawn in red."""
    row_h, left = 24, 110
    height = row_h * len(rows) + 8
    peak = max((v for _, v, _ in rows), default=0) or 1
    plot_w = width - left - 60
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value, hot) in enumerate(rows):
        y = 4 + i * row_h
        w = max(value / peak * plot_w, 1)
        fill = "#b3261e" if hot else "#0b5cad"
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 14}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def contribution_bar(value: float, *, scale: float = 1.0, width: int = 120) -> Markup:
    """A small bar for one feature's contribution to a score (red when it lowers the score)."""
    w = min(abs(value) / scale, 1.0) * width
    fill = "#b3261e" if value < 0 else "#0b5cad"
    return Markup(f'<svg width="{width}" height="10" aria-hidden="true"><rect width="{max(w, 1):.1f}" height="10" '
                  f'fill="{fill}"/></svg>')
