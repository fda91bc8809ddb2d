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

Culling of idle kernels, the IPC transport and the trusted notebooks are plain configuration,
written by ``present._config``.
"""

from __future__ import annotations

import asyncio
import html

import tornado.web
from jupyter_core.utils import run_sync
from traitlets import Integer
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
    """Voila with ``RoomHandler`` and ``RoomShutdownHandler`` in place of Voila's own."""

    max_pages = Integer(0, config=True,
                        help="Most dashboard pages holding a kernel at once (0: no bound); "
                             "the preheated pool comes on top")

    def init_settings(self):
        settings = super().init_settings()
        self._page_kernels: set[str] = set()
        manager = self.kernel_manager
        # A page gets its kernel from a pool (get_rendered_notebook) or, when none is heated,
        # starts one (start_kernel); the pools' own kernels are started by Voila's _initialize,
        # which calls the base class and so is not counted here.
        if hasattr(manager, "get_rendered_notebook"):
            take = manager.get_rendered_notebook

            async def get_rendered_notebook(*args, **kwargs):
                render_task, cache, kernel_id = await take(*args, **kwargs)
                self._page_kernels.add(kernel_id)
                return render_task, cache, kernel_id

            manager.get_rendered_notebook = get_rendered_notebook
        start = manager.start_kernel

        async def start_kernel(*args, **kwargs):
            kernel_id = await start(*args, **kwargs)
            self._page_kernels.add(kernel_id)
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
        return [(spec[0], swap.get(spec[1], spec[1]), *spec[2:]) for spec in super().init_handlers()]


main = RoomVoila.launch_instance

if __name__ == "__main__":
    main()
