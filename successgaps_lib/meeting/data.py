"""The data a meeting shows: the workbook's files read once per process, and the gaps measured and
protected for an audience.

``load_data(workbook)`` reads every data file the workbook lists into one canonical counts table
(and keeps the student records, when a file has them, for intersections such as race x
disability). It is cached per process by the files' identity (path, size, modification time), so
a notebook that asks for it in every cell reads the files once, and an edited file is read again.

``measure`` computes only what a meeting needs, the target group on a few outcomes, never the
whole screen, and passes the result through ``privacy.protect`` with the workbook's minimum
group size and the *whole* counts table, so a cell hidden in one table is hidden in every other
table made from the same data (complementary suppression needs to see everything).

Every table returned here is protected; nothing here returns student records to show.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import metrics, privacy, screen
from ..errors import ConfigError
from ..groups import ALL_STUDENTS, GROUPS, OUTCOMES, dimensions_of, excluded, is_intersection
from ..table import KEY
from ..workbook import Workbook

#: Outcomes shown beside the target's own related ones: attendance and discipline (design.md).
ALWAYS_RELATED = ("chronic_absence", "suspension_out_of_school")

_TEXT_KEYS = ("district", "school", "group", "outcome")


@dataclass(eq=False)
class Data:
    """The workbook's data in canonical form. ``students`` is for counting only: never shown."""

    counts: pd.DataFrame
    students: pd.DataFrame | None = None
    files: tuple[str, ...] = ()
    set_aside: tuple[tuple[str, int, int], ...] = ()  # (file name, rows set aside, rows read) per file
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def set_aside_note(self) -> str:
        """One sentence for every page built from data with rows set aside ('' when none were).

        >>> Data(pd.DataFrame(), set_aside=(("grad.csv", 3, 1200),)).set_aside_note  # doctest: +ELLIPSIS
        'Before these figures were worked out, 3 of the 1,200 rows of grad.csv were set aside because ...'
        """
        parts = [f"{n:,} of the {total:,} rows of {name}" for name, n, total in self.set_aside if n]
        if not parts:
            return ""
        return (f"Before these figures were worked out, {_and(parts)} were set aside because they contradicted "
                "other rows or were incomplete; the data team has the list of each row and why.")

    @property
    def years(self) -> list[int]:
        return sorted({int(y) for y in self.counts["year"]})

    @property
    def schools(self) -> list[str]:
        return sorted(set(self.counts["school"]) - {""})

    def outcomes(self) -> list[str]:
        """Outcome ids the data has, in the order of groups.OUTCOMES."""
        present = set(self.counts["outcome"])
        return [o for o in OUTCOMES if o in present]

    def memo(self, key, compute):
        """``compute()`` once per key for this data (protected tables are reused across cells)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


_CACHE: dict[tuple, Data] = {}
_CACHED = 3  # workbooks kept per process (usually one: a kernel serves one workbook)


def _identity(workbook: Workbook) -> tuple:
    parts = [workbook.district]
    for f in workbook.data:
        try:
            stat = os.stat(f.path)
        except FileNotFoundError:
            raise ConfigError(f"{workbook.path}, key 'data.files': file {str(f.path)!r} not found") from None
        mapping = f.mapping
        if isinstance(mapping, Path):
            mapping = (str(mapping), os.stat(mapping).st_mtime_ns)
        parts.append((str(f.path), stat.st_size, stat.st_mtime_ns, f.kind, repr(mapping), f.sheet, f.set_aside))
    return tuple(parts)


def load_data(workbook: Workbook) -> Data:
    """Every data file of the workbook as one canonical counts table (cached per process)."""
    from ..load import load

    if not workbook.data:
        raise ConfigError(f"{workbook.path}, key 'data': no data files are listed; add your data under "
                          "'data: files:' (see the comments in workbook.yml)")
    key = _identity(workbook)
    if key in _CACHE:
        _CACHE[key] = _CACHE.pop(key)  # most recently used last
        return _CACHE[key]
    counts, students, set_aside, measures = [], [], [], {}
    for f in workbook.data:
        dataset = load(f.path, mapping=f.mapping, sheet=f.sheet, district=workbook.district, set_aside=f.set_aside)
        set_aside.append((f.path.name, dataset.set_aside, dataset.rows))
        is_students = dataset.kind == "students" or dataset.students is not None
        if f.kind != "auto" and (f.kind == "students") != is_students:
            found = "student records" if is_students else "counts"
            raise ConfigError(f"{workbook.path}, key 'data.files': {f.path.name} is listed as kind {f.kind!r} "
                              f"but holds {found}; correct 'kind' (or write 'auto')")
        counts.append(dataset.counts)
        for outcome, unit, population in dataset.measures:  # what the rates count, by the files' mappings
            measures.setdefault(outcome, (unit, population))
        if dataset.students is not None:
            students.append(dataset.students)
    table = _text_keys(pd.concat(counts, ignore_index=True))
    if measures:
        table.attrs["measures"] = measures  # screen() reads it, so every handout says what the rates count
    doubled = table.duplicated(KEY)
    if doubled.any():
        row = table[doubled].iloc[0]
        raise ConfigError(f"{workbook.path}, key 'data.files': the files overlap: {row['group']}, {row['outcome']}, "
                          f"{row['year']}, {row['school'] or 'district'} is in more than one file; list each "
                          "year and school once")
    data = Data(table, pd.concat(students, ignore_index=True) if students else None,
                tuple(str(f.path) for f in workbook.data), tuple(set_aside))
    _CACHE[key] = data
    while len(_CACHE) > _CACHED:
        del _CACHE[next(iter(_CACHE))]
    return data


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _text_keys(counts: pd.DataFrame) -> pd.DataFrame:
    """Key columns as plain text (categorical keys are a loader's speed-up; labels are what we compare)."""
    kinds = {c: "str" for c in _TEXT_KEYS if c in counts and not pd.api.types.is_string_dtype(counts[c])}
    return counts.astype(kinds) if kinds else counts


# --- Comparisons -----------------------------------------------------------------------------------

def comparison_options(comparison: str) -> dict:
    """``metrics.compare`` options for a comparison as the workbook names it.

    >>> comparison_options("all other children"), comparison_options("White")
    ({'comparison': 'all_other'}, {'comparison': 'group', 'reference': 'White'})
    >>> comparison_options("White × Students with disabilities")["reference"]
    'White × Students with disabilities'
    """
    if comparison == "all other children":
        return {"comparison": "all_other"}
    if comparison == "all children":
        return {"comparison": "all"}
    if dimensions_of(comparison):  # a group, or an intersection "A × B"
        return {"comparison": "group", "reference": comparison}
    raise ConfigError(f"comparison {comparison!r}: meetings can compare with all other children, all children "
                      "or a named group; a comparison with the state needs the state's counts, which the "
                      "workbook does not list yet")


def related_outcomes(outcome: str, group: str, available: Iterable[str]) -> list[str]:
    """The outcome, then those related to it (its own, then attendance and discipline), that the
    data has and that are measured for the group.

    >>> related_outcomes("graduation", "Students with disabilities", ["graduation", "dropout", "chronic_absence"])
    ['graduation', 'dropout', 'chronic_absence']
    >>> related_outcomes("identification", "Asian × Students with disabilities", ["identification", "expulsion"])
    []
    """
    available = set(available)
    wanted = [outcome, *OUTCOMES[outcome].related, *ALWAYS_RELATED]
    return [o for o in dict.fromkeys(wanted) if o in available and o in OUTCOMES and not excluded(group, o)]


# --- Measuring -------------------------------------------------------------------------------------

def measure(data: Data, *, group: str, outcomes: Sequence[str], comparison: str, min_size: int,
            audience: bool = True) -> pd.DataFrame:
    """The protected GAPS rows of one group on some outcomes, every year, district and schools.

    Statements are written after protection, with ``min_size`` (a hidden row keeps the privacy
    layer's own sentence). ``audience=False`` is the data team's view (``privacy.protect``).
    """
    outcomes = tuple(dict.fromkeys(outcomes))
    return data.memo(("gaps", group, outcomes, comparison, min_size, audience),
                     lambda: _measure(data, group, outcomes, comparison, min_size, audience))


def _measure(data: Data, group: str, outcomes: tuple[str, ...], comparison: str, min_size: int,
             audience: bool) -> pd.DataFrame:
    options = comparison_options(comparison)
    counts = counts_for(data, group, options.get("reference"))
    needed = {ALL_STUDENTS, group, options.get("reference", ALL_STUDENTS)}
    subset = counts[counts["group"].isin(needed) & counts["outcome"].isin(outcomes)]
    if not (subset["group"] == group).any():
        raise ConfigError(f"the data has no rows for {group!r} on {', '.join(outcomes)}; check the data files "
                          "or the target gap in workbook.yml")
    gaps = metrics.compare(subset, groups=[group], statements=False, **options)
    return with_statements(privacy.protect(gaps, min_size=min_size, audience=audience, counts=counts), min_size)


def counts_for(data: Data, *labels: str | None) -> pd.DataFrame:
    """The counts that hold these groups: the workbook's, with the intersections' rows added when one
    of them is an intersection (``intersection_counts``; both must then cross the same two dimensions).
    """
    crossed = {dimensions_of(label) for label in labels if label and is_intersection(label)}
    if not crossed:
        return data.counts
    if len(crossed) > 1:
        raise ConfigError(f"{' and '.join(str(label) for label in labels if label)} cross different dimensions: "
                          "compare an intersection with one of the same two dimensions, or with a single group")
    return intersection_counts(data, *crossed.pop())


def with_statements(gaps: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """A protected GAPS table with the statement of every shown row (re)written for ``min_size``."""
    out = gaps.copy()
    hidden = _hidden(out)
    shown = out.index[~hidden]
    if len(shown):
        text = screen.statements(out.loc[shown], min_size=min_size, measures=gaps.attrs.get("measures"))
        out["statement"] = out["statement"].astype(object)
        out.loc[shown, "statement"] = text.astype(object)
        out["statement"] = out["statement"].astype("str")
    out.attrs = gaps.attrs
    return out


def _hidden(gaps: pd.DataFrame) -> np.ndarray:
    return gaps[privacy.ROW_FLAG].fillna(False).to_numpy(dtype=bool) if privacy.ROW_FLAG in gaps \
        else np.zeros(len(gaps), dtype=bool)


def composition(data: Data, *, group: str, outcome: str, min_size: int, audience: bool = True) -> pd.DataFrame:
    """The protected composition table of the group's dimension (or its intersection's) on one outcome."""
    def compute():
        dimensions = dimensions_of(group)
        counts = counts_for(data, group)
        if len(dimensions) == 2:
            members = [g for g in pd.unique(counts["group"]) if _crosses(g, *dimensions)]
        else:
            members = [g.label for g in GROUPS.values() if g.dimension == dimensions[0]]
        subset = counts[(counts["outcome"] == outcome) & counts["group"].isin([ALL_STUDENTS, *members])]
        table = metrics.composition(subset)
        return privacy.protect(table, min_size=min_size, audience=audience, counts=counts)

    return data.memo(("composition", group, outcome, min_size, audience), compute)


def latest_year(gaps: pd.DataFrame, school: str = "") -> int:
    """The latest year the table has for a place."""
    years = gaps.loc[gaps["school"] == school, "year"]
    if years.empty:
        raise ConfigError(f"the data has no rows for {school or 'the district'}")
    return int(years.max())


def rows(gaps: pd.DataFrame, *, group: str, outcome: str, comparison: str, school: str | None = "",
         year: int | None = None) -> pd.DataFrame:
    """The rows of one gap (one school, or every school with ``school=None``), oldest year first."""
    mask = (gaps["group"] == group) & (gaps["outcome"] == outcome) & (gaps["comparison"] == comparison)
    if school is not None:
        mask &= gaps["school"] == school
    if year is not None:
        mask &= gaps["year"] == year
    out = gaps[mask].sort_values(["school", "year"], kind="stable")
    out.attrs = gaps.attrs
    return out


# --- Intersections (data team) -------------------------------------------------------------------

def intersection_counts(data: Data, first: str = "race", second: str = "disability") -> pd.DataFrame:
    """The workbook's counts with the groups "A × B" of two dimensions (e.g. race x disability) added.

    Needs student records (a counts file may carry such groups itself: those rows are used then).
    The other groups stay in: privacy checks that the "A × B" cells and A and B add up.
    """
    def compute():
        if data.students is not None:
            from ..aggregate import count_students

            counts = _text_keys(count_students(data.students, schools=True, intersections=[(first, second)]))
        else:
            counts = data.counts
        crossed = counts["group"].str.contains(" × ", regex=False)
        wanted = crossed & counts["group"].map(lambda g: _crosses(g, first, second))
        if not wanted.any():
            raise ConfigError(f"no counts for {first} × {second} groups: they need student records "
                              "(one row per child) or a counts file with such groups")
        if data.students is None:
            return counts
        return pd.concat([data.counts, counts[wanted]], ignore_index=True)

    return data.memo(("intersection", first, second), compute)


def _crosses(label: str, first: str, second: str) -> bool:
    parts = label.split(" × ")
    return (len(parts) == 2 and all(p in GROUPS for p in parts)
            and (GROUPS[parts[0]].dimension, GROUPS[parts[1]].dimension) == (first, second))
