"""The Voila server a meeting room uses: Voila, with the three things a room needs added.

``successgaps present`` runs ``python -m successgaps_lib.room`` (Voila's own options) instead
of ``python -m voila``. What it changes, and why:

- **A closed or reloaded page shuts its kernel down.** Voila's page sends
  ``POST voila/api/shutdown/<kernel>`` when it unloads, with the ``_xsrf`` cookie's value in the
  form, and the server refuses a POST without it (``403 '_xsrf' argument missing``). Voila's
  dashboard handler never sets that cookie (only the tree and login pages do), so a dashboard
  opened straight from its address could never shut its kernel down. ``RoomHandler`` sets the
  cookie (Tornado does it on first reading ``xsrf_token``) before the page is sent, so the
  check passes; the check itself stays on.
- **A bound.** At most ``max_pages`` dashboards hold a kernel at once (the preheated pool
  comes on top). One more gets a plain page saying the room is full, with HTTP 503, instead
  of a kernel that would take the laptop's last memory.
- **A quiet shutdown.** A page whose kernel is already gone (culled, or the server stopped it)
  still sends its shutdown request; that is answered 204 instead of logging an error. When the
  server stops, heated kernels still running their dashboard finish first (up to
  ``SETTLE_SECONDS``): a kernel stopped mid-cell writes a traceback into the log.

- **Members' own links.** ``/homework/<secret>`` (``MemberLinkHandler``) opens one member's
  rating page (``homework_<name>.ipynb``, see ``homework.view``) and sets a signed cookie holding
  the secret; ``RoomIdentityProvider`` then lets that browser reach that page, the static files
  and the kernels started for that page, and nothing else: not another member's page, not the
  facilitator's dashboards, not the list of dashboards. The facilitator's token or password
  opens everything, as before. An unknown secret gets a plain 404.
- **HTTPS** with ``certfile`` (and ``keyfile``): the same server over TLS.

Culling of idle kernels, the IPC transport and the trusted notebooks are plain configuration,
written by ``present._config``.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import ssl
from pathlib import Path
from urllib.parse import urlparse

import tornado.web
from jupyter_core.utils import run_sync
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider, User
from traitlets import Integer, Type, Unicode
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

#: How long stopping waits for heated kernels still running their dashboard.
SETTLE_SECONDS = 20.0

#: Shown (HTTP 503) when every allowed dashboard page already holds a kernel.
FULL_TITLE = "All the meeting's screens are in use"
FULL_TEXT = ("{open} dashboard pages are open, the most this computer serves at once. Close a dashboard "
             "tab you no longer need (on any screen), then reload this page. Nothing anyone entered is lost.")


def full_page(open_pages: int) -> str:
    """The page shown when the room is full (self-contained: nothing to load)."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(FULL_TITLE)}</title><link rel='icon' href='data:;base64,='>"
            "<style>body{font:1.25rem/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}"
            "</style></head><body class='sg-room-full'>"
            f"<h1>{html.escape(FULL_TITLE)}</h1><p>{html.escape(FULL_TEXT.format(open=open_pages))}</p>"
            "</body></html>")


#: The cookie that carries a member's secret after their link was opened (signed by the server).
MEMBER_COOKIE = "successgaps-member"
#: Paths a member's browser may always load (the page's scripts, styles and widgets).
MEMBER_ASSETS = ("voila/static/", "voila/templates/", "voila/labextensions/", "voila/api/themes/", "static/")
_KERNEL_PATH = re.compile(r"^(?:api/kernels|voila/api/shutdown|voila/query|voila/execution)/([0-9a-f-]{36})(?:/|$)")

NO_PAGE_TITLE = "This link opens nothing"
NO_PAGE_TEXT = ("The address is not, or no longer, a team member's link. Ask the facilitator for yours; "
                "each member's link is printed on their rating sheet.")


def member_notebook(name: str) -> str:
    """The served file name of a member's own rating page.

    >>> member_notebook("Dr. Ann O'Neil")
    'homework_dr-ann-o-neil.ipynb'
    """
    from .handouts import slug

    return f"homework_{slug(name)}.ipynb"


def plain_page(title: str, text: str) -> str:
    """A self-contained page with one sentence (nothing to load)."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><link rel='icon' href='data:;base64,='>"
            "<style>body{font:1.25rem/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}"
            f"</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")


def _workbook_folder() -> Path | None:
    folder = os.environ.get("SUCCESSGAPS_WORKBOOK")  # present.ENV_WORKBOOK (not imported: a light module)
    return Path(folder) if folder else None


class MemberLinkHandler(tornado.web.RequestHandler):
    """``/homework/<secret>``: the member's own page, and the cookie that lets their browser in."""

    def get(self, secret: str):
        from .homework.links import member_for

        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        folder = _workbook_folder()
        member = member_for(folder, secret) if folder is not None and secret else None
        if member is None:
            self.set_status(404)
            self.finish(plain_page(NO_PAGE_TITLE, NO_PAGE_TEXT))
            return
        https = self.request.protocol == "https"
        self.set_signed_cookie(MEMBER_COOKIE, secret, expires_days=None, httponly=True, samesite="Lax",
                               secure=https)
        base = self.settings.get("base_url", "/")
        self.redirect(f"{base.rstrip('/')}/voila/render/{member_notebook(member)}")


class RoomIdentityProvider(PasswordIdentityProvider):
    """The facilitator logs in with the token or password as before; a member's browser, with the
    cookie their link set, is let in for their own page and its kernels only."""

    async def _get_user(self, handler) -> User | None:
        user = await super()._get_user(handler)
        if user is not None:
            return user
        return self.member_user(handler)

    def member_user(self, handler) -> User | None:
        """The member whose cookie this request carries, if the path is theirs to reach."""
        from .homework.links import member_for

        folder = _workbook_folder()
        if folder is None:
            return None
        try:
            raw = handler.get_signed_cookie(MEMBER_COOKIE)
        except Exception:  # no cookie secret (tests), a damaged cookie
            return None
        member = member_for(folder, raw.decode()) if raw else None
        if member is None:
            return None
        base = handler.settings.get("base_url", "/")
        path = handler.request.path[len(base):] if handler.request.path.startswith(base) else ""
        own = member_notebook(member)
        allowed = path == f"voila/render/{own}" or path.startswith(MEMBER_ASSETS)
        kernel = _KERNEL_PATH.match(path)
        if kernel is not None:
            app = handler.settings.get("voila")
            allowed = getattr(app, "kernel_notebooks", {}).get(kernel[1]) == own
        if not allowed:
            self.log.warning("A member's link asked for %s, which is not theirs: refused", path)
            return None
        return User(username=f"member:{own}", name=member, display_name=member)


class RoomHandler(TornadoVoilaHandler):
    """Voila's dashboard page, with the ``_xsrf`` cookie set and the room's bound."""

    @tornado.web.authenticated
    async def get(self, path=None):
        app = self.settings.get("voila")
        limit = getattr(app, "max_pages", 0)
        if limit > 0:
            open_pages = app.pages_open()
            if open_pages >= limit:
                self.log.warning("Room full: %d dashboard pages hold a kernel (the bound is %d); "
                                 "a new page was asked to wait", open_pages, limit)
                self.set_status(503)
                self.set_header("Retry-After", "30")
                self.set_header("Cache-Control", "no-store")
                self.finish(full_page(open_pages))
                return
        self.xsrf_token  # noqa: B018 -- reading it sets the _xsrf cookie the page's shutdown request sends
        await super().get(path)


class RoomShutdownHandler(VoilaShutdownKernelHandler):
    """The page's shutdown request; a kernel already gone is fine (204), not an error."""

    @tornado.web.authenticated
    async def post(self, kernel_id):
        if kernel_id not in self.kernel_manager:
            self.set_status(204)
            self.finish()
            return
        await super().post(kernel_id)


class RoomVoila(Voila):
    """Voila with ``RoomHandler`` and ``RoomShutdownHandler`` in place of Voila's own, members'
    links, and HTTPS."""

    max_pages = Integer(0, config=True,
                        help="Most dashboard pages holding a kernel at once (0: no bound); "
                             "the preheated pool comes on top")
    identity_provider_class = Type(default_value=RoomIdentityProvider, klass=IdentityProvider, config=True,
                                   help="Who is let in: the facilitator's token or password, members' links")
    certfile = Unicode("", config=True, help="TLS certificate (PEM): serve over HTTPS")
    keyfile = Unicode("", config=True, help="TLS private key (PEM), if not in the certificate file")

    def init_settings(self):
        settings = super().init_settings()
        self._page_kernels: set[str] = set()
        #: kernel id -> the served notebook it was started for (a member may reach their own only)
        self.kernel_notebooks: dict[str, str] = {}
        manager = self.kernel_manager
        # A page gets its kernel from a pool (get_rendered_notebook) or, when none is heated,
        # starts one (start_kernel); the pools' own kernels are started by Voila's _initialize,
        # which calls the base class and so is not counted here.
        if hasattr(manager, "get_rendered_notebook"):
            take = manager.get_rendered_notebook

            async def get_rendered_notebook(*args, **kwargs):
                render_task, cache, kernel_id = await take(*args, **kwargs)
                self._page_kernels.add(kernel_id)
                name = kwargs.get("notebook_name", args[0] if args else "")
                self.kernel_notebooks[kernel_id] = os.path.basename(str(name))
                return render_task, cache, kernel_id

            manager.get_rendered_notebook = get_rendered_notebook
        start = manager.start_kernel

        async def start_kernel(*args, **kwargs):
            kernel_id = await start(*args, **kwargs)
            self._page_kernels.add(kernel_id)
            # Voila passes the page's address to the kernel it starts for it.
            page = (kwargs.get("env") or {}).get("VOILA_REQUEST_URL", "")
            self.kernel_notebooks[kernel_id] = os.path.basename(urlparse(page).path)
            return kernel_id

        manager.start_kernel = start_kernel
        return settings

    def pages_open(self) -> int:
        """How many dashboard pages hold a kernel now (kernels handed to a page and still running)."""
        self._page_kernels &= set(self.kernel_manager.list_kernel_ids())
        return len(self._page_kernels)

    def stop(self):
        run_sync(self._settle)()
        super().stop()

    async def _settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Let heated kernels finish running their dashboard before they are shut down.

        A kernel stopped in the middle of a cell writes a traceback to the log as it goes; a
        pool being refilled when the meeting ends is common, so wait for it (a little).
        """
        pending = [t for pool in getattr(self.kernel_manager, "_pools", {}).values() for t in pool]
        if not pending:
            return
        deadline = asyncio.get_running_loop().time() + timeout
        done, _ = await asyncio.wait(pending, timeout=timeout)
        renders = [t.result()["task"] for t in done if not t.cancelled() and t.exception() is None]
        left = deadline - asyncio.get_running_loop().time()
        if renders and left > 0:
            await asyncio.wait(renders, timeout=left)

    def init_handlers(self):
        swap = {TornadoVoilaHandler: RoomHandler, VoilaShutdownKernelHandler: RoomShutdownHandler}
        link = (self.server_url.rstrip("/") + r"/homework/([A-Za-z0-9_-]{0,100})", MemberLinkHandler)
        return [link, *((spec[0], swap.get(spec[1], spec[1]), *spec[2:]) for spec in super().init_handlers())]

    def listen(self):
        if self.certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certfile, self.keyfile or None)
            plain = self.app.listen
            self.app.listen = lambda port, address="", **kw: plain(port, address, ssl_options=context, **kw)
        super().listen()


main = RoomVoila.launch_instance

if __name__ == "__main__":
    main()
