"""Server-rendered SVG charts, shared by the projector display and the record.

Each function returns :class:`markupsafe.Markup` holding one ``<svg>`` that
scales to its container (``viewBox``), with text escaped and a ``<title>``
for screen readers. No script, no external resource: the strict CSP and the
PDF record both accept them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = {
    "bar": "#1d4e89",
    "top": "#1e7a3c",
    "track": "#e6e9ee",
    "ink": "#1b1f24",
    "muted": "#5b6470",
}


@dataclass
class Bar:
    label: str
    value: float
    #: Second-language title, shown under the label on bilingual events.
    sublabel: str = ""
    #: Text shown at the end of the bar (defaults to the value).
    value_text: str | None = None
    highlight: bool = False


def _svg(width: float, height: float, title: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar], title: str, width: int = 1000, max_value: float | None = None
) -> Markup:
    """Horizontal bars, one row per option, labels above each bar."""
    row = 78 if any(b.sublabel for b in bars) else 62
    top = 8
    peak = max_value or max((b.value for b in bars), default=0) or 1
    # Room at the end of the bars for the longest value label ("wins 3 of 4 …").
    longest = max((len(b.value_text or f"{b.value:g}") for b in bars), default=4)
    reserve = max(120, 11 * longest + 10)
    parts = []
    for i, bar in enumerate(bars):
        y = top + i * row
        value_text = bar.value_text if bar.value_text is not None else f"{bar.value:g}"
        share = max(bar.value, 0) / peak
        colour = PALETTE["top"] if bar.highlight else PALETTE["bar"]
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="20" fill="{PALETTE["ink"]}">'
            f"{escape(_truncate(bar.label, 90))}</text>"
        )
        bar_y = y + 26
        if bar.sublabel:
            parts.append(
                f'<text x="0" y="{y + 40}" font-size="15" fill="{PALETTE["muted"]}">'
                f"{escape(_truncate(bar.sublabel, 110))}</text>"
            )
            bar_y = y + 48
        parts.append(
            f'<rect x="0" y="{bar_y}" width="{width - reserve}" height="22" rx="4" '
            f'fill="{PALETTE["track"]}"/>'
            f'<rect x="0" y="{bar_y}" width="{(width - reserve) * share:.1f}" '
            f'height="22" rx="4" fill="{colour}"/>'
            f'<text x="{width - reserve + 10}" y="{bar_y + 18}" font-size="20" '
            f'fill="{PALETTE["ink"]}">'
            f"{escape(value_text)}"
            "</text>"
        )
    return _svg(width, top + len(bars) * row + 8, title, "".join(parts))


def progress(value: float, total: float, title: str, width: int = 1000) -> Markup:
    """A single progress bar (turnout)."""
    share = value / total if total else 0
    body = (
        f'<rect x="0" y="0" width="{width}" height="28" rx="14" '
        f'fill="{PALETTE["track"]}"/>'
        f'<rect x="0" y="0" width="{width * share:.1f}" height="28" rx="14" '
        f'fill="{PALETTE["top"]}"/>'
    )
    return _svg(width, 28, title, body)


def gauge(value: float | None, title: str, width: int = 400) -> Markup:
    """A 0–1 gauge for Kendall's W, with the value written in the middle."""
    share = min(max(value or 0.0, 0.0), 1.0)
    body = (
        f'<rect x="0" y="30" width="{width}" height="24" rx="12" '
        f'fill="{PALETTE["track"]}"/>'
        f'<rect x="0" y="30" width="{width * share:.1f}" height="24" rx="12" '
        f'fill="{PALETTE["bar"]}"/>'
        f'<text x="{width / 2}" y="22" font-size="22" text-anchor="middle" '
        f'fill="{PALETTE["ink"]}">W = {"–" if value is None else f"{value:.2f}"}</text>'
    )
    return _svg(width, 56, title, body)


def heatmap(
    matrix: Sequence[Sequence[float]],
    labels: Sequence[str],
    title: str,
    total: float,
    short: Sequence[str] | None = None,
    projector: bool = False,
) -> Markup:
    """The pairwise matrix: cell (x, y) = share of weight ranking x above y.

    Axes are numbered 1..n, or carry the ``short`` names when given (the
    columns' names slanted above them). ``projector``: laid out in the
    projector canvas's own pixels (:data:`PROJECTOR_MATRIX`), so that its text
    is room-sized however many options there are; the record keeps the
    default, printed size.
    """
    n = len(labels)
    names = [escape(s) for s in short] if short else [str(i + 1) for i in range(n)]
    longest = max((len(s) for s in short), default=1) if short else 1
    if projector:
        last = len(short[-1]) if short and n else 2
        geometry = _projector_matrix(n, longest if short else 2, last)
    else:
        geometry = _record_matrix(longest if short else 0)
    cell_w, cell_h, left, head, extra, font, angle = geometry
    # "100%" is 2.86 em wide in DejaVu Sans; keep a margin either side.
    cell_font = min(font, (cell_w - 12) / 2.86)
    parts = []
    for j in range(n):
        x = left + j * cell_w + cell_w / 2
        slant = f' transform="rotate({angle} {x} {head - 12})"' if short else ""
        anchor = "start" if short else "middle"
        parts.append(
            f'<text x="{x:g}" y="{head - 12:g}" font-size="{font:g}"{slant} '
            f'text-anchor="{anchor}" fill="{PALETTE["ink"]}">{names[j]}</text>'
        )
    for i in range(n):
        y = head + i * cell_h
        parts.append(
            f'<text x="{left - 14:g}" y="{y + cell_h / 2 + font / 3:.1f}" '
            f'font-size="{font:g}" text-anchor="end" fill="{PALETTE["ink"]}">'
            f"{names[i]}</text>"
        )
        for j in range(n):
            x = left + j * cell_w
            if i == j:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 2:.1f}" '
                    f'height="{cell_h - 2:.1f}" fill="#fff" stroke="#ddd"/>'
                )
                continue
            share = matrix[i][j] / total if total else 0
            # Blue above one half (x beats y), orange below, white when even.
            strength = min(abs(share - 0.5) * 2, 1)
            colour = "29,78,137" if share >= 0.5 else "201,106,18"
            text_colour = "#fff" if strength > 0.55 else PALETTE["ink"]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w - 2:.1f}" '
                f'height="{cell_h - 2:.1f}" '
                f'fill="rgba({colour},{0.1 + 0.9 * strength:.2f})">'
                f"<title>{escape(labels[i])} › {escape(labels[j])}: "
                f"{share:.0%}</title></rect>"
                f'<text x="{x + cell_w / 2 - 1:.1f}" '
                f'y="{y + cell_h / 2 + cell_font / 3:.1f}" '
                f'font-size="{cell_font:.3g}" text-anchor="middle" '
                f'fill="{text_colour}">{share:.0%}</text>'
            )
    size_w = left + n * cell_w + 4 + extra
    return _svg(round(size_w), round(head + n * cell_h + 4), title, "".join(parts))


#: The projector's matrix box in canvas pixels (display.css, ``.matrix svg``):
#: at most this wide and exactly this tall, so one unit is one canvas pixel
#: or more, and the type below is ≥ 28 px at 1080p.
PROJECTOR_MATRIX = {"width": 1800, "height": 800, "font": 30}


def _record_matrix(longest: int):
    """Square 72-unit cells, 18-unit type, names slanted at 45° (the record)."""
    if not longest:
        return 72, 72, 60, 40, 0, 18, -45
    head = int(7.5 * longest) + 24
    return 72, 72, 10 * longest + 24, head, head, 18, -45


def _projector_matrix(n: int, longest: int, last: int):
    """Cells as large as the box allows, names slanted at 30° (they take less
    height, which twelve rows need); a name's width estimated at 0.6 em a
    letter (DejaVu Sans), the last column's name overhanging on the right."""
    box, font = PROJECTOR_MATRIX, PROJECTOR_MATRIX["font"]
    em = 0.6 * font
    left = em * longest + 20
    head = 0.5 * em * longest + 24 + font // 2
    extra = 0.87 * em * last
    cell_w = min(150.0, (box["width"] - left - extra - 4) / max(n, 1))
    cell_h = min(100.0, (box["height"] - head - 4) / max(n, 1))
    return cell_w, cell_h, left, head, extra, font, -30


#: Colours of the parts of a stacked bar (agree, stand aside, object …).
STACK_COLOURS = ("#1e7a3c", "#c9a227", "#b3261e", "#1d4e89", "#5b6470")


@dataclass
class Stack:
    label: str
    #: Counts of each part, in the order of the legend.
    parts: Sequence[float]


def stacked_bars(
    stacks: Sequence[Stack],
    legend: Sequence[str],
    title: str,
    width: int = 800,
    show_legend: bool = True,
    projector: bool = False,
) -> Markup:
    """One horizontal bar per row (a delegation, an answer), split into parts.

    The bars share one scale (the largest row total); the legend above names
    the parts (on as many lines as it needs), and each part carries its count
    in a ``<title>``. ``projector``: laid out for the consent panel's column
    on the projector (:data:`PROJECTOR_STACK`), whose type must be ≥ 28 px.
    """
    if projector:
        width, font, row, label_w, limit = PROJECTOR_STACK
    else:
        font, row, label_w, limit = 22, 46, int(width * 0.36), 24
    bar_w = width - label_w - 60
    peak = max((sum(s.parts) for s in stacks), default=0) or 1
    parts = []
    x, line = 0.0, 0
    for i, name in enumerate(legend if show_legend else ()):
        colour = STACK_COLOURS[i % len(STACK_COLOURS)]
        span = 2.3 * font + 0.55 * font * min(len(name), limit)
        if x and x + span > width:
            x, line = 0.0, line + 1
        y = line * (font + 14)
        key = max(20, round(0.75 * font))  # the colour's square
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 6}" width="{key}" height="{key}" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{x + key + 8:.1f}" y="{y + 6 + font * 0.8:.0f}" '
            f'font-size="{font}" '
            f'fill="{PALETTE["ink"]}">{escape(_truncate(name, limit))}</text>'
        )
        x += span
    top = (line + 1) * (font + 14) + 4 if show_legend and legend else 4
    for i, stack in enumerate(stacks):
        y = top + i * row
        parts.append(
            f'<text x="0" y="{y + 8 + font * 0.85:.0f}" font-size="{font}" '
            f'fill="{PALETTE["ink"]}">{escape(_truncate(stack.label, limit))}</text>'
            f'<rect x="{label_w}" y="{y + 8}" width="{bar_w}" height="26" rx="4" '
            f'fill="{PALETTE["track"]}"/>'
        )
        x = float(label_w)
        for j, value in enumerate(stack.parts):
            if value <= 0:
                continue
            w = bar_w * value / peak
            colour = STACK_COLOURS[j % len(STACK_COLOURS)]
            name = legend[j] if j < len(legend) else ""
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 8}" width="{w:.1f}" height="26" '
                f'fill="{colour}"><title>{escape(stack.label)} · {escape(name)}: '
                f"{value:g}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{width - 48}" y="{y + 8 + font * 0.85:.0f}" '
            f'font-size="{font}" fill="{PALETTE["ink"]}">{sum(stack.parts):g}</text>'
        )
    return _svg(width, top + len(stacks) * row + 4, title, "".join(parts))


#: The consent panel's chart on the projector: (width, font, row, label
#: width, letters of a label). The column is 650–750 canvas pixels wide
#: (display.css, ``.consent-grid``), so a unit is about one pixel.
PROJECTOR_STACK = (640, 31, 44, 330, 19)
