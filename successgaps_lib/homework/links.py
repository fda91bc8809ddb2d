"""A personal link per member: a secret that opens that member's own rating view, and nothing else.

The secrets live in the workbook folder, in ``member_links.json`` (readable by its owner only,
like the store beside it), one per member, made the first time they are needed and kept
after, so the link printed on a rating sheet or in an invitation keeps working. A member added
later gets a secret of their own; giving a member a new link is deleting their line.

The link is ``<server>/homework/<secret>``: ``successgaps present --ip 0.0.0.0`` serves it
(``room.MemberLinkHandler``). A secret is 24 random bytes (``secrets.token_urlsafe``) and is
compared in constant time.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> first = member_secrets(folder, ["Ana Diaz", "Bo Li"])
>>> member_secrets(folder, ["Ana Diaz"]) == {"Ana Diaz": first["Ana Diaz"]}
True
>>> member_for(folder, first["Bo Li"]), member_for(folder, "guess")
('Bo Li', None)
>>> member_link("http://laptop:8866/", "s3cret")
'http://laptop:8866/homework/s3cret'
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import socket
from collections.abc import Iterable
from pathlib import Path

from ..errors import ConfigError

LINKS_FILE = "member_links.json"
FORMAT = "successgaps-member-links"
#: Where a member's link starts: ``<server>/`` + this + the secret.
PREFIX = "homework/"
DEFAULT_PORT = 8866


def _path(folder: str | os.PathLike) -> Path:
    return Path(folder) / LINKS_FILE


def _read(folder) -> dict[str, str]:
    path = _path(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read the members' links ({error}); delete it to make new links") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("members"), dict):
        raise ConfigError(f"{path}: not a file of members' links; delete it to make new links")
    return {str(k): str(v) for k, v in data["members"].items()}


def member_secrets(folder: str | os.PathLike, names: Iterable[str]) -> dict[str, str]:
    """The secret of each named member, made (and saved) for those who have none yet."""
    known = _read(folder)
    wanted = list(names)
    missing = [n for n in wanted if n not in known]
    if missing:
        known.update({n: secrets.token_urlsafe(24) for n in missing})
        path = _path(folder)
        text = json.dumps({"format": FORMAT, "members": known}, ensure_ascii=False, indent=1) + "\n"
        temporary = path.with_name(f".{path.name}.new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    return {n: known[n] for n in wanted}


def member_for(folder: str | os.PathLike, secret: str) -> str | None:
    """The member whose secret this is, or None (every secret compared, in constant time)."""
    found = None
    for name, known in _read(folder).items():
        if hmac.compare_digest(known.encode(), str(secret).encode()):
            found = name
    return found


def base_url(port: int = DEFAULT_PORT, host: str | None = None, https: bool = False) -> str:
    """Where other computers reach the dashboards: this computer's name by default."""
    return f"{'https' if https else 'http'}://{host or socket.gethostname()}:{port}/"


def member_link(base: str, secret: str) -> str:
    """The member's own address on the server at ``base``."""
    return base.rstrip("/") + "/" + PREFIX + secret
