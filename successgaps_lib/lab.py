"""The data team's own JupyterLab on a workbook folder: ``successgaps lab DIR``.

``prepare(directory)`` copies the explore notebook and every meeting notebook (``paths.NOTEBOOKS``,
the ones ``groups.MEETINGS`` names) into the workbook folder, with the parameters cell pointing at
that folder (``workbook = "."``), so each is ready to run there. A notebook already in the folder
is the team's own (perhaps edited) and is kept unless ``force``. ``command(directory)`` is the
JupyterLab command line that opens the folder.

>>> import tempfile
>>> from successgaps_lib.demo_workbook import copy_demo
>>> with tempfile.TemporaryDirectory() as folder:
...     _ = copy_demo(folder)
...     copied = prepare(folder)
...     [p.name for p in copied][:2], parameters(copied[0])["workbook"]
(['00_explore_gaps.ipynb', '01_getting_started.ipynb'], '.')
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat

from . import paths
from . import workbook as wbk
from .groups import MEETINGS

EXPLORE = "00_explore_gaps"
_WORKBOOK_LINE = re.compile(r"^workbook = .*$", re.M)
_HERE = 'workbook = "."  # this folder: `successgaps lab` copied the notebook into the workbook'


def stems() -> list[str]:
    """The notebooks a workbook folder gets: the explore notebook, then one per meeting notebook.

    >>> stems()
    ['00_explore_gaps', '01_getting_started', '02_rubric_review', '05_root_causes_and_plan', '07_monitoring']
    """
    return [EXPLORE, *dict.fromkeys(m.notebook for m in MEETINGS.values())]


def _parameters_cell(nb) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ValueError("the notebook has no cell tagged 'parameters'")


def parameters(path: str | os.PathLike) -> dict:
    """The values a notebook's parameters cell sets (it holds plain assignments only)."""
    namespace: dict = {}
    exec(_parameters_cell(nbformat.read(path, as_version=4)).source, {}, namespace)  # our own shipped cell
    return namespace


def prepare(directory: str | os.PathLike, *, force: bool = False) -> list[Path]:
    """Copy the notebooks into a workbook folder (``workbook.yml`` checked first); return those copied."""
    book = wbk.load(directory)  # a folder without a valid workbook.yml says how to make one
    folder = book.directory
    copied = []
    for stem in stems():
        target = folder / f"{stem}.ipynb"
        if target.exists() and not force:
            continue
        nb = nbformat.read(paths.NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        cell = _parameters_cell(nb)
        if not _WORKBOOK_LINE.search(cell.source):
            raise ValueError(f"{stem}.ipynb: its parameters cell sets no 'workbook'")
        cell.source = _WORKBOOK_LINE.sub(_HERE, cell.source, count=1)
        for c in nb.cells:  # shipped without outputs; make sure of it
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
        nbformat.write(nb, target)
        copied.append(target)
    return copied


def command(directory: str | os.PathLike, *, browser: bool = True) -> list[str]:
    """The command that opens JupyterLab on the folder (this Python's JupyterLab, so its packages).

    >>> command("/tmp/w", browser=False)[1:3]
    ['-m', 'jupyterlab']
    """
    line = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path(directory).resolve()}"]
    return line + ([] if browser else ["--no-browser"])
