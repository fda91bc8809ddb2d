"""The same count on Spark, for student records that sit in a data lake.

``open_spark_source(path | table=... | query=...)`` makes a ``connect.Source`` over a local or
cluster Spark session (``SparkSession.builder.getOrCreate()``: ``spark-submit`` or
``PYSPARK_SUBMIT_ARGS`` choose the cluster; with neither, a local session on this machine)
with a temporary view ``source`` over the Parquet/CSV files, a catalog table or a query.
``counting`` then writes its two statements in Spark SQL (``SparkDialect``: SQLAlchemy's
standard SQL with backquoted names; Spark has had ``GROUP BY GROUPING SETS`` and
``grouping()`` since 2.0) and Spark runs them: only counts come back to this process.

pyspark is not a dependency of the workbook (it needs Java and is large): ``pip install
pyspark`` where Spark is used. The exact command is in docs/warehouse.md.

>>> import sqlalchemy as sa
>>> t = sa.table("source", sa.column("year"), sa.column("race"))
>>> statement = sa.select(t.c.year, sa.func.count()).group_by(sa.func.grouping_sets(sa.tuple_(t.c.year)))
>>> " ".join(str(statement.compile(dialect=SparkDialect())).split())
'SELECT `source`.`year`, count(*) AS `count_1` FROM `source` GROUP BY GROUPING SETS((`source`.`year`))'
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import IdentifierPreparer

from .connect import Source, SourceError, _first_line


class _Backquotes(IdentifierPreparer):
    def __init__(self, dialect):
        super().__init__(dialect, initial_quote="`", escape_quote="`")

    def _requires_quotes(self, value: str) -> bool:  # Spark is case-insensitive: quote every name
        return True


class SparkDialect(DefaultDialect):
    """Spark SQL, as far as the counting statements need it: backquoted names, true/false literals."""

    name = "spark"
    preparer = _Backquotes
    supports_native_boolean = True


def open_spark_source(spec=None, *, table: str | None = None, query: str | None = None, session=None) -> Source:
    """A ``Source`` whose statements Spark runs (module docstring)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError("--engine spark needs pyspark (and Java): pip install pyspark") from None
    spark = session or SparkSession.builder.appName("successgaps").getOrCreate()
    try:
        if table:
            frame, name = spark.table(table), table
        elif query:
            frame, name = spark.sql(query), "the query"
        else:
            path = str(spec)
            reader = spark.read.option("header", "true")
            text = Path(path).suffix.lower() in (".csv", ".tsv", ".txt")  # read as text, as the loader does
            frame = reader.csv(path) if text else reader.parquet(path)
            name = path
        frame.createOrReplaceTempView("source")
    except Exception as error:  # Spark's AnalysisException and friends: one line for the user
        raise SourceError(f"{spec or table or 'spark'}: Spark cannot read it: {_first_line(error)}") from None
    import sqlalchemy as sa

    columns = tuple(frame.columns)
    return Source(name, None, sa.table("source", *[sa.column(c) for c in columns]), columns, spark=spark)
