"""Small inline SVG charts (no scripts, no external assets): a line, bars per day, horizontal bars."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 40
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626")


def _empty(title: str) -> str:
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="60" viewBox="0 0 {WIDTH} 60">'
        f'<text x="10" y="35" fill="#6b7280" font-size="14">No data in this period</text></svg>'
    )


def _scale(values: list[float]) -> float:
    top = max(values, default=0.0)
    return top if top > 0 else 1.0


def line_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> str:
    """One line per series over the labels (e.g. liability per currency, end of each day)."""
    if not labels or not series:
        return _empty(title)
    top = _scale([v for values in series.values() for v in values])
    step = (WIDTH - 2 * PAD) / max(len(labels) - 1, 1)
    parts = [_axes(title, top)]
    for index, (name, values) in enumerate(sorted(series.items())):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}"
            for i, v in enumerate(values)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{14 + 14 * index}" text-anchor="end" fill="{colour}" '
            f'font-size="12">{escape(name)}</text>'
        )
    parts.append(_x_labels(labels, step))
    return _svg(title, parts)


def bar_chart(title: str, labels: list[str], values: list[float], caption: str) -> str:
    """One bar per label (e.g. refunds per day)."""
    if not labels:
        return _empty(title)
    top = _scale(values)
    slot = (WIDTH - 2 * PAD) / len(labels)
    parts = [_axes(title, top)]
    for i, value in enumerate(values):
        height = (value / top) * (HEIGHT - 2 * PAD)
        x = PAD + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{PALETTE[0]}"><title>{escape(labels[i])}: {value:g}</title></rect>'
        )
    parts.append(_x_labels(labels, slot, offset=slot / 2))
    parts.append(f'<text x="{PAD}" y="14" fill="#374151" font-size="12">{escape(caption)}</text>')
    return _svg(title, parts)


def horizontal_bars(title: str, labels: list[str], values: list[float]) -> str:
    """Ranked bars with their labels (e.g. top return reasons by units)."""
    if not labels:
        return _empty(title)
    top = _scale(values)
    row = 24
    height = row * len(labels) + 10
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        length = (value / top) * (WIDTH - 260)
        y = 5 + i * row
        parts.append(
            f'<text x="190" y="{y + 16}" text-anchor="end" font-size="12">{escape(label[:28])}</text>'
        )
        parts.append(f'<rect x="200" y="{y + 4}" width="{length:.1f}" height="16" fill="{PALETTE[2]}"/>')
        parts.append(f'<text x="{206 + length:.1f}" y="{y + 16}" font-size="12">{value:g}</text>')
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">' + "".join(parts) + "</svg>"
    )


def _axes(title: str, top: float) -> str:
    return (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#9ca3af"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#9ca3af"/>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="10" fill="#6b7280">{top:g}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end" font-size="10" fill="#6b7280">0</text>'
    )


def _x_labels(labels: list[str], step: float, offset: float = 0.0) -> str:
    every = max(1, len(labels) // 8)  # at most ~8 labels so they stay readable
    return "".join(
        f'<text x="{PAD + offset + i * step:.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle" '
        f'font-size="10" fill="#6b7280">{escape(label[5:])}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    )


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">' + "".join(parts) + "</svg>"
    )
