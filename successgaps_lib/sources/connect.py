"""Opening a big source as one SQL relation: a database table or query, or a Parquet/CSV file.

``open_source(spec, table=..., query=...)`` returns a ``Source``: a SQLAlchemy engine and the
relation (a table, a query as a subquery, or a view over the file) with its column names.
Nothing is read from the relation here but its columns.

* a database URL: ``postgresql://user@host:5432/db`` (psycopg), ``duckdb:///state.duckdb``
  (read only), or any URL SQLAlchemy has a dialect for (``mssql+pyodbc://...``), with
  ``table`` (``schema.table`` allowed) or ``query`` (a SELECT);
* a Parquet or CSV file (or a glob such as ``lake/*.parquet``): read by an embedded DuckDB
  (the default engine) through a view, in a memory limit, never loaded into pandas. A CSV
  is read as text, as ``read.read_table`` reads it.

Every problem a user can cause (a malformed URL, a missing driver, a server that does not
answer, a missing table, a bad query) is a ``SourceError``: one line, no password in it.

>>> source = open_source("nope.parquet")
Traceback (most recent call last):
...
successgaps_lib.sources.connect.SourceError: nope.parquet: file not found; expected a Parquet or CSV file
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SuccessGapsError

#: The embedded DuckDB's memory limit: it spills to disk beyond it, so a process stays under 2 GB.
DUCKDB_MEMORY = "1200MB"
DUCKDB_CONFIG = {"memory_limit": DUCKDB_MEMORY}
#: Per connection: progress tracked (our bar reads it) but never printed by DuckDB itself.
DUCKDB_SESSION = ("SET enable_progress_bar = true", "SET enable_progress_bar_print = false")
FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv", ".txt")


class SourceError(SuccessGapsError):
    """A database or big file that cannot be opened or read as asked: one line for the user."""


@dataclass(eq=False)
class Source:
    """One relation to count from, on the engine that holds it."""

    name: str  # what messages call it: the URL without its password, or the file
    engine: object  # sqlalchemy.Engine
    relation: object  # sqlalchemy FromClause: the table, the query or the file's view
    columns: tuple[str, ...]
    rows: int | None = None  # rows of the relation when known cheaply (Parquet metadata), for progress
    duckdb: object | None = None  # the embedded DuckDB connection (progress, Arrow results), if any
    statements: list[str] = field(default_factory=list)  # every statement run by ``run``, as sent
    rows_fetched: int = 0  # rows that left the database through ``run``
    connection: object | None = None  # kept open: an in-memory DuckDB's view lives in its connection
    spark: object | None = None  # a SparkSession when the statements run on Spark (``spark.py``)

    @property
    def sql_dialect(self):
        """The SQLAlchemy dialect statements are written in (Spark SQL for a Spark session)."""
        if self.spark is not None:
            from .spark import SparkDialect

            return SparkDialect()
        return self.engine.dialect

    @property
    def dialect(self) -> str:
        return self.sql_dialect.name

    def sql(self, statement) -> str:
        """``statement`` as the text the database receives (values inlined)."""
        return str(statement.compile(dialect=self.sql_dialect, compile_kwargs={"literal_binds": True}))

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        if self.engine is not None:
            self.engine.dispose()


def is_url(spec: object) -> bool:
    """True for a database URL such as ``postgresql://...`` or ``duckdb:///file.duckdb``.

    >>> is_url("postgresql://localhost/state"), is_url("students.parquet"), is_url("C:/data.csv")
    (True, False, False)
    """
    text = str(spec)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and len(scheme) > 1 and all(c.isalnum() or c in "+-." for c in scheme)


def shown_url(url: str) -> str:
    """The URL without its password, for messages.

    >>> shown_url("postgresql://ann:secret@db.example/state")
    'postgresql://ann:***@db.example/state'
    """
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: show its scheme only
        return url.partition("://")[0] + "://..."


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def open_source(spec, *, table: str | None = None, query: str | None = None, engine=None) -> Source:
    """Open ``spec`` (a URL or a file) for counting; see the module docstring."""
    if is_url(spec):
        return _open_database(str(spec), table=table, query=query)
    if table or query:
        raise SourceError(f"{spec}: --table and --query need a database URL such as postgresql://host/db "
                          "or duckdb:///file.duckdb")
    return _open_file(spec)


def _engine(url: str):
    import sqlalchemy as sa

    shown = shown_url(url)
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise SourceError(f"{shown}: not a database URL; expected one such as "
                          "postgresql://user@host:5432/database or duckdb:///state.duckdb") from None
    kwargs = {}
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["connect_args"] = {"connect_timeout": 10}
    if parsed.drivername == "duckdb":
        database = parsed.database or ":memory:"
        if database != ":memory:" and not Path(database).is_file():
            raise SourceError(f"{shown}: no such DuckDB database file {database!r}")
        kwargs["connect_args"] = {"read_only": database != ":memory:",
                                  "config": dict(DUCKDB_CONFIG)}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as error:
        raise SourceError(f"{shown}: no database driver for {parsed.drivername!r} ({_first_line(error)}); "
                          "install the SQLAlchemy dialect for it") from None
    if parsed.drivername == "duckdb":
        sa.event.listen(engine, "connect", _duckdb_session)
    return engine, shown


def _duckdb_session(dbapi_connection, record) -> None:
    for setting in DUCKDB_SESSION:
        dbapi_connection.execute(setting)


def _open_database(url: str, *, table: str | None, query: str | None) -> Source:
    import sqlalchemy as sa

    engine, shown = _engine(url)
    if bool(table) == bool(query):
        raise SourceError(f"{shown}: give the table to read (--table NAME) or a query (--query 'SELECT ...'), "
                          "one of the two")
    try:
        with engine.connect() as connection:
            if table:
                schema, _, name = table.rpartition(".")
                named = sa.table(name, schema=schema or None)
                probe = sa.select(sa.text("*")).select_from(named).where(sa.false())
                try:
                    columns = tuple(connection.execute(probe).keys())
                except sa.exc.DBAPIError as error:
                    raise SourceError(f"{shown}: no table {table!r} ({_first_line(error)})") from None
                relation = sa.table(name, *[sa.column(c) for c in columns], schema=schema or None)
            else:
                probe = sa.text(f"SELECT * FROM ({query}) AS source WHERE 1 = 0")
                try:
                    columns = tuple(connection.execute(probe).keys())
                except sa.exc.DBAPIError as error:
                    raise SourceError(f"{shown}: the query fails: {_first_line(error)}") from None
                relation = sa.text(query).columns(*[sa.column(c) for c in columns]).subquery("source")
    except SourceError:
        engine.dispose()
        raise
    except sa.exc.DBAPIError as error:
        engine.dispose()
        raise SourceError(f"{shown}: cannot reach the database: {_first_line(error)}") from None
    return Source(shown, engine, relation, columns)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _open_file(spec) -> Source:
    import sqlalchemy as sa
    from sqlalchemy.pool import StaticPool

    path = str(spec)
    matches = sorted(glob.glob(path)) if any(c in path for c in "*?[") else [path] * Path(path).is_file()
    if not matches:
        raise SourceError(f"{path}: file not found; expected a Parquet or CSV file")
    suffix = Path(matches[0]).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise SourceError(f"{path}: not a Parquet or CSV file (read {', '.join(FILE_SUFFIXES)}); "
                          "smaller files of other kinds are read with the file loader")
    parquet = suffix in (".parquet", ".pq")
    reader = (f"read_parquet({_quoted(path)})" if parquet else
              f"read_csv({_quoted(path)}, header = true, all_varchar = true)")
    engine = sa.create_engine("duckdb:///:memory:", poolclass=StaticPool,
                              connect_args={"config": dict(DUCKDB_CONFIG)})
    connection = engine.connect()
    raw = connection.connection.driver_connection
    try:
        for setting in (*DUCKDB_SESSION, "SET preserve_insertion_order = false"):
            raw.execute(setting).fetchall()
        raw.execute(f"CREATE VIEW source AS SELECT * FROM {reader}").fetchall()
        columns = tuple(row[0] for row in raw.execute("DESCRIBE source").fetchall())
        rows = None
        if parquet:
            metadata = f"SELECT sum(num_rows) FROM parquet_file_metadata({_quoted(path)})"
            rows = int(raw.execute(metadata).fetchall()[0][0])
    except Exception as error:  # DuckDB's own errors: unreadable file, bad CSV
        connection.close()
        engine.dispose()
        raise SourceError(f"{path}: cannot read the file: {_first_line(error)}") from None
    relation = sa.table("source", *[sa.column(c) for c in columns])
    return Source(path, engine, relation, columns, rows=rows, duckdb=raw, connection=connection)
