"""A copy of the demo district's workbook to try the workbook on: ``successgaps init DIR --demo``.

The copy is a workbook folder like any other: ``workbook.yml`` (the demo team, meetings and
target gap), the team's work so far (``team_work.json``) and the data file beside them
(``students.csv``), so it runs from anywhere, an installed package included (``paths.DEMO``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import paths
from .errors import ConfigError

DATA_FILE = "students.csv"
_DATA_LINE = f"path: ../{DATA_FILE}"  # how the shipped workbook.yml names its data, one folder up


def copy_demo(directory: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Copy the demo workbook and its data into ``directory``; return its ``workbook.yml``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = copy_demo(Path(folder) / "demo")
    ...     sorted(p.name for p in file.parent.iterdir())
    ['students.csv', 'team_work.json', 'workbook.yml']
    """
    folder = Path(directory)
    target = folder / "workbook.yml"
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} exists already; pass --force to overwrite it")
    text = (paths.DEMO_WORKBOOK / "workbook.yml").read_text(encoding="utf-8")
    if _DATA_LINE not in text:  # the shipped file changed shape: say so rather than write a broken copy
        raise ConfigError(f"{paths.DEMO_WORKBOOK / 'workbook.yml'}: no '{_DATA_LINE}' line to point at the copy")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(paths.DEMO / DATA_FILE, folder / DATA_FILE)
    shutil.copyfile(paths.DEMO_WORKBOOK / "team_work.json", folder / "team_work.json")
    target.write_text(text.replace(_DATA_LINE, f"path: {DATA_FILE}", 1), encoding="utf-8")
    return target
