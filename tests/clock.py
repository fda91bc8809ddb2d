"""A clock for the store in tests: one second later at every call, so every timestamp is known."""

from __future__ import annotations

from datetime import datetime, timedelta


class TickingClock:
    """``clock()`` returns ``start`` plus one second, then two, ... (``Store.open(clock=...)``)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
