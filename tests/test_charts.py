"""Chart builders: valid Vega-Lite, offline SVG with its text alternative, suppressed values never drawn as zero.

The tables are small hand-made GAPS and composition tables; the numbers in them are chosen so the
expected text (15.0%, 400 children, ...) follows from the counts by hand.
Regenerate the SVG snapshot with ``UPDATE_SNAPSHOTS=1``.
"""

import math
import os
import re
import socket
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from successgaps_lib import charts
from successgaps_lib.errors import PrivacyError

NAN = float("nan")
SNAPSHOTS = Path(__file__).resolve().parent / "files" / "snapshots"
B, OSS, OTHER = "Black or African American", "suspension_out_of_school", "all other children"


def _row(year, group, a_g, n_g, a_c, n_c, *, school="", outcome=OSS, low_high=None, reason="", dimension="race"):
    """One GAPS row; CIs are rough (+-3 points): the charts draw them, they do not check them."""
    r_g = a_g / n_g if n_g == n_g and a_g == a_g else NAN
    r_c = a_c / n_c
    measurable = reason == "" and r_g == r_g
    difference = r_g - r_c if reason == "" else NAN
    low, high = low_high or (difference - 0.03, difference + 0.03)
    return {
        "year": year, "district": "Testville", "school": school, "dimension": dimension, "group": group,
        "outcome": outcome, "comparison": OTHER,
        "a_group": float(a_g), "n_group": float(n_g), "rate_group": r_g,
        "rate_group_low": r_g - 0.03, "rate_group_high": r_g + 0.03,
        "a_comparison": float(a_c), "n_comparison": float(n_c), "rate_comparison": r_c,
        "rate_comparison_low": r_c - 0.005, "rate_comparison_high": r_c + 0.005,
        "difference": difference, "ci_low": low if difference == difference else NAN,
        "ci_high": high if difference == difference else NAN,
        "risk_ratio": r_g / r_c, "rr_ci_low": NAN, "rr_ci_high": NAN,
        "measurable": measurable, "reason": reason, "adverse": difference > 0,
        "flagged": bool(difference > 0.05), "score": low if difference == difference else NAN, "statement": "",
    }


@pytest.fixture(autouse=True)
def _tables_count_as_protected(monkeypatch):
    """The hand-made tables stand for tables that have passed ``privacy.protect``.

    They are built already suppressed (NaN), so the real check is replaced by one that accepts them;
    ``test_unprotected_table_is_refused`` installs one that refuses instead.
    """
    fake = types.ModuleType("successgaps_lib.privacy")
    fake.require_protected = lambda table: None
    monkeypatch.setitem(sys.modules, "successgaps_lib.privacy", fake)


@pytest.fixture
def gaps():
    rows = [
        _row(2024, B, 60, 400, 100, 4000),  # 15.0% against 2.5%: +12.5 points
        _row(2024, "Foster care", NAN, NAN, 150, 4390, dimension="foster_care"),  # suppressed by privacy
        _row(2022, B, 45, 380, 120, 4000),  # 11.8% against 3.0%
        _row(2023, B, NAN, NAN, 110, 4000),  # suppressed year
        _row(2024, B, 120, 400, 600, 4000, outcome="chronic_absence"),  # 30.0% against 15.0%
        _row(2024, B, NAN, NAN, 4, 4000, outcome="expulsion"),  # suppressed outcome
        _row(2024, B, 20, 200, 30, 1000, school="Adams"),  # +7.0 points
        _row(2024, B, 30, 120, 45, 900, school="Baker"),  # +20.0 points
        _row(2024, B, NAN, NAN, 40, 800, school="Carver"),  # suppressed by privacy
        _row(2024, B, 3, 25, 40, 800, school="Dewey", reason="fewer than 30 children in the group"),
    ]
    frame = pd.DataFrame(rows)
    frame.loc[frame["a_group"].isna(), ["a_group", "n_group"]] = NAN  # privacy hides sizes under 10 too
    return frame


@pytest.fixture
def composition():
    return pd.DataFrame({
        "year": 2024, "district": "Testville", "school": "", "outcome": OSS,
        "group": ["Hispanic/Latino", B, "Native Hawaiian or Other Pacific Islander", "White"],
        "a_group": [30.0, 60.0, NAN, 64.0], "n_group": [900.0, 400.0, NAN, 2500.0],
        "a_all": 160.0, "n_all": 4000.0,
        "composition": [30 / 160, 60 / 160, NAN, 64 / 160],
        "enrollment_share": [900 / 4000, 400 / 4000, NAN, 2500 / 4000],
        "composition_difference": [30 / 160 - 0.225, 60 / 160 - 0.1, NAN, 64 / 160 - 0.625],
        "e_formula_flag": [False, True, False, False],
        "measurable": [True, True, False, True], "reason": ["", "", "count suppressed", ""],
    })


def _build(kind, gaps, composition):
    return {
        "rates": lambda: charts.rate_chart(gaps, outcome=OSS),
        "trend": lambda: charts.trend_chart(gaps, group=B, outcome=OSS),
        "schools": lambda: charts.schools_chart(gaps),
        "composition": lambda: charts.composition_chart(composition),
        "related": lambda: charts.related_chart(gaps, group=B, outcomes=[OSS, "chronic_absence", "expulsion"]),
        "overview": lambda: charts.overview_chart(gaps, top=5),
    }[kind]()


def _external(svg):
    """URLs left once namespace declarations (identifiers, never fetched) are removed."""
    return re.findall(r"https?://[^\s\"'<>)]*", re.sub(r'\sxmlns(:\w+)?="[^"]*"', "", svg))


def _data_rows(spec):
    return sum(len(v) for v in spec.get("datasets", {}).values())


def _points(svg):
    return len(re.findall(r'aria-roledescription="point"', svg))


# --- Every builder ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", charts.KINDS)
def test_builder_gives_valid_spec_and_accessible_offline_svg(kind, gaps, composition):
    before = (gaps.copy(), composition.copy())
    chart = _build(kind, gaps, composition)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert 0 < _data_rows(spec) <= charts.MAX_ROWS
    assert spec["usermeta"]["successgaps"]["kind"] == kind
    pd.testing.assert_frame_equal(gaps, before[0])  # builders never touch their input
    pd.testing.assert_frame_equal(composition, before[1])

    svg = charts.to_svg(chart)
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
    assert title is not None and desc is not None
    assert title.text == (spec["title"]["text"])
    assert desc.text == charts.describe(chart) == spec["description"]
    assert root.get("role") == "img" and root.get("aria-label") == " ".join(desc.text.split())
    assert _external(svg) == []
    assert "suppressed" in desc.text or "not measured" in desc.text or "Not shown" in desc.text


@pytest.mark.parametrize("kind", charts.KINDS)
def test_describe_by_kind_matches_the_chart(kind, gaps, composition):
    chart = _build(kind, gaps, composition)
    tag = chart.to_dict()["usermeta"]["successgaps"]
    table = composition if kind == "composition" else gaps
    assert charts.describe(kind, table, **tag["options"]) == charts.describe(chart)
    assert charts.describe(chart, table) == charts.describe(chart)


def test_builders_return_new_objects(gaps):
    first, second = charts.rate_chart(gaps, outcome=OSS), charts.rate_chart(gaps, outcome=OSS)
    assert first is not second
    first.title = "changed"
    assert second.to_dict()["title"]["text"] != "changed"


# --- Suppressed values are absent, never zero ---------------------------------------------------

def test_rate_chart_leaves_suppressed_rate_out_and_says_so(gaps):
    chart = charts.rate_chart(gaps, outcome=OSS)  # Black (2 rates) and Foster care (1 of 2 suppressed)
    svg = charts.to_svg(chart)
    assert _points(svg) == 3
    assert ">suppressed to protect privacy<" in svg
    # The point layer's data for foster care carries null, not 0.
    values = next(iter(chart.to_dict()["datasets"].values()))
    foster = [v for v in values if v["who"] == "Foster care"]
    assert len(foster) == 1 and foster[0]["rate"] is None


def test_trend_breaks_at_suppressed_year_and_notes_it(gaps):
    chart = charts.trend_chart(gaps, group=B, outcome=OSS)
    svg = charts.to_svg(chart)
    assert _points(svg) == 5  # 3 years x 2 roles, minus the suppressed one
    assert ">suppressed<" in svg
    values = next(iter(chart.to_dict()["datasets"].values()))
    assert [v["rate"] for v in values if v["year"] == 2023 and v["role"] == "group"] == [None]
    assert "2022-23: the group's rate suppressed" in charts.describe(chart)


def test_schools_chart_sorts_and_names_missing_schools(gaps):
    chart = charts.schools_chart(gaps)
    svg = charts.to_svg(chart)
    assert _points(svg) == 2
    text = charts.describe(chart)
    # Largest first (Baker +20.0, Adams +7.0), then the schools without a value; the sign said in words.
    assert text.index("Baker: 20.0 points higher") < text.index("Adams: 7.0 points higher") < text.index("Carver")
    assert "Carver: suppressed to protect privacy" in text
    assert "Dewey: not measured (fewer than 30 children in the group)" in text
    assert ">not measured (fewer than 30 children in the group)<" in svg
    assert chart.to_dict()["layer"][2]["encoding"]["y"]["sort"] == ["Baker", "Adams", "Carver", "Dewey"]


def test_composition_chart_suppressed_group_has_no_bars(composition):
    chart = charts.composition_chart(composition)
    svg = charts.to_svg(chart)
    assert len(re.findall(r'aria-roledescription="bar"', svg)) == 6  # 3 groups x 2 shares
    assert svg.count(">suppressed<") == 2
    text = charts.describe(chart)
    assert "Black or African American: 37.5% of the children with the outcome (60) against 10.0% of " \
           "enrollment (400 children): 27.5 points higher, more than expected" in text
    assert "Native Hawaiian or Other Pacific Islander: suppressed" in text
    assert "Of 4,000 children, 160 were suspended out of school." in text


def test_overview_ranks_by_score_and_counts_what_it_cannot_show(gaps):
    chart = charts.overview_chart(gaps, top=3)
    text = charts.describe(chart)
    shown = re.findall(r"\d\. ([^:]+):", text)
    assert len(shown) == 3 and shown[0].startswith(f"{B} · Out-of-school suspension · Baker")
    # Foster care, 2023, expulsion and Carver are suppressed; Dewey is not measurable.
    assert "Not shown: 1 not measurable and 4 suppressed to protect privacy." in text
    assert _points(charts.to_svg(chart)) == 3


# --- Words ------------------------------------------------------------------------------------------

def test_describe_gives_numbers_sizes_and_ci(gaps):
    text = charts.describe("rates", gaps, outcome=OSS)
    assert "15.0% of Black or African American children (95% CI 12.0% to 18.0%; 400 children) were " \
           "suspended out of school, compared with 2.5% of all other children" in text
    assert "4,000 children" in text
    assert "a gap of 12.5 percentage points (95% CI 9.5 to 15.5)" in text
    assert "The rate of children in foster care is suppressed to protect privacy (group size suppressed)" in text
    assert "0.0%" not in text


def test_related_chart_panels_say_which_way_is_better(gaps):
    chart = charts.related_chart(gaps, group=B, outcomes=OSS)  # OSS and its related outcomes
    spec = chart.to_dict()
    panels = {v["panel"] for v in next(iter(spec["datasets"].values()))}
    assert panels == {"Out-of-school suspension (lower is better)", "Chronic absence (lower is better)",
                      "Expulsion (lower is better)"}
    assert "No data for In-school suspension" in charts.describe(chart)


def test_tooltips_carry_group_sizes_and_ci(gaps):
    spec = charts.rate_chart(gaps, outcome=OSS).to_dict()
    point = next(layer for layer in spec["spec"]["layer"] if layer["mark"]["type"] == "point")
    fields = {t["field"] for t in point["encoding"]["tooltip"]}
    assert {"n_group", "n_comparison", "ci"} <= fields
    values = next(iter(spec["datasets"].values()))
    black = next(v for v in values if v["who"] == B)
    assert (black["n_group"], black["n_comparison"], black["ci"]) == ("400", "4,000", "12.0% to 18.0%")


# --- Look: colour-blind safe, not by colour alone, readable --------------------------------------------

def _luminance(hex_colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_palette_is_okabe_ito_and_greyscale_distinct():
    assert set(charts.OKABE_ITO.values()) == {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                              "#D55E00", "#CC79A7"}
    group, comparison = charts.ROLE_STYLE["group"], charts.ROLE_STYLE["comparison"]
    assert {group["color"], comparison["color"]} <= set(charts.OKABE_ITO.values())
    # Printed in black and white the two still differ (WCAG contrast ratio between them).
    light, dark = sorted((_luminance(group["color"]), _luminance(comparison["color"])), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 2
    assert group["shape"] != comparison["shape"] and group["dash"] != comparison["dash"]


def test_comparison_differs_by_shape_and_dash_not_colour_alone(gaps):
    layers = charts.rate_chart(gaps, outcome=OSS).to_dict()["spec"]["layer"]
    point = next(layer for layer in layers if layer["mark"]["type"] == "point")
    assert point["encoding"]["shape"]["field"] == point["encoding"]["color"]["field"] == "role"
    assert point["encoding"]["shape"]["scale"]["range"] == ["circle", "square"]
    rule = next(layer for layer in layers if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["strokeDash"]["scale"]["range"][0] != rule["encoding"]["strokeDash"]["scale"]["range"][1]

    trend = charts.trend_chart(gaps, group=B, outcome=OSS).to_dict()
    line = trend["layer"][0]
    assert line["mark"]["type"] == "line" and line["encoding"]["strokeDash"]["field"] == "who"
    shapes = {layer["mark"].get("shape") for layer in trend["layer"] if layer["mark"]["type"] == "point"}
    assert shapes == {"circle", "square"}


def test_fonts_are_large_enough_for_a_projector(gaps):
    config = charts.rate_chart(gaps, outcome=OSS).to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 14 and config["title"]["fontSize"] >= 20
    assert config["text"]["fontSize"] >= 14


# --- Refusals -------------------------------------------------------------------------------------------

def test_unprotected_table_is_refused(gaps, monkeypatch):
    def require_protected(table):
        raise PrivacyError("not protected")

    fake = types.ModuleType("successgaps_lib.privacy")
    fake.require_protected = require_protected
    monkeypatch.setitem(sys.modules, "successgaps_lib.privacy", fake)
    for kind in ("rates", "trend", "schools", "related", "overview"):
        with pytest.raises(PrivacyError):
            _build(kind, gaps, None)
        with pytest.raises(PrivacyError):
            charts.describe(kind, gaps, **({"group": B, "outcomes": OSS} if kind == "related" else {}))


def test_clear_errors(gaps):
    with pytest.raises(ValueError, match="needs the column"):
        charts.rate_chart(gaps.drop(columns=["rate_group_low"]))
    with pytest.raises(ValueError, match="shows one outcome"):
        charts.trend_chart(gaps, group=B)
    with pytest.raises(ValueError, match="no rows"):
        charts.rate_chart(gaps, group="Asian")
    many = pd.concat([gaps.iloc[[0]].assign(group=f"G{i}") for i in range(charts.MAX_ROWS)])
    with pytest.raises(ValueError, match="aggregate first"):
        charts.rate_chart(many)
    with pytest.raises(ValueError, match="unknown chart kind"):
        charts.describe("pie", gaps)


# --- Rendering -------------------------------------------------------------------------------------------

def test_svg_ids_are_unique_per_figure_and_titles_escaped(gaps):
    svg = charts.to_svg(charts.rate_chart(gaps, outcome=OSS), description='A < B & "C"')
    ET.fromstring(svg)
    assert "<desc" in svg and "A &lt; B &amp; " in svg
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert ids and all(re.fullmatch(r"sg[0-9a-f]{8}-.+", i) for i in ids)


def test_figure_displays_svg_and_text_alternative(gaps):
    fig = charts.figure(charts.trend_chart(gaps, group=B, outcome=OSS))
    assert fig._repr_svg_().startswith("<svg")
    page = fig._repr_html_()
    assert fig.svg in page and "<figcaption" in page
    assert "2023-24: 15.0% of 400 against 2.5% of 4,000" in page
    assert repr(fig).startswith("Chart: ")


def test_enable_offline_returns_none_and_selects_svg():
    previous = alt.renderers.active
    try:
        assert charts.enable_offline() is None
        assert alt.renderers.active == "svg"
    finally:
        alt.renderers.enable(previous)


def test_interactive_bundles_its_javascript_without_network(gaps, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    live = charts.interactive(charts.rate_chart(gaps, outcome=OSS))
    assert isinstance(live, alt.JupyterChart)
    esm = type(live)._esm if isinstance(type(live)._esm, str) else live._esm
    assert not re.search(r"import[^;\n]*https?://", esm)  # nothing fetched from a CDN
    assert 200_000 < len(esm) < 3_000_000  # the bundle itself (~0.9 MB), documented in the module
    assert live.spec["description"].startswith("Out-of-school suspension")


def _normalise(svg):
    svg = re.sub(r"sg[0-9a-f]{8}-", "sg-", svg)
    svg = re.sub(r'\sid="[^"]*"', "", svg)
    # Sub-pixel float noise is not a change; one decimal is.
    return re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group()):.1f}", svg)


def test_snapshot_of_a_rendered_chart(gaps):
    svg = _normalise(charts.to_svg(charts.rate_chart(gaps, group=B, outcome=OSS)))
    path = SNAPSHOTS / "rate_chart.svg"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
    assert path.exists(), f"no snapshot at {path}; run with UPDATE_SNAPSHOTS=1 and review the file"
    assert svg == path.read_text(encoding="utf-8"), "the chart changed: review it, then UPDATE_SNAPSHOTS=1"


def test_pct_and_points_round_like_people_read_them():
    assert charts._pct(0.125) == "12.5%" and charts._pts(0.125) == "+12.5" and charts._pts(-0.0001) == "0.0"
    assert charts._count(math.nan) == "suppressed"


def test_default_year_is_the_latest_of_the_rows_asked_for(gaps):
    older = pd.concat([gaps, gaps[gaps["year"] == 2022].assign(group="Asian")])
    chart = charts.rate_chart(older, group="Asian")
    assert chart.to_dict()["title"]["text"] == "Out-of-school suspension, 2021-22, Testville"
