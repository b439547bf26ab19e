"""The SVG charts: room-sized type on the projector, printed sizes in the
record (which shares voting/charts.py). The browser test
(tests/e2e/test_projector.py) measures the rendered sizes; these check the
builders' two layouts without a browser."""

import re

from voting import charts

NAMES = [
    "Open contracting…", "Life-cycle costing", "Sustainable public…",
    "E-invoicing…", "Supplier registers", "Framework agreements",
    "Procurement…", "Integrity and risk…", "Professional…", "Small firms…",
    "Interoperability…", "Complaints…",
]  # fmt: skip


def fonts(svg):
    return [float(f) for f in re.findall(r'font-size="([\d.]+)"', str(svg))]


def view_box(svg):
    w, h = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', str(svg)).groups()
    return float(w), float(h)


def matrix(n, **kw):
    cells = [[1.0 if i != j else 0.0 for j in range(n)] for i in range(n)]
    return charts.heatmap(cells, NAMES[:n], "t", 2.0, short=NAMES[:n], **kw)


def test_the_projector_matrix_is_room_sized_up_to_12_options():
    box = charts.PROJECTOR_MATRIX
    for n in (2, 3, 7, 12):
        svg = matrix(n, projector=True)
        # display.css draws it 800 canvas px tall, at most 1808 wide: the
        # viewBox fits inside, so a unit is at least one canvas pixel.
        w, h = view_box(svg)
        assert w <= box["width"] + 8 and h <= box["height"], (n, w, h)
        assert min(fonts(svg)) >= 28, (n, sorted(fonts(svg))[:3])
        assert str(svg).count("<text") == n * n + n  # every cell and name


def test_the_record_keeps_its_printed_matrix():
    svg = matrix(12)
    assert set(fonts(svg)) == {18}
    assert re.search(r'width="70(\.0)?" height="70(\.0)?"', str(svg))  # 72-unit cells
    assert "rotate(-45" in str(svg)


def test_the_projector_consent_chart_is_room_sized_and_the_record_is_not():
    stacks = [charts.Stack("San Vicente y las Granadinas", [3, 1, 1])] * 20
    legend = ["Agree", "I can live with it", "I object"]
    svg = charts.stacked_bars(stacks, legend, "t", projector=True)
    width, font = charts.PROJECTOR_STACK[:2]
    assert view_box(svg)[0] == width and min(fonts(svg)) == font >= 28
    # The legend wraps rather than running off the chart.
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="\d+" font', str(svg))]
    assert max(xs) < width
    record = charts.stacked_bars(stacks, legend, "t")
    assert view_box(record)[0] == 800 and set(fonts(record)) == {22}
