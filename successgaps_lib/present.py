"""Serve the meeting dashboards of one workbook with Voila, for the room's screen.

What is served, and what is not: Voila gets a folder made for this run that holds one
dashboard notebook per scheduled meeting (``meeting_1.ipynb``...), written from the thin
notebooks in ``notebooks/live/``, and nothing else. The workbook folder, its data files and the
team's SQLite store are never under Voila's root; the kernels find the workbook through the
environment variable ``SUCCESSGAPS_WORKBOOK`` and read and write the store themselves.

How it is locked down:

- it listens on 127.0.0.1 unless told otherwise, and refuses any other address without a
  token or a password (``check_access``);
- no source cells (``strip_sources``) and no tracebacks (``show_tracebacks=False``) reach the
  page: a failing cell shows one plain sentence, the details go to the server log;
- a viewer cannot switch to another template or theme with ``?template=`` (Voila's own
  ``reveal`` and ``lab`` templates link style sheets from a CDN; ours,
  ``templates/voila/successgaps``, loads everything from the server);
- token and hashed password go into a private config file, never on a command line that
  ``ps`` shows.

In a room (``room.RoomVoila`` serves, see there): a closed or reloaded page shuts its kernel
down, kernels whose page went away silently are culled after ``cull_after`` seconds idle, at
most ``max_pages`` pages hold a kernel (one more gets a plain "all screens in use" page),
kernels talk to the server over Unix sockets, the served notebooks are signed (no "not
trusted" warnings), and Ctrl-C stops everything, checkpoints the store and says where the
team's work is (``keep_the_work``).

Members' own links: listening beyond this computer, each member on the roster gets a page of
their own (``homework_<name>.ipynb``: their ratings of the current homework, ``homework.view``)
and a link with a secret of their own (``homework.links``, kept in the workbook folder), which
opens that page and nothing else (``room.RoomIdentityProvider``). Their kernels take widget
messages only (``MEMBER_MESSAGES``): a page cannot run code of its own. With ``certfile`` and
``keyfile`` the server speaks HTTPS.

Start-up: each dashboard has a kernel that has already run its notebook waiting in a pool
(Voila's ``preheat_kernel``), so opening a dashboard only connects the page; a new kernel
is heated in the background for the next visitor.

>>> settings = Settings(workbook=Path("wb"))
>>> settings.ip, settings.needs_auth
('127.0.0.1', False)
>>> check_access(Settings(workbook=Path("wb"), ip="0.0.0.0"))
Traceback (most recent call last):
...
successgaps_lib.errors.ConfigError: listening on 0.0.0.0 lets other computers reach the dashboards: \
give a --token or a --password (or keep the default 127.0.0.1)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from . import meeting_index, paths
from . import workbook as workbooks
from .errors import ConfigError
from .groups import MEETINGS

#: Environment variable through which a dashboard kernel finds its workbook folder.
ENV_WORKBOOK = "SUCCESSGAPS_WORKBOOK"
#: Environment variable naming the folder where each kernel says its dashboard is built.
ENV_READY = "SUCCESSGAPS_READY_DIR"
#: Environment variable naming a private folder where the kernels share the screened gaps.
ENV_CACHE = "SUCCESSGAPS_CACHE_DIR"

#: The thin dashboard notebooks, one per kind of meeting (``groups.MEETINGS[n].notebook``).
LIVE_NOTEBOOKS = paths.LIVE_NOTEBOOKS
#: Our Voila template (``templates/voila/<TEMPLATE>``).
TEMPLATES = paths.TEMPLATES / "voila"
TEMPLATE = "successgaps"

#: The Voila application that serves the room (``room.RoomVoila``: Voila plus the room's bounds).
SERVER_MODULE = "successgaps_lib.room"

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
DEFAULT_IP = "127.0.0.1"
DEFAULT_PORT = 8866
#: Dashboard pages that may hold a kernel at once (a team of 8 to 12, a few screens more).
DEFAULT_MAX_PAGES = 16
#: An idle kernel whose page is gone (a closed laptop lid sends no shutdown) goes after this.
DEFAULT_CULL_AFTER = 600
CULL_INTERVAL = 60

#: The only kernel messages a page may send when members' links are served: what widgets need.
#: Voila runs the notebooks itself, so no page needs to ask a kernel to run code.
MEMBER_MESSAGES = ("comm_open", "comm_msg", "comm_close", "comm_info_request", "kernel_info_request")
#: The thin notebook of a member's own rating page.
MEMBER_NOTEBOOK = "homework_member"

#: What a page shows instead of a traceback when a cell fails.
CELL_ERROR_TEXT = "The details are in the log of the server that shows these dashboards."


@dataclass(frozen=True)
class Settings:
    """What ``successgaps present`` was asked to do."""

    workbook: Path
    ip: str = DEFAULT_IP
    port: int = DEFAULT_PORT
    token: str | None = None
    password: str | None = None  # plain text: hashed before it is written anywhere
    open_browser: bool = True
    preheat: bool = True  # keep a kernel that has already run each dashboard waiting
    pool_size: int = 1  # heated kernels per dashboard
    next_pool_size: int = 3  # ... for the next meeting's, which several people open at once
    first_meeting: int | None = None  # the dashboard to open (default: the next meeting by date)
    port_retries: int = 50  # try the next ports when the port is taken (0: fail instead)
    max_pages: int = DEFAULT_MAX_PAGES  # dashboard pages holding a kernel at once (0: no bound)
    cull_after: int = DEFAULT_CULL_AFTER  # seconds before an idle kernel with no page is shut down
    ipc: bool = os.name == "posix"  # kernels talk to the server over Unix sockets, not TCP
    certfile: str | None = None  # TLS certificate (PEM): HTTPS
    keyfile: str | None = None  # its private key, if not in the certificate file
    member_links: bool | None = None  # serve members' own links (None: when listening beyond this computer)
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def needs_auth(self) -> bool:
        return not is_loopback(self.ip)

    @property
    def serves_members(self) -> bool:
        return self.needs_auth if self.member_links is None else self.member_links

    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"


@dataclass(frozen=True)
class Launch:
    """A Voila server ready to start: the command, its environment and its folders."""

    argv: list[str]
    env: dict[str, str]
    served: Path  # Voila's root: dashboard notebooks only
    runtime: Path  # the private folder holding ``served``, the template and the config
    dashboards: tuple[str, ...]  # file names of the served notebooks, in meeting order
    first: str  # the dashboard opened first (the next meeting's)
    pools: dict[str, int]  # heated kernels kept waiting, per dashboard (empty without preheat)
    settings: Settings
    members: dict[str, str] = field(default_factory=dict)  # member -> secret of their own link (if served)

    @property
    def ready_dir(self) -> Path:
        return self.runtime / "ready"

    @property
    def base_url(self) -> str:
        """Where this computer reaches the server (every-interface addresses via loopback)."""
        ip = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.settings.ip, self.settings.ip)
        host = f"[{ip}]" if ":" in ip else ip
        return f"{self.settings.scheme}://{host}:{self.settings.port}/"

    @property
    def public_url(self) -> str:
        """Where other computers reach it (this computer's name when it listens everywhere)."""
        if self.settings.ip in ("", "0.0.0.0", "::"):
            import socket

            return f"{self.settings.scheme}://{socket.gethostname()}:{self.settings.port}/"
        return self.base_url

    def member_url(self, name: str, base: str | None = None) -> str:
        """A member's own link (from other computers by default)."""
        from .homework.links import member_link

        return member_link(base or self.public_url, self.members[name])

    def url(self, dashboard: str | None = None) -> str:
        """The address of one dashboard (default: the tree of all of them), token included."""
        path = f"voila/render/{dashboard}" if dashboard else ""
        query = f"?token={self.settings.token}" if self.settings.token else ""
        return self.base_url + path + query


# --- Access ---------------------------------------------------------------------------------

def is_loopback(ip: str) -> bool:
    """Whether ``ip`` (an address or host name) is reachable only from this computer.

    >>> [is_loopback(a) for a in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "", "192.168.1.5")]
    [True, True, True, False, False, False]
    """
    text = ip.strip().strip("[]").lower()
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False  # a host name other than localhost, or "" (every interface)


def check_access(settings: Settings) -> None:
    """Refuse to listen beyond this computer without a token or a password."""
    if settings.needs_auth and not (settings.token or settings.password):
        where = settings.ip or "every network interface"
        raise ConfigError(f"listening on {where} lets other computers reach the dashboards: "
                          "give a --token or a --password (or keep the default 127.0.0.1)")
    if settings.token is not None and len(settings.token) < 8:
        raise ConfigError("the --token is too short to protect the dashboards: use at least 8 characters")


# --- The served folder ----------------------------------------------------------------------

def dashboard_name(meeting: int) -> str:
    """File name of a meeting's dashboard in the served folder.

    >>> dashboard_name(3)
    'meeting_3.ipynb'
    """
    return f"meeting_{meeting}.ipynb"


def scheduled_meetings(workbook_dir: Path) -> list[int]:
    """The meetings in the workbook's schedule (every meeting when none is scheduled)."""
    wb = workbooks.load(workbook_dir, check_files=False)
    return [m.number for m in wb.meetings] or list(MEETINGS)


def dashboard_notebook(meeting: int, source_dir: Path = LIVE_NOTEBOOKS) -> nbformat.NotebookNode:
    """The dashboard notebook of one meeting: its kind's notebook with ``meeting`` set.

    The cell tagged ``parameters`` is replaced by ``meeting = N``, as papermill would.
    """
    path = source_dir / f"{MEETINGS[meeting].notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ConfigError(f"{path}: needs exactly one cell tagged 'parameters' (found {len(cells)})")
    cells[0].source = f"meeting = {meeting}"
    return nb


def write_dashboards(folder: Path, meetings: list[int], source_dir: Path = LIVE_NOTEBOOKS,
                     notary=None) -> tuple[str, ...]:
    """Write one dashboard notebook per meeting into ``folder``; returns their file names.

    With a ``notary`` each notebook is signed: we wrote it, so the server trusts it (and says
    nothing about untrusted notebooks in its log).
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for number in meetings:
        name = dashboard_name(number)
        nb = dashboard_notebook(number, source_dir)
        if notary is not None:
            notary.sign(nb)
        nbformat.write(nb, folder / name)
        names.append(name)
    return tuple(names)


def write_member_pages(folder: Path, names: list[str], source_dir: Path = LIVE_NOTEBOOKS,
                       notary=None) -> tuple[str, ...]:
    """One page per member (``room.member_notebook``): the member notebook with ``member`` set."""
    from .room import member_notebook

    path = source_dir / f"{MEMBER_NOTEBOOK}.ipynb"
    written = []
    for name in names:
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if len(cells) != 1:
            raise ConfigError(f"{path}: needs exactly one cell tagged 'parameters' (found {len(cells)})")
        cells[0].source = f"member = {name!r}"  # a Python literal whatever the name holds
        if notary is not None:
            notary.sign(nb)
        nbformat.write(nb, folder / member_notebook(name))
        written.append(member_notebook(name))
    return tuple(written)


def first_dashboard(workbook_dir: Path, today: dt.date | None = None) -> str:
    """The dashboard to open first: the next meeting from today, else the last one."""
    wb = workbooks.load(workbook_dir, check_files=False)
    if not wb.meetings:
        return dashboard_name(min(MEETINGS))
    today = today or dt.date.today()
    coming = [m for m in wb.meetings if m.date >= today]
    return dashboard_name((coming[0] if coming else wb.meetings[-1]).number)


# --- The command ----------------------------------------------------------------------------

def pool_sizes(settings: Settings, dashboards: tuple[str, ...], first: str) -> dict[str, int]:
    """Heated kernels to keep per dashboard: more for the next meeting's.

    >>> pool_sizes(Settings(workbook=Path("wb")), ("meeting_1.ipynb", "meeting_2.ipynb"), "meeting_2.ipynb")
    {'meeting_1.ipynb': 1, 'meeting_2.ipynb': 3}
    """
    if not settings.preheat:
        return {}
    sizes = {name: max(settings.pool_size, 0) for name in dashboards}
    sizes[first] = max(settings.next_pool_size, settings.pool_size, 0)
    return {name: size for name, size in sizes.items() if size > 0}


def _config(settings: Settings, pools: Mapping[str, int], trust: Path | None = None) -> dict:
    """Voila's config file: the secrets (kept off the command line), the kernel pools, the room's
    bound, idle culling, the kernels' transport and where the served notebooks' signatures are."""
    # No file of the served folder is handed out as a file (it holds notebooks only anyway).
    config: dict = {"VoilaConfiguration": {"file_allowlist": []},
                    "RoomVoila": {"max_pages": max(settings.max_pages, 0)}}
    if settings.token:
        config.setdefault("Voila", {})["token"] = settings.token
    if settings.password:
        from jupyter_server.auth import passwd

        config["PasswordIdentityProvider"] = {"hashed_password": passwd(settings.password)}
    if pools:
        # Pools are filled for every notebook under the root; "default" covers any not listed.
        config["VoilaKernelManager"] = {"kernel_pools_config": {
            "default": {"pool_size": 0}, **{name: {"pool_size": n} for name, n in pools.items()}}}
    if settings.cull_after > 0:
        # Only kernels no page is connected to (cull_connected stays off); Voila never culls its pools.
        config["MappingKernelManager"] = {"cull_idle_timeout": settings.cull_after,
                                          "cull_interval": min(CULL_INTERVAL, settings.cull_after)}
    if settings.ipc:
        # Unix sockets next to the connection files (Voila's private folder): no port to reach.
        config["KernelManager"] = {"transport": "ipc"}
    if settings.certfile:
        config["RoomVoila"].update(certfile=str(Path(settings.certfile).resolve()),
                                   keyfile=str(Path(settings.keyfile).resolve()) if settings.keyfile else "")
    if settings.serves_members:
        config.setdefault("MappingKernelManager", {})["allowed_message_types"] = list(MEMBER_MESSAGES)
    if trust is not None:
        config["NotebookNotary"] = {"db_file": str(trust / "signatures.db"), "secret_file": str(trust / "secret")}
    return config


def trust_notary(folder: Path):
    """A notary whose signatures live in ``folder`` (this run's), not in the user's Jupyter data."""
    from nbformat.sign import NotebookNotary

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return NotebookNotary(db_file=str(folder / "signatures.db"), secret_file=str(folder / "secret"))


def voila_arguments(settings: Settings, served: Path, config_dir: Path, preheat: bool | None = None) -> list[str]:
    """Voila's command-line arguments (after ``python -m voila``).

    >>> args = voila_arguments(Settings(workbook=Path("wb")), Path("/srv"), Path("/cfg"))
    >>> [a for a in args if "tracebacks" in a or "strip" in a or "preheat" in a]
    ['--VoilaConfiguration.show_tracebacks=False', '--VoilaConfiguration.strip_sources=True', \
'--VoilaConfiguration.preheat_kernel=True']
    """
    args = [
        str(served),
        f"--Voila.ip={settings.ip or '0.0.0.0'}",  # "" is every interface too, and Voila warns on it
        f"--Voila.port={settings.port}",
        f"--Voila.port_retries={settings.port_retries}",
        "--Voila.open_browser=False",  # ``serve`` opens the first dashboard itself
        f"--Voila.config_file_paths={config_dir}",
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        f"--VoilaExecutor.cell_error_instruction={CELL_ERROR_TEXT}",
    ]
    if settings.preheat if preheat is None else preheat:
        args.append("--VoilaConfiguration.preheat_kernel=True")  # pool sizes: in the config file
    return args


def build(settings: Settings, runtime: Path) -> Launch:
    """Prepare ``runtime`` (an empty private folder) and return the command that serves it.

    ``runtime`` gets ``dashboards/`` (Voila's root), ``share/voila/templates/`` (our template,
    found through ``JUPYTER_PATH``), ``config/voila.json`` (token or hashed password, kernel
    pools, the room's bound, culling, IPC), ``trust/`` (the signatures of the served notebooks,
    so the server trusts what we wrote), ``ready/`` (one file per kernel that has built its
    dashboard) and ``cache/`` (the screened, protected gaps, computed by the first kernel and
    read by the others).
    """
    check_access(settings)
    if settings.certfile and not Path(settings.certfile).is_file():
        raise ConfigError(f"--certfile {settings.certfile}: no such file")
    if settings.keyfile and not Path(settings.keyfile).is_file():
        raise ConfigError(f"--keyfile {settings.keyfile}: no such file")
    workbook_dir = Path(settings.workbook).resolve()
    wb = workbooks.load(workbook_dir)  # a broken workbook fails here, with its one-line message
    runtime = Path(runtime).resolve()
    served = runtime / "dashboards"
    if workbook_dir == served or workbook_dir in served.parents:
        raise ConfigError(f"{runtime}: the dashboards cannot be served from inside the workbook folder")
    trust = runtime / "trust"
    notary = trust_notary(trust)
    dashboards = write_dashboards(served, scheduled_meetings(workbook_dir), notary=notary)
    members: dict[str, str] = {}
    if settings.serves_members and wb.team:
        from .homework.links import member_secrets

        members = member_secrets(workbook_dir, [m.name for m in wb.team])
        write_member_pages(served, list(members), notary=notary)
    first = dashboard_name(settings.first_meeting) if settings.first_meeting else first_dashboard(workbook_dir)
    if first not in dashboards:
        raise ConfigError(f"meeting {settings.first_meeting} is not in the workbook's schedule")
    pools = pool_sizes(settings, dashboards, first)

    share = _share_template(runtime)
    meeting_index.write_index(share / "voila" / "templates" / TEMPLATE, workbook_dir)  # the meetings, next first
    config_dir = runtime / "config"
    config_dir.mkdir()
    config_file = config_dir / "voila.json"
    config_file.write_text(json.dumps(_config(settings, pools, trust)), encoding="utf-8")
    config_file.chmod(0o600)
    (runtime / "ready").mkdir()
    (runtime / "cache").mkdir()

    env = {**os.environ, **settings.extra_env}
    env[ENV_WORKBOOK] = str(workbook_dir)
    env[ENV_READY] = str(runtime / "ready")
    env[ENV_CACHE] = str(runtime / "cache")
    env = _with_template_path(env, share)
    env.setdefault("PYTHONUNBUFFERED", "1")
    argv = [sys.executable, "-m", SERVER_MODULE, *voila_arguments(settings, served, config_dir, preheat=bool(pools))]
    return Launch(argv=argv, env=env, served=served, runtime=runtime, dashboards=dashboards, first=first,
                  pools=pools, settings=settings, members=members)


def _share_template(folder: Path) -> Path:
    """Our Voila template copied to ``folder/share/voila/templates/`` (once); returns ``folder/share``."""
    share = Path(folder) / "share"
    if not (share / "voila" / "templates" / TEMPLATE).is_dir():
        shutil.copytree(TEMPLATES / TEMPLATE, share / "voila" / "templates" / TEMPLATE)
    return share


def _with_template_path(env: Mapping[str, str], share: Path) -> dict[str, str]:
    """``env`` with ``share`` first on ``JUPYTER_PATH``, where Voila finds our template."""
    return {**env, "JUPYTER_PATH": os.pathsep.join(p for p in (str(share), env.get("JUPYTER_PATH", "")) if p)}


@dataclass(frozen=True)
class NotebookServer:
    """How to serve one notebook of one's own in Voila with our offline template (``serve_notebook``)."""

    argv: list[str]
    env: dict[str, str]
    url: str


def serve_notebook(cells: list[str], runtime: Path) -> NotebookServer:
    """Voila on a free 127.0.0.1 port for a notebook of these code ``cells`` (the explorer, say),
    written with our template under ``runtime``: Voila's own template links Font Awesome from a
    CDN. No token (tests, benchmarks). Start ``argv`` with ``env`` in ``runtime``, then
    ``wait_until_answering(url, process)``.
    """
    notebook = Path(runtime) / "notebook.ipynb"
    written = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    written.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(written, notebook)
    port = free_port("127.0.0.1")
    argv = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--ServerApp.token=", f"--VoilaConfiguration.template={TEMPLATE}",
            "--VoilaConfiguration.allow_template_override=NO"]
    return NotebookServer(argv, _with_template_path(os.environ, _share_template(runtime)), f"http://127.0.0.1:{port}/")


def runtime_folder() -> Path:
    """A new private folder (mode 0700) for one run, outside any workbook."""
    return Path(tempfile.mkdtemp(prefix="successgaps-present-"))


def free_port(ip: str) -> int:
    """A port nobody listens on now at ``ip``."""
    import socket

    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def with_free_port(settings: Settings) -> Settings:
    """``settings`` with a port nobody listens on now (for tests and benchmarks)."""
    return replace(settings, port=free_port(settings.ip), port_retries=0)


def wait_until_up(launch: Launch, process, timeout: float = 120.0) -> None:
    """Wait until the server answers and every heated kernel has built its dashboard.

    Raises ConfigError if the server stops or time runs out.
    """
    import time

    opener = _local_opener(bool(launch.settings.certfile))
    deadline = time.monotonic() + timeout
    answering = False
    while time.monotonic() < deadline:
        _still_running(process)
        answering = answering or _answers(opener, launch.base_url)
        if answering and heated(launch) >= sum(launch.pools.values()):
            return
        time.sleep(0.2)
    state = (f"{heated(launch)} of {sum(launch.pools.values())} kernels had built their dashboard"
             if answering else f"nothing answered at {launch.base_url}")
    raise ConfigError(f"the dashboard server was not ready within {timeout:.0f} s ({state})")


def wait_until_answering(url: str, process, timeout: float = 120.0) -> None:
    """Wait until the Voila server at ``url`` answers (``serve_notebook``); ConfigError if it stops or
    time runs out."""
    import time

    opener = _local_opener(url.startswith("https:"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _still_running(process)
        if _answers(opener, url):
            return
        time.sleep(0.2)
    raise ConfigError(f"the dashboard server was not ready within {timeout:.0f} s (nothing answered at {url})")


def _local_opener(https: bool):
    """An opener for our own server on this machine: never through a proxy from http_proxy/HTTPS_PROXY
    (one that cannot reach 127.0.0.1 would leave us waiting for ever, as on networks locked down to a
    registry proxy), and over HTTPS whatever certificate it shows."""
    import urllib.request

    handlers: list = [urllib.request.ProxyHandler({})]
    if https:
        import ssl

        handlers.append(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
    return urllib.request.build_opener(*handlers)


def _answers(opener, base_url: str) -> bool:
    import urllib.error

    try:
        with opener.open(base_url + "voila/static/voila.js", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers (e.g. 403 before login): it is up
    except OSError:
        return False


def _still_running(process) -> None:
    if process.poll() is not None:
        raise ConfigError(f"the dashboard server stopped at start-up (exit code {process.returncode}); "
                          "see the messages above")


def heated(launch: Launch) -> int:
    """How many kernels have built their dashboard so far (``dashboard.mark_ready`` counts them)."""
    try:
        return sum(1 for _ in launch.ready_dir.iterdir())
    except FileNotFoundError:
        return 0


def stop_server(process, timeout: float = 30.0) -> None:
    """Ask Voila to stop (SIGTERM: it shuts its kernels down), and make sure it did."""
    import subprocess

    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def keep_the_work(workbook_dir: Path) -> str:
    """Checkpoint the team's store (nothing left only in its ``-wal`` file); say where it is."""
    from .backup import BackupError, checkpoint, store_path

    path = store_path(Path(workbook_dir).resolve())
    if not path.is_file():
        return f"Nothing was saved in this workbook yet (the team's work would be in {path})."
    try:
        checkpoint(path)
    except BackupError as error:
        return f"The team's work is in {path}; {error}."
    return (f"The team's work is saved in {path}.\n"
            f"Keep a copy with: successgaps backup {Path(workbook_dir)}")


def serve(settings: Settings) -> int:
    """Run the server until Ctrl-C (or SIGTERM); print where to find it; returns Voila's exit code.

    Voila runs in its own session, so Ctrl-C reaches this process only: it stops Voila (which
    shuts its kernels down), removes the run's folder, checkpoints the store and prints where
    the team's work is, without a traceback from any of them.
    """
    import signal
    import subprocess
    import webbrowser

    check_access(settings)
    runtime = runtime_folder()

    def stop_on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    process = None
    code = 0
    try:
        launch = build(settings, runtime)
        process = subprocess.Popen(launch.argv, env=launch.env, start_new_session=True)
        if launch.pools:
            print(f"Preparing {len(launch.dashboards)} dashboards ({sum(launch.pools.values())} kernels)...",
                  flush=True)
        wait_until_up(launch, process)
        url = launch.url(launch.first)
        print(f"\nThe meeting dashboards are at {launch.url()}\n"
              f"Next meeting: {url}\nStop with Ctrl-C.\n", flush=True)
        if launch.public_url != launch.base_url:
            print(f"From other computers: {launch.public_url} (with the token or password)\n", flush=True)
        if launch.members:
            print("Each member's own link (their ratings of the current homework, nothing else):", flush=True)
            for name in launch.members:
                print(f"  {name}: {launch.member_url(name)}", flush=True)
            print("", flush=True)
        if settings.open_browser:
            webbrowser.open(url)
        code = process.wait()
    except KeyboardInterrupt:
        print("\nStopping the dashboards...", flush=True)
    finally:
        # A second Ctrl-C while stopping must not leave Voila and its kernels behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if process is not None:
                stop_server(process)
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(runtime, ignore_errors=True)
    print(keep_the_work(settings.workbook), flush=True)
    return code
