"""Build hook (the rest of the configuration is in pyproject.toml).

The wheel carries the notebooks, templates (with the rubric) and the demo district as package
data, ``successgaps_lib/resources/``, so ``pip install`` of the wheel alone runs ``init``,
``handouts`` and ``screen``. They are copied at build time from the repository's folders, their
one source of truth (``successgaps_lib.paths.RESOURCES``); an editable install uses those
folders in place.
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))
from successgaps_lib.paths import RESOURCES

# Never shipped: a store a live session left in the demo, notebook checkpoints, caches.
LEFT_OUT = shutil.ignore_patterns("team_work.sqlite*", ".ipynb_checkpoints", "__pycache__", "*.pyc")


class BuildPy(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's folders (paths.py)
        target = Path(self.build_lib) / "successgaps_lib" / "resources"
        for name, source in RESOURCES.items():
            shutil.copytree(Path(source), target / name, ignore=LEFT_OUT, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPy})
