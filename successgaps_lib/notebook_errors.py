"""In a notebook, a mistake the user can fix is one line, not a traceback.

``one_line_errors()`` tells IPython to show a ``SuccessGapsError`` (an unknown school, group,
outcome or year; an invalid workbook) as its message alone. The cell still fails, so papermill
and nbclient still stop on it; only the display changes. Outside IPython it does nothing.
``Exploration.open`` and ``Meeting.open`` call it, so a notebook needs no setup of its own.

>>> one_line_errors()  # a plain Python process: nothing to do
False
"""

from __future__ import annotations

from .errors import SuccessGapsError


def _show(shell, etype, value, tb, tb_offset=None):
    lines = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, lines)  # the kernel's error message, with these lines as its traceback
    return lines


def one_line_errors() -> bool:
    """Show the workbook's own errors as one line in the running IPython shell; True if there is one."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if SuccessGapsError not in tuple(getattr(shell, "custom_exceptions", ())):
        shell.set_custom_exc((SuccessGapsError,), _show)
    return True
