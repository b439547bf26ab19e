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
) -> Markup:
    """The pairwise matrix: cell (x, y) = share of weight ranking x above y.

    Axes are numbered 1..n, or carry the ``short`` names when given (the
    columns' names slanted above them).
    """
    n = len(labels)
    names = [escape(s) for s in short] if short else [str(i + 1) for i in range(n)]
    longest = max((len(s) for s in short), default=1) if short else 1
    cell, left, head = 72, 60, 40
    extra = 0
    if short:
        left, head = 10 * longest + 24, int(7.5 * longest) + 24
        extra = head
    parts = []
    for j in range(n):
        x = left + j * cell + cell / 2
        slant = f' transform="rotate(-45 {x} {head - 12})"' if short else ""
        anchor = "start" if short else "middle"
        parts.append(
            f'<text x="{x}" y="{head - 12}" font-size="18"{slant} '
            f'text-anchor="{anchor}" fill="{PALETTE["ink"]}">{names[j]}</text>'
        )
    for i in range(n):
        y = head + i * cell
        parts.append(
            f'<text x="{left - 14}" y="{y + cell / 2 + 6}" font-size="18" '
            f'text-anchor="end" fill="{PALETTE["ink"]}">{names[i]}</text>'
        )
        for j in range(n):
            x = left + j * cell
            if i == j:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 2}" '
                    f'height="{cell - 2}" fill="#fff" stroke="#ddd"/>'
                )
                continue
            share = matrix[i][j] / total if total else 0
            # Blue above one half (x beats y), orange below, white when even.
            strength = min(abs(share - 0.5) * 2, 1)
            colour = "29,78,137" if share >= 0.5 else "201,106,18"
            text_colour = "#fff" if strength > 0.55 else PALETTE["ink"]
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="rgba({colour},{0.1 + 0.9 * strength:.2f})">'
                f"<title>{escape(labels[i])} › {escape(labels[j])}: "
                f"{share:.0%}</title></rect>"
                f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 6}" font-size="18" '
                f'text-anchor="middle" fill="{text_colour}">{share:.0%}</text>'
            )
    size_w = left + n * cell + 4 + extra
    return _svg(size_w, head + n * cell + 4, title, "".join(parts))


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
) -> Markup:
    """One horizontal bar per row (a delegation, an answer), split into parts.

    The bars share one scale (the largest row total); the legend above names
    the parts, and each part carries its count in a ``<title>``.
    """
    row, top = 46, 40 if show_legend else 4
    label_w = int(width * 0.36)
    bar_w = width - label_w - 60
    peak = max((sum(s.parts) for s in stacks), default=0) or 1
    parts = []
    x = 0.0
    for i, name in enumerate(legend if show_legend else ()):
        colour = STACK_COLOURS[i % len(STACK_COLOURS)]
        parts.append(
            f'<rect x="{x:.1f}" y="6" width="20" height="20" rx="3" fill="{colour}"/>'
            f'<text x="{x + 28:.1f}" y="23" font-size="22" fill="{PALETTE["ink"]}">'
            f"{escape(_truncate(name, 24))}</text>"
        )
        x += 50 + 12 * min(len(name), 24)
    for i, stack in enumerate(stacks):
        y = top + i * row
        parts.append(
            f'<text x="0" y="{y + 26}" font-size="22" fill="{PALETTE["ink"]}">'
            f"{escape(_truncate(stack.label, 24))}</text>"
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
            f'<text x="{width - 48}" y="{y + 28}" font-size="22" '
            f'fill="{PALETTE["ink"]}">{sum(stack.parts):g}</text>'
        )
    return _svg(width, top + len(stacks) * row + 4, title, "".join(parts))
