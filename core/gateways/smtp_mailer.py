"""The Mailer port over SMTP with aiosmtplib (used when SMTP_URL is set)."""

import logging
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.ports import Email

log = logging.getLogger("eventos.mail")


class MailError(Exception):
    """The mail server refused a message or could not be reached."""


def build_message(email: Email, sender: str) -> EmailMessage:
    """A MIME message: text, an HTML alternative, and inline (cid:) or attached files."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
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


class SmtpMailer:
    """Sends over `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://` (implicit TLS)."""

    def __init__(self, url: str, sender: str, *, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        self.sender = sender
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host, port=self._port, use_tls=self._implicit_tls, timeout=self._timeout,
            username=self._username, password=self._password,
        )

    async def send(self, email: Email) -> None:
        [error] = await self.send_many([email])
        if error is not None:
            raise error

    async def send_many(self, emails: list[Email]) -> list[Exception | None]:
        results: list[Exception | None] = []
        client = self._client()
        try:
            await client.connect()
        except aiosmtplib.SMTPException as error:
            log.warning("mail server %s:%s unreachable: %s", self._host, self._port, type(error).__name__)
            return [MailError(f"The mail server could not be reached: {error}") for _ in emails]
        try:
            for email in emails:
                try:
                    if not client.is_connected:
                        await client.connect()
                    await client.send_message(build_message(email, self.sender))
                    results.append(None)
                except aiosmtplib.SMTPException as error:
                    results.append(MailError(f"The mail server refused the message: {error}"))
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()
        return results
