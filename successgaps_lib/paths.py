"""Where the workbook's own files are: notebooks, templates, the rubric and the demo district.

Every module finds them through this one place. They have one source of truth, the folders
of the repository (``notebooks/``, ``templates/``, ``data/demo/``), which a district edits
and the tests read. Building the wheel copies them into the package as
``successgaps_lib/resources/`` (``setup.py``), so an installed package finds them through
``importlib.resources`` with no clone anywhere; a clone (``make setup`` installs the
package in editable mode) has no such folder and uses the repository's own.

>>> (NOTEBOOKS / "01_getting_started.ipynb").is_file(), RUBRIC.is_file(), (DEMO_WORKBOOK / "workbook.yml").is_file()
(True, True, True)
"""

from importlib.resources import files
from pathlib import Path

#: The resources' names inside the package, and the repository folders they are copied from.
RESOURCES = {"notebooks": "notebooks", "templates": "templates", "demo": "data/demo"}

PACKAGED = Path(str(files("successgaps_lib") / "resources"))  # an installed wheel (pip installs to disk)
ROOT = Path(__file__).resolve().parent.parent  # the repository, in a clone
INSTALLED = (PACKAGED / "notebooks").is_dir()


def resource(name: str) -> Path:
    """The folder of one resource (a key of ``RESOURCES``): inside the installed package, else in the clone."""
    return PACKAGED / name if INSTALLED else ROOT / RESOURCES[name]


NOTEBOOKS = resource("notebooks")
LIVE_NOTEBOOKS = NOTEBOOKS / "live"  # the thin Voila dashboards
TEMPLATES = resource("templates")
RUBRIC = TEMPLATES / "rubric.yml"
DEMO = resource("demo")
DEMO_WORKBOOK = DEMO / "workbook"
