"""Charts a parent can read on paper: every data slide of the demo, as it reaches a handout.

A handout prints a chart at most the page's text width (7 in of a Letter page, 504 pt); a chart
drawn wider is scaled down, and its text with it. So every text of every slide must print at
9 pt or more once scaled, no label may be cut short ("…"), and rates are read on an axis that
ends at a labelled 100%.
"""

from __future__ import annotations

import re

import pytest

from successgaps_lib import charts, slides
from successgaps_lib.meeting import Meeting

TEXT_WIDTH_PT = 504  # Letter, 0.75 in margins each side
MIN_PT = 9.0


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, charts.SvgFigure]:
    from tests.demo_copy import copy_demo_workbook

    workbook = copy_demo_workbook(tmp_path_factory.mktemp("charts"))
    meeting = Meeting.open(workbook, 1)
    drawn = dict(zip(slides.KINDS, meeting.slides(slides.KINDS), strict=True))
    return {kind: f for kind, f in drawn.items() if isinstance(f, charts.SvgFigure)}


def printed_sizes(svg: str) -> tuple[float, list[float]]:
    width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)', svg).group(1))
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)(?:px)?"', svg)]
    sizes += [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    scale = min(1.0, TEXT_WIDTH_PT / (width * 0.75))  # 1 CSS px = 0.75 pt
    return width, [round(size * 0.75 * scale, 2) for size in sizes]


def test_the_demo_draws_every_kind_of_slide(figures):
    assert set(figures) >= {"rates", "trend", "composition", "related"}


@pytest.mark.parametrize("kind", slides.KINDS)
def test_no_text_prints_under_9_points(figures, kind):
    if kind not in figures:
        pytest.skip(f"the demo's meeting 1 draws no {kind} slide")
    width, sizes = printed_sizes(figures[kind].svg)
    assert sizes, "the chart has text"
    assert min(sizes) >= MIN_PT, f"{kind}: {width:.0f} px wide, smallest text {min(sizes)} pt in print"


@pytest.mark.parametrize("kind", slides.KINDS)
def test_no_label_or_legend_is_cut(figures, kind):
    if kind not in figures:
        pytest.skip(f"the demo's meeting 1 draws no {kind} slide")
    texts = re.findall(r"<text\b[^>]*>(.*?)</text>", figures[kind].svg, flags=re.S)
    assert texts and not [t for t in texts if "…" in t]


@pytest.mark.parametrize("kind", ["rates", "trend"])
def test_rates_are_read_on_an_axis_that_ends_at_100_percent(figures, kind):
    labels = re.findall(r"<text\b[^>]*>\s*(\d+%)\s*</text>", figures[kind].svg)
    assert "100%" in labels, labels


def test_composition_names_the_over_and_the_under_represented_groups(figures):
    """Students with disabilities are fewer among the graduates than among the enrolled in the
    demo (the gap itself), and students without disabilities more: the chart says both."""
    svg = figures["composition"].svg
    assert "(more than expected)" in svg and "(fewer than expected)" in svg
    assert "fewer than expected by the E-formula" in figures["composition"].description
