"""A progress bar on the terminal while a big source is read and counted.

``reading(source)`` is a context manager around one long query: a tqdm bar of rows read
(DuckDB reports how far a query is; the total comes from the Parquet metadata), or of time
waited where the database does not say (PostgreSQL). ``units(total, what)`` counts places
done afterwards. Both show only on a terminal (tqdm's ``disable=None``) and only for work
longer than ``DELAY`` seconds, so tests, logs and short runs stay quiet.
"""

from __future__ import annotations

import contextlib
import sys
import threading

#: Seconds before a bar appears: shorter work shows none.
DELAY = 2.0


@contextlib.contextmanager
def reading(source, what: str = "reading rows", *, file=None):
    """Show how many of the source's rows a running query has read (see the module docstring)."""
    from tqdm.auto import tqdm

    total = source.rows if source.duckdb is not None else None
    bar = tqdm(total=total, desc=what, unit=" rows", unit_scale=True, delay=DELAY, disable=None,
               file=file or sys.stderr, leave=False, dynamic_ncols=True)
    stop = threading.Event()

    def poll():
        while not stop.wait(0.25):
            done = _done(source)
            if done is not None and total:
                bar.update(max(0, min(total, int(done * total)) - bar.n))
            else:
                bar.refresh()

    thread = threading.Thread(target=poll, daemon=True, name="successgaps-progress")
    thread.start()
    try:
        yield bar
    finally:
        stop.set()
        thread.join()
        if total and not bar.disable:
            bar.update(total - bar.n)
        bar.close()


def _done(source) -> float | None:
    """The share of the running query done, from DuckDB (None where the engine cannot say)."""
    if source.duckdb is None:
        return None
    try:
        percent = source.duckdb.query_progress()
    except Exception:  # progress is a courtesy: never fail a count for it
        return None
    return None if percent < 0 else percent / 100


def units(iterable, total: int, what: str, *, file=None):
    """``iterable`` with a bar of ``what`` done (e.g. districts counted)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=what, unit=f" {what.split()[0]}", delay=DELAY, disable=None,
                file=file or sys.stderr, leave=False, dynamic_ncols=True)
