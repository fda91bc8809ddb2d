"""The sub-command registry: each command module registers its commands here with ``@command``.

A command is a name, a one-line help, a function that adds its arguments to an argparse
parser, and a function that runs it and returns the exit status. ``cli.main`` builds the
parser from ``COMMANDS``; adding a command is one decorated function in one module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register the decorated ``run(args) -> int`` as the sub-command ``name``."""
    def register(run):
        COMMANDS[name] = Command(name, help, add_arguments, run)
        return run
    return register
