"""environment.yml (conda users) and pyproject.toml (pip, what CI runs) list the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI's
CONDA_NAMES = {"python-duckdb": "duckdb"}


def _split(requirement: str) -> tuple[str, str]:
    name, _, bound = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[\w,]+\])?\s*(([<>=!~]=?)\s*[\w.*]+)?",
                              requirement).groups()
    return name.lower().replace("_", "-"), (bound or "").replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return dict(_split(r) for r in requirements)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    packages = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python=", "pip")):
            name, bound = _split(dep)
            packages[CONDA_NAMES.get(name, name)] = bound
    return packages


def test_same_packages_and_bounds():
    assert _conda() == _pyproject()


def test_python_version_matches():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert "python=3.11" in env["dependencies"] and requires == ">=3.11"
