"""Where the workbook's own files are: notebooks, templates and the demo district.

They sit beside the package in the repository, not inside it (``make`` installs the package
in editable mode), and every module finds them through this one place.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LIVE_NOTEBOOKS = NOTEBOOKS / "live"  # the thin Voila dashboards
TEMPLATES = ROOT / "templates"
RUBRIC = TEMPLATES / "rubric.yml"
DEMO = ROOT / "data" / "demo"
DEMO_WORKBOOK = DEMO / "workbook"
