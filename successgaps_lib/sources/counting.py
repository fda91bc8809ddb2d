"""Counting student records where they lie: one GROUP BY GROUPING SETS query; only counts leave.

``count_source(source)`` turns a relation of student-year records (a warehouse table or
query, a Parquet or CSV file; ``connect.open_source``) into the canonical counts table that
``aggregate.count_students`` makes in memory, with the same rows, groups and outcomes, read
with the same column mapping (``load.STUDENT_RECORDS`` by default, or the user's):

1. **the vocabulary query**: ``SELECT value, count(*) ... GROUP BY GROUPING SETS ((o1), (o2),
   ..., (disability, disability_category))`` over the columns whose values enter a count
   (outcomes, the disability flag and category, and any column the mapping drops values
   of). A few dozen rows leave: each distinct value with its number of rows. Each is read by
   the package's own parsers (``read.text_frame``, ``parse.parse_outcome``,
   ``parse.parse_flag``, the mapping's ``values:``), so a value means here what it means to
   the file loader, and a value it refuses (an outcome of 2, a blank flag) is refused here,
   in one line naming the column, the value and how many rows have it;
2. **the counting query**: one ``GROUP BY GROUPING SETS`` with a set per (year, district,
   school), alone and with each group dimension (district rows are the sums of their
   schools', added up from the counts as ``aggregate`` adds them up), computing for every
   outcome the children at risk and the children with it (``SUM(CASE WHEN value IN (...)
   ...)``, the raw values the parsers accepted). Its rows are counts: a few per place and
   group, whatever the number of students;
3. the counts are read into place in Python: each group value, year and name as the loader
   reads them (codes to labels, ``2023-24`` to 2024, names stripped), summed where two
   spellings mean the same group, and laid out by ``aggregate``'s own row builder.

No student-level row leaves the database, and nothing is loaded into pandas but counts.
What the loader checks row by row and no aggregate can see (the same student twice in a
year) is not checked here: see docs/warehouse.md.

>>> import pandas as pd, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "kids.parquet"
>>> pd.DataFrame({"student_id": ["1", "2", "3"], "year": 2024, "district": "D", "school": "A",
...     "race": ["MB", "MW", "MB"], "dropped_out": [1.0, 0.0, None]}).to_parquet(path)
>>> from successgaps_lib.sources import open_source
>>> counted = count_source(open_source(path))
>>> c = counted.counts
>>> c[(c.school == "") & (c.group == "Black or African American")][["numerator", "denominator"]].values.tolist()
[[1.0, 1.0]]
>>> counted.students, "GROUPING SETS" in counted.statements[-1]
(3, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import groups as vocab
from ..errors import InputError
from ..mapping import Mapping, resolve_columns
from ..parse import parse_flag, parse_outcome, parse_year
from ..read import fold, text_frame
from ..table import DISTRICT_LEVEL, STUDENT_OUTCOMES
from . import progress

IDENTIFIED = "identification"
CATEGORIES = list(vocab.DISABILITY_CATEGORIES)
#: Student outcome columns in the order of ``groups.OUTCOMES`` (the order ``aggregate`` counts them).
OUTCOME_COLUMNS = [o.column for o in vocab.OUTCOMES.values() if o.column in STUDENT_OUTCOMES]
_FLAGS = ("disability", "english_learner", "econ_disadvantaged", "migrant", "homeless", "foster_care")


@dataclass
class Counted:
    """The counts of one source, and what it took to get them."""

    counts: pd.DataFrame  # canonical counts table (table.COLUMNS), as aggregate.count_students makes it
    students: int  # student-year rows counted
    statements: list[str] = field(default_factory=list)  # the SQL sent, in order (values inlined)
    rows_fetched: int = 0  # rows that left the database: counts and distinct values, never students
    seconds: float = 0.0


def student_columns(source, mapping: Mapping) -> dict[str, str]:
    """The source's column for each student field of ``mapping`` (``InputError`` if a required one is missing)."""
    frame = pd.DataFrame(columns=list(source.columns))
    return resolve_columns(frame, mapping, source.name, required=["student_id", "year", "school"])


def count_source(source, mapping: Mapping | None = None, *, district: str | None = None,
                 quiet: bool = False) -> Counted:
    """Count ``source``'s student records by year, district, school, group and outcome (module docstring)."""
    from ..load import STUDENT_RECORDS

    mapping = mapping or STUDENT_RECORDS
    if mapping.kind != "students":
        raise InputError(source.name, "the mapping is for counts, not student records",
                         expected="kind: students (docs/mapping.md)")
    start = time.perf_counter()
    before = (len(source.statements), source.rows_fetched)
    found = student_columns(source, mapping)
    plan = _Plan(source, mapping, found)
    values = plan.vocabulary(quiet=quiet)
    result = plan.run_counting(values, quiet=quiet)
    counts, students = plan.shape(result, district=district)
    return Counted(counts, students, source.statements[before[0]:], source.rows_fetched - before[1],
                   time.perf_counter() - start)


def fetch(source, statement, *, what: str, quiet: bool = False) -> pd.DataFrame:
    """Run one statement on the source's engine; its rows as a data frame (counts only: small)."""
    import sqlalchemy as sa

    from .connect import SourceError, _first_line

    sql = source.sql(statement)
    source.statements.append(sql)
    context = progress.reading(source, what) if not quiet else _nothing()
    try:
        with context:
            if source.spark is not None:
                frame = source.spark.sql(sql).toPandas()
            elif source.duckdb is not None:
                frame = source.duckdb.sql(sql).to_arrow_table().to_pandas()
            else:
                with source.engine.connect() as connection:
                    result = connection.execute(statement)
                    keys = list(result.keys())
                    chunks = []
                    while rows := result.fetchmany(50_000):
                        chunks.append(pd.DataFrame.from_records(rows, columns=keys))
                    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=keys)
    except sa.exc.DBAPIError as error:
        raise SourceError(f"{source.name}: {what} failed: {_first_line(error)}") from None
    except Exception as error:
        if type(error).__module__.startswith("duckdb") or type(error).__name__.endswith("Exception"):
            raise SourceError(f"{source.name}: {what} failed: {_first_line(error)}") from None
        raise
    source.rows_fetched += len(frame)
    return frame


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _python(value):
    """A database value as a plain Python scalar for a SQL literal (numpy types unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


def _texts(values: pd.Series) -> list[str]:
    """Each value as the file loader reads it (``read.text_frame``: whole floats without .0, blanks "")."""
    return text_frame(pd.DataFrame({"v": values.reset_index(drop=True)}))["v"].astype(str).str.strip().tolist()


class _Plan:
    """The columns of one source and the statements that count it."""

    def __init__(self, source, mapping: Mapping, found: dict[str, str]):
        import sqlalchemy as sa

        self.sa = sa
        self.source, self.mapping, self.found = source, mapping, found
        self.column = {name: source.relation.c[column] for name, column in found.items()}
        self.outcomes = [c for c in OUTCOME_COLUMNS if c in found]
        self.dimensions = [d for d in vocab.DIMENSIONS if d in found]
        self.identification = "disability" in found
        self.categories = self.identification and "disability_category" in found
        dropping = [name for name, table in mapping.values.items()
                    if name in found and any(t is None for t in table.values())]
        self.valued = list(dict.fromkeys([*self.outcomes, *(["disability"] if self.identification else []),
                                          *(["disability_category"] if self.categories else []), *dropping]))

    # --- 1. the vocabulary of the columns whose values enter a count --------------------------

    def _translate(self, name: str, texts: list[str]) -> list[str | None]:
        """The mapping's ``values:`` applied to texts of field ``name`` (None: the row is dropped)."""
        table = self.mapping.values.get(name)
        if not table:
            return texts
        out = []
        for text in texts:
            key = fold(text) or text.strip()
            out.append(table.get(key, text))
        return [None if t is None else ("" if t == "" else t) for t in out]

    def _problem(self, name: str, text: str, rows: int | None, problem: str, expected: str) -> InputError:
        problem += f" ({rows:,} row{'s' * (rows != 1)})" if rows else ""
        return InputError(self.source.name, problem, column=self.found.get(name, name), value=text,
                          expected=expected)

    def vocabulary(self, *, quiet: bool = False) -> dict:
        """Distinct values of the valued columns, read by the loader's parsers: raw lists per meaning."""
        sa = self.sa
        if not self.valued:
            return {"drop": {}}
        sets, labels = [], {}
        for name in self.valued:
            if name == "disability_category" and "disability" in self.valued:
                continue
            if name == "disability" and self.categories:
                sets.append(sa.tuple_(self.column["disability"], self.column["disability_category"]))
            else:
                sets.append(sa.tuple_(self.column[name]))
        names = list(self.valued)
        columns = [self.column[n].label(f"v{i}") for i, n in enumerate(names)]
        columns += [sa.func.grouping(self.column[n]).label(f"g{i}") for i, n in enumerate(names)]
        for i, n in enumerate(names):
            labels[n] = (f"v{i}", f"g{i}")
        statement = sa.select(*columns, sa.func.count().label("n")).select_from(self.source.relation).group_by(
            sa.func.grouping_sets(*sets))
        frame = fetch(self.source, statement, what="reading values", quiet=quiet)
        meaning: dict = {"drop": {}}
        for name in names:
            value, grouped = labels[name]
            rows = frame[frame[grouped].astype(int) == 0]
            if self.categories and name in ("disability", "disability_category"):  # from the pair's set
                rows = rows.groupby(value, dropna=False, sort=False)["n"].sum().reset_index()
            raw = [_python(v) for v in rows[value].tolist()]
            texts = self._translate(name, _texts(rows[value]))
            counts = rows["n"].astype(int).tolist()
            dropped = [r for r, t in zip(raw, texts, strict=True) if t is None and not pd.isna(r)]
            if dropped:
                meaning["drop"][name] = dropped
            keep = [(r, t, n) for r, t, n in zip(raw, texts, counts, strict=True) if t is not None]
            meaning[name] = self._parse(name, keep)
        if self.categories:
            self._check_pairs(frame, labels, meaning)
        return meaning

    def _parse(self, name: str, values: list) -> dict:
        """Raw values of one column grouped by what they mean: {meaning: [raw, ...]}."""
        from ..load import _category

        out: dict = {}
        for raw, text, rows in values:
            if name in OUTCOME_COLUMNS:
                try:
                    parsed = parse_outcome(text)
                except ValueError:
                    raise self._problem(name, text, rows, "outcome value not 0, 1 or blank",
                                        "1 (has the outcome), 0 (does not) or blank (not in the population)") from None
                meaning = "blank" if np.isnan(parsed) else int(parsed)
            elif name == "disability_category":
                try:
                    meaning = _category(text)
                except ValueError:
                    raise self._problem(name, text, rows, "unknown disability category",
                                        f"one of {', '.join(CATEGORIES)} or blank") from None
            elif name in _FLAGS:
                meaning = self._flag(name, text, rows)
            else:
                meaning = text
            if not (isinstance(raw, float) and np.isnan(raw)) and raw is not None:
                out.setdefault(meaning, []).append(raw)
        return out

    def _flag(self, name: str, text: str, rows: int | None) -> bool:
        label = name.replace("_", " ")
        if text == "":
            raise self._problem(name, text, rows, f"blank {label} flag",
                                "Y or N on every row (a blank is not taken as No)")
        try:
            return parse_flag(text)
        except ValueError:
            raise self._problem(name, text, rows, f"bad {label} flag",
                                "Y or N (also Yes/No, True/False, 1/0)") from None

    def _check_pairs(self, frame: pd.DataFrame, labels: dict, meaning: dict) -> None:
        (dis, g_dis), (cat, _) = labels["disability"], labels["disability_category"]
        pairs = frame[frame[g_dis].astype(int) == 0]
        no = set(map(repr, meaning["disability"].get(False, [])))
        for raw_dis, raw_cat, rows in zip(pairs[dis].tolist(), pairs[cat].tolist(), pairs["n"].tolist(), strict=True):
            if repr(_python(raw_dis)) in no and any(repr(_python(raw_cat)) in set(map(repr, raws))
                                                    for code, raws in meaning["disability_category"].items() if code):
                raise self._problem("disability_category", _texts(pd.Series([raw_cat]))[0], int(rows),
                                    "a disability category for a child without a disability",
                                    "a blank category, or disability Y")

    # --- 2. the counting query -----------------------------------------------------------------

    def _is(self, name: str, raws: list):
        return self.column[name].in_(raws) if raws else self.sa.false()

    def _sum(self, condition, label: str):
        sa = self.sa
        # BIGINT: DuckDB sums integers as HUGEINT, which would come back as Python Decimals
        return sa.cast(sa.func.sum(sa.case((condition, 1), else_=0)), sa.BigInteger).label(label)

    def statement(self, values: dict):
        """The one GROUP BY GROUPING SETS statement that counts every place, group and outcome."""
        sa = self.sa
        keys = [k for k in ("year", "district", "school") if k in self.found]
        unit = [self.column[k] for k in keys]
        # school sets only: a district's rows are the sums of its schools' (each child is in one school
        # a year), added up from the returned counts as aggregate.count_students adds them up
        sets = [sa.tuple_(*unit)] + [sa.tuple_(*unit, self.column[d]) for d in self.dimensions]
        columns = [self.column[k].label(f"k_{k}") for k in keys]
        columns += [self.column[d].label(f"d_{d}") for d in self.dimensions]
        columns += [sa.func.grouping(self.column["school"]).label("g_school")]
        columns += [sa.func.grouping(self.column[d]).label(f"g_{d}") for d in self.dimensions]
        columns.append(sa.func.count().label("n"))
        for o in self.outcomes:
            ones, zeros = values[o].get(1, []), values[o].get(0, [])
            columns += [self._sum(self._is(o, ones), f"num_{o}"), self._sum(self._is(o, ones + zeros), f"den_{o}")]
        if self.identification:
            disabled = self._is("disability", values["disability"].get(True, []))
            columns.append(self._sum(disabled, "num_identified"))
            for code in CATEGORIES if self.categories else ():
                raws = values["disability_category"].get(code, [])
                columns.append(self._sum(sa.and_(disabled, self._is("disability_category", raws)), f"num_{code}"))
        statement = sa.select(*columns).select_from(self.source.relation)
        for name, raws in values["drop"].items():
            statement = statement.where(sa.or_(self.column[name].is_(None), self.column[name].not_in(raws)))
        return statement.group_by(sa.func.grouping_sets(*sets))

    def run_counting(self, values: dict, *, quiet: bool = False) -> pd.DataFrame:
        """The counting query's rows (schools), and the district rows summed from them (``g_school`` 1)."""
        schools = fetch(self.source, self.statement(values), what="counting rows", quiet=quiet)
        keys = [c for c in ("k_year", "k_district") if c in schools]
        keys += [f"d_{d}" for d in self.dimensions] + [f"g_{d}" for d in self.dimensions]
        counts = [c for c in schools.columns if c == "n" or c.startswith(("num_", "den_"))]
        districts = schools.groupby(keys, dropna=False, sort=False)[counts].sum().reset_index()
        districts["g_school"], districts["k_school"] = 1, None
        return pd.concat([schools, districts[schools.columns]], ignore_index=True)

    # --- 3. the counts into place ----------------------------------------------------------------

    def _map(self, name: str, column: pd.Series, parse) -> pd.Series:
        """Each distinct value of a result column read as the loader reads it (``parse`` per text)."""
        uniques = pd.Series(column.dropna().unique())
        texts = self._translate(name, _texts(uniques))
        lookup = {}
        for raw, text in zip(uniques.tolist(), texts, strict=True):
            lookup[raw] = parse(text, raw)
        blank = parse("", None) if column.isna().any() else None
        return column.map(lookup).where(column.notna(), blank)

    def _names(self, name: str, result: pd.DataFrame, district: str | None) -> pd.Series:
        """District or school names of the result's rows, stripped (a blank one is refused)."""
        from ..load import DEFAULT_DISTRICT

        if name not in self.found:
            default = self.mapping.constants.get(name) or (district or DEFAULT_DISTRICT if name == "district" else "")
            return pd.Series(default, index=result.index, dtype=object)

        def parse(text, raw):
            if text == "":
                raise self._problem(name, text, None, f"blank {name} name", f"the {name}'s name on every row")
            return text
        return self._map(name, result[f"k_{name}"], parse)

    def _year(self, result: pd.DataFrame) -> pd.Series:
        offset, single = self.mapping.year_offset, self.mapping.year_is

        def parse(text, raw):
            try:
                year = parse_year(text, single=single) + offset
            except ValueError:
                raise self._problem("year", text, None, "not a school year",
                                    "a year such as 2024 or 2023-24 (named by the year it ends in)") from None
            if offset and not 1950 <= year <= 2100:
                raise self._problem("year", text, None, f"not a school year (with year_offset {offset}: {year})",
                                    "a year from 1950 to 2100")
            return year
        return self._map("year", result["k_year"], parse)

    def _groups(self, dimension: str, result: pd.DataFrame) -> pd.Series:
        """Each row's group label in ``dimension`` ("" for a blank race or sex)."""
        from ..load import _group_code

        by_value = {vocab.GROUPS[label].value: label for label in vocab.groups_of(dimension)}
        code = _group_code(dimension)

        def parse(text, raw):
            if dimension in _FLAGS:
                return by_value[self._flag(dimension, text, None)]
            try:
                value = code(text)
            except ValueError as error:
                raise self._problem(dimension, text, None, str(error),
                                    f"one of {', '.join(str(v) for v in by_value)} or blank") from None
            return by_value.get(value, "")
        return self._map(dimension, result[f"d_{dimension}"], parse)

    def shape(self, result: pd.DataFrame, *, district: str | None = None) -> tuple[pd.DataFrame, int]:
        """The counting query's rows as the canonical counts table, and the number of students counted."""
        from ..aggregate import _rows

        grouped = {d: result[f"g_{d}"].astype(int).to_numpy() == 0 for d in self.dimensions}
        school_level = result["g_school"].astype(int).to_numpy() == 0
        n = result["n"].astype(np.int64)
        year = self._year(result)
        names = {"district": self._names("district", result, district),
                 "school": pd.Series(DISTRICT_LEVEL, index=result.index, dtype=object)}
        names["school"][school_level] = self._names("school", result[school_level], district)

        group_labels = [vocab.ALL_STUDENTS] + [g for d in self.dimensions for g in vocab.groups_of(d)]
        index = {label: i for i, label in enumerate(group_labels)}
        group = np.zeros(len(result), dtype=np.int64)  # All students where no dimension is grouped
        for d in self.dimensions:
            rows = grouped[d]
            if rows.any():
                labels = self._groups(d, result.loc[rows])
                group[rows] = labels.map(lambda g: index.get(g, -1)).to_numpy(dtype=np.int64)

        outcome_ids, numerators, denominators = [], [], []
        for o in self.outcomes:
            outcome_ids.append(next(x.id for x in vocab.OUTCOMES.values() if x.column == o))
            numerators.append(result[f"num_{o}"]), denominators.append(result[f"den_{o}"])
        if self.identification:
            outcome_ids.append(IDENTIFIED)
            numerators.append(result["num_identified"]), denominators.append(n)
            for code in CATEGORIES if self.categories else ():
                outcome_ids.append(f"{IDENTIFIED}_{code.lower()}")
                numerators.append(result[f"num_{code}"]), denominators.append(n)
        to_matrix = lambda columns: np.column_stack([np.asarray(c, dtype=np.int64) for c in columns]) if columns \
            else np.zeros((len(result), 0), np.int64)  # noqa: E731
        numerator, denominator = to_matrix(numerators), to_matrix(denominators)

        levels = []
        for at_school in (False, True):
            rows = (school_level == at_school) & (group >= 0)
            keys = pd.DataFrame({"year": year[rows].astype(np.int64), "district": names["district"][rows].astype(str),
                                 "school": names["school"][rows].astype(str) if at_school else DISTRICT_LEVEL})
            unit = keys.groupby(["year", "district", "school"], sort=True).ngroup().to_numpy()
            units = keys.drop_duplicates().sort_values(["year", "district", "school"]).reset_index(drop=True)
            cell, size = unit * len(group_labels) + group[rows], len(units) * len(group_labels)
            shape = (len(units), len(group_labels), len(outcome_ids))
            dense = []
            for matrix in (numerator[rows], denominator[rows]):  # two spellings of a group: their sum
                sums = [np.bincount(cell, weights=matrix[:, j], minlength=size) for j in range(shape[2])]
                dense.append(np.stack(sums, axis=-1).astype(np.int32).reshape(shape) if sums
                             else np.zeros(shape, np.int32))
            levels.append((units, *dense))
        everyone = ~school_level  # the district rows of All students: every child counted once
        for d in self.dimensions:
            everyone &= ~grouped[d]
        students = int(n[everyone].sum())
        return _rows(levels, group_labels, outcome_ids), students
