"""Campaign messages: templates in templates/campaigns/ rendered per contact, compiled once per run.

A template NAME is usable for email when `NAME.html.j2` and `NAME.txt.j2` exist, for SMS when
`NAME.sms.j2` does (files starting with `_` are shared parts). Every template sees `contact`
(first_name, last_name, name, email), `event` (name, when, venue, address; None without one),
`organizer`, `subject`, `message` (the written text as paragraphs of lines), `text` (the same on
one line, for SMS) and, in email, `unsubscribe_url`. HTML is autoescaped.
"""

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, TemplateError, TemplateNotFound, UndefinedError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.crm import names
from core.crm.unsubscribe import make_token, preview_url
from core.errors import Invalid
from core.ports import Email
from core.services import TEMPLATES, Services
from core.time.local_time import in_zone
from db.enums import Channel
from db.models import Account, Campaign, Event, Venue

FOLDER = "campaigns"
CHANNEL_FILES = {Channel.EMAIL: ("html", "txt"), Channel.SMS: ("sms",)}
MAX_SMS = 1600  # the longest message providers accept (10 segments)
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID
    email: str
    phone: str | None
    first_name: str | None
    last_name: str | None

    @property
    def name(self) -> str:
        return names.display_name(self.first_name, self.last_name, self.email)


SAMPLE = Recipient(uuid.UUID(int=0), "ann@example.com", "+15555550100", "Ann", "Example")


@dataclass(frozen=True)
class EventDetails:
    name: str
    when: str
    venue: str | None
    address: str | None
    starts_at: datetime
    timezone: str


@dataclass(frozen=True)
class Content:
    """What a campaign says, apart from who it goes to."""

    channel: str
    template: str
    subject: str | None
    message: str | None
    organizer: str
    event: EventDetails | None


def template_names(channel: str) -> list[str]:
    """The templates usable on `channel`, by name."""
    folder = TEMPLATES / FOLDER
    suffixes = CHANNEL_FILES[channel]
    names = {p.name.split(".", 1)[0] for p in folder.glob("*.j2") if not p.name.startswith("_")}
    return sorted(n for n in names if all((folder / f"{n}.{s}.j2").exists() for s in suffixes))


def event_details(name: str, starts_at: datetime, timezone: str, venue: str | None, address: str | None) -> EventDetails:
    local = in_zone(starts_at, timezone)
    when = f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({timezone})"
    return EventDetails(name, when, venue, address, starts_at, timezone)


def paragraphs(message: str | None) -> list[list[str]]:
    """Written text as paragraphs (split on blank lines) of lines."""
    blocks = (message or "").replace("\r\n", "\n").split("\n\n")
    return [lines for block in blocks if (lines := [line.strip() for line in block.split("\n") if line.strip()])]


def sms_segments(text: str) -> int:
    """How many SMS parts `text` takes (GSM-7: 160, else UCS-2: 70; fewer per part when split)."""
    if all(c in GSM7 for c in text):
        return 1 if len(text) <= 160 else -(-len(text) // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


class Renderer:
    """A campaign's templates, loaded and compiled once, rendered for one contact at a time."""

    def __init__(self, services: Services, account_id: uuid.UUID, content: Content) -> None:
        self.content = content
        self._account_id = account_id
        self._secret = services.settings.secret_key
        self._base_url = services.settings.base_url
        env: Environment = services.templates
        if content.template not in template_names(content.channel):
            raise Invalid(
                f"There is no {content.channel} template named “{content.template}”; pick one of "
                f"{', '.join(template_names(content.channel))}.", field="template",
            )
        try:
            self._parts = {s: env.get_template(f"{FOLDER}/{content.template}.{s}.j2") for s in CHANNEL_FILES[content.channel]}
        except TemplateNotFound:
            raise Invalid(f"The template “{content.template}” is incomplete; ask an admin to check templates/campaigns.", field="template") from None
        self._shared = {
            "organizer": content.organizer, "subject": content.subject or "", "event": content.event,
            "message": paragraphs(content.message), "text": " ".join((content.message or "").split()),
        }

    def unsubscribe_url(self, contact: Recipient) -> str:
        return f"{self._base_url}/u/{make_token(self._secret, self._account_id, contact.id)}"

    def email(self, contact: Recipient, *, preview: bool = False) -> Email:
        url = preview_url(self._base_url) if preview else self.unsubscribe_url(contact)
        context = {**self._shared, "contact": contact, "unsubscribe_url": url}
        return Email(
            to=contact.email, subject=self.content.subject or "", text=self._parts["txt"].render(context),
            html=self._parts["html"].render(context),
            # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the URL.
            headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )

    def sms(self, contact: Recipient) -> str:
        text = self._parts["sms"].render({**self._shared, "contact": contact})
        return " ".join(text.split())

    def check(self) -> None:
        """Render for a sample contact: Invalid when the template cannot work with this content."""
        try:
            body = self.email(SAMPLE).text if self.content.channel == Channel.EMAIL else self.sms(SAMPLE)
        except UndefinedError:
            if self.content.event is None:
                raise Invalid(
                    f"The “{self.content.template}” template is about an event: add event=SLUG, or use an audience "
                    "that names one event.", field="event",
                ) from None
            raise Invalid(f"The “{self.content.template}” template could not be filled in; ask an admin to check it.", field="template") from None
        except TemplateError:
            raise Invalid(f"The “{self.content.template}” template could not be filled in; ask an admin to check it.", field="template") from None
        if self.content.channel == Channel.SMS and len(body) > MAX_SMS:
            raise Invalid(f"The SMS would be {len(body)} characters; keep it under {MAX_SMS} (shorten the message).", field="message")


def clean_message(value: str | None, *, limit: int = 5000) -> str | None:
    """Written text: control characters dropped (newlines kept), None when blank."""
    text = "".join(c for c in (value or "") if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs")).strip()
    if not text:
        return None
    if len(text) > limit:
        raise Invalid(f"message must be at most {limit:,} characters; this one has {len(text):,}.", field="message")
    return text


async def load_content(session: AsyncSession, campaign: Campaign) -> Content:
    """The campaign's content with its organizer's name and its event's details, in this tenant."""
    organizer = await session.scalar(select(Account.name).where(Account.id == campaign.account_id))
    details = None
    if campaign.event_id is not None:
        event = (
            await session.execute(
                select(Event.name, Event.starts_at, Event.timezone, Venue.name.label("venue"), Venue.address)
                .outerjoin(Venue, (Venue.account_id == Event.account_id) & (Venue.id == Event.venue_id))
                .where(Event.id == campaign.event_id)
            )
        ).one()
        details = event_details(event.name, event.starts_at, event.timezone, event.venue, event.address)
    return Content(campaign.channel, campaign.template, campaign.subject, campaign.message, organizer or "", details)
