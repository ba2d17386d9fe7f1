"""A real SMTP server on loopback (aiosmtpd, in its own thread) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

from devtools.loopback import HOST, LoopbackSmtp

REFUSAL = "421 4.3.2 Service not available, closing transmission channel"


@dataclass
class Delivery:
    """One accepted message with its SMTP envelope."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    """aiosmtpd handler: accepts, or answers 421 and hangs up once the sink is told to refuse."""

    def __init__(self, sink: SmtpSink) -> None:
        """Bind to the sink that owns the state."""
        self.sink = sink

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        """Refuse the transaction at MAIL FROM while refusing."""
        if self.sink._refusing():
            return self._refuse(server)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Parse and keep the message (or refuse, if the limit was reached meanwhile)."""
        if self.sink._refusing():
            return self._refuse(server)
        while self.sink._holding(envelope.rcpt_tos):
            await asyncio.sleep(0.01)
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.sink.deliveries.append(Delivery(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Count a client that said goodbye before hanging up."""
        self.sink.goodbyes += 1
        return "221 Bye"

    def _refuse(self, server: SMTP) -> str:
        """Count a refusal and close the connection after the 421 reply, as real servers do."""
        self.sink.refused += 1
        transport = server.transport
        if transport is not None:
            asyncio.get_running_loop().call_soon(transport.close)
        return REFUSAL


class SmtpSink(LoopbackSmtp):
    """SMTP server on 127.0.0.1 and a free port; start()/stop() are synchronous (it runs its own thread)."""

    host = HOST

    def __init__(self) -> None:
        """Create a stopped sink; call start()."""
        super().__init__()
        self.deliveries: list[Delivery] = []
        self.refused = 0
        self.goodbyes = 0
        self._limit: int | None = None
        self._hold_at: int | None = None
        self._hold_to = ""

    def handler(self) -> _Handler:
        return _Handler(self)

    @property
    def messages(self) -> list[EmailMessage]:
        """Accepted messages, in arrival order, parsed with email.policy.default."""
        return [d.message for d in self.deliveries]

    def refuse_after(self, n: int) -> None:
        """Accept n more messages, then answer 421 (and hang up) to every later transaction."""
        self._limit = len(self.deliveries) + n

    def accept_again(self) -> None:
        """Stop refusing."""
        self._limit = None

    def hold_after(self, n: int, *, to: str = "") -> None:
        """Accept n more messages to addresses starting with `to`, then keep later ones waiting at DATA until release().

        Their senders wait for the reply as they would on a slow server; other mail goes through.
        """
        self._hold_to = to
        self._hold_at = self._count_to(to) + n

    def release(self) -> None:
        """Accept the held messages and every later one."""
        self._hold_at = None

    def clear(self) -> None:
        """Forget received messages and the refusal count."""
        self.deliveries.clear()
        self.refused = 0

    async def wait_for(self, n: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Poll (without blocking the event loop) until at least n messages arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {n} message(s), got {len(self.deliveries)} (refused {self.refused})")
            await asyncio.sleep(0.01)
        return self.messages

    def _holding(self, rcpt_tos: list[str]) -> bool:
        """Whether a message to these addresses that reached DATA waits now."""
        if self._hold_at is None or not any(to.startswith(self._hold_to) for to in rcpt_tos):
            return False
        return self._count_to(self._hold_to) >= self._hold_at

    def _count_to(self, prefix: str) -> int:
        return sum(1 for d in self.deliveries if any(to.startswith(prefix) for to in d.rcpt_tos))

    def _refusing(self) -> bool:
        """Whether new transactions are refused now."""
        return self._limit is not None and len(self.deliveries) >= self._limit
