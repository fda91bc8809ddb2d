"""Big sources: student records counted where they lie (a warehouse, a data lake, a big file).

The file loader (``load``) reads a district's file into pandas. A state's records are too
many for that: this subpackage counts them inside the engine that holds them, through one
query layer (SQLAlchemy Core, which writes ``GROUP BY GROUPING SETS`` for every dialect that
has it), so that only counts come back:

* ``connect``: ``open_source(URL, table=... | query=...)`` or ``open_source("big.parquet")``
  (embedded DuckDB, the default engine) -> a ``Source``;
* ``counting``: ``count_source(source, mapping)`` -> the canonical counts table that
  ``aggregate.count_students`` makes, from one GROUPING SETS query;
* ``spark``: the same statements run on a Spark session, for records in a data lake;
* ``progress``: a terminal progress bar for long reads.

See docs/warehouse.md.
"""

from .connect import Source, SourceError, is_url, open_source
from .counting import Counted, count_source

__all__ = ["Counted", "Source", "SourceError", "count_source", "is_url", "open_source"]
