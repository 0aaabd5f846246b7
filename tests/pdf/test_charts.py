"""SVG charts: valid, escaped, labelled with their numbers, distinguishable without colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from eventnet.pdf import charts

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}text")]


def test_bar_chart_writes_every_value_and_escapes_labels() -> None:
    svg = charts.bar_chart(
        [("<script>alert(1)</script>", 3), ("Zoë & 王芳", 1250)], title="A <b>title</b>"
    )
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img" and root.get("viewBox")
    assert root.find(f"{SVG}title").text == "A <b>title</b>"
    assert "<script>" not in str(svg)
    labels = texts(svg)
    assert "3" in labels and "1,250" in labels and "Zoë & 王芳" in labels


def test_long_labels_are_shortened_to_fit() -> None:
    svg = charts.bar_chart([("x" * 300, 1)], title="t", width=400)
    (label,) = [t for t in texts(svg) if t.startswith("x")]
    assert label.endswith("…") and len(label) < 300


def test_stacked_series_differ_by_pattern_and_show_totals() -> None:
    svg = charts.stacked_bar_chart(
        ["Staff", "Students"],
        [charts.Series("Confirmed", [10, 40]), charts.Series("Waiting", [2, 8])],
        title="Funnel",
    )
    assert str(svg).count("<pattern ") == 1  # first series solid, second hatched
    labels = texts(svg)
    assert {"Confirmed", "Waiting", "12", "48", "40", "10"} <= set(labels)


def test_line_chart_labels_points_and_series() -> None:
    svg = charts.line_chart(
        ["9:00", "10:00", "11:00"],
        [charts.Series("Held", [1, 4, 2]), charts.Series("No-show", [0, 1, 3])],
        title="Meetings by hour",
    )
    labels = texts(svg)
    assert {"Held", "No-show", "4", "3", "9:00", "11:00"} <= set(labels)
    assert 'stroke-dasharray="6 3"' in str(svg)  # second line dashed


def test_donut_and_heatmap_and_diverging() -> None:
    donut = charts.donut_chart([("Job", 1), ("Thesis", 3)], title="Outcomes", centre_label="all")
    assert {"Job: 1 (25%)", "Thesis: 3 (75%)", "4"} <= set(texts(donut))
    single = charts.donut_chart([("Only", 2)], title="One")
    assert "Only: 2 (100%)" in texts(single)
    heat = charts.heatmap(["A", "B"], ["A", "B"], [[0, 2], [2, 5]], title="Met")
    assert texts(heat).count("2") == 2 and "5" in texts(heat)
    div = charts.diverging_bar_chart(
        ["Data"], charts.Series("Offered", [2]), charts.Series("Sought", [7]), title="Balance"
    )
    assert {"Offered", "Sought", "2", "7", "Data"} <= set(texts(div))


def test_empty_charts_say_so() -> None:
    for svg in (
        charts.bar_chart([], title="t", empty="No data yet"),
        charts.stacked_bar_chart(["a"], [charts.Series("s", [0])], title="t", empty="No data yet"),
        charts.line_chart([], [], title="t", empty="No data yet"),
        charts.donut_chart([("a", 0)], title="t", empty="No data yet"),
        charts.heatmap([], [], [], title="t", empty="No data yet"),
    ):
        assert texts(svg) == ["No data yet"]


def test_data_url_round_trip() -> None:
    import base64

    url = charts.data_url(charts.bar_chart([("a", 1)], title="t"))
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).startswith(b"<svg")
