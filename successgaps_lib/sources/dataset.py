"""A big source as the ``load.Dataset`` every command already reads: counts, made where the data lies.

``load_source(spec, table=..., query=..., mapping=...)`` opens the source
(``connect.open_source``), tells student records from counts by their columns (as ``load``
does: a ``student_id`` column means student records), and returns a ``Dataset`` whose
``counts`` came from one GROUPING SETS query (``counting.count_source``) for student
records, or from the loader's own checks for a table of counts (counts are few: they are
read and validated as a file of counts is). ``students`` is always None: no student row
comes into memory. ``wants_source(path)`` says when ``screen FILE`` takes this road by itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..load import STUDENT_RECORDS, Dataset, _mapping, find_mapping, load
from ..read import fold
from .connect import FILE_SUFFIXES, is_url, open_source
from .counting import count_source

#: Student files at least this big are counted out of core by ``screen FILE`` (``--engine auto``).
BIG_FILE = 256 * 2**20


def wants_source(spec, *, engine: str = "auto") -> bool:
    """True when ``spec`` is to be counted in a database engine rather than loaded into pandas.

    >>> wants_source("postgresql://localhost/state"), wants_source("small.csv")
    (True, False)
    """
    if engine != "auto":
        return engine != "pandas"
    if is_url(spec):
        return True
    path = Path(str(spec))
    return path.suffix.lower() in FILE_SUFFIXES and path.is_file() and path.stat().st_size >= BIG_FILE


def _is_students(columns, mapping) -> bool:
    if mapping is not None:
        return mapping.kind == "students"
    signs = {fold(n) for n in STUDENT_RECORDS.columns["student_id"]}
    return bool({fold(c) for c in columns} & signs)


def load_source(spec, *, table: str | None = None, query: str | None = None, mapping=None,
                district: str | None = None, engine: str = "duckdb", quiet: bool = False) -> Dataset:
    """Counts of a database table or query, or of a big Parquet/CSV file (module docstring)."""
    if mapping is None and not is_url(spec):
        mapping = find_mapping(spec)
    chosen = _mapping(str(spec), mapping) if mapping is not None else None
    if engine == "spark":
        from .spark import open_spark_source

        source = open_spark_source(spec, table=table, query=query)
    else:
        source = open_source(spec, table=table, query=query)
    try:
        if _is_students(source.columns, chosen):
            counted = count_source(source, chosen, district=district, quiet=quiet)
            note = (f"counted {counted.students:,} student-year rows in {source.dialect} "
                    f"({counted.seconds:.1f} s); {counted.rows_fetched:,} rows of counts came back")
            return Dataset(source.name, "students", None, counted.counts, rows=counted.students,
                           columns_used=tuple(source.columns), notes=(note,))
        if is_url(spec) or engine == "spark":
            frame = _fetch_all(source)
            data = load(frame, mapping=chosen, district=district)
        else:
            data = load(spec, mapping=chosen, district=district)
        return Dataset(source.name, data.kind, None, data.counts, rows=data.rows, columns_used=data.columns_used,
                       columns_unused=data.columns_unused, notes=data.notes)
    finally:
        source.close()


def _fetch_all(source) -> pd.DataFrame:
    """A table of counts, whole (counts are aggregates: a few rows per place, group and outcome)."""
    import sqlalchemy as sa

    from .counting import fetch

    return fetch(source, sa.select(source.relation), what="reading counts")
