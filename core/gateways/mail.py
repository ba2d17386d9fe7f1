"""The local mailbox: where mail goes when no SMTP_URL is set, kept as .eml files that `eventos mail` reads.

Nothing leaves the machine, and every answer that mentions an email says so (`delivers` is False).
"""

import logging
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from core.gateways.smtp_mailer import build_message
from core.ports import Email

log = logging.getLogger("eventos.mail")

KEEP = 200  # the newest messages kept; older files are removed as new ones arrive


class LocalMailbox:
    """Writes each message to `folder` as an .eml file instead of sending it."""

    delivers = False

    def __init__(self, sender: str, folder: Path, *, keep: int = KEEP) -> None:
        self.sender = sender
        self.folder = folder
        self.keep = keep

    async def send(self, email: Email) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{time.time_ns()}.eml"
        path.write_bytes(bytes(build_message(email, self.sender)))
        for old in sorted(self.folder.glob("*.eml"))[:-self.keep]:
            old.unlink(missing_ok=True)
        log.info("mail kept in the local mailbox, not sent (no SMTP_URL): to=%s subject=%r", email.to, email.subject)

    async def send_many(self, emails: list[Email]) -> list[Exception | None]:
        for email in emails:
            await self.send(email)
        return [None] * len(emails)


@dataclass(frozen=True)
class Kept:
    """One message of the local mailbox."""

    path: Path
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body is not None else ""


def read_mailbox(folder: Path) -> list[Kept]:
    """The kept messages, newest first."""
    paths = sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []
    return [Kept(p, message_from_bytes(p.read_bytes(), policy=policy.default)) for p in paths]
