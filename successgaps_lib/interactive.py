"""The interactive explorer: ``explore(workbook)`` in JupyterLab or Voila.

Drop-downs choose the outcome, the group (a single group or an intersection such as
"Hispanic/Latino × Students with disabilities"), the place (district or a school) and the
year. Under them: the ranked gaps of that year and place (``Exploration.ranked``), and one live
Altair chart of two linked views of the chosen gap, the gap in every year at the chosen place
and the gap in every school in the chosen year. Clicking a year in the first view filters the
second, and clicking a school in the second filters the first; the drop-downs follow the clicks.
Tooltips give the rates, the group sizes and the 95% intervals.

Everything shown comes from protected tables (``Exploration``: audience by default), so a
hidden figure is a gap in the chart and a ``*`` in its tooltip. The chart is an
``alt.JupyterChart`` with its JavaScript bundled (``charts.interactive``): offline, in
JupyterLab and in Voila.

Why a change is fast: the chosen year and place are two Vega *variable* params
(``pick_year``, ``pick_place``) that the chart filters and colours by, so a new year or place
is one param update sent to the page (no new spec). Clicks are point selections (``year``,
``place``) read back in Python, which move the drop-downs, which set the params. A new group
or outcome swaps only the data and the title inside a spec validated once
(``Explorer._spec``), skipping Altair's schema validation of the whole chart each time. The
measured gaps are cached per group, so going back to a group costs nothing.

>>> from successgaps_lib.paths import DEMO_WORKBOOK
>>> x = Explorer.from_workbook(DEMO_WORKBOOK)
>>> x.group.value, x.outcome.value, x.school.value, x.year.value  # the top-ranked gap first
('English learners', 'reading_proficiency', '', 2025)
>>> x.group.value = "Hispanic/Latino × Students with disabilities"
>>> sorted(set(x.frame["group"]))
['Hispanic/Latino × Students with disabilities']
"""

from __future__ import annotations

import copy
import html
import os

import altair as alt
import ipywidgets as widgets
import pandas as pd
from altair.utils.data import to_values

from . import blocks, charts, privacy
from .explore import Exploration
from .groups import DIMENSIONS, OUTCOMES, SEP, excluded
from .meeting import data as meeting_data
from .words import school_year

#: Intersections offered in the group drop-down (when the data has student records).
CROSSINGS = (("race", "disability"), ("race", "sex"), ("english_learner", "disability"), ("race", "english_learner"),
             ("econ_disadvantaged", "disability"))

#: How many ranked gaps the table lists.
TOP = 10

_COMPARISON = "all other children"


def explore(workbook: str | os.PathLike = ".", *, data_team: bool = False) -> Explorer:
    """The interactive explorer of a workbook folder (display it: it is a widget).

    >>> from successgaps_lib.paths import DEMO_WORKBOOK
    >>> type(explore(DEMO_WORKBOOK)).__name__
    'Explorer'
    """
    return Explorer.from_workbook(workbook, data_team=data_team)


class Explorer(widgets.VBox):
    """Drop-downs, the ranked gaps and two linked charts of one gap; see the module docstring."""

    def __init__(self, exploration: Exploration):
        super().__init__()
        self.x = exploration
        data = exploration.data
        self._frames: dict[tuple, pd.DataFrame] = {}
        if exploration.focus is None:
            exploration.choose()
        focus = exploration.focus
        wide, narrow = widgets.Layout(width="30rem"), widgets.Layout(width="14rem")
        self.outcome = widgets.Dropdown(description="Outcome", layout=wide, value=focus.outcome,
                                        options=[(OUTCOMES[o].label, o) for o in data.outcomes()])
        self.group = widgets.Dropdown(description="Group", layout=wide, options=self._groups(), value=focus.group)
        district = exploration.workbook.district
        self.school = widgets.Dropdown(description="Place", layout=wide, value=focus.school,
                                       options=[(f"{district} (district)", ""), *((s, s) for s in data.schools)])
        self.year = widgets.Dropdown(description="Year", layout=narrow, value=focus.year,
                                     options=[(school_year(y), y) for y in reversed(data.years)])
        self.message = widgets.HTML()
        self.ranking = widgets.HTML()
        self.chart = charts.interactive(self._chart())
        self._template = self.chart.spec  # validated once, by JupyterChart (see _spec)
        self.chart.embed_options = {**(self.chart.embed_options or {}), "renderer": "svg"}
        self.chart.selections.observe(self._clicked, names=["year", "place"])
        for control in (self.outcome, self.group):
            control.observe(self._changed_gap, names="value")
        for control in (self.school, self.year):
            control.observe(self._changed_place, names="value")
        self.add_class("sg-explorer")
        controls = widgets.HBox([self.outcome, self.group, self.school, self.year],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.children = [controls, self.message, self.chart, self.ranking]
        self._rank()

    @classmethod
    def from_workbook(cls, workbook: str | os.PathLike = ".", *, data_team: bool = False) -> Explorer:
        """The explorer of a workbook folder.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Explorer.from_workbook(DEMO_WORKBOOK).year.options[0]
        ('2024-25', 2025)
        """
        return cls(Exploration.open(workbook, data_team=data_team))

    # -- what the drop-downs offer ----------------------------------------------------------------------

    def _groups(self) -> list[str]:
        labels = self.x.groups()
        for first, second in CROSSINGS:
            try:
                counts = meeting_data.intersection_counts(self.x.data, first, second)
            except (meeting_data.ConfigError, KeyError):  # no student records, or no such columns: single groups only
                continue
            labels += [g for g in pd.unique(counts["group"]) if SEP in g and meeting_data._crosses(g, first, second)]
        return labels

    # -- the chosen gap's figures ---------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The chosen gap in every year and place, protected, as the chart's rows (hidden figures: NaN).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> frame = Explorer.from_workbook(DEMO_WORKBOOK).frame
        >>> {"year", "place", "gap", "gap_low", "gap_high", "tooltip_n"} <= set(frame.columns)
        True
        """
        key = (self.group.value, self.outcome.value)
        if key not in self._frames:
            self._frames[key] = self._measure(*key)
        return self._frames[key]

    def _measure(self, group: str, outcome: str) -> pd.DataFrame:
        gaps = meeting_data.measure(self.x.data, group=group, outcomes=[outcome], comparison=_COMPARISON,
                                    min_size=self.x.min_size, audience=self.x.audience)
        gaps = gaps[gaps["outcome"] == outcome]
        shown = privacy.display(gaps)
        district = self.x.workbook.district
        number = lambda column: pd.to_numeric(gaps[column], errors="coerce").to_numpy() * 100  # noqa: E731
        return pd.DataFrame({
            "group": gaps["group"].to_numpy(), "year": gaps["year"].astype(int).to_numpy(),
            "school_year": [school_year(int(y)) for y in gaps["year"]],
            "school": gaps["school"].to_numpy(),
            "place": [s or f"{district} (district)" for s in gaps["school"]],
            "gap": number("difference"), "gap_low": number("ci_low"), "gap_high": number("ci_high"),
            "tooltip_gap": [f"{d} points ({lo} to {hi})" if d not in (privacy.SUPPRESSED, privacy.UNKNOWN) else d
                            for d, lo, hi in zip(shown["difference"], shown["ci_low"], shown["ci_high"], strict=True)],
            "tooltip_rate": shown["rate_group"].to_numpy(), "tooltip_comparison": shown["rate_comparison"].to_numpy(),
            "tooltip_n": shown["n_group"].to_numpy(), "tooltip_n_comparison": shown["n_comparison"].to_numpy(),
            "note": gaps["reason"].fillna("").astype(str).to_numpy(),
        })

    def _place(self) -> str:
        """The chart's name of the chosen place (the district's or the school's)."""
        frame = self.frame
        place = frame.loc[frame["school"] == self.school.value, "place"]
        return str(place.iloc[0] if len(place) else frame["place"].iloc[0])

    def _title(self) -> str:
        return f"{OUTCOMES[self.outcome.value].label}: {self.group.value} against all other children"

    def _chart(self):
        frame = self.frame
        if frame.empty:
            raise ValueError("no figures for this group and outcome")
        pick_year = alt.param(name="pick_year", value=int(self.year.value))
        pick_place = alt.param(name="pick_place", value=self._place())
        years = alt.selection_point(name="year", fields=["year"], clear=False, toggle=False)  # clicks only
        places = alt.selection_point(name="place", fields=["place"], clear=False, toggle=False)
        tooltip = [alt.Tooltip("place:N", title="Place"), alt.Tooltip("school_year:N", title="School year"),
                   alt.Tooltip("tooltip_gap:N", title="Gap (95% CI)"),
                   alt.Tooltip("tooltip_rate:N", title="Rate of the group"),
                   alt.Tooltip("tooltip_n:N", title="Children in the group"),
                   alt.Tooltip("tooltip_comparison:N", title="Rate of all other children"),
                   alt.Tooltip("tooltip_n_comparison:N", title="Other children"),
                   alt.Tooltip("note:N", title="Note")]
        gap = alt.X("gap:Q", title="Gap (percentage points)")
        base = alt.Chart(frame)
        ink, accent = charts.INK, charts.OKABE_ITO["blue"]
        selected_year = alt.condition("datum.year === pick_year", alt.value(accent), alt.value("#999999"))
        trend = base.transform_filter("datum.place === pick_place")
        trend = alt.layer(
            trend.mark_rule(color=ink).encode(x=alt.X("school_year:O", title="School year"), y="gap_low:Q",
                                               y2="gap_high:Q"),
            trend.mark_line(color=ink, strokeDash=[4, 2]).encode(x="school_year:O", y=alt.Y("gap:Q", title="Gap")),
            trend.mark_point(filled=True, size=140).encode(x="school_year:O", y="gap:Q", color=selected_year,
                                                           shape=alt.value("circle"), tooltip=tooltip
                                                           ).add_params(years),
        ).properties(width=300, height=240, title="Over the years (click a year)")
        by_school = base.transform_filter("datum.year === pick_year")
        selected_place = alt.condition("datum.place === pick_place", alt.value(accent), alt.value("#bbbbbb"))
        schools = alt.layer(
            by_school.mark_bar(height={"band": 0.7}).encode(y=alt.Y("place:N", title=None), x=gap,
                                                             color=selected_place, tooltip=tooltip
                                                             ).add_params(places),
            by_school.mark_rule(color=ink).encode(y="place:N", x="gap_low:Q", x2="gap_high:Q"),
        ).properties(width=320, height=alt.Step(26), title="By place (click a school)")
        return alt.hconcat(trend, schools, title=self._title()).resolve_scale(color="independent").add_params(
            pick_year, pick_place)

    def _spec(self) -> dict:
        """The chart's Vega-Lite spec for the chosen gap: the first chart's spec, validated once,
        with this gap's rows, title and picks swapped in (the layers and encodings never change)."""
        frame = self.frame
        if frame.empty:
            raise ValueError("no figures for this group and outcome")
        spec = copy.copy(self._template)
        (name,) = spec["datasets"]  # one data set: both views filter the same rows
        spec["datasets"] = {name: to_values(frame)["values"]}
        spec["title"] = self._title()
        picks = {"pick_year": int(self.year.value), "pick_place": self._place()}
        spec["params"] = [{**p, "value": picks[p["name"]]} if p.get("name") in picks else p for p in spec["params"]]
        return spec

    # -- changes --------------------------------------------------------------------------------------------

    def _changed_gap(self, _change=None) -> None:
        if excluded(self.group.value, self.outcome.value):
            self.message.value = _note(f"{OUTCOMES[self.outcome.value].label} is not measured for this group.")
            return
        try:
            self.chart.spec = self._spec()
        except (ValueError, meeting_data.ConfigError) as error:
            self.message.value = _note(f"No figures for this choice: {error}.")
            return
        self.message.value = ""
        self._rank()

    def _changed_place(self, _change=None) -> None:
        """A new year or place: two params for the page (the chart already holds every year and place)."""
        if not self.frame.empty:
            self.chart.params.pick_year = int(self.year.value)
            self.chart.params.pick_place = self._place()
        self._rank()

    def _clicked(self, change) -> None:
        """A click in the chart moves the drop-down, which moves the picks."""
        value = getattr(change["new"], "value", None) or []
        if not value:
            return
        if change["name"] == "year" and "year" in value[0]:
            self.year.value = int(value[0]["year"])
        elif change["name"] == "place" and "place" in value[0]:
            rows = self.frame[self.frame["place"] == value[0]["place"]]
            if len(rows):
                self.school.value = str(rows["school"].iloc[0])

    def _rank(self) -> None:
        try:
            rows = self.x.ranked(year=self.year.value, school=self.school.value).head(TOP)
        except meeting_data.ConfigError as error:
            self.ranking.value = _note(str(error))
            return
        shown = privacy.display(rows)
        frame = pd.DataFrame({
            "Rank": [str(i) for i in range(1, len(rows) + 1)], "Group": rows["group"].to_numpy(),
            "Outcome": [OUTCOMES[o].label for o in rows["outcome"]], "Children": shown["n_group"].to_numpy(),
            "Rate": shown["rate_group"].to_numpy(), "Others": shown["rate_comparison"].to_numpy(),
            "Gap (points)": shown["difference"].to_numpy(),
            "95% CI": [f"{lo} to {hi}" for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)],
            "Flagged": ["yes" if f else "no" for f in rows["flagged"]]})
        where = self.school.value or self.x.workbook.district
        caption = f"Highest-ranked gaps, {where}, {school_year(int(self.year.value))}, against all other children"
        self.ranking.value = blocks.table(frame, kind="sg-data", caption=caption,
                                          numeric=["Children", "Rate", "Others", "Gap (points)"]).html


def _note(text: str) -> str:
    return f'<div class="sg-note" role="status">{html.escape(text)}</div>'


__all__ = ["CROSSINGS", "DIMENSIONS", "Explorer", "explore"]
