"""The mail server the bench's campaigns go to: an aiosmtpd server on 127.0.0.1 that counts and keeps nothing.

Slack is devtools.slack_standin, the same stand-in the tests and the console use.
"""

from __future__ import annotations

import logging
import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Counting:
    """aiosmtpd handler: accept every message and count it (the sink keeps no mail)."""

    def __init__(self, counter: SmtpCounter) -> None:
        self.counter = counter

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.counter._received(len(envelope.original_content or envelope.content or b""))
        return "250 Message accepted for delivery"


class SmtpCounter:
    """An SMTP server on 127.0.0.1 (its own thread) that counts accepted messages and bytes."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.port = 0

    def start(self) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Counting(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _received(self, size: int) -> None:
        with self._lock:
            self.messages += 1
            self.bytes += size
