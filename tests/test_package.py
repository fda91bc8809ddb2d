"""Installed, not cloned: the wheel carries its notebooks, templates and demo; ``successgaps lab``.

The wheel test builds the wheel from the files a clone has (``git ls-files``, uncommitted new
files included), installs it with pip into a fresh virtual environment in a temporary folder,
and runs the commands from a folder outside the repository. The dependencies come from this
test environment's site-packages, added to the new environment's path by a ``.pth`` file
holding that one directory: Python does not run the ``.pth`` files *inside* such a directory,
so this environment's editable install of the package (a finder installed by a ``.pth``) is
not seen, and ``successgaps_lib`` can only come from the wheel. No registry is asked
(``--no-index``): the test runs offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from successgaps_lib import lab, paths
from successgaps_lib.cli import main
from successgaps_lib.errors import SuccessGapsError

ROOT = Path(__file__).resolve().parents[1]


# --- successgaps init --demo, successgaps lab ----------------------------------------------------

def test_init_demo_is_a_workbook_that_runs_from_anywhere(tmp_path, capsys):
    folder = tmp_path / "try"
    assert main(["init", str(folder), "--demo"]) == 0
    text = (folder / "workbook.yml").read_text(encoding="utf-8")
    assert "path: students.csv" in text and "../students.csv" not in text
    assert (folder / "students.csv").read_bytes() == (paths.DEMO / "students.csv").read_bytes()
    assert main(["init", str(folder), "--demo"]) == 2  # never overwrites in silence
    assert "--force" in capsys.readouterr().err


def test_lab_copies_the_notebooks_pointing_at_the_workbook(tmp_path, capsys):
    folder = tmp_path / "w"
    main(["init", str(folder), "--demo"])
    assert main(["lab", str(folder), "--dry-run", "--no-browser"]) == 0
    out = capsys.readouterr().out
    assert f"--ServerApp.root_dir={folder.resolve()}" in out and "--no-browser" in out
    for stem in lab.stems():
        copy = folder / f"{stem}.ipynb"
        assert lab.parameters(copy)["workbook"] == "."
        assert (folder / lab.parameters(copy)["workbook"] / "workbook.yml").is_file()
        original = nbformat.read(paths.NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        assert len(nbformat.read(copy, as_version=4).cells) == len(original.cells)
    assert {p.stem for p in folder.glob("*.ipynb")} == set(lab.stems()) and len(lab.stems()) == 5
    # The team's edits to its copy are kept; --force replaces them.
    edited = folder / "00_explore_gaps.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Exploring success gaps", "Our gaps"),
                      encoding="utf-8")
    main(["lab", str(folder), "--dry-run"])
    assert "Our gaps" in edited.read_text(encoding="utf-8") and "Kept the folder's own" in capsys.readouterr().out
    main(["lab", str(folder), "--dry-run", "--force"])
    assert "Our gaps" not in edited.read_text(encoding="utf-8")


def test_lab_on_a_folder_without_a_workbook_says_how_to_make_one(tmp_path, capsys):
    assert main(["lab", str(tmp_path), "--dry-run"]) == 2
    assert "successgaps init" in capsys.readouterr().err
    with pytest.raises(SuccessGapsError):
        lab.prepare(tmp_path)


@pytest.mark.slow
def test_the_copied_explore_notebook_runs_in_the_workbook_folder(tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / "w"
    main(["init", str(folder), "--demo"])
    main(["lab", str(folder), "--dry-run"])
    nb = nbformat.read(folder / "00_explore_gaps.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Riverside Unified (demo)" in text and "Traceback" not in text


# --- The installed wheel -------------------------------------------------------------------------

def _clone_files(dest: Path) -> Path:
    """The files a clone has (tracked, plus new files not ignored) copied to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment holding the wheel (dependencies from this environment, see above)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git clone to know which files the wheel is built from")
    base = tmp_path_factory.mktemp("wheel")
    source = _clone_files(base / "source")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(base / "dist"),
                    str(source)], check=True, capture_output=True)
    wheel = next((base / "dist").glob("successgaps-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "successgaps_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    outside = base / "elsewhere"
    outside.mkdir()
    # The dependencies' data files (nbconvert's templates, ...) are in this environment's share/jupyter, where a
    # real install puts them in the new one's: linked in, all but the kernels, so that the only python3 kernel
    # is ipykernel's native one, the new environment's own Python.
    jupyter = base / "jupyter"
    (jupyter / "path").mkdir(parents=True)
    for part in (Path(sys.prefix) / "share" / "jupyter").iterdir():
        if part.name != "kernels":
            (jupyter / "path" / part.name).symlink_to(part)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", JUPYTER_DATA_DIR=str(jupyter / "data"),
               JUPYTER_CONFIG_DIR=str(jupyter / "config"), JUPYTER_PATH=str(jupyter / "path"))
    return {"wheel": wheel, "venv": venv, "python": python, "cwd": outside, "env": env}


def _run(installed, *argv: str) -> subprocess.CompletedProcess:
    done = subprocess.run(list(argv), cwd=installed["cwd"], env=installed["env"], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_the_wheel_carries_notebooks_templates_rubric_and_demo(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    prefix = "successgaps_lib/resources/"
    for stem in lab.stems():
        assert f"{prefix}notebooks/{stem}.ipynb" in names
    assert {f"{prefix}templates/rubric.yml", f"{prefix}demo/students.csv", f"{prefix}demo/workbook/workbook.yml",
            f"{prefix}notebooks/live/01_getting_started.ipynb"} <= names
    assert not any("team_work.sqlite" in n or ".ipynb_checkpoints" in n for n in names)
    ready = ("edfacts-acgr", "idea618-child-count", "crdc-school", "crdc-school-files")  # used by name
    assert {f"successgaps_lib/mappings/{n}.yml" for n in ready} <= names
    where = _run(installed, str(installed["python"]), "-c",
                 "import successgaps_lib, successgaps_lib.paths as p; print(successgaps_lib.__file__); "
                 "print(p.INSTALLED, p.NOTEBOOKS, p.RUBRIC.is_file())").stdout.split()
    assert where[0].startswith(str(installed["venv"])) and where[1] == "True"
    assert where[2].startswith(str(installed["venv"])) and where[3] == "True"
    kernel = _run(installed, str(installed["python"]), "-c", "import json; from jupyter_client.kernelspec import "
                  "KernelSpecManager as M; print(json.dumps(M().get_kernel_spec('python3').argv))").stdout
    assert json.loads(kernel)[0] in (str(installed["python"]), "python")  # the handouts' kernel: the wheel's


@pytest.mark.slow
def test_the_installed_wheel_runs_init_handouts_and_screen_outside_the_repository(installed):
    folder = installed["cwd"] / "demo-workbook"
    bin_ = installed["venv"] / "bin"
    _run(installed, str(bin_ / "successgaps"), "init", str(folder), "--demo")
    _run(installed, str(bin_ / "successgaps"), "init", str(installed["cwd"] / "new"), "--district", "Lakeside")
    assert (installed["cwd"] / "new" / "workbook.yml").is_file()
    done = _run(installed, str(bin_ / "successgaps"), "handouts", str(folder), "--meeting", "1", "--no-pdf",
                "--quiet")
    handout = next((folder / "handouts").rglob("*handout*.html"))
    text = handout.read_text(encoding="utf-8")
    assert "Riverside Unified (demo)" in text and "students with disabilities" in text, done.stdout
    screened = _run(installed, str(bin_ / "successgaps"), "screen", str(folder / "students.csv"), "--top", "3",
                    "--out", str(installed["cwd"] / "gaps.csv"))
    assert "candidate gaps flagged" in screened.stdout and (installed["cwd"] / "gaps.csv").stat().st_size > 0
