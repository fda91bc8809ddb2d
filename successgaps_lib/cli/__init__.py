"""The ``successgaps`` command line.

One module per group of sub-commands (``screen``, ``handouts``, ``present``, ``demo``); each
registers its commands in ``registry.COMMANDS`` with ``@command``: a command adds its own
arguments and runs. Errors a user can fix (``SuccessGapsError``, a missing file) print
one line and exit 2, with no traceback.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import SuccessGapsError
from . import (  # noqa: F401  (each registers its commands)
    backup,
    check,
    demo,
    disproportionality,
    handouts,
    homework,
    lab,
    present,
    screen,
)
from .registry import COMMANDS, Command, command

__all__ = ["COMMANDS", "Command", "build_parser", "command", "main"]

# --- entry point --------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="successgaps",
        description="Success Gaps Workbook: find success gaps in district data and run the team's meetings.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        cmd.add_arguments(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help[0].upper() + cmd.help[1:]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args) or 0
    except SuccessGapsError as error:
        print(f"successgaps: error: {error}", file=sys.stderr)
    except FileNotFoundError as error:
        print(f"successgaps: error: {error.filename or error}: no such file", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2

