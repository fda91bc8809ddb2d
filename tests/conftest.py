"""Shared fixtures: paths to the repository, the demo district and the test files."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO
