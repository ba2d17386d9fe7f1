"""The Mailer port over SMTP with aiosmtplib (used when SMTP_URL is set).

Connections are pooled and reused across calls; `send_many` spreads a batch over up to
`connections` of them at once. Each message is handed over in three steps (MAIL, RCPT, DATA),
so a failure is classified by where it happened:

- refused with a 4xx answer, or the connection failed before DATA: surely not delivered; tried
  again on a fresh connection after a short backoff, then reported with `retry=True`;
- refused with a 5xx answer: not delivered, reported with `retry=False`;
- the connection broke during DATA: the server may have the message, so it is never sent again
  here and is reported with `maybe_sent=True` (campaigns promise at most once).

Once one message has used up its retries on a transient failure, the rest of the batch is not
tried (the server is down or throttling) and comes back with `retry=True` at once.

Time limits are ours (`asyncio.timeout` around each step), not aiosmtplib's: its limits go through
`asyncio.wait_for`, which on Python 3.11 can swallow a cancellation that arrives as the step
finishes, so a send cancelled at shutdown would hang on until the next limit ran out.
"""

import asyncio
import io
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import charset as charsets
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib
from aiosmtplib.email import flatten_message

from core.ports import Email, SendError
from core.together import together

log = logging.getLogger("eventos.mail")

# Bodies as quoted-printable UTF-8 and headers RFC 2047-encoded: the bytes are 7-bit clean for any server.
UTF8_QP = charsets.Charset("utf-8")
UTF8_QP.body_encoding = charsets.QP
WIRE = compat32.clone(linesep="\r\n")
CONNECTION_ERRORS = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPConnectError, OSError)


class MailError(SendError):
    """The mail server refused a message or could not be reached."""


class _MaybeDelivered(Exception):
    """The connection broke while the message itself was being handed over."""


def build_message(email: Email, sender: str) -> EmailMessage:
    """A MIME message: text, an HTML alternative, and inline (cid:) or attached files."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = message_id(email, sender)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    inline = [a for a in email.attachments if a.content_id]
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
        html_part = message.get_payload()[-1]
        for attachment in inline:
            maintype, subtype = attachment.mime_type.split("/", 1)
            html_part.add_related(
                attachment.content, maintype=maintype, subtype=subtype,
                cid=f"<{attachment.content_id}>", filename=attachment.filename, disposition="inline",
            )
    for attachment in email.attachments:
        if attachment.content_id and email.html is not None:
            continue
        maintype, subtype = attachment.mime_type.split("/", 1)
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def message_id(email: Email, sender: str) -> str:
    """`<key@sender's domain>` for a keyed delivery (the same on every resend), else a fresh one."""
    domain = parseaddr(sender)[1].rsplit("@", 1)[-1] or None
    if email.key is None:
        return make_msgid(domain=domain)
    return f"<{email.key}@{domain or 'eventos.invalid'}>"


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address or value), charset="utf-8")


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


class _Verbatim:
    """An ASCII header value written on one line: compat32 would fold a long URL onto a line of its own."""

    def __init__(self, value: str) -> None:
        self.value = value

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value


def build_plain_bytes(email: Email, sender: str) -> bytes:
    """A text (and HTML) message without attachments, as wire bytes.

    Built with the compat32 API: about 25 times faster than the policy-based EmailMessage, which
    is what lets a campaign render and hand over thousands of messages a second. compat32 does not
    refuse line breaks in header values, so they are refused here (no header injection).
    """
    for value in (sender, email.to, email.subject, *email.headers.values()):
        if "\r" in value or "\n" in value:
            raise ValueError("a header value holds a line break")
    text = MIMEText(email.text, "plain", UTF8_QP)
    if email.html is None:
        message = text
    else:
        # A preset boundary spares the generator a regex compile per message; "=_" never occurs in
        # quoted-printable text (it writes "=" as "=3D"), so the boundary cannot clash with the parts.
        message = MIMEMultipart("alternative", boundary=f"=_{secrets.token_hex(12)}")
        message.attach(text)
        message.attach(MIMEText(email.html, "html", UTF8_QP))
    message["From"] = _address(sender)
    message["To"] = _address(email.to)
    message["Subject"] = _header(email.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(email, sender)
    for name, value in email.headers.items():
        message[name] = _Verbatim(value) if value.isascii() and len(value) < 900 else _header(value)
    out = io.BytesIO()
    BytesGenerator(out, policy=WIRE).flatten(message)
    return out.getvalue()


class SmtpMailer:
    """Sends over `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://` (implicit TLS)."""

    delivers = True

    def __init__(
        self, url: str, sender: str, *, timeout: float = 20.0, connections: int = 4, retries: int = 2,
        retry_delay: float = 0.5,
    ) -> None:
        parts = urlsplit(url)
        self.sender = sender
        self._envelope_from = parseaddr(sender)[1] or sender
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout
        self._connections = connections
        self._retries = retries
        self._retry_delay = retry_delay
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots: asyncio.Semaphore | None = None

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host, port=self._port, use_tls=self._implicit_tls, timeout=None,
            username=self._username, password=self._password,
        )

    async def send(self, email: Email) -> None:
        [error] = await self.send_many([email])
        if error is not None:
            raise error

    async def send_many(self, emails: list[Email]) -> list[Exception | None]:
        if not emails:
            return []
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._connections)
        results: list[Exception | None] = [None] * len(emails)
        todo = deque(range(len(emails)))
        down: list[MailError] = []

        async def worker() -> None:
            async with self._slots:
                client = self._idle.pop() if self._idle else self._client()
                try:
                    while todo:
                        index = todo.popleft()
                        if down:
                            results[index] = MailError(f"Not tried: {down[0].reason}", retry=True)
                            continue
                        results[index] = error = await self._deliver(client, emails[index])
                        if isinstance(error, MailError) and error.retry:
                            down.append(error)
                except BaseException:
                    # Cancelled mid-conversation: the connection is in an unknown state, never reuse it.
                    client.close()
                    raise
                self._checkin(client)

        await together(worker() for _ in range(min(self._connections, len(emails))))
        return results

    def _checkin(self, client: aiosmtplib.SMTP) -> None:
        if client.is_connected and len(self._idle) < self._connections:
            self._idle.append(client)
        elif client.is_connected:
            client.close()

    async def _deliver(self, client: aiosmtplib.SMTP, email: Email) -> MailError | None:
        """Hand one message over, retrying what surely did not get through; None when accepted."""
        recipient = parseaddr(email.to)[1] or email.to
        try:
            message = build_message(email, self.sender) if email.attachments else build_plain_bytes(email, self.sender)
        except (ValueError, UnicodeError) as error:
            return MailError(f"The message cannot be sent: {error}", retry=False)
        for attempt in range(self._retries + 1):
            try:
                await self._transmit(client, recipient, message)
                return None
            except _MaybeDelivered as error:
                log.warning("mail to the server %s:%s broke off during DATA: %s", self._host, self._port, error)
                return MailError(f"The connection to the mail server broke while sending: {error}",
                                 retry=False, maybe_sent=True)
            except aiosmtplib.SMTPResponseException as error:
                if error.code >= 500:
                    return MailError(f"The mail server refused the message: {error.code} {error.message}", retry=False)
                failure = MailError(f"The mail server said try later: {error.code} {error.message}", retry=True)
            except CONNECTION_ERRORS as error:
                failure = MailError(f"The mail server could not be reached: {error}", retry=True)
            except (ValueError, UnicodeError) as error:
                return MailError(f"The address cannot be sent to: {error}", retry=False)
            if attempt < self._retries:
                await asyncio.sleep(self._retry_delay * 2**attempt)
        log.warning("mail server %s:%s: %s", self._host, self._port, failure.reason)
        return failure

    async def _transmit(self, client: aiosmtplib.SMTP, recipient: str, message: EmailMessage | bytes) -> None:
        """MAIL, RCPT, DATA on one connection; a broken connection during DATA raises _MaybeDelivered."""
        async with _within(client, self._timeout):
            if not client.is_connected:
                await client.connect()
            eight_bit = isinstance(message, EmailMessage) and client.supports_extension("8bitmime")
            try:
                await client.mail(self._envelope_from, options=["BODY=8BITMIME"] if eight_bit else [])
                await client.rcpt(recipient)
            except aiosmtplib.SMTPResponseException:
                await _reset(client, self._timeout)
                raise
        if isinstance(message, bytes):
            payload = message
        else:
            payload = flatten_message(message, cte_type="8bit" if eight_bit else "7bit")
        try:
            async with _within(client, self._timeout):
                await client.data(payload)
        except aiosmtplib.SMTPResponseException:
            # An answer to the message itself: the server did not take it.
            await _reset(client, self._timeout)
            raise
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
            client.close()
            raise _MaybeDelivered(str(error) or type(error).__name__) from error

    async def aclose(self) -> None:
        """Say goodbye on every idle connection."""
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                async with _within(client, self._timeout):
                    await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


@asynccontextmanager
async def _within(client: aiosmtplib.SMTP, seconds: float) -> AsyncIterator[None]:
    """A step's time limit; past it the connection is closed (its state is unknown) and TimeoutError (an OSError) raised."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        client.close()
        raise


async def _reset(client: aiosmtplib.SMTP, seconds: float) -> None:
    """Clear a refused envelope so the connection can carry the next message (else close it)."""
    if client.is_connected:
        try:
            async with _within(client, seconds):
                await client.rset()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
