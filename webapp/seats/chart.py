"""The seat-use chart as SVG drawn on the server: no scripts, readable without colour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 20, 40


def seat_use_svg(
    months: Sequence[tuple[date, int, int]],
    month_labels: Sequence[str],
    title: str,
    bought_label: str,
    used_label: str,
) -> Markup:
    """Bars of seats bought with the seats used drawn inside them, one pair per month."""
    peak = max([bought for _m, bought, _u in months] + [1])
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(months), 1)
    bar = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="seat-chart-title" class="chart">',
        f'<title id="seat-chart-title">{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        'stroke="#4d5660"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + inner_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for index, ((_month, bought, used), label) in enumerate(zip(months, month_labels, strict=True)):
        x = LEFT + index * slot + (slot - bar) / 2
        bought_h = inner_h * bought / peak
        used_h = inner_h * used / peak
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + inner_h - bought_h:.1f}" width="{bar:.1f}" '
            f'height="{bought_h:.1f}" fill="#c9d1d9"><title>{escape(bought_label)}: {bought}'
            "</title></rect>"
        )
        parts.append(
            f'<rect x="{x + bar * 0.2:.1f}" y="{TOP + inner_h - used_h:.1f}" '
            f'width="{bar * 0.6:.1f}" height="{used_h:.1f}" fill="#0b4f6c">'
            f"<title>{escape(used_label)}: {used}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    legend_y = HEIGHT - 8
    parts.append(
        f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="#c9d1d9"/>'
        f'<text x="{LEFT + 14}" y="{legend_y}" font-size="11">{escape(bought_label)}</text>'
        f'<rect x="{LEFT + 140}" y="{legend_y - 9}" width="10" height="10" fill="#0b4f6c"/>'
        f'<text x="{LEFT + 154}" y="{legend_y}" font-size="11">{escape(used_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


GRANT_WIDTH, GRANT_ROW = 360, 26
GRANT_LEFT, GRANT_TEXT = 44, 110


def grant_svg(years: Sequence[tuple[int, int | None, str]], title: str) -> Markup:
    """Horizontal bars of expected grants, one per year with a registered rate.

    Each entry is (year, total in NOK or None when the rate is not registered, the amount's
    text); a year without a rate gets its text and no bar, never a bar at another year's rate.
    """
    peak = max([total for _y, total, _t in years if total] + [1])
    inner_w = GRANT_WIDTH - GRANT_LEFT - GRANT_TEXT
    height = GRANT_ROW * len(years) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRANT_WIDTH} {height}" '
        f'role="img" aria-labelledby="grant-chart-title" class="chart grant-chart">',
        f'<title id="grant-chart-title">{escape(title)}</title>',
    ]
    for index, (year, total, text) in enumerate(years):
        top = 4 + index * GRANT_ROW
        middle = top + GRANT_ROW / 2 + 4
        parts.append(
            f'<text x="{GRANT_LEFT - 6}" y="{middle:.1f}" text-anchor="end" '
            f'font-size="12">{year}</text>'
        )
        width = 0.0
        if total is not None:
            width = inner_w * total / peak
            parts.append(
                f'<rect class="grant-bar" x="{GRANT_LEFT}" y="{top + 4}" width="{width:.1f}" '
                f'height="{GRANT_ROW - 8}" fill="#0b4f6c"/>'
            )
        style = "" if total is not None else ' font-style="italic"'
        parts.append(
            f'<text x="{GRANT_LEFT + width + 6:.1f}" y="{middle:.1f}" font-size="12"{style}>'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
