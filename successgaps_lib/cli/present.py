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
from ..present import DEFAULT_IP, DEFAULT_PORT, Settings, check_access, is_loopback, serve
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
    p.add_argument("--no-browser", action="store_true", help="do not open the next meeting's dashboard")
    p.add_argument("--no-preheat", action="store_true",
                   help="start each dashboard's kernel when it is opened (slower to open, less memory)")


def settings_from(args: argparse.Namespace) -> Settings:
    """The server settings the arguments ask for (asks for the password if needed)."""
    token = secrets.token_urlsafe(24) if args.token == GENERATE else args.token
    password = None
    if args.password:
        password = os.environ.get(PASSWORD_ENV) or getpass.getpass("Password for the dashboards: ")
        if not password:
            raise ConfigError("--password: the password is empty")
    if args.port < 0 or args.port > 65535:
        raise ConfigError(f"--port {args.port}: expected a port number from 1 to 65535")
    settings = Settings(workbook=args.workbook, ip=args.ip, port=args.port, token=token, password=password,
                        open_browser=not args.no_browser, preheat=not args.no_preheat)
    check_access(settings)
    if not is_loopback(settings.ip):
        print(f"Listening on {settings.ip}: other computers on the network can reach the dashboards "
              "with the " + ("token" if token else "password") + ".")
    return settings


@command("present", "show a workbook's meeting dashboards on the room's screen (Voila)", add_arguments)
def run(args: argparse.Namespace) -> int:
    return serve(settings_from(args))
