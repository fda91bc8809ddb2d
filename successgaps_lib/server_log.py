"""The server's log: where a kernel writes what must never reach a page (tracebacks, paths).

In a Jupyter kernel, ``sys.stderr`` is sent to the page, and so is file descriptor 2:
ipykernel points it at a pipe it forwards over the websocket (``capture_fd_output``), then
echoes to the terminal of the server through a copy of the original descriptor. Writing
to ``sys.__stderr__`` is therefore not private either. ``logger(name)`` gives a logger whose
records go only to that original descriptor when there is one (the terminal or log file of
the server that runs the kernels: ``successgaps present``, Voila, JupyterLab), and to
``sys.__stderr__`` outside a kernel (a script, a test). It never propagates to the root
logger, whose last-resort handler writes to ``sys.stderr``.

``plain(text)`` shortens every absolute path in a message to its last part, for a line a
member may see.

>>> plain("cannot open /srv/district/workbook/team_work.sqlite: locked")
'cannot open team_work.sqlite: locked'
"""

from __future__ import annotations

import io
import logging
import re
import sys

_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"]+)+[\\/]([^\s\\/'\"]+)")


def plain(text: str) -> str:
    """``text`` with each absolute path cut to its file name."""
    return _PATH.sub(lambda m: m[1], str(text))


class _ServerHandler(logging.StreamHandler):
    """Writes to the server's own stream, looked up when each record is written."""

    def __init__(self):
        super().__init__(sys.__stderr__)
        self._copies: dict[int, io.TextIOWrapper] = {}

    def _server_stream(self):
        fd = getattr(sys.stderr, "_original_stdstream_copy", None)  # set by ipykernel
        if isinstance(fd, int):
            if fd not in self._copies:
                self._copies[fd] = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), write_through=True)
            return self._copies[fd]
        return sys.__stderr__

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = self._server_stream()
        if self.stream is not None:
            super().emit(record)


def logger(name: str, label: str | None = None) -> logging.Logger:
    """The logger ``name``, writing to the server's log only (set up once)."""
    log = logging.getLogger(name)
    if not any(isinstance(h, _ServerHandler) for h in log.handlers):
        handler = _ServerHandler()
        handler.setFormatter(logging.Formatter(f"[{label or name}] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log
