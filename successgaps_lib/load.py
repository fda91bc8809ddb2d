"""Loading a district's data: student records, long count tables, or any table through a mapping.

``load(path)`` reads the file (``read.read_table``: tolerant about encodings, BOMs, text above
the header, Excel, Parquet), tells which of three kinds it is, validates it strictly and
returns a ``Dataset`` with canonical counts (``table.COLUMNS``) and, for student files, the
canonical student records (``table.STUDENT_COLUMNS``):

1. **student records**: one row per child per year, with a ``student_id`` column;
2. **counts**: ``year, school, group, outcome, numerator, denominator`` (``district``
   optional; ``school`` blank for district rows; every outcome has an ``All students`` row);
3. **anything else** (a state's public file, long or wide) through a column mapping
   (docs/mapping.md), found next to the file as ``<stem>.mapping.yml`` or passed in.

Every problem raises ``errors.InputError`` naming the file, row, column, value and what was
expected (``errors.ConfigError`` for a bad mapping). A suppressed or blank count stays
unknown (NaN), never zero; a range keeps its bounds.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "counts.csv"
>>> _ = path.write_text("year,school,group,outcome,numerator,denominator\\n"
...     "2024,,ALL,GRAD,90,100\\n2024,,MB,GRAD,*,12\\n")
>>> counts = load(path).counts
>>> counts[["group", "numerator", "numerator_low", "numerator_high"]].values.tolist()
[['All students', 90.0, 90.0, 90.0], ['Black or African American', nan, 0.0, 12.0]]
>>> load(path.with_name("nope.csv"))
Traceback (most recent call last):
...
successgaps_lib.errors.InputError: ...nope.csv: file not found; expected an existing file
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import groups as vocab
from . import limits
from .errors import ConfigError, InputError
from .mapping import Mapping, apply_mapping, parse_mapping, read_mapping, resolve_columns
from .mapping import placeholders as _placeholders
from .parse import (
    NAN,
    parse_count,
    parse_each,
    parse_flag,
    parse_outcome,
    parse_rate,
    parse_year,
    round_half_up,
)
from .problems import FileProblems, Problem
from .read import fold, read_table, text_frame
from .shapes import apply_sums, denominators_from_rows
from .table import KEY, STUDENT_ATTRIBUTES, STUDENT_OUTCOMES, as_counts

__all__ = ["DEFAULT_DISTRICT", "Dataset", "find_mapping", "load", "load_counts", "load_students",
           "parse_count", "read_table", "round_half_up"]

#: The district name used when a file has no district column and the mapping sets none.
DEFAULT_DISTRICT = "District"

INTERSECTION = " × "  # how aggregate.count_students labels a group of two dimensions
_FLAGS = [c for c, t in STUDENT_ATTRIBUTES.items() if t == "bool"]

STUDENT_RECORDS = parse_mapping({"kind": "students", "columns": {
    "student_id": ["student_id", "studentid", "stu_id", "student_number", "student_no", "local_id", "sid"],
    "year": ["year", "school_year", "sy", "academic_year"],
    "district": ["district", "district_name", "lea", "lea_name"],
    "school": ["school", "school_name", "building", "campus"],
    "school_level": ["school_level", "level"],
    "grade": ["grade", "grade_level"],
    "sex": ["sex", "gender"],
    "race": ["race", "race_ethnicity", "ethnicity", "federal_race"],
    "disability": ["disability", "swd", "idea", "iep", "special_education", "sped", "wdis"],
    "disability_category": ["disability_category", "primary_disability", "disability_type"],
    "english_learner": ["english_learner", "el", "ell", "lep"],
    "econ_disadvantaged": ["econ_disadvantaged", "economically_disadvantaged", "ecodis", "frl", "low_income"],
    "migrant": ["migrant"],
    "homeless": ["homeless", "homelsenrl"],
    "foster_care": ["foster_care", "foster", "fcs"],
    **{o.column: [o.column, o.id] for o in vocab.OUTCOMES.values() if o.column in STUDENT_OUTCOMES},
}}, source="student record columns")

COUNT_TABLE = parse_mapping({"columns": {
    "year": ["year", "school_year", "sy"],
    "district": ["district", "district_name", "lea", "lea_name"],
    "school": ["school", "school_name"],
    "group": ["group", "subgroup", "student_group"],
    "outcome": ["outcome", "indicator", "measure"],
    "numerator": ["numerator", "num"],
    "denominator": ["denominator", "den", "denom"],
    "rate": ["rate"],
    "numerator_low": ["numerator_low"],
    "numerator_high": ["numerator_high"],
}}, source="count table columns")

_COUNT_SIGNS = {fold(n) for f in ("group", "outcome", "numerator", "denominator") for n in COUNT_TABLE.columns[f]}
_STUDENT_SIGNS = {fold(n) for n in STUDENT_RECORDS.columns["student_id"]}


@dataclass(frozen=True, eq=False)
class Dataset:
    """What one file holds, in canonical form."""

    source: str  # the file, as given
    kind: str  # "students", "counts" or "mapped"
    students: pd.DataFrame | None  # canonical student records (student files only)
    counts: pd.DataFrame  # canonical counts table
    problems: tuple[Problem, ...] = ()  # every problem found (set aside: only when load(set_aside=True))
    rows: int = 0  # rows (values, for a wide file) read from the file, before anything was set aside
    set_aside: int = 0  # of those, how many were set aside for a problem
    columns_used: tuple[str, ...] = ()  # the file's columns the data came from
    columns_unused: tuple[str, ...] = ()  # the file's columns nothing came from (skip_columns excepted)
    notes: tuple[str, ...] = ()  # worth knowing, not wrong: a group or outcome missing in some years
    left_out: tuple = ()  # shapes.Filtered: rows the mapping's row filters left out, by filter
    measures: tuple = ()  # (outcome, unit, population) the mapping says the rates count (``measures``)


# --- Entry points ---------------------------------------------------------------------------

def find_mapping(path) -> Path | None:
    """The mapping written for ``path``: ``<stem>.mapping.yml`` (or ``.yaml``) beside it, if any."""
    path = Path(path)
    for suffix in (".mapping.yml", ".mapping.yaml"):
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def _mapping(path, mapping) -> Mapping | None:
    if isinstance(mapping, Mapping):
        return mapping
    found = mapping
    if mapping is None:
        found = None if isinstance(path, pd.DataFrame) else find_mapping(path)
        if found is None:
            return None
    try:
        return parse_mapping(found) if isinstance(found, dict) else read_mapping(found)
    except ConfigError as error:  # say which data file the mapping was for: that is what the user ran
        where = "a data frame" if isinstance(path, pd.DataFrame) else str(path)
        raise ConfigError(f"{error} (the mapping for {where})") from None


def _read(path, mapping: Mapping | None, sheet) -> pd.DataFrame:
    if isinstance(path, pd.DataFrame):
        return text_frame(path, "(data frame)")
    if mapping is not None:
        raw = read_table(path, sheet=sheet or mapping.sheet, encoding=mapping.encoding,
                         header_row=mapping.header_row, expect=mapping.names())
        for name, keys in mapping.joins:
            raw = _join(raw, Path(path).parent / name, keys, mapping)
        return raw
    return read_table(path, sheet=sheet, expect=STUDENT_RECORDS.names() | COUNT_TABLE.names())


def _join(raw: pd.DataFrame, other_path: Path, keys, mapping: Mapping) -> pd.DataFrame:
    """``raw`` with the columns of another file joined on ``keys`` (``file.join``; rows and row numbers kept).

    Columns the data file has already are not taken twice. A row with no match in the other
    file is a problem of that row, set aside (its denominators would be missing); a key twice
    in the other file is an error, not a choice between its rows.
    """
    file = raw.attrs.get("file", "(table)")
    if not other_path.is_file():
        raise InputError(str(other_path), "file not found", expected=f"the file joined to {file} "
                         f"({mapping.source}: file.join)")
    other = read_table(other_path, encoding=mapping.encoding, expect={fold(k) for k in keys} | mapping.names())
    mine, theirs = {fold(c): c for c in raw.columns}, {fold(c): c for c in other.columns}
    missing = [k for k in keys if fold(k) not in mine or fold(k) not in theirs]
    if missing:
        where = file if fold(missing[0]) not in mine else str(other_path)
        raise InputError(where, "missing join column", column=missing[0],
                         expected=f"a column named {missing[0]!r} in both files ({mapping.source}: file.join.key)")
    left = [mine[fold(k)] for k in keys]
    right = [theirs[fold(k)] for k in keys]
    twice = other.duplicated(right, keep=False)
    if twice.any():
        row = int(other.index[twice.to_numpy()][0])
        raise InputError(str(other_path), "the same key twice in a joined file", row=row, column=right[0],
                         value=str(other.loc[other.index[twice.to_numpy()][0], right[0]]),
                         expected="one row per key, to join on")
    taken = [c for c in other.columns if fold(c) not in mine]
    lookup = other[right + taken].set_index(right)
    matched = pd.MultiIndex.from_frame(raw[left]).isin(pd.MultiIndex.from_frame(other[right]))
    unmatched = [Problem(file, f"no row with this {left[0]} in {other_path.name}", row=int(r), column=left[0],
                         value=str(raw.at[r, left[0]]), expected=f"the same {left[0]} in {other_path.name} "
                         f"({mapping.source}: file.join)", kind="not in the joined file")
                 for r in raw.index[~matched]]
    joined = raw[matched].join(lookup, on=left)
    joined[taken] = joined[taken].fillna("")
    joined.attrs = dict(raw.attrs)
    joined.attrs["problems"] = [*raw.attrs.get("problems", ()), *other.attrs.get("problems", ()), *unmatched]
    return joined


def _kind(raw: pd.DataFrame) -> str:
    names = {fold(c) for c in raw.columns}
    if names & _STUDENT_SIGNS:
        return "students"
    if len(names & _COUNT_SIGNS) >= 2:
        return "counts"
    shown = ", ".join(repr(c) for c in list(raw.columns)[:8])
    raise InputError(raw.attrs.get("file", "(table)"), f"cannot tell what this table holds (columns {shown})",
                     row=raw.attrs.get("header_row") or None,
                     expected="a student_id column (student records), the columns year, school, group, "
                     "outcome, numerator, denominator (counts), or a column mapping (see docs/mapping.md)")


def load(path, *, mapping=None, sheet=None, district: str | None = None, set_aside: bool = False) -> Dataset:
    """Read, recognise and validate one file; see the module docstring.

    ``mapping``: a path to a mapping YAML, a dict, or a ``Mapping`` (default: the file's
    ``<stem>.mapping.yml`` if there is one). ``sheet``: the Excel sheet (default: the first
    with the expected columns). ``district``: the district name when the file has no district
    column (default ``DEFAULT_DISTRICT``).

    Every problem of the file is found, not only the first. By default a file with any
    problem is refused (``problems.FileProblems``: its first problem, how many more, and the
    ``check`` command that lists them). With ``set_aside=True`` the rows involved are set
    aside and the rest is loaded; ``Dataset.problems`` lists what was set aside and why.
    """
    chosen = _mapping(path, mapping)
    raw = _read(path, chosen, sheet)
    file = raw.attrs.get("file", str(path))
    read_problems = list(raw.attrs.pop("problems", ()))
    kind = chosen.kind if chosen else _kind(raw)
    rules = chosen or (STUDENT_RECORDS if kind == "students" else COUNT_TABLE)
    source = "(data frame)" if isinstance(path, pd.DataFrame) else str(path)
    if kind == "students":
        students, found = _students(raw, rules, file, district, guard=chosen is None)
    else:
        counts, found = _counts(raw, rules, file, district)
    notes = tuple(found.notes)
    found.problems[:0] = read_problems
    found.problems.sort(key=lambda p: p.row or 0)  # in file order, as a person reads down the file
    if found.problems and not set_aside:
        raise FileProblems(source, found.problems)
    used, unused = _columns(raw, found.long, rules, also=found.also_used)
    extra = {"problems": tuple(found.problems), "rows": len(found.long) + len(read_problems),
             "set_aside": int(found.bad.sum()) + len(read_problems), "columns_used": used,
             "columns_unused": unused, "left_out": tuple(found.left_out)}
    if kind == "students":
        from .aggregate import count_students

        counts = count_students(students, schools=True)
        return Dataset(source, "students", students, counts, notes=notes + _gaps_in_years(counts), **extra)
    said = measures(counts, rules)
    if said:
        counts.attrs["measures"] = said  # screen() reads it: the statements say what the rates count
    return Dataset(source, "mapped" if chosen else "counts", None, counts, notes=notes + _gaps_in_years(counts),
                   measures=said, **extra)


def measures(counts: pd.DataFrame, mapping: Mapping) -> tuple[tuple[str, str, str], ...]:
    """What each outcome's rate counts, by the mapping: ``(outcome, unit, population)``.

    Only outcomes whose mapping says something other than the default (students, the outcome's
    own population, ``groups.OUTCOMES[o].population``) are listed.
    """
    out = []
    for outcome in sorted(pd.unique(counts["outcome"])) if len(counts) else []:
        unit = mapping.unit.get(outcome, mapping.unit.get("", "students"))
        population = mapping.population.get(outcome, mapping.population.get("", ""))
        if unit != "students" or population:
            out.append((str(outcome), unit, population))
    return tuple(out)


def _columns(raw: pd.DataFrame, long: pd.DataFrame, rules: Mapping, also=()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The file's columns the data came from, and the others (``skip_columns`` are ignored on purpose)."""
    sources = set(also)
    for column in long.columns:
        if column.startswith("_col_"):
            for v in pd.unique(long[column]):
                if isinstance(v, str) and v:
                    sources.update(part.split(" (row ")[0] for part in v.split(" + "))
    used = tuple(c for c in raw.columns if c in sources)
    unused = tuple(c for c in raw.columns if c not in sources and not rules.skips(c))
    return used, unused


def _gaps_in_years(counts: pd.DataFrame) -> tuple[str, ...]:
    """A group or outcome the file has in some years and not in others (district rows)."""
    district = counts[counts["school"] == ""] if "school" in counts else counts
    years = sorted(pd.unique(district["year"]))
    if len(years) < 2:
        return ()
    notes = []
    for field in ("outcome", "group"):
        present = district.groupby(field, sort=True)["year"].agg(lambda y: set(y.tolist()))
        for name, seen in present.items():
            missing = [y for y in years if y not in seen]
            if missing:
                notes.append(f"{field} {name!r} is in {_year_list(sorted(seen))} but not in {_year_list(missing)}")
    return tuple(notes)


def _year_list(years) -> str:
    from .words import school_year

    return ", ".join(school_year(int(y)) for y in years)


def load_students(path_or_frame, *, mapping=None, sheet=None, district: str | None = None) -> pd.DataFrame:
    """Canonical student records from a file or a data frame (``InputError`` if it holds counts)."""
    chosen = _mapping(path_or_frame, mapping)
    raw = _read(path_or_frame, chosen, sheet)
    file = raw.attrs.get("file", "(data frame)")
    kind = chosen.kind if chosen else _kind(raw)
    if kind != "students":
        raise InputError(file, "this table holds counts, not student records",
                         expected="one row per child per year, with a student_id column")
    read_problems = list(raw.attrs.pop("problems", ()))
    students, found = _students(raw, chosen or STUDENT_RECORDS, file, district, guard=chosen is None)
    problems = read_problems + found.problems
    if problems:
        raise FileProblems(file, problems)
    return students


def load_counts(path, *, mapping=None, sheet=None, district: str | None = None) -> pd.DataFrame:
    """The canonical counts table of any file ``load`` reads (student files are counted)."""
    return load(path, mapping=mapping, sheet=sheet, district=district).counts


# --- Shared helpers -------------------------------------------------------------------------

_CELL = object()  # a problem shows the cell's own text unless told otherwise


class _Found:
    """The problems of one table of long rows (``mapping.apply_mapping``), row by row.

    Each check hands ``add`` a mask of every row it finds wrong, so a file's problems are
    found in one pass each, vectorised; the rows it marks are unsound (``bad``) and later
    checks skip them. ``at`` maps a check that ran on the sound rows only back to ``long``.
    """

    def __init__(self, file, long: pd.DataFrame):
        self.file, self.long = file, long
        self.problems: list[Problem] = []
        self.notes: list[str] = list(long.attrs.get("notes", ()))  # worth knowing, not wrong
        self.left_out = list(long.attrs.get("left_out", ()))  # rows the mapping's filters left out
        self.also_used = tuple(long.attrs.get("filter_columns", ()))  # columns read by the filters
        self.bad = np.zeros(len(long), dtype=bool)
        self._rows = long["row"].to_numpy() if "row" in long else np.arange(1, len(long) + 1)

    def add(self, mask, field: str, problem, expected=None, *, value=_CELL, kind: str = "",
            at: np.ndarray | None = None, set_aside: bool = True) -> None:
        """Record ``problem`` for every row of ``mask`` (a text, or one text per row of ``mask``)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        picked = np.flatnonzero(mask)
        where = picked if at is None else np.asarray(at)[picked]
        key = f"_col_{field}"
        columns = self.long[key].to_numpy()[where] if key in self.long else [None] * len(where)
        if value is _CELL:
            values = self.long[field].to_numpy()[where] if field in self.long else [None] * len(where)
        elif np.ndim(value):
            values = np.asarray(value, dtype=object)[picked]
        else:
            values = [value] * len(where)
        texts = np.asarray(problem, dtype=object)[picked] if np.ndim(problem) else [problem] * len(where)
        wanted = np.asarray(expected, dtype=object)[picked] if np.ndim(expected) else [expected] * len(where)
        for i, column, shown, text, expected in zip(where, columns, values, texts, wanted, strict=True):
            column = column if isinstance(column, str) and column else f"{field} (set in the mapping)"
            self.problems.append(Problem(self.file, text, row=int(self._rows[i]), column=column,
                                         value=None if shown is None else str(shown), expected=expected,
                                         kind=kind or text, set_aside=set_aside))
        if set_aside:
            self.bad[where] = True

    def parsed(self, name: str, parse, problem: str | None, expected: str, *, default=None, kind: str = ""):
        """``parse`` applied to each distinct text of column ``name``; a failure is a problem of each row."""
        text = _text(self.long, name)
        results, failures = parse_each(text, parse, default=default)
        if failures:
            bad = text.isin(list(failures)).to_numpy()
            messages = problem if problem else text.map(failures).to_numpy(dtype=object)
            self.add(bad, name, messages, expected, kind=kind or problem or f"bad {name.replace('_', ' ')}")
        return text.map(results)


def _text(long: pd.DataFrame, name: str) -> pd.Series:
    return long[name].astype("str").str.strip()


def _apply_values(long: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Translate the file's own names (``values:`` in the mapping); a null target drops the row."""
    drop = np.zeros(len(long), dtype=bool)
    for name, table in mapping.values.items():
        if name not in long:
            continue
        text = long[name].astype("str")
        uniques = pd.unique(text)
        lookup = {}
        for u in uniques:
            key = fold(u) or str(u).strip()
            if key in table:
                lookup[u] = table[key]
        if not lookup:
            continue
        hit = text.isin(list(lookup))
        dropped = [u for u, target in lookup.items() if target is None]
        drop |= text.isin(dropped).to_numpy(dtype=bool)
        long[name] = text.where(~hit, text.map({u: t or "" for u, t in lookup.items()}))
    return long[~drop].reset_index(drop=True) if drop.any() else long


def _years(found: _Found, mapping: Mapping) -> np.ndarray:
    offset = mapping.year_offset

    def parse(value):
        try:
            year = parse_year(value, single=mapping.year_is)
        except ValueError as error:
            raise ValueError("not a school year" if str(error) == "not a school year"
                             else f"not a school year ({error})") from None
        if offset and not 1950 <= year + offset <= 2100:
            raise ValueError(f"not a school year (with year_offset {offset}: {year + offset})")
        return year + offset

    expected = "a year such as 2024 or 2023-24 (named by the year it ends in)"
    if offset:
        expected += f", {offset:+d} years by the mapping's year_offset"
    years = found.parsed("year", parse, None, expected,
                         default=-1, kind="not a school year")
    return years.to_numpy(dtype=np.int64)


def _names_column(found: _Found, name: str, default: str | None) -> pd.Series:
    """District or school names: stripped; blank is a problem for districts."""
    long = found.long
    if name not in long:
        return pd.Series(default, index=long.index, dtype="str")
    text = _text(long, name)
    if default is not None:
        found.add((text == "").to_numpy(), name, f"blank {name} name", f"the {name}'s name on every row")
    _check_control(found, name, text)
    return text


#: Characters no district or school name holds: NUL and the other invisible control characters.
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f]"


def _check_control(found: _Found, name: str, text: pd.Series) -> None:
    """A name holding a NUL byte or another control character (a damaged export) is a problem of its row."""
    uniques = pd.Series(pd.unique(text))
    bad = set(uniques[uniques.str.contains(CONTROL_CHARACTERS, regex=True)])
    if bad:
        found.add(text.isin(bad).to_numpy(), name, f"a control character in the {name} name",
                  "the name as it is printed, without NUL or other invisible control characters",
                  kind="control character in a name")


def fold_name(text: object) -> str:
    """A district or school name folded for matching across years: case, spacing, punctuation, accents ignored.

    >>> fold_name("ALABAMA"), fold_name(" St. Mary's  Academy"), fold_name("Peñasco")
    ('alabama', 'stmarysacademy', 'penasco')
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def _same_names(out: pd.DataFrame, found: _Found) -> None:
    """One spelling for each district and school: the one its latest year writes (in place).

    A state's file writes ``ALABAMA`` one year and ``Alabama`` the next; read as two names,
    each would have one year only and the multi-year rule would drop both in silence. Names
    equal once folded (``fold_name``; schools within their district) are read as the latest
    year's spelling (in that year, the one most rows use, then the first), and each other
    spelling is a note. Sound rows decide; every row is renamed.
    """
    sound = ~found.bad & (out["year"].to_numpy() >= 0)
    for field, scope in (("district", None), ("school", "district")):
        names = out[field].astype("str")
        folded = names.map({n: fold_name(n) for n in pd.unique(names)})
        where = pd.Series(out[scope].astype("str") if scope else "", index=out.index)
        keep = sound & (folded != "").to_numpy()
        if not keep.any():
            continue
        frame = pd.DataFrame({"where": where, "fold": folded, "name": names, "year": out["year"],
                              "first": np.arange(len(out))})[keep]
        tally = frame.groupby(["where", "fold", "name", "year"], sort=False).agg(
            n=("first", "size"), first=("first", "min")).reset_index()
        spellings = tally.groupby(["where", "fold"], sort=False)["name"].transform("nunique")
        tally = tally[spellings.to_numpy() > 1]
        if tally.empty:
            continue
        renamed: dict[str, str] = {}
        for (place, _), rows in tally.groupby(["where", "fold"], sort=False):
            latest = rows[rows["year"] == rows["year"].max()].sort_values(["n", "first"], ascending=[False, True])
            chosen, when = latest["name"].iat[0], int(latest["year"].iat[0])
            others = rows[rows["name"] != chosen].sort_values("first")
            for name, years in others.groupby("name", sort=False)["year"]:
                renamed[place + "\0" + name] = chosen
                found.notes.append(f"{field} {name!r} ({_year_list(sorted(set(years)))}) is read as {chosen!r}, "
                                   f"as {_year_list([when])} writes it")
        keys = where + "\0" + names
        out[field] = names.where(~keys.isin(list(renamed)), keys.map(renamed))


# --- Counts ---------------------------------------------------------------------------------

def _counts(raw: pd.DataFrame, mapping: Mapping, file, district) -> tuple[pd.DataFrame, _Found]:
    required = ["year", "group", "outcome", "denominator"]
    if "rate" not in mapping.wide and "rate" not in resolve_columns(raw, mapping, file):
        required.append("numerator")  # a published file may give rates instead of counts
    long = apply_mapping(raw, mapping, file, required=required)
    attrs = dict(long.attrs)
    if mapping.sums:
        long = apply_sums(long, mapping.sums, mapping.suppressed, same_row=set(_pattern_fields(mapping)))
    if mapping.denominator_from:
        long = denominators_from_rows(long, *mapping.denominator_from)
    long = _apply_values(long, mapping)
    long.attrs.update(attrs)
    if long.empty:
        raise InputError(file, "no rows left after the mapping's values dropped some",
                         expected="at least one row of counts")
    found = _Found(file, long)
    out = pd.DataFrame({
        "year": _years(found, mapping),
        "district": _names_column(found, "district", district or DEFAULT_DISTRICT),
        "school": _names_column(found, "school", None) if "school" in long else "",
        "group": _vocabulary(found, "group", vocab.canonical_group,
                             "a group such as ALL, MB, LEP, WDIS or 'English learners' (EDFacts code or name)"),
        "outcome": _vocabulary(found, "outcome", vocab.canonical_outcome,
                               "an outcome such as GRAD, DROP, RLA, MTH, OSS or 'graduation'"),
    })
    if "_no_denominator" in long:
        field, name = mapping.denominator_from
        found.add(long["_no_denominator"].to_numpy(dtype=bool), field,
                  f"no {name!r} row for the same year, place and group to take the denominator from",
                  f"a {name!r} row ({mapping.source}: denominator_from)", kind="no denominator row")
    denominator = _count_values(found, "denominator", mapping)
    if "numerator" in long:
        numerator = _count_values(found, "numerator", mapping)
    else:
        numerator = pd.DataFrame({k: np.full(len(long), NAN) for k in ("value", "low", "high")})
    for bound, column in (("low", "numerator_low"), ("high", "numerator_high")):
        if column in long:
            given = _count_values(found, column, mapping)["value"].to_numpy()
            numerator[bound] = np.where(np.isnan(numerator["value"]) & ~np.isnan(given), given, numerator[bound])
    den = denominator["value"].to_numpy()
    if "rate" in long:
        numerator = _from_rates(found, numerator, den, mapping)
    value, low, high = (numerator[k].to_numpy(dtype=np.float64) for k in ("value", "low", "high"))
    above, range_above = value > den, np.isnan(value) & (low > den)
    at_most = np.full(len(den), "", dtype=object)  # written only where needed: a million rows, a few problems
    where = np.flatnonzero(above | range_above)
    at_most[where] = [f"at most the denominator ({d:g})" for d in den[where]]
    found.add(above, "numerator", "numerator above denominator", at_most, kind="numerator above denominator")
    found.add(range_above, "numerator", "the range is above the denominator", at_most,
              kind="numerator above denominator")
    known = ~np.isnan(den)
    low = np.where(np.isnan(low) & known, 0.0, low)  # a suppressed count lies between 0 and the denominator
    high = np.where(known & (np.isnan(high) | (high > den)), den, high)
    out["numerator"], out["denominator"] = value, den
    out["numerator_low"], out["numerator_high"] = low, high
    _same_names(out, found)
    for check in (_check_duplicates, _check_all_students, _check_subtotals):
        at = np.flatnonzero(~found.bad)
        check(out.iloc[at].reset_index(drop=True), found, at)
    return as_counts(out[~found.bad].reset_index(drop=True)), found


def _pattern_fields(mapping: Mapping) -> list[str]:
    lead = mapping.wide.get("numerator") or mapping.wide.get("rate") or ""
    return _placeholders(lead)


def _vocabulary(found: _Found, name: str, lookup, expected: str) -> pd.Series:
    long = found.long
    if name not in long:
        raise InputError(found.file, f"no {name} column", expected=f"a {name} column or constant")
    text = _text(long, name)
    blank = (text == "").to_numpy()
    found.add(blank, name, f"blank {name}", expected)

    def find(value):
        if value == "":
            return ""
        try:
            if name == "group" and INTERSECTION in value:  # "Black or African American × Students with..."
                return INTERSECTION.join(lookup(part) for part in value.split(INTERSECTION))
            return lookup(value)
        except KeyError:
            raise ValueError(f"unknown {name}") from None

    return found.parsed(name, find, None, expected + "; or map it under values: in a mapping",
                        default="", kind=f"unknown {name}").astype("str")


def _count_values(found: _Found, name: str, mapping: Mapping) -> pd.DataFrame:
    """Parse a count column into value/low/high, checking sign and wholeness."""
    long = found.long
    if name not in long:
        long[name] = ""
    extra = mapping.suppressed

    def parse(cell):
        if extra and "".join(str(cell).split()).lower() in extra:
            return NAN, NAN, NAN
        return parse_count(cell)

    text = long[name].astype("str")
    results, failures = parse_each(text, parse, default=(NAN, NAN, NAN))
    if failures:
        bad = text.isin(list(failures)).to_numpy()
        found.add(bad, name, text.map(lambda v: f"not a count: {failures.get(v, '')}").to_numpy(dtype=object),
                  "a whole number, a range such as 10-14 or LT10, or a suppression marker such as * or PS",
                  kind="not a count")
    frame = pd.DataFrame(text.map(results).tolist(), columns=["value", "low", "high"], index=long.index)
    label = name.replace("_", " ")
    found.add(((frame["value"] < 0) | (frame["low"] < 0)).to_numpy(), name, f"negative {label}",
              "a count of 0 or more", kind="negative count")
    most = limits.get("count")
    found.add((frame > most).any(axis=1).to_numpy(), name, f"implausible {label}: more children than any state has",
              f"at most {most:,} children (limit 'count'; if the file is right: successgaps --limit count=N ...)",
              kind="implausible count")
    numbers = frame.to_numpy()
    fractional = (np.isfinite(numbers) & (numbers != np.floor(numbers))).any(axis=1)
    found.add(fractional, name, f"fractional {label}", "a whole number of children", kind="fractional count")
    return frame


def _from_rates(found: _Found, numerator: pd.DataFrame, den: np.ndarray, mapping: Mapping):
    """Bounds on unknown numerators from published rates (rounded half-up) and denominators.

    Where the file gives both a count and its rate, the two must agree: a rate that no count
    near the given one produces is a problem of that row.
    """
    rate_text = _text(found.long, "rate")
    given = (rate_text != "").to_numpy() & ~found.bad
    known = ~np.isnan(numerator["value"].to_numpy())
    need = given & ~known & np.isnan(numerator["low"].to_numpy())
    check = given & known & ~np.isnan(den)
    unit = "%" if mapping.rate_scale == 100 else " (a fraction)"
    cache: dict[tuple[str, float], tuple | str] = {}

    def bounds(i):
        key = (rate_text.iat[i], den[i])
        if key not in cache:
            try:
                cache[key] = parse_rate(key[0]).numerator_bounds(key[1], mapping.rate_scale)
            except ValueError as error:
                cache[key] = str(error)
        return cache[key]

    out = numerator.copy()
    impossible = np.zeros(len(den), dtype=bool)
    messages = np.empty(len(den), dtype=object)
    for i in np.flatnonzero(need):
        result = bounds(i)
        if isinstance(result, str):
            impossible[i], messages[i] = True, f"impossible rate: {result}"
        else:
            out.iloc[i, :] = result
    found.add(impossible, "rate", messages,
              f"a rate in 0-100{unit} that some count out of the denominator gives", kind="impossible rate")
    disagree = np.zeros(len(den), dtype=bool)
    for i in np.flatnonzero(check):
        result = bounds(i)
        value = numerator["value"].iat[i]
        disagree[i] = isinstance(result, str) or not (result[1] <= value <= result[2])
    if disagree.any():
        counts = numerator["value"].to_numpy()
        found.add(disagree, "rate", np.array([f"the rate does not match the count ({c:g} of {d:g})"
                                              for c, d in zip(counts, den, strict=True)], dtype=object),
                  "the rate the numerator and denominator give, as published", kind="rate and count disagree")
    return out


def _row_lists(out: pd.DataFrame, found: _Found, at: np.ndarray, keys: list[str]) -> np.ndarray:
    """For each row, how often its ``keys`` appear and on which file rows: ``twice (rows 2, 40)``."""
    rows = pd.Series(found._rows[at], index=out.index).astype("str")
    grouped = rows.groupby([out[k] for k in keys], sort=False)
    times = grouped.transform("size").map(lambda n: "twice" if n == 2 else f"{n} times")
    return (times + " (rows " + grouped.transform(", ".join) + ")").to_numpy(dtype=object)


def _check_duplicates(out: pd.DataFrame, found: _Found, at: np.ndarray) -> None:
    """Two rows for the same figure: an exact copy is kept once, conflicting copies are all set aside."""
    duplicated = out.duplicated(KEY, keep=False).to_numpy()
    if not duplicated.any():
        return
    figures = ["numerator", "denominator", "numerator_low", "numerator_high"]
    versions = out[duplicated].drop_duplicates(KEY + figures)
    conflicted = versions[versions.duplicated(KEY, keep=False)]
    conflict = pd.MultiIndex.from_frame(out[KEY]).isin(pd.MultiIndex.from_frame(conflicted[KEY])) & duplicated
    copy = out.duplicated(KEY + figures, keep="first").to_numpy() & ~conflict
    rows = _row_lists(out, found, at, KEY)
    where = (out["year"].astype("str") + " " + out["school"].where(out["school"] != "", "(district)")
             + " " + out["group"] + " " + out["outcome"]).to_numpy(dtype=object)
    expected = "one row per year, district, school, group and outcome"
    found.add(conflict, "group", np.array([f"the same year, school, group and outcome appear {r} "
                                           "with different figures" for r in rows], dtype=object),
              expected, value=where, kind="conflicting duplicate", at=at)
    found.add(copy, "group", np.array([f"the same year, school, group and outcome appear {r} with the same "
                                      "figures: kept once" for r in rows], dtype=object),
              expected, value=where, kind="exact copy kept once", at=at)


def _check_all_students(out: pd.DataFrame, found: _Found, at: np.ndarray) -> None:
    units = ["year", "district", "school", "outcome"]
    has_all = out["group"].eq(vocab.ALL_STUDENTS).groupby([out[c] for c in units], sort=False).transform("any")
    missing = ~has_all.to_numpy(dtype=bool)
    if not missing.any():
        return
    texts = np.array([f"no 'All students' row for {o} in " + (f"school {s!r}" if s else "the district") + f", {y}"
                      for o, s, y in zip(out["outcome"], out["school"], out["year"], strict=True)], dtype=object)
    found.add(missing, "group", texts, "an All students (ALL) row for every year, school and outcome",
              kind="no All students row", at=at)


def _check_subtotals(out: pd.DataFrame, found: _Found, at: np.ndarray) -> None:
    """Groups of one dimension exclude each other: together they cannot outnumber All students.

    Only that dimension's rows of that year, school and outcome are unsound; All students and
    the other dimensions stand.
    """
    dimension = out["group"].map({label: g.dimension for label, g in vocab.GROUPS.items()})
    units = ["year", "district", "school", "outcome"]
    parts = out.assign(dimension=dimension).dropna(subset=["dimension"])
    if parts.empty:
        return
    sums = parts.groupby([*units, "dimension"], sort=False)[["denominator", "numerator_low"]].sum(min_count=1)
    totals = out[out["group"] == vocab.ALL_STUDENTS].drop_duplicates(units).set_index(units)
    totals = totals[["denominator", "numerator_high"]].add_suffix("_all")
    joined = sums.reset_index().join(totals, on=units)
    over_den = joined["denominator"] > joined["denominator_all"]
    over_num = joined["numerator_low"] > joined["numerator_high_all"]
    bad = joined[over_den | over_num]
    if bad.empty:
        return
    keyed = pd.MultiIndex.from_frame(out.assign(dimension=dimension)[[*units, "dimension"]].astype("str"))
    for rows_over, field, text in (
            (bad[over_den[bad.index]], "denominator",
             "the {dim} groups add up to {n:g} children, more than All students ({all:g})"),
            (bad[~over_den[bad.index]], "numerator",
             "the {dim} groups' numerators add up to at least {n:g}, more than All students ({all:g})")):
        if rows_over.empty:
            continue
        hit = keyed.isin(pd.MultiIndex.from_frame(rows_over[[*units, "dimension"]].astype("str")))
        lookup = {tuple(str(v) for v in r[[*units, "dimension"]]): r for _, r in rows_over.iterrows()}
        texts = np.empty(len(out), dtype=object)
        for i in np.flatnonzero(hit):
            r = lookup[tuple(keyed[i])]
            n, total = (r["denominator"], r["denominator_all"]) if field == "denominator" else (
                r["numerator_low"], r["numerator_high_all"])
            texts[i] = text.format(dim=vocab.DIMENSIONS.get(r["dimension"], r["dimension"]), n=n, all=total)
        found.add(hit, field, texts, "All students at least as large as the sum of groups that exclude each other",
                  kind="groups add up to more than All students", at=at)


# --- Student records ------------------------------------------------------------------------

_LEVELS = {"elementary": "elementary", "elementaryschool": "elementary", "e": "elementary", "es": "elementary",
           "primary": "elementary", "middle": "middle", "middleschool": "middle", "m": "middle", "ms": "middle",
           "juniorhigh": "middle", "high": "high", "highschool": "high", "h": "high", "hs": "high"}


def parse_grade(text: object) -> str:
    """A grade as ``PK``, ``KG``, ``01``..``12`` or ``UG`` (ungraded); ValueError otherwise.

    >>> parse_grade("K"), parse_grade("9"), parse_grade("Pre-K"), parse_grade("12.0")
    ('KG', '09', 'PK', '12')
    """
    key = fold(text)
    if key in ("pk", "prek", "p", "ps", "prekindergarten"):
        return "PK"
    if key in ("k", "kg", "kindergarten", "0", "00"):
        return "KG"
    if key in ("ug", "ungraded"):
        return "UG"
    number = str(text).strip().removesuffix(".0")
    if number.isdigit() and 1 <= int(number) <= 12:
        return f"{int(number):02d}"
    raise ValueError("not a grade")


def _level_of(grade: str) -> str:
    if grade in ("PK", "KG") or (grade.isdigit() and int(grade) <= 5):
        return "elementary"
    if grade.isdigit():
        return "middle" if int(grade) <= 8 else "high"
    return ""


def _group_code(dimension: str):
    def find(value):
        if value == "":
            return ""
        try:
            group = vocab.GROUPS.get(vocab.canonical_group(value))
        except KeyError:
            group = None
        if group is None or group.dimension != dimension:
            raise ValueError(f"unknown {vocab.DIMENSIONS[dimension].lower()} code")
        return str(group.value)
    return find


def _students(raw: pd.DataFrame, mapping: Mapping, file, district, *, guard: bool = False
              ) -> tuple[pd.DataFrame, _Found]:
    long = apply_mapping(raw, mapping, file, required=["student_id", "year", "school"])
    attrs = dict(long.attrs)
    long = _apply_values(long, mapping)
    long.attrs.update(attrs)
    found = _Found(file, long)
    out = {}
    ids = _text(long, "student_id")
    found.add((ids == "").to_numpy(), "student_id", "blank student ID", "an ID on every row", value=None)
    out["student_id"] = ids
    out["year"] = _years(found, mapping)
    out["district"] = _names_column(found, "district", district or DEFAULT_DISTRICT)
    out["school"] = _names_column(found, "school", "")
    if "grade" in long:
        out["grade"] = found.parsed("grade", parse_grade, "invalid grade", "PK, KG, 1-12 (or 01-12) or UG",
                                    default="").astype("str")
    if "school_level" in long:
        out["school_level"] = found.parsed("school_level", lambda v: "" if v == "" else _LEVELS[fold(v)]
                                           if fold(v) in _LEVELS else _raise("not a school level"), None,
                                           "elementary, middle or high", default="").astype("str")
    elif "grade" in out:
        out["school_level"] = out["grade"].map(_level_of).astype("str")
    for dimension in ("sex", "race"):
        if dimension in long:
            codes = ", ".join(str(vocab.GROUPS[g].value) for g in vocab.groups_of(dimension))
            out[dimension] = found.parsed(dimension, _group_code(dimension), None,
                                          f"one of {codes}, a name such as "
                                          f"{vocab.groups_of(dimension)[0]!r}, or blank", default="").astype("str")
    for flag in _FLAGS:
        if flag in long:
            label = flag.replace("_", " ")
            blank = (_text(long, flag) == "").to_numpy()
            found.add(blank, flag, f"blank {label} flag", "Y or N on every row (a blank is not taken as No)")
            out[flag] = found.parsed(flag, lambda v: False if v == "" else parse_flag(v), f"bad {label} flag",
                                     "Y or N (also Yes/No, True/False, 1/0)", default=False).astype(bool)
    if "disability_category" in long:
        out["disability_category"] = found.parsed("disability_category", _category, None,
                                                  f"one of {', '.join(vocab.DISABILITY_CATEGORIES)} or blank",
                                                  default="").astype("str")
        if "disability" in out:
            found.add(((out["disability_category"] != "") & ~out["disability"]).to_numpy(), "disability_category",
                      "a disability category for a child without a disability", "a blank category, or disability Y")
    for outcome in STUDENT_OUTCOMES:
        if outcome in long:
            out[outcome] = found.parsed(outcome, parse_outcome, "outcome value not 0, 1 or blank",
                                        "1 (has the outcome), 0 (does not) or blank (not in the population)",
                                        default=NAN).astype(np.float64)
    students = pd.DataFrame(out)
    _same_names(students, found)
    at = np.flatnonzero(~found.bad)
    sound = students.iloc[at]
    twice = sound.duplicated(["student_id", "year"], keep=False).to_numpy()
    if twice.any():
        rows = _row_lists(sound.reset_index(drop=True), found, at, ["student_id", "year"])
        found.add(twice, "student_id", np.array([f"the same student and year appear {r}" for r in rows],
                                                 dtype=object),
                  "one row per child per school year", value=None, kind="the same student twice in a year", at=at)
    # student IDs stay out of messages (value=None above): they may end up in a log
    if guard:
        _unrecognised(raw, long, mapping, found)
    students = students[~found.bad]
    columns = [c for c in (*STUDENT_ATTRIBUTES, *STUDENT_OUTCOMES) if c in students]
    students = students[columns]
    for column in columns:
        kind = STUDENT_ATTRIBUTES.get(column, "float64")
        students[column] = students[column].astype(kind)
    return students.reset_index(drop=True), found


_YES_NO = {"0", "1", "y", "n", "yes", "no", "true", "false", "t", "f"}


def _unrecognised(raw: pd.DataFrame, long: pd.DataFrame, mapping: Mapping, found: _Found) -> None:
    """A student file's column of 0/1 or Y/N that no name matched: an outcome or a group flag, lost if unread."""
    _, unused = _columns(raw, long, mapping)
    for column in unused:
        values = {fold(v) for v in pd.unique(raw[column].astype("str").str.strip()) if v}
        if values and values <= _YES_NO:
            found.problems.append(Problem(
                found.file, "a column of yes/no or 0/1 values that the workbook does not recognise: "
                "it looks like an outcome or a group flag, and would be lost", row=raw.attrs.get("header_row") or None,
                column=column, expected="a column mapping that names it (docs/mapping.md), or the column listed "
                "under skip_columns", kind="unrecognised column", set_aside=False))


def _raise(message: str):
    raise ValueError(message)


def _category(value: str) -> str:
    if value == "":
        return ""
    if value.upper() in vocab.DISABILITY_CATEGORIES:
        return value.upper()
    for code, label in vocab.DISABILITY_CATEGORIES.items():
        if fold(label) == fold(value):
            return code
    raise ValueError("unknown disability category")
