"""Big sources (successgaps_lib/sources): counts made in the database equal the in-memory counts.

The PostgreSQL tests run against the server that tests/services/postgres.sh starts (.ci/run
does, and exports SUCCESSGAPS_TEST_PG); without one they skip, except in CI, where a missing
server is a failure. The Spark test runs where pyspark is installed (docs/warehouse.md).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from successgaps_lib.aggregate import count_students
from successgaps_lib.cli import main
from successgaps_lib.errors import InputError
from successgaps_lib.load import load, load_students
from successgaps_lib.mapping import parse_mapping
from successgaps_lib.sources import SourceError, count_source, open_source, progress
from successgaps_lib.sources.counting import CATEGORIES
from successgaps_lib.sources.dataset import load_source, wants_source
from successgaps_lib.table import KEY, STUDENT_OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo" / "students.csv"
sys.path.insert(0, str(ROOT / "bench"))


def same(counts: pd.DataFrame) -> pd.DataFrame:
    """A counts table in one order with plain text keys, to compare two of them exactly."""
    out = counts.astype(dict.fromkeys(KEY[1:], str))
    return out.sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def demo_memory() -> pd.DataFrame:
    return load(DEMO).counts


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory) -> Path:
    """The demo's student records as a typed Parquet file: numbers, NaN outcomes, 0/1 flags."""
    path = tmp_path_factory.mktemp("demo") / "students.parquet"
    pd.read_csv(DEMO, dtype={"grade": str}).to_parquet(path)
    return path


def test_demo_csv_counted_by_duckdb_equals_memory(demo_memory):
    with open_source(DEMO) as source:
        counted = count_source(source, quiet=True)
    pd.testing.assert_frame_equal(same(counted.counts), same(demo_memory))
    assert counted.students == len(pd.read_csv(DEMO))
    assert [dtype.name for dtype in counted.counts.dtypes] == [dtype.name for dtype in demo_memory.dtypes]


def test_demo_parquet_typed_columns_equal_memory(demo_parquet, demo_memory):
    counted = count_source(open_source(demo_parquet), quiet=True)
    pd.testing.assert_frame_equal(same(counted.counts), same(demo_memory))


def test_the_count_is_one_grouping_sets_query_and_only_counts_come_back(demo_parquet):
    counted = count_source(open_source(demo_parquet), quiet=True)
    vocabulary, counting = counted.statements
    assert "GROUP BY GROUPING SETS" in counting and counting.count("GROUP BY") == 1
    assert "GROUP BY GROUPING SETS" in vocabulary
    assert "student_id" not in counting and "student_id" not in vocabulary
    assert counted.rows_fetched < counted.students / 20  # counts and distinct values, not rows


def _messy_students(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Student records in a student system's own words: other column names, Y/N flags, race names."""
    rng = np.random.default_rng(seed)
    outcome = lambda: rng.choice(["1", "0", ""], n, p=[0.3, 0.5, 0.2])  # noqa: E731
    return pd.DataFrame({
        "STU_NUM": [f"S{i}" for i in range(n)],
        "SY": rng.choice(["2023-24", "2024-25"], n),
        "LEA_NAME": rng.choice(["North", "South"], n),
        "CAMPUS": rng.choice(["A", "B", "C"], n),
        "ETHNICITY": rng.choice(["Black", "White", "Hispanic", "MA", "Multiracial", ""], n),
        "GENDER": rng.choice(["F", "M"], n),
        "IEP": rng.choice(["Yes", "No", "unknown"], n, p=[0.2, 0.75, 0.05]),
        "PRIMARY_DIS": "",
        "ELL": rng.choice(["Y", "N"], n),
        "GRAD": outcome(),
        "SUSP": rng.choice(["Y", "N"], n),
    })


MESSY_MAPPING = {
    "kind": "students",
    "columns": {"student_id": "STU_NUM", "year": "SY", "district": "LEA_NAME", "school": "CAMPUS",
                "race": "ETHNICITY", "sex": "GENDER", "disability": "IEP", "disability_category": "PRIMARY_DIS",
                "english_learner": "ELL", "graduated": "GRAD", "suspended_out_of_school": "SUSP"},
    "values": {"disability": {"unknown": None}},  # rows with an unknown IEP flag are dropped
}


def test_a_mapped_file_is_read_as_the_loader_reads_it(tmp_path):
    frame = _messy_students()
    cats = np.where(frame["IEP"] == "Yes", np.random.default_rng(1).choice(["SLD", "Autism", "sli"], len(frame)), "")
    frame["PRIMARY_DIS"] = cats
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    mapping = parse_mapping(MESSY_MAPPING)
    memory = load(path, mapping=mapping).counts
    counted = count_source(open_source(path), mapping, quiet=True)
    pd.testing.assert_frame_equal(same(counted.counts), same(memory))
    assert counted.students == int((frame["IEP"] != "unknown").sum())


@pytest.mark.parametrize(("column", "value", "message"), [
    ("GRAD", "2", "outcome value not 0, 1 or blank"),
    ("ELL", "", "blank english learner flag"),
    ("ETHNICITY", "Martian", "unknown race/ethnicity code"),
    ("SY", "next year", "not a school year"),
    ("CAMPUS", "", "blank school name"),
])
def test_a_value_the_loader_refuses_is_refused_in_one_line(tmp_path, column, value, message):
    frame = _messy_students(60)
    frame.loc[7, column] = value
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as error:
        count_source(open_source(path), parse_mapping(MESSY_MAPPING), quiet=True)
    text = str(error.value)
    assert message in text and "\n" not in text and f"column '{column}'" in text
    with pytest.raises(InputError):  # the file loader refuses it too
        load_students(path, mapping=parse_mapping(MESSY_MAPPING))


def test_a_missing_column_names_what_was_expected(tmp_path):
    path = tmp_path / "kids.parquet"
    pd.DataFrame({"student_id": ["1"], "year": [2024]}).to_parquet(path)
    with pytest.raises(InputError, match=r"missing required column.*school"):
        count_source(open_source(path), quiet=True)


@pytest.mark.parametrize(("argv", "message"), [
    (["screen", "postgresql://nobody@127.0.0.1:1/state", "--table", "t"], "cannot reach the database"),
    (["screen", "nosuch+driver://host/db", "--table", "t"], "no database driver"),
    (["screen", "postgresql://host:port/db", "--table", "t"], "not a database URL"),
    (["screen", "duckdb:///no/such.duckdb", "--table", "t"], "no such DuckDB database file"),
    (["screen", "duckdb:///:memory:"], "give the table to read"),
    (["screen", "duckdb:///:memory:", "--table", "students"], "no table 'students'"),
    (["screen", "duckdb:///:memory:", "--query", "SELECT * FROM nowhere"], "the query fails"),
    (["screen", "missing.parquet", "--engine", "duckdb"], "file not found"),
    (["screen", str(DEMO), "--table", "t"], "need a database URL"),
])
def test_source_errors_end_in_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_no_password_in_messages():
    with pytest.raises(SourceError) as error:
        open_source("postgresql://ann:secret@127.0.0.1:1/state", table="t")
    assert "secret" not in str(error.value) and "***" in str(error.value)


def test_screen_out_of_core_prints_what_the_in_memory_screen_prints(capsys, demo_parquet):
    assert main(["screen", str(demo_parquet), "--top", "5"]) == 0  # small: pandas
    memory = capsys.readouterr().out
    assert main(["screen", str(demo_parquet), "--top", "5", "--engine", "duckdb"]) == 0
    out_of_core = capsys.readouterr().out
    note, rest = out_of_core.split("\n", 1)
    assert note.startswith("note: counted 60,053 student-year rows in duckdb")
    assert rest == memory


def test_big_files_and_urls_go_out_of_core(tmp_path, monkeypatch):
    from successgaps_lib.sources import dataset

    small = tmp_path / "small.csv"
    small.write_text("student_id,year,school\n1,2024,A\n")
    assert not wants_source(small)
    monkeypatch.setattr(dataset, "BIG_FILE", 10)
    assert wants_source(small) and wants_source("duckdb:///x.duckdb") and not wants_source(small, engine="pandas")


def test_a_table_of_counts_in_a_database_goes_through_the_counts_loader(tmp_path):
    database = tmp_path / "state.duckdb"
    import duckdb

    with duckdb.connect(str(database)) as con:
        con.execute("CREATE TABLE counts AS SELECT * FROM read_csv(?, all_varchar = true)",
                    [str(ROOT / "data" / "demo" / "counts.csv")])
    data = load_source(f"duckdb:///{database}", table="counts", quiet=True)
    pd.testing.assert_frame_equal(same(data.counts), same(load(ROOT / "data" / "demo" / "counts.csv").counts))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_read_shows_a_progress_bar_of_rows(monkeypatch, demo_parquet):
    import duckdb

    monkeypatch.setattr(progress, "DELAY", 0.0)
    source = open_source(demo_parquet)
    screen = _Terminal()
    with progress.reading(source, "reading rows", file=screen):
        source.duckdb.sql("SELECT count(DISTINCT hash(range)) FROM range(3000000)").fetchall()
    assert "reading rows" in screen.getvalue() and "60.1k" in screen.getvalue()
    quiet = io.StringIO()  # not a terminal: no bar
    with progress.reading(source, "reading rows", file=quiet):
        pass
    assert quiet.getvalue() == ""
    assert isinstance(source.duckdb, duckdb.DuckDBPyConnection) or hasattr(source.duckdb, "query_progress")
    later = _Terminal()
    with progress.waiting("screening 9 cells", file=later):
        pass
    assert "screening 9 cells" in later.getvalue()


# --- PostgreSQL ------------------------------------------------------------------------------

def _postgres_url() -> str:
    url = os.environ.get("SUCCESSGAPS_TEST_PG")
    reason = None
    if not url:
        reason = "no PostgreSQL server: run `eval \"$(bash tests/services/postgres.sh)\"` (.ci/run does)"
    else:
        try:
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.connect():
                pass
            engine.dispose()
        except sa.exc.OperationalError as error:
            reason = f"PostgreSQL at {url} does not answer: {str(error.orig).splitlines()[0]}"
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    if reason:
        pytest.skip(reason)
    return url


_FLAG_COLUMNS = ("disability", "english_learner", "econ_disadvantaged", "migrant", "homeless", "foster_care")
_TYPES = {"year": "integer", **dict.fromkeys(_FLAG_COLUMNS, "boolean"), **dict.fromkeys(STUDENT_OUTCOMES, "smallint")}


def _copy(url: str, table: str, frame: pd.DataFrame) -> None:
    """Load ``frame`` into a new PostgreSQL table with COPY (typed: integer years, boolean flags)."""
    import psycopg

    columns = ", ".join(f'"{c}" {_TYPES.get(c, "text")}' for c in frame.columns)
    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{table}"')
        cur.execute(f'CREATE TABLE "{table}" ({columns})')
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="")
        with cur.copy(f'COPY "{table}" FROM STDIN WITH (FORMAT csv)') as copy:
            copy.write(buffer.getvalue())


@pytest.fixture(scope="module")
def state_in_postgres():
    """A synthetic state (bench/statewide.py) loaded into PostgreSQL, and its students in memory."""
    from statewide import make_state

    url = _postgres_url()
    students = make_state(rows=40_000, districts=3, years=3, seed=7)
    frame = students.copy()
    for flag in ("disability", "english_learner", "econ_disadvantaged", "migrant", "homeless", "foster_care"):
        frame[flag] = frame[flag].map({True: "true", False: "false"})
    for outcome in STUDENT_OUTCOMES:
        frame[outcome] = frame[outcome].astype("Int64")
    _copy(url, "state_students", frame)
    return url, students


def _recorded(source):
    """Every statement the engine sends, and the rows each returned (SQLAlchemy's cursor events)."""
    sent = []

    @sa.event.listens_for(source.engine, "after_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, cursor.rowcount))

    return sent


def test_postgres_counts_equal_memory_and_no_student_row_leaves(state_in_postgres):
    url, students = state_in_postgres
    source = open_source(url, table="state_students")
    sent = _recorded(source)
    counted = count_source(source, quiet=True)
    source.close()
    pd.testing.assert_frame_equal(same(counted.counts), same(count_students(students)))
    assert counted.students == len(students)
    # what went to the server: two aggregates over the table, each a GROUP BY GROUPING SETS
    reading = [statement for statement, _ in sent if "state_students" in statement]
    assert len(reading) == 2 and all("GROUP BY GROUPING SETS" in s for s in reading)
    assert all("student_id" not in s for s in reading)
    fetched = sum(rows for statement, rows in sent if "GROUPING SETS" in statement)
    assert fetched == counted.rows_fetched
    # a row per place (school-year, district-year) and group value at most, whatever the students
    places = students.groupby(["year", "district", "school"]).ngroups + students.groupby(["year", "district"]).ngroups
    values = 1 + sum(students[d].nunique() for d in ("race", "sex", "disability", "english_learner",
                                                   "econ_disadvantaged", "migrant", "homeless", "foster_care"))
    vocabulary = sum(students[o].nunique() + 1 for o in STUDENT_OUTCOMES) + 2 * (1 + len(CATEGORIES))
    assert fetched <= places * values + vocabulary
    assert fetched < len(students) / 10


def test_postgres_query_source_and_cli(state_in_postgres, capsys):
    url, students = state_in_postgres
    query = "SELECT * FROM state_students WHERE year = 2025"
    with open_source(url, query=query) as source:
        counted = count_source(source, quiet=True)
    pd.testing.assert_frame_equal(same(counted.counts), same(count_students(students[students.year == 2025])))
    assert main(["screen", url, "--table", "state_students", "--top", "3"]) == 0
    assert f"counted {len(students):,} student-year rows in postgresql" in capsys.readouterr().out
    assert main(["screen", url, "--table", "nope"]) == 2
    assert "no table 'nope'" in capsys.readouterr().err


# --- Spark ----------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark 4 warns about pandas 3
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_spark_counts_equal_memory(demo_parquet, demo_memory):
    pytest.importorskip("pyspark", reason="pyspark (and Java) not installed: see docs/warehouse.md")
    from pyspark.sql import SparkSession

    from successgaps_lib.sources.spark import open_spark_source

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    counted = count_source(open_spark_source(demo_parquet, session=spark), quiet=True)
    pd.testing.assert_frame_equal(same(counted.counts), same(demo_memory))
    assert "GROUPING SETS" in counted.statements[-1]


def test_privacy_needs_only_the_blocks_of_the_shown_gaps():
    """The out-of-core screen hides its gaps with the counts of their districts and years only: same result."""
    from statewide import make_state

    from successgaps_lib import privacy
    from successgaps_lib.cli.screen import blocks_of
    from successgaps_lib.screen import screen

    counts = count_students(make_state(rows=12_000, districts=3, years=2, seed=11), schools=False)
    gaps = screen(counts, schools=False)
    some = gaps[gaps["district"] == gaps["district"].iloc[0]].reset_index(drop=True)
    assert len(blocks_of(counts, some)) < len(counts)
    whole = privacy.protect(some, counts=counts)
    pd.testing.assert_frame_equal(privacy.protect(some, counts=blocks_of(counts, some)), whole)
