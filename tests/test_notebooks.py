"""The meeting notebooks: committed clean, parameterised for papermill, and every one runs under nbval.

nbval runs in a subprocess (``pytest --nbval-lax`` on the five notebooks) so that ``make test``,
whose test paths are tests/ and successgaps_lib/, runs them too. ``--nbval-lax``: every cell must
run without error; outputs are not compared (charts carry per-figure ids). What the notebooks
show is checked by tests/test_handout_content.py on the handouts built from them.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from successgaps_lib.groups import MEETINGS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MEETING_STEMS = sorted({m.notebook for m in MEETINGS.values()})
ALL = ["00_explore_gaps", *MEETING_STEMS]


def load(stem: str):
    return nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)


def test_every_meeting_has_its_notebook():
    assert MEETING_STEMS == ["01_getting_started", "02_rubric_review", "05_root_causes_and_plan", "07_monitoring"]
    for stem in ALL:
        nbformat.validate(load(stem))


@pytest.mark.parametrize("stem", ALL)
def test_notebook_is_committed_without_outputs(stem):
    for cell in load(stem).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (stem, cell.source[:40])


@pytest.mark.parametrize("stem", ALL)
def test_notebook_metadata_lets_papermill_run_it(stem):
    meta = load(stem).metadata
    assert meta.kernelspec.name == "python3" and meta.kernelspec.language == "python"
    assert meta.language_info.name == "python"


@pytest.mark.parametrize("stem", ALL)
def test_parameters_cell_defaults_run_from_the_notebooks_folder(stem):
    cells = [c for c in load(stem).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    values = {}
    exec(compile(cells[0].source, stem, "exec"), {}, values)  # the cell only assigns literals
    assert (NOTEBOOKS / values["workbook"] / "workbook.yml").is_file()
    if stem in MEETING_STEMS:
        assert values["meeting"] in MEETINGS and MEETINGS[values["meeting"]].notebook == stem
        assert values["overrides"] == {}
    # papermill injects the parameters in a cell after this one: nothing here may derive from them
    assert all(isinstance(node, ast.Assign) for node in ast.parse(cells[0].source).body)


@pytest.mark.parametrize("stem", ALL)
def test_notebook_holds_narrative_and_calls_not_logic(stem):
    nb = load(stem)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown) >= 5
    for cell in code:
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, ast.FunctionDef | ast.ClassDef | ast.For | ast.While | ast.If | ast.With)
                       for n in ast.walk(tree)), cell.source
        assert len(cell.source.splitlines()) <= 7, cell.source
    # headings start at level 2: the handout prints the meeting's title as its only level-1 heading
    assert not any(line.startswith("# ") for c in markdown for line in c.source.splitlines())


@pytest.mark.slow
def test_every_notebook_runs_under_nbval():
    # one worker per notebook file: the cells of a notebook share one kernel
    parallel = ["-n", "2", "--dist", "loadfile"] if importlib.util.find_spec("xdist") else []
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               *parallel, *(str(NOTEBOOKS / f"{stem}.ipynb") for stem in ALL)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
