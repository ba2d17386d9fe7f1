"""An SMTP server that refuses some recipients (5xx or 4xx) or hangs up mid-DATA, counting connections."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from devtools.loopback import HOST, LoopbackSmtp


class PickyServer(LoopbackSmtp):
    """`bounce…` addresses get 550, `later…` get 451, `drop…` lose the connection during DATA."""

    host = HOST

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[str] = []
        self.refused: list[str] = []
        self.connections = 0

    def handler(self) -> PickyServer:
        return self

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        if address.startswith("bounce"):
            self.refused.append(address)
            return "550 5.1.1 No such user here"
        if address.startswith("later"):
            self.refused.append(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if any(a.startswith("drop") for a in envelope.rcpt_tos):
            self.accepted.extend(envelope.rcpt_tos)
            server.transport.abort()
            await asyncio.sleep(0)
            return "250 OK"
        self.accepted.extend(envelope.rcpt_tos)
        return "250 Message accepted"


@pytest.fixture
def picky_server():
    server = PickyServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
