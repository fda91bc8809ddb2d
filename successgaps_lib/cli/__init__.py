"""The ``successgaps`` command line.

One module per group of sub-commands (``screen``, ``handouts``, ``present``, ``demo``); each
registers its commands in ``registry.COMMANDS`` with ``@command``: a command adds its own
arguments and runs. Errors a user can fix (``SuccessGapsError``, a missing file) print
one line and exit 2, with no traceback.
"""

from __future__ import annotations

import argparse
import errno
import sqlite3
import sys

from .. import __version__
from ..errors import SuccessGapsError
from ..limits import LIMITS, set_limits
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
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help="raise one of the limits on what is read (repeatable), e.g. --limit rows=20000000; "
                        f"limits: {', '.join(LIMITS)} (docs/limits.md)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        cmd.add_arguments(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help[0].upper() + cmd.help[1:]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        set_limits(args.limit)
        return COMMANDS[args.command].run(args) or 0
    except SuccessGapsError as error:
        print(f"successgaps: error: {error}", file=sys.stderr)
    except FileNotFoundError as error:
        print(f"successgaps: error: {error.filename or error}: no such file", file=sys.stderr)
    except sqlite3.Error as error:  # the store: a full disk, a read-only folder, a damaged file
        print(f"successgaps: error: {storage_line(error)}", file=sys.stderr)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        print(f"successgaps: error: {storage_line(error)}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


def storage_line(error: BaseException) -> str:
    """One line for a file that cannot be written: a full disk, a read-only folder, no permission.

    >>> import sqlite3
    >>> print(storage_line(sqlite3.OperationalError("database or disk is full")))  # doctest: +NORMALIZE_WHITESPACE
    the disk is full (database or disk is full): free some space and run the command again;
    what was being saved was not kept
    """
    text = " ".join(str(error).split())
    number = getattr(error, "errno", None)
    if number in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "No space left" in text:
        return (f"the disk is full ({text}): free some space and run the command again; "
                "what was being saved was not kept")
    if number in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text or "read-only" in text:
        return (f"a file cannot be written here ({text}): run the command in a folder this account may write, "
                "or copy the workbook folder to one")
    return f"the team's store cannot be used ({text})"

