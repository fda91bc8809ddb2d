"""A progress bar on the terminal while a big source is read and counted.

``reading(source)`` is a context manager around one long query: a tqdm bar of rows read
(DuckDB reports how far a query is; the total comes from the Parquet metadata), or of time
waited where the database does not say (PostgreSQL). ``waiting(what)`` shows the time spent
on a later step that cannot say how far it is (screening a state's cells, the privacy
layer). Both show only on a terminal (tqdm's ``disable=None``) and only for work longer than
``DELAY`` seconds, so tests, logs and short runs stay quiet.
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
    def poll():
        done = _done(source)
        if done is not None and total:
            bar.update(max(0, min(total, int(done * total)) - bar.n))
        else:
            bar.refresh()

    try:
        with _every(0.25, poll):
            yield bar
    finally:
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


@contextlib.contextmanager
def waiting(what: str, *, file=None):
    """A bar of time spent on one long step that cannot say how far it is (screening millions of cells)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=None, desc=what, bar_format="{desc}: {elapsed}", delay=DELAY, disable=None,
               file=file or sys.stderr, leave=False, dynamic_ncols=True)
    try:
        with _every(0.5, bar.refresh):
            yield bar
    finally:
        bar.close()


@contextlib.contextmanager
def _every(seconds: float, call):
    """Run ``call()`` every ``seconds`` in a thread of its own while the block runs."""
    stop = threading.Event()

    def run():
        while not stop.wait(seconds):
            call()

    thread = threading.Thread(target=run, daemon=True, name="successgaps-progress")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
