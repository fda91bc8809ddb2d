"""Free exploration for the data team (notebook ``00_explore_gaps``): screen every gap, then drill in.

::

    x = Exploration.open("../data/demo/workbook")
    x.summary()                           # what the data holds
    x.top_gaps(15); x.overview(15)        # every candidate gap, ranked (screen.screen)
    x.choose()                            # the top flagged district gap (or name group, outcome, ...)
    x.statement(); display(*x.slides())   # one gap: rates, trend, schools, composition, related
    x.by_year(); x.by_school()            # its figures as tables
    x.intersection("race", "disability")  # the same outcome for groups such as Black x disability
    x.choose("Hispanic/Latino × Students with disabilities", "graduation", comparison="White")

Every view works for a single group, an intersection of two dimensions (named as
``intersection()`` names it, "Hispanic/Latino × Students with disabilities", or typed
"Hispanic x SWD") and against any comparison: all other children, all children, or a named
group (itself a group or an intersection). An intersection's counts come from the student
records (``meeting.data.intersection_counts``) and pass through the same privacy layer, with
every other table of the data, as a single group's.

A school, group, outcome or year the data does not have is answered with one line
(``ConfigError``) naming the nearest matches and the valid values (``choices``).

Tables are protected for an audience by default, so what this notebook shows can be shared;
``data_team=True`` shows every figure (``privacy.protect(audience=False)``) and is for the
data team's own screens only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property

import pandas as pd

from . import blocks, charts, choices, metrics, privacy, screen, slides
from . import workbook as wbk
from .errors import ConfigError
from .groups import (
    ALL_STUDENTS,
    DIMENSIONS,
    GROUPS,
    OUTCOMES,
    SEP,
    canonical_group,
    canonical_label,
    canonical_outcome,
    excluded,
    intersection,
    is_intersection,
    noun,
    typed_parts,
)
from .meeting import data as meeting_data
from .notebook_errors import one_line_errors

#: The comparisons ``choose`` takes besides a named group.
COMPARISONS = ("all other children", "all children")

#: How a person may name the district itself where a school is asked for.
_DISTRICT = ("", "district", "the district", "all schools")


class Exploration:
    """The workbook's data, screened, with one gap chosen to look at closely.

    >>> from successgaps_lib.paths import DEMO_WORKBOOK
    >>> x = Exploration.open(DEMO_WORKBOOK)
    >>> x.years[-1], len(x.schools) > 1
    (2025, True)
    """

    def __init__(self, workbook: wbk.Workbook, *, data_team: bool = False, min_group_size: int | None = None):
        self.workbook = workbook
        self.audience = not data_team
        self.min_size = int(min_group_size or workbook.min_group_size)
        self.focus: slides.Focus | None = None

    @classmethod
    def open(cls, workbook: str | os.PathLike = ".", *, data_team: bool = False,
             min_group_size: int | None = None) -> Exploration:
        """Open a workbook folder (its ``workbook.yml``) for exploration.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Exploration.open(DEMO_WORKBOOK).audience, Exploration.open(DEMO_WORKBOOK, data_team=True).audience
        (True, False)
        """
        one_line_errors()
        return cls(wbk.load(workbook), data_team=data_team, min_group_size=min_group_size)

    def __repr__(self) -> str:
        return f"Exploration({self.workbook.district!r}, {'audience' if self.audience else 'data team'})"

    @cached_property
    def data(self) -> meeting_data.Data:
        """The workbook's data files, read once per process (``meeting.data.load_data``).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> "graduation" in Exploration.open(DEMO_WORKBOOK).data.outcomes()
        True
        """
        return meeting_data.load_data(self.workbook)

    @property
    def years(self) -> list[int]:
        """The years the data has, oldest first.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Exploration.open(DEMO_WORKBOOK).years
        [2022, 2023, 2024, 2025]
        """
        return self.data.years

    @property
    def schools(self) -> list[str]:
        """The schools the data has ("" is the district itself and is not listed).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> "Juniper Valley High" in Exploration.open(DEMO_WORKBOOK).schools
        True
        """
        return self.data.schools

    def groups(self) -> list[str]:
        """The single groups the data has, in display order (intersections: ``intersection()``).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Exploration.open(DEMO_WORKBOOK).groups()[:2]
        ['Hispanic/Latino', 'American Indian or Alaska Native']
        """
        present = set(self.data.counts["group"])
        return [g for g in GROUPS if g in present]

    def _protect(self, table: pd.DataFrame, counts: pd.DataFrame | None = None) -> pd.DataFrame:
        return privacy.protect(table, min_size=self.min_size, audience=self.audience,
                               counts=self.data.counts if counts is None else counts)

    # -- checking what a person typed ------------------------------------------------------------------

    def school(self, name: str | None) -> str | None:
        """A school as the data spells it; "" (or "district") is the district, None every place.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> x.school("juniper valley high"), x.school("district")
        ('Juniper Valley High', '')
        >>> x.school("Junipr Valley")
        Traceback (most recent call last):
        ...
        successgaps_lib.errors.ConfigError: unknown school 'Junipr Valley'; did you mean 'Juniper Valley High'? ...
        """
        if name is None:
            return None
        text = str(name).strip()
        if text.lower() in _DISTRICT or text == self.workbook.district:
            return ""
        return choices.pick("school", text, self.schools)

    def year(self, value: int | str | None) -> int | None:
        """A year the data has (a school year such as "2024-25" is taken by its end); None stays None.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> x.year(2024), x.year("2023-24"), x.year(None)
        (2024, 2024, None)
        >>> x.year(2042)
        Traceback (most recent call last):
        ...
        successgaps_lib.errors.ConfigError: unknown year 2042; did you mean ...? The years are: 2022, 2023, 2024, 2025
        """
        if value is None:
            return None
        text = str(value).strip()
        if "-" in text:  # "2023-24" is the school year that ends in 2024
            start, _, end = text.partition("-")
            if start.isdigit() and end.isdigit():
                text = str(int(start) + 1)
        return choices.pick("year", int(text) if text.isdigit() else value, self.years)

    def group(self, name: str) -> str:
        """A group or an intersection as its canonical label (codes, aliases and "A x B" accepted).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> x.group("SWD"), x.group("hispanic x swd")
        ('Students with disabilities', 'Hispanic/Latino × Students with disabilities')
        >>> x.group("Studnts with disabilites")
        Traceback (most recent call last):
        ...
        successgaps_lib.errors.ConfigError: unknown group 'Studnts with disabilites'; did you mean 'Students with ...
        """
        try:
            return canonical_label(name)
        except KeyError as error:
            for piece in typed_parts(name):
                if canonical_group(piece, None) is None:
                    raise choices.unknown("group", piece, self.groups(),
                                          hint="an intersection is two groups joined by ×, e.g. "
                                               f"{intersection('Black or African American', 'SWD')!r}") from None
            raise ConfigError(f"group {name!r}: {error.args[0]}") from None

    def outcome(self, name: str) -> str:
        """An outcome the data has, as its id (label, code or alias accepted).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> x.outcome("ACGR"), x.outcome("Chronic absence")
        ('graduation', 'chronic_absence')
        >>> x.outcome("graduatoin")
        Traceback (most recent call last):
        ...
        successgaps_lib.errors.ConfigError: unknown outcome 'graduatoin'; did you mean 'graduation'? ...
        """
        present = self.data.outcomes()
        try:
            found = canonical_outcome(name)
        except KeyError:
            found = None
        if found not in present:
            raise choices.unknown("outcome", name, present)
        return found

    def comparison(self, name: str) -> str:
        """A comparison as the gaps table names it: all other children, all children or a group's label.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> x.comparison("All other children"), x.comparison("white"), x.comparison("White x SWD")
        ('all other children', 'White', 'White × Students with disabilities')
        """
        text = str(name).strip()
        if text.lower() in COMPARISONS:
            return text.lower()
        try:
            return canonical_label(text)
        except KeyError:
            raise choices.unknown("comparison", name, [*COMPARISONS, *self.groups()]) from None

    # -- what the data holds ------------------------------------------------------------------------------

    def summary(self) -> blocks.Block:
        """District, years, schools and outcomes of the data, and whether small groups are hidden.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Exploration.open(DEMO_WORKBOOK).summary().text.splitlines()[0])
        - District: Riverside Unified (demo)
        """
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

    @property
    def screened(self) -> pd.DataFrame:
        """Every candidate gap (``screen.screen``, schools included), protected; computed once per data.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> bool(Exploration.open(DEMO_WORKBOOK).screened["flagged"].any())
        True
        """
        def compute():
            gaps = screen.screen(self.data.counts, schools=True, statements=False)
            return meeting_data.with_statements(self._protect(gaps), self.min_size)

        return self.data.memo(("screened", self.min_size, self.audience), compute)

    def ranked(self, *, year: int | str | None = None, school: str | None = "") -> pd.DataFrame:
        """The measurable gaps of a year (default: the latest) at one place (None: every place), ranked.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> rows = Exploration.open(DEMO_WORKBOOK).ranked(year=2024, school="Juniper Valley High")
        >>> set(rows["year"]), set(rows["school"])
        ({2024}, {'Juniper Valley High'})
        """
        return self._rows(self.year(year), self.school(school))

    def top_gaps(self, n: int = 15, *, year: int | str | None = None, school: str | None = "") -> blocks.Block:
        """The ``n`` highest-ranked gaps of a year (default: the latest) at one place (None: every place).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Exploration.open(DEMO_WORKBOOK).top_gaps(3).text.splitlines()[0])
        Highest-ranked gaps, 2024-25 (against all other children)
        """
        gaps = self.ranked(year=year, school=school)
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
        if gaps.empty:
            raise ConfigError(f"no gaps measured at {school or 'the district'}")
        year = int(gaps["year"].max()) if year is None else year
        out = gaps[(gaps["year"] == year) & gaps["measurable"]]
        out.attrs = self.screened.attrs
        return out

    def overview(self, n: int = 15, *, year: int | str | None = None, school: str | None = ""):
        """The ``n`` highest-ranked gaps as a chart with their confidence intervals.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> type(Exploration.open(DEMO_WORKBOOK).overview(5)).__name__
        'SvgFigure'
        """
        rows = self.ranked(year=year, school=school)
        try:
            return charts.figure(charts.overview_chart(rows, top=n))
        except ValueError as error:
            return blocks.note(f"No overview: {error}.")

    # -- one gap -------------------------------------------------------------------------------------------

    def choose(self, group: str | None = None, outcome: str | None = None, *,
               comparison: str = "all other children", school: str = "", year: int | str | None = None
               ) -> blocks.Block:
        """Pick the gap to look at; unnamed parts come from the highest-ranked flagged gap at ``school``.

        ``group`` may be an intersection ("Hispanic/Latino × Students with disabilities", or
        "Hispanic x SWD"); ``comparison`` all other children (default), all children, or a
        named group (a single group or an intersection).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> print(x.choose("Hispanic x SWD", "graduation", year=2024).text)
        Looking at: Four-year graduation, Hispanic/Latino students with disabilities compared with all other \
children, Riverside Unified (demo), 2023-24.
        >>> print(x.choose("English learners", "reading", comparison="Non-English learners").text)
        Looking at: Reading proficiency, English learners compared with Non-English learners, \
Riverside Unified (demo), 2024-25.
        """
        group = self.group(group) if group is not None else None
        outcome = self.outcome(outcome) if outcome is not None else None
        comparison = self.comparison(comparison)
        school, year = self.school(school), self.year(year)
        if group is not None and comparison == group:
            raise ConfigError(f"comparison {comparison!r}: a group cannot be compared with itself")
        if group is not None and outcome is not None and excluded(group, outcome):
            raise ConfigError(f"{OUTCOMES[outcome].label} is not measured for {group}")
        pick = self._crossed_rows(group, outcome, year, school) if group and is_intersection(group) \
            else self._rows(year, school)
        if group is not None:
            pick = pick[pick["group"] == group]
        if outcome is not None:
            pick = pick[pick["outcome"] == outcome]
        flagged = pick[pick["flagged"]]
        pick = flagged if not flagged.empty else pick
        if pick.empty:
            raise ConfigError(f"no measurable gap for group={group!r}, outcome={outcome!r} at "
                              f"{school or 'the district'}; see top_gaps() for what there is")
        row = pick.iloc[0]
        self.focus = slides.Focus(str(row["group"]), str(row["outcome"]), comparison, school, int(row["year"]),
                                  self.min_size, self.audience)
        return blocks.paragraph(f"Looking at: {OUTCOMES[self.focus.outcome].label}, "
                                f"{_capital(noun(self.focus.group))} compared "
                                f"with {comparison}, {school or self.workbook.district}, "
                                f"{slides.school_year(self.focus.year)}.")

    def _crossed_rows(self, group: str, outcome: str | None, year: int | None, school: str) -> pd.DataFrame:
        """An intersection's measurable gaps against all other children, ranked as ``screen`` ranks."""
        outcomes = [outcome] if outcome else [o for o in self.data.outcomes() if not excluded(group, o)]
        gaps = meeting_data.measure(self.data, group=group, outcomes=outcomes, comparison=COMPARISONS[0],
                                    min_size=self.min_size, audience=self.audience)
        gaps = gaps[gaps["school"] == school]
        if gaps.empty:
            raise ConfigError(f"the data has no rows for {group} at {school or 'the district'}")
        year = int(gaps["year"].max()) if year is None else year
        rows = gaps[(gaps["year"] == year) & gaps["measurable"].fillna(False).astype(bool)]
        return rows.sort_values(["flagged", "score"], ascending=False, kind="stable")

    def _focus(self) -> slides.Focus:
        if self.focus is None:
            self.choose()
        return self.focus

    def gaps(self) -> pd.DataFrame:
        """The protected GAPS rows of the chosen group on its outcome and the related ones.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> _ = x.choose("Black x SWD", "suspension_out_of_school")
        >>> sorted(set(x.gaps()["outcome"]))[:2], set(x.gaps()["group"])
        (['chronic_absence', 'expulsion'], {'Black or African American × Students with disabilities'})
        """
        f = self._focus()
        outcomes = meeting_data.related_outcomes(f.outcome, f.group, self.data.outcomes()) or [f.outcome]
        return meeting_data.measure(self.data, group=f.group, outcomes=outcomes, comparison=f.comparison,
                                    min_size=self.min_size, audience=self.audience)

    def statement(self) -> blocks.Block:
        """The success gap statement of the chosen gap (protected figures only).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> _ = x.choose("Hispanic/Latino × Students with disabilities", "graduation", year=2025)
        >>> print(x.statement().text.split(" in Riverside")[0])
        > In 2025, 69.4% of Hispanic/Latino students with disabilities
        """
        f = self._focus()
        row = meeting_data.rows(self.gaps(), group=f.group, outcome=f.outcome, comparison=f.comparison,
                                school=f.school, year=f.year)
        return blocks.statement(str(row["statement"].iloc[0])) if len(row) else blocks.note("No figures.")

    def slides(self, kinds: Sequence[str] = slides.KINDS) -> list:
        """The data slides of the chosen gap (``slides.KINDS``), each an SvgFigure or a note saying why not.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> _ = x.choose("Hispanic x SWD", "graduation")
        >>> [type(s).__name__ for s in x.slides()]
        ['SvgFigure', 'SvgFigure', 'SvgFigure', 'SvgFigure', 'SvgFigure']
        """
        for kind in kinds:
            if kind not in slides.KINDS:
                raise choices.unknown("slide", kind, slides.KINDS)
        return [slides.slide(k, self.data, self._focus(), self.gaps()) for k in kinds]

    def by_year(self) -> blocks.Block:
        """The chosen gap in every year at its place, as a table.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> _ = x.choose("Students with disabilities", "graduation")
        >>> "2022-23" in x.by_year().text
        True
        """
        return slides.by_year(self.gaps(), self._focus())

    def by_school(self) -> blocks.Block:
        """The chosen gap in every school in its year, the district first, as a table.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> x = Exploration.open(DEMO_WORKBOOK)
        >>> _ = x.choose("Hispanic x SWD", "graduation")
        >>> "Juniper Valley High" in x.by_school().text
        True
        """
        return slides.by_school(self.gaps(), self._focus())

    # -- intersections ---------------------------------------------------------------------------------------

    def intersection(self, first: str = "race", second: str = "disability", *, outcome: str | None = None,
                     year: int | str | None = None, school: str = "") -> list:
        """The outcome for every group "A × B" of two dimensions against all other children: a table and a chart.

        Each label it shows ("Black or African American × Students with disabilities") is one
        ``choose()`` takes, to follow that group through every view.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> table, chart = Exploration.open(DEMO_WORKBOOK).intersection("race", "disability", outcome="graduation")
        >>> "Black or African American × Students with disabilities" in table.text
        True
        """
        for dimension in (first, second):
            if dimension not in DIMENSIONS:
                raise choices.unknown("dimension", dimension, list(DIMENSIONS))
        if first == second:
            raise ConfigError(f"an intersection joins two dimensions, not {first!r} with itself")
        outcome = self.outcome(outcome) if outcome else self._focus().outcome
        school, year = self.school(school), self.year(year)
        counts = meeting_data.intersection_counts(self.data, first, second)
        crossed = [g for g in pd.unique(counts["group"]) if SEP in g and meeting_data._crosses(g, first, second)]
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


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
