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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import groups as vocab
from .errors import ConfigError, InputError
from .mapping import Mapping, apply_mapping, parse_mapping, read_mapping
from .parse import (
    NAN,
    parse_count,
    parse_flag,
    parse_outcome,
    parse_rate,
    parse_unique,
    parse_year,
    round_half_up,
)
from .read import fold, read_table, text_frame
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
        return read_table(path, sheet=sheet or mapping.sheet, encoding=mapping.encoding,
                          header_row=mapping.header_row, expect=mapping.names())
    return read_table(path, sheet=sheet, expect=STUDENT_RECORDS.names() | COUNT_TABLE.names())


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


def load(path, *, mapping=None, sheet=None, district: str | None = None) -> Dataset:
    """Read, recognise and validate one file; see the module docstring.

    ``mapping``: a path to a mapping YAML, a dict, or a ``Mapping`` (default: the file's
    ``<stem>.mapping.yml`` if there is one). ``sheet``: the Excel sheet (default: the first
    with the expected columns). ``district``: the district name when the file has no district
    column (default ``DEFAULT_DISTRICT``).
    """
    chosen = _mapping(path, mapping)
    raw = _read(path, chosen, sheet)
    file = raw.attrs.get("file", str(path))
    kind = chosen.kind if chosen else _kind(raw)
    rules = chosen or (STUDENT_RECORDS if kind == "students" else COUNT_TABLE)
    source = "(data frame)" if isinstance(path, pd.DataFrame) else str(path)
    if kind == "students":
        students = _students(raw, rules, file, district)
        from .aggregate import count_students

        return Dataset(source, "students", students, count_students(students, schools=True))
    counts = _counts(raw, rules, file, district)
    return Dataset(source, "mapped" if chosen else "counts", None, counts)


def load_students(path_or_frame, *, mapping=None, sheet=None, district: str | None = None) -> pd.DataFrame:
    """Canonical student records from a file or a data frame (``InputError`` if it holds counts)."""
    chosen = _mapping(path_or_frame, mapping)
    raw = _read(path_or_frame, chosen, sheet)
    file = raw.attrs.get("file", "(data frame)")
    kind = chosen.kind if chosen else _kind(raw)
    if kind != "students":
        raise InputError(file, "this table holds counts, not student records",
                         expected="one row per child per year, with a student_id column")
    return _students(raw, chosen or STUDENT_RECORDS, file, district)


def load_counts(path, *, mapping=None, sheet=None, district: str | None = None) -> pd.DataFrame:
    """The canonical counts table of any file ``load`` reads (student files are counted)."""
    return load(path, mapping=mapping, sheet=sheet, district=district).counts


# --- Shared helpers -------------------------------------------------------------------------

_CELL = object()  # _error shows the cell's own text unless told otherwise


def _error(file, long: pd.DataFrame, label, field: str, problem: str, expected: str | None = None,
           value=_CELL) -> InputError:
    column = long.at[label, f"_col_{field}"] if f"_col_{field}" in long else None
    column = column if isinstance(column, str) and column else f"{field} (set in the mapping)"
    shown = long.at[label, field] if value is _CELL else value
    return InputError(file, problem, row=int(long.at[label, "row"]), column=column, value=shown, expected=expected)


def _first(mask) -> object | None:
    """Label of the first True in a boolean Series, or None."""
    mask = np.asarray(mask, dtype=bool)
    return int(np.argmax(mask)) if mask.any() else None


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


def _text(long: pd.DataFrame, name: str) -> pd.Series:
    return long[name].astype("str").str.strip()


def _years(long: pd.DataFrame, mapping: Mapping, file) -> np.ndarray:
    text = _text(long, "year")
    parsed, bad = parse_unique(text, lambda v: parse_year(v, single=mapping.year_is))
    if bad:
        problem = "not a school year" if bad[2] == "not a school year" else f"not a school year ({bad[2]})"
        raise _error(file, long, bad[0], "year", problem,
                     "a year such as 2024 or 2023-24 (named by the year it ends in)")
    return text.map(parsed).to_numpy(dtype=np.int64)


def _names_column(long: pd.DataFrame, name: str, file, default: str | None) -> pd.Series:
    """District or school names: stripped; blank is an error for districts."""
    if name not in long:
        return pd.Series(default, index=long.index, dtype="str")
    text = _text(long, name)
    if default is not None:
        label = _first(text == "")
        if label is not None:
            raise _error(file, long, label, name, f"blank {name} name", f"the {name}'s name on every row")
    return text


# --- Counts ---------------------------------------------------------------------------------

def _counts(raw: pd.DataFrame, mapping: Mapping, file, district) -> pd.DataFrame:
    required = ["year", "group", "outcome", "denominator"]
    if "rate" not in mapping.columns and "rate" not in mapping.wide:
        required.append("numerator")
    long = apply_mapping(raw, mapping, file, required=required)
    long = _apply_values(long, mapping)
    if long.empty:
        raise InputError(file, "no rows left after the mapping's values dropped some",
                         expected="at least one row of counts")
    out = pd.DataFrame({
        "year": _years(long, mapping, file),
        "district": _names_column(long, "district", file, district or DEFAULT_DISTRICT),
        "school": _text(long, "school") if "school" in long else "",
        "group": _vocabulary(long, "group", vocab.canonical_group, file,
                             "a group such as ALL, MB, LEP, WDIS or 'English learners' (EDFacts code or name)"),
        "outcome": _vocabulary(long, "outcome", vocab.canonical_outcome, file,
                               "an outcome such as GRAD, DROP, RLA, MTH, OSS or 'graduation'"),
    })
    denominator = _count_values(long, "denominator", mapping, file)
    if "numerator" in long:
        numerator = _count_values(long, "numerator", mapping, file)
    else:
        numerator = pd.DataFrame({k: np.full(len(long), NAN) for k in ("value", "low", "high")})
    for bound, column in (("low", "numerator_low"), ("high", "numerator_high")):
        if column in long:
            given = _count_values(long, column, mapping, file)["value"].to_numpy()
            numerator[bound] = np.where(np.isnan(numerator["value"]) & ~np.isnan(given), given, numerator[bound])
    den = denominator["value"].to_numpy()
    if "rate" in long:
        numerator = _from_rates(long, numerator, den, mapping, file)
    value, low, high = (numerator[k].to_numpy(dtype=np.float64) for k in ("value", "low", "high"))
    above = _first(value > den)
    if above is not None:
        raise _error(file, long, above, "numerator", "numerator above denominator",
                     f"at most the denominator ({den[above]:g})")
    above = _first(low > den)
    if above is not None:
        raise _error(file, long, above, "numerator", "the range is above the denominator",
                     f"at most the denominator ({den[above]:g})")
    known = ~np.isnan(den)
    low = np.where(np.isnan(low) & known, 0.0, low)  # a suppressed count lies between 0 and the denominator
    high = np.where(known & (np.isnan(high) | (high > den)), den, high)
    out["numerator"], out["denominator"] = value, den
    out["numerator_low"], out["numerator_high"] = low, high
    _check_duplicates(out, long, file)
    _check_all_students(out, long, file)
    _check_subtotals(out, long, file)
    return as_counts(out)


def _vocabulary(long: pd.DataFrame, name: str, lookup, file, expected: str) -> pd.Series:
    if name not in long:
        raise InputError(file, f"no {name} column", expected=f"a {name} column or constant")
    text = _text(long, name)
    label = _first(text == "")
    if label is not None:
        raise _error(file, long, label, name, f"blank {name}", expected)

    def find(value):
        try:
            if name == "group" and INTERSECTION in value:  # "Black or African American × Students with..."
                return INTERSECTION.join(lookup(part) for part in value.split(INTERSECTION))
            return lookup(value)
        except KeyError:
            raise ValueError(f"unknown {name}") from None

    parsed, bad = parse_unique(text, find)
    if bad:
        raise _error(file, long, bad[0], name, bad[2], expected + "; or map it under values: in a mapping")
    return text.map(parsed).astype("str")


def _count_values(long: pd.DataFrame, name: str, mapping: Mapping, file) -> pd.DataFrame:
    """Parse a count column into value/low/high, checking sign and wholeness."""
    text = long[name].astype("str") if name in long else pd.Series("", index=long.index, dtype="str")
    extra = mapping.suppressed

    def parse(cell):
        if extra and "".join(str(cell).split()).lower() in extra:
            return NAN, NAN, NAN
        return parse_count(cell)

    parsed, bad = parse_unique(text, parse)
    if bad:
        raise _error(file, long, bad[0], name, f"not a count: {bad[2]}",
                     "a whole number, a range such as 10-14 or LT10, or a suppression marker such as * or PS")
    frame = pd.DataFrame(text.map(parsed).tolist(), columns=["value", "low", "high"], index=long.index)
    negative = _first((frame["value"] < 0) | (frame["low"] < 0))
    if negative is not None:
        raise _error(file, long, negative, name, f"negative {name.replace('_', ' ')}", "a count of 0 or more")
    numbers = frame.to_numpy()
    fractional = _first((np.isfinite(numbers) & (numbers != np.floor(numbers))).any(axis=1))
    if fractional is not None:
        raise _error(file, long, fractional, name, f"fractional {name.replace('_', ' ')}",
                     "a whole number of children")
    return frame


def _from_rates(long: pd.DataFrame, numerator: pd.DataFrame, den: np.ndarray, mapping: Mapping, file):
    """Bounds on unknown numerators from published rates (rounded half-up) and denominators."""
    rate_text = long["rate"].astype("str").str.strip()
    need = np.isnan(numerator["value"].to_numpy()) & np.isnan(numerator["low"].to_numpy())
    need &= (rate_text != "").to_numpy()
    if not need.any():
        return numerator
    cache: dict[tuple[str, float], tuple] = {}
    out = numerator.copy()
    for i in np.flatnonzero(need):
        key = (rate_text.iat[i], den[i])
        if key not in cache:
            try:
                cache[key] = parse_rate(key[0]).numerator_bounds(key[1], mapping.rate_scale)
            except ValueError as error:
                unit = "%" if mapping.rate_scale == 100 else " (a fraction)"
                raise _error(file, long, i, "rate", f"impossible rate: {error}",
                             f"a rate in 0-100{unit} that some count out of the denominator gives") from None
        out.iloc[i, :] = cache[key]
    return out


def _check_duplicates(out: pd.DataFrame, long: pd.DataFrame, file) -> None:
    duplicated = out.duplicated(KEY, keep=False).to_numpy()
    if not duplicated.any():
        return
    later = out.duplicated(KEY, keep="first").to_numpy()
    second = int(np.argmax(later))
    same = out.iloc[np.flatnonzero(duplicated)]
    first = same.index[(same[KEY] == out.loc[second, KEY]).all(axis=1).to_numpy()][0]
    where = out.loc[second]
    raise _error(file, long, second, "group",
                 f"the same year, school, group and outcome appear twice (also on row {long.at[first, 'row']})",
                 "one row per year, district, school, group and outcome",
                 value=f"{where['year']} {where['school'] or '(district)'} {where['group']} {where['outcome']}")


def _check_all_students(out: pd.DataFrame, long: pd.DataFrame, file) -> None:
    units = ["year", "district", "school", "outcome"]
    has_all = out["group"].eq(vocab.ALL_STUDENTS).groupby([out[c] for c in units], sort=False).transform("any")
    label = _first(~has_all.to_numpy(dtype=bool))
    if label is not None:
        row = out.loc[label]
        where = f"school {row['school']!r}" if row["school"] else "the district"
        raise _error(file, long, label, "group",
                     f"no 'All students' row for {row['outcome']} in {where}, {row['year']}",
                     "an All students (ALL) row for every year, school and outcome")


def _check_subtotals(out: pd.DataFrame, long: pd.DataFrame, file) -> None:
    """Groups of one dimension exclude each other: together they cannot outnumber All students."""
    dimension = out["group"].map({label: g.dimension for label, g in vocab.GROUPS.items()})
    units = ["year", "district", "school", "outcome"]
    parts = out.assign(dimension=dimension).dropna(subset=["dimension"])
    if parts.empty:
        return
    sums = parts.groupby([*units, "dimension"], sort=False)[["denominator", "numerator_low"]].sum(min_count=1)
    totals = out[out["group"] == vocab.ALL_STUDENTS].reset_index(names="label").set_index(units)
    totals = totals[["label", "denominator", "numerator_high"]].add_suffix("_all")
    joined = sums.reset_index().join(totals, on=units)
    over_den = joined["denominator"] > joined["denominator_all"]
    over_num = joined["numerator_low"] > joined["numerator_high_all"]
    bad = joined[over_den | over_num]
    if bad.empty:
        return
    first = bad.loc[bad["label_all"].idxmin()]
    dim = vocab.DIMENSIONS.get(first["dimension"], first["dimension"])
    label = int(first["label_all"])
    if first["denominator"] > first["denominator_all"]:
        raise _error(file, long, label, "denominator",
                     f"the {dim} groups add up to {first['denominator']:g} children, more than All students",
                     "All students at least as large as the sum of groups that exclude each other")
    raise _error(file, long, label, "numerator",
                 f"the {dim} groups' numerators add up to at least {first['numerator_low']:g}, more than All students",
                 "All students at least as large as the sum of groups that exclude each other")


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


def _parsed(long, name, parse, file, problem, expected):
    text = _text(long, name)
    parsed, bad = parse_unique(text, parse)
    if bad:
        raise _error(file, long, bad[0], name, problem or bad[2], expected)
    return text.map(parsed)


def _students(raw: pd.DataFrame, mapping: Mapping, file, district) -> pd.DataFrame:
    long = apply_mapping(raw, mapping, file, required=["student_id", "year", "school"])
    long = _apply_values(long, mapping)
    out = {}
    ids = _text(long, "student_id")
    blank = _first(ids == "")
    if blank is not None:
        raise _error(file, long, blank, "student_id", "blank student ID", "an ID on every row", value=None)
    out["student_id"] = ids
    out["year"] = _years(long, mapping, file)
    out["district"] = _names_column(long, "district", file, district or DEFAULT_DISTRICT)
    out["school"] = _names_column(long, "school", file, "")
    if "grade" in long:
        out["grade"] = _parsed(long, "grade", parse_grade, file, "invalid grade",
                               "PK, KG, 1-12 (or 01-12) or UG").astype("str")
    if "school_level" in long:
        out["school_level"] = _parsed(long, "school_level", lambda v: "" if v == "" else _LEVELS[fold(v)]
                                      if fold(v) in _LEVELS else _raise("not a school level"), file, "",
                                      "elementary, middle or high").astype("str")
    elif "grade" in out:
        out["school_level"] = out["grade"].map(_level_of).astype("str")
    for dimension in ("sex", "race"):
        if dimension in long:
            codes = ", ".join(str(vocab.GROUPS[g].value) for g in vocab.groups_of(dimension))
            out[dimension] = _parsed(long, dimension, _group_code(dimension), file, "",
                                     f"one of {codes}, a name such as "
                                     f"{vocab.groups_of(dimension)[0]!r}, or blank").astype("str")
    for flag in _FLAGS:
        if flag in long:
            blank = _first(_text(long, flag) == "")
            if blank is not None:
                raise _error(file, long, blank, flag, f"blank {flag.replace('_', ' ')} flag",
                             "Y or N on every row (a blank is not taken as No)")
            out[flag] = _parsed(long, flag, parse_flag, file, f"bad {flag.replace('_', ' ')} flag",
                                "Y or N (also Yes/No, True/False, 1/0)").astype(bool)
    if "disability_category" in long:
        out["disability_category"] = _parsed(long, "disability_category", _category, file, "",
                                             f"one of {', '.join(vocab.DISABILITY_CATEGORIES)} "
                                             "or blank").astype("str")
        if "disability" in out:
            label = _first((out["disability_category"] != "") & ~out["disability"])
            if label is not None:
                raise _error(file, long, label, "disability_category",
                             "a disability category for a child without a disability",
                             "a blank category, or disability Y")
    for outcome in STUDENT_OUTCOMES:
        if outcome in long:
            out[outcome] = _parsed(long, outcome, parse_outcome, file, "outcome value not 0, 1 or blank",
                                   "1 (has the outcome), 0 (does not) or blank (not in the population)"
                                   ).astype(np.float64)
    students = pd.DataFrame(out)
    duplicated = students.duplicated(["student_id", "year"]).to_numpy()
    label = _first(duplicated)
    if label is not None:
        first = students.index[(students["student_id"] == students.at[label, "student_id"])
                               & (students["year"] == students.at[label, "year"])][0]
        raise _error(file, long, label, "student_id", f"the same student and year appear twice "
                     f"(also on row {long.at[first, 'row']})", "one row per child per school year",
                     value=None)  # student IDs stay out of messages: they may end up in a log
    columns = [c for c in (*STUDENT_ATTRIBUTES, *STUDENT_OUTCOMES) if c in students]
    students = students[columns]
    for column in columns:
        kind = STUDENT_ATTRIBUTES.get(column, "float64")
        students[column] = students[column].astype(kind)
    return students.reset_index(drop=True)


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
