"""``successgaps present DIR``: show a workbook's meeting dashboards on the room's screen (Voila).

It listens on 127.0.0.1 unless ``--ip`` says otherwise; any other address needs ``--token``
(given, or generated when ``--token`` has no value) or ``--password`` (asked for, or read from
``$SUCCESSGAPS_PASSWORD``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
from pathlib import Path

from ..errors import ConfigError
from ..present import (
    DEFAULT_CULL_AFTER,
    DEFAULT_IP,
    DEFAULT_MAX_PAGES,
    DEFAULT_PORT,
    Settings,
    check_access,
    is_loopback,
    serve,
)
from .registry import command

PASSWORD_ENV = "SUCCESSGAPS_PASSWORD"
GENERATE = "generate"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, metavar="DIR", help="the workbook folder (with workbook.yml)")
    p.add_argument("--ip", default=DEFAULT_IP,
                   help=f"address to listen on (default {DEFAULT_IP}: this computer only); "
                        "any other address needs --token or --password")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--token", nargs="?", const=GENERATE, default=None, metavar="TOKEN",
                   help="require this token in the address (with no value: make one up and print it)")
    p.add_argument("--password", action="store_true",
                   help=f"require a password, asked for now (or taken from ${PASSWORD_ENV})")
    p.add_argument("--certfile", metavar="FILE",
                   help="TLS certificate (PEM) of this computer: serve over HTTPS (with --keyfile if separate)")
    p.add_argument("--keyfile", metavar="FILE", help="the certificate's private key (PEM)")
    p.add_argument("--no-member-links", dest="member_links", action="store_false", default=None,
                   help="listening beyond this computer, serve no member's own link (only the token or password)")
    p.add_argument("--no-browser", action="store_true", help="do not open the next meeting's dashboard")
    p.add_argument("--no-preheat", action="store_true",
                   help="start each dashboard's kernel when it is opened (slower to open, less memory)")
    p.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES, metavar="N",
                   help=f"most dashboard pages open at once (default {DEFAULT_MAX_PAGES}; each holds a kernel "
                        "of about 300 MB); one more is asked to wait; 0: no bound")
    p.add_argument("--cull-after", type=int, default=DEFAULT_CULL_AFTER, metavar="SECONDS",
                   help=f"shut down a kernel whose page went away without saying so (a closed laptop) after "
                        f"SECONDS idle (default {DEFAULT_CULL_AFTER}; 0: never)")


def settings_from(args: argparse.Namespace) -> Settings:
    """The server settings the arguments ask for (asks for the password if needed)."""
    token = secrets.token_urlsafe(24) if args.token == GENERATE else args.token
    password = None
    if args.password:
        password = os.environ.get(PASSWORD_ENV) or _ask_password()
        if not password:
            raise ConfigError("--password: the password is empty")
    if args.port < 0 or args.port > 65535:
        raise ConfigError(f"--port {args.port}: expected a port number from 1 to 65535")
    if args.max_pages < 0 or args.cull_after < 0:
        raise ConfigError("--max-pages and --cull-after take 0 or a positive number")
    if args.keyfile and not args.certfile:
        raise ConfigError("--keyfile needs --certfile (the certificate it belongs to)")
    settings = Settings(workbook=args.workbook, ip=args.ip, port=args.port, token=token, password=password,
                        open_browser=not args.no_browser, preheat=not args.no_preheat,
                        max_pages=args.max_pages, cull_after=args.cull_after, certfile=args.certfile,
                        keyfile=args.keyfile, member_links=args.member_links)
    check_access(settings)
    if not is_loopback(settings.ip) and not settings.certfile:
        print(f"Listening on {settings.ip or 'every network interface'} without encryption (plain HTTP): "
              "other computers reach the dashboards with the " + ("token" if token else "password")
              + ", and anyone on this network can read what is sent (--certfile and --keyfile: HTTPS).")
    return settings


def _ask_password() -> str:
    """The password typed at the terminal; one line (``ConfigError``) when there is no terminal to type it on."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)  # no terminal: it would echo, or wait on nothing
        try:
            return getpass.getpass("Password for the dashboards: ")
        except (EOFError, OSError, getpass.GetPassWarning):
            raise ConfigError(f"--password: there is no terminal to type the password on; set the environment "
                              f"variable {PASSWORD_ENV} to it instead") from None


@command("present", "show a workbook's meeting dashboards on the room's screen (Voila)", add_arguments)
def run(args: argparse.Namespace) -> int:
    return serve(settings_from(args))
