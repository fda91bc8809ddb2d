"""Free exploration for the data team (notebook ``00_explore_gaps``): screen every gap, then drill in.

::

    x = Exploration.open("../data/demo/workbook")
    x.summary()                           # what the data holds
    x.top_gaps(15); x.overview(15)        # every candidate gap, ranked (screen.screen)
    x.choose()                            # the top flagged district gap (or name group, outcome, ...)
    x.statement(); display(*x.slides())   # one gap: rates, trend, schools, composition, related
    x.by_year(); x.by_school()            # its figures as tables
    x.intersection("race", "disability")  # the same outcome for groups such as Black x disability

Tables are protected for an audience by default, so what this notebook shows can be shared;
``data_team=True`` shows every figure (``privacy.protect(audience=False)``) and is for the
data team's own screens only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property

import pandas as pd

from . import blocks, charts, metrics, privacy, screen, slides
from . import workbook as wbk
from .errors import ConfigError
from .groups import ALL_STUDENTS, DIMENSIONS, OUTCOMES, canonical_group, canonical_outcome
from .meeting import data as meeting_data


class Exploration:
    """The workbook's data, screened, with one gap chosen to look at closely."""

    def __init__(self, workbook: wbk.Workbook, *, data_team: bool = False, min_group_size: int | None = None):
        self.workbook = workbook
        self.audience = not data_team
        self.min_size = int(min_group_size or workbook.min_group_size)
        self.focus: slides.Focus | None = None

    @classmethod
    def open(cls, workbook: str | os.PathLike = ".", *, data_team: bool = False,
             min_group_size: int | None = None) -> Exploration:
        return cls(wbk.load(workbook), data_team=data_team, min_group_size=min_group_size)

    @cached_property
    def data(self) -> meeting_data.Data:
        return meeting_data.load_data(self.workbook)

    def _protect(self, table: pd.DataFrame, counts: pd.DataFrame | None = None) -> pd.DataFrame:
        return privacy.protect(table, min_size=self.min_size, audience=self.audience,
                               counts=self.data.counts if counts is None else counts)

    # -- what the data holds ------------------------------------------------------------------------------

    def summary(self) -> blocks.Block:
        data = self.data
        years = data.years
        outcomes = [OUTCOMES[o].label for o in data.outcomes()]
        items = [f"District: {self.workbook.district}",
                 f"Years: {slides.school_year(years[0])} to {slides.school_year(years[-1])} ({len(years)} years)",
                 f"Schools: {len(data.schools)}" + (f" ({', '.join(data.schools)})" if data.schools else ""),
                 f"Outcomes: {', '.join(outcomes)}",
                 "Figures: " + ("every figure (data team only: do not share this notebook's outputs)"
                                if not self.audience else
                                f"protected for an audience (groups under {self.min_size} children hidden)")]
        return blocks.bullets(items)

    # -- every gap ------------------------------------------------------------------------------------------

    @cached_property
    def screened(self) -> pd.DataFrame:
        """Every candidate gap (``screen.screen``, schools included), protected."""
        gaps = screen.screen(self.data.counts, schools=True, statements=False)
        return meeting_data.with_statements(self._protect(gaps), self.min_size)

    def top_gaps(self, n: int = 15, *, year: int | None = None, school: str | None = "") -> blocks.Block:
        """The ``n`` highest-ranked gaps of a year (default: the latest) at one place (None: every place)."""
        gaps = self._rows(year, school)
        top = gaps.head(n)
        if top.empty:
            return blocks.note("No gap could be measured for this choice.")
        shown = privacy.display(top)
        frame = pd.DataFrame({
            "Rank": [str(i) for i in range(1, len(top) + 1)],
            "Place": [s or "district" for s in top["school"]],
            "Group": top["group"].to_numpy(), "Outcome": [OUTCOMES[o].label for o in top["outcome"]],
            "n group": shown["n_group"].to_numpy(), "Rate group": shown["rate_group"].to_numpy(),
            "Rate comparison": shown["rate_comparison"].to_numpy(), "Gap (points)": shown["difference"].to_numpy(),
            "95% CI": [f"{lo} to {hi}" for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)],
            "Flagged": ["yes" if f else "no" for f in top["flagged"]],
            "Years flagged": shown["years_flagged"].to_numpy(),
        })
        caption = f"Highest-ranked gaps, {slides.school_year(int(gaps['year'].iloc[0]))} (against all other children)"
        return blocks.table(frame, kind="sg-data", caption=caption,
                            numeric=["n group", "Rate group", "Rate comparison", "Gap (points)", "Years flagged"])

    def _rows(self, year: int | None, school: str | None) -> pd.DataFrame:
        gaps = self.screened
        if school is not None:
            gaps = gaps[gaps["school"] == school]
        year = int(gaps["year"].max()) if year is None else year
        out = gaps[(gaps["year"] == year) & gaps["measurable"]]
        out.attrs = self.screened.attrs
        return out

    def overview(self, n: int = 15, *, year: int | None = None, school: str | None = ""):
        """The ``n`` highest-ranked gaps as a chart with their confidence intervals."""
        rows = self._rows(year, school)
        try:
            return charts.figure(charts.overview_chart(rows, top=n))
        except ValueError as error:
            return blocks.note(f"No overview: {error}.")

    # -- one gap -------------------------------------------------------------------------------------------

    def choose(self, group: str | None = None, outcome: str | None = None, *,
               comparison: str = "all other children", school: str = "", year: int | None = None) -> blocks.Block:
        """Pick the gap to look at; unnamed parts come from the highest-ranked flagged gap at ``school``."""
        pick = self._rows(year, school)
        if group is not None:
            pick = pick[pick["group"] == _group(group)]
        if outcome is not None:
            pick = pick[pick["outcome"] == _outcome(outcome)]
        flagged = pick[pick["flagged"]]
        pick = flagged if not flagged.empty else pick
        if pick.empty:
            raise ConfigError(f"no measurable gap for group={group!r}, outcome={outcome!r} at "
                              f"{school or 'the district'}; see top_gaps() for what there is")
        row = pick.iloc[0]
        self.focus = slides.Focus(str(row["group"]), str(row["outcome"]), comparison, school, int(row["year"]),
                                  self.min_size, self.audience)
        return blocks.paragraph(f"Looking at: {OUTCOMES[self.focus.outcome].label}, {self.focus.group} compared "
                                f"with {comparison}, {school or self.workbook.district}, "
                                f"{slides.school_year(self.focus.year)}.")

    def _focus(self) -> slides.Focus:
        if self.focus is None:
            self.choose()
        return self.focus

    def gaps(self) -> pd.DataFrame:
        """The protected GAPS rows of the chosen group on its outcome and the related ones."""
        f = self._focus()
        outcomes = meeting_data.related_outcomes(f.outcome, f.group, self.data.outcomes()) or [f.outcome]
        return meeting_data.measure(self.data, group=f.group, outcomes=outcomes, comparison=f.comparison,
                                    min_size=self.min_size, audience=self.audience)

    def statement(self) -> blocks.Block:
        f = self._focus()
        row = meeting_data.rows(self.gaps(), group=f.group, outcome=f.outcome, comparison=f.comparison,
                                school=f.school, year=f.year)
        return blocks.statement(str(row["statement"].iloc[0])) if len(row) else blocks.note("No figures.")

    def slides(self, kinds: Sequence[str] = slides.KINDS) -> list:
        return [slides.slide(k, self.data, self._focus(), self.gaps()) for k in kinds]

    def by_year(self) -> blocks.Block:
        return slides.by_year(self.gaps(), self._focus())

    def by_school(self) -> blocks.Block:
        return slides.by_school(self.gaps(), self._focus())

    # -- intersections ---------------------------------------------------------------------------------------

    def intersection(self, first: str = "race", second: str = "disability", *, outcome: str | None = None,
                     year: int | None = None, school: str = "") -> list:
        """The outcome for every group "A × B" of two dimensions against all other children: a table and a chart."""
        for dimension in (first, second):
            if dimension not in DIMENSIONS:
                raise ConfigError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
        outcome = _outcome(outcome) if outcome else self._focus().outcome
        counts = meeting_data.intersection_counts(self.data, first, second)
        crossed = [g for g in pd.unique(counts["group"]) if " × " in g and meeting_data._crosses(g, first, second)]
        subset = counts[(counts["outcome"] == outcome) & counts["group"].isin([ALL_STUDENTS, *crossed])]
        if not crossed or subset.empty:
            return [blocks.note(f"No {first} × {second} figures for {OUTCOMES[outcome].label.lower()}.")]
        gaps = metrics.compare(subset, groups=crossed, statements=False)
        gaps = self._protect(gaps, counts=counts)
        year = int(gaps.loc[gaps["school"] == school, "year"].max()) if year is None else year
        rows = gaps[(gaps["school"] == school) & (gaps["year"] == year)]
        rows.attrs = gaps.attrs
        shown = privacy.display(rows)
        frame = pd.DataFrame({"Group": rows["group"].to_numpy(), "Children": shown["n_group"].to_numpy(),
                              "Rate": shown["rate_group"].to_numpy(), "Gap (points)": shown["difference"].to_numpy(),
                              "Note": rows["reason"].fillna("").to_numpy()})
        caption = (f"{OUTCOMES[outcome].label}, {DIMENSIONS[first]} × {DIMENSIONS[second]}, "
                   f"{slides.school_year(year)}, {school or self.workbook.district}, against all other children")
        table = blocks.table(frame, kind="sg-data", caption=caption, numeric=["Children", "Rate", "Gap (points)"])
        try:
            chart = charts.figure(charts.rate_chart(rows, year=year, school=school, outcome=outcome))
        except ValueError as error:
            chart = blocks.note(f"No chart: {error}.")
        return [table, chart]


def _group(name: str) -> str:
    try:
        return canonical_group(name)
    except KeyError:
        raise ConfigError(f"unknown group {name!r}") from None


def _outcome(name: str) -> str:
    try:
        return canonical_outcome(name)
    except KeyError:
        raise ConfigError(f"unknown outcome {name!r}; one of {', '.join(OUTCOMES)}") from None
