"""Mailers: the log mailer used when no SMTP_URL is set."""

import logging

from core.ports import Email

log = logging.getLogger("eventos.mail")


class LogMailer:
    """Writes each message's envelope to the log instead of sending it (no SMTP_URL set)."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    async def send(self, email: Email) -> None:
        log.info("mail (not sent, no SMTP_URL): to=%s subject=%r", email.to, email.subject)

    async def send_many(self, emails: list[Email]) -> list[Exception | None]:
        for email in emails:
            await self.send(email)
        return [None] * len(emails)
