"""Servers on 127.0.0.1 for the stand-ins: an aiohttp one (Slack, Stripe, SMS) and an aiosmtpd one (mail).

Each binds a free port when started and gives it back when stopped; a stand-in says only what it
serves (`routes`, `handler`).
"""

from __future__ import annotations

import socket
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


class LoopbackHttp:
    """An aiohttp server on a free port of 127.0.0.1; subclasses add their routes in `routes`."""

    client_max_size = 1024**2  # aiohttp's default request body limit

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def routes(self, app: web.Application) -> None:
        """Add this stand-in's routes to its application."""
        raise NotImplementedError

    def middlewares(self) -> list[Any]:
        """aiohttp middlewares around every route (none unless a stand-in needs them)."""
        return []

    async def start(self) -> None:
        """Bind a free port on 127.0.0.1 and start serving."""
        app = web.Application(client_max_size=self.client_max_size, middlewares=self.middlewares())
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT, without a trailing slash."""
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class LoopbackSmtp:
    """An aiosmtpd server, in its own thread, on a free port of 127.0.0.1; subclasses give its `handler`."""

    def __init__(self) -> None:
        self._controller: Controller | None = None
        self._port: int | None = None

    def handler(self) -> Any:
        """The aiosmtpd handler that receives this server's mail."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the SMTP server thread on a free port."""
        self._port = free_port()
        self._controller = Controller(self.handler(), hostname=HOST, port=self._port)
        self._controller.start()

    def stop(self) -> None:
        """Stop the server thread."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def url(self) -> str:
        """smtp://127.0.0.1:PORT, as SMTP_URL takes it."""
        return f"smtp://{HOST}:{self.port}"
