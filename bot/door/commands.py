"""/checkin: admit by ticket code, or find an attendee of an event and admit them with a button."""

import re
import uuid

from bot import errors, grammar
from bot.door import views as views
from bot.guestlists import views as guest_views
from bot.router import Command, Invocation, listener
from core.door import checkins
from core.guestlists import door as guest_door
from core.sales.ticket_codes import normalize

# Ticket codes look like K4XQ7M2B5ZP3J6TA-9F2KQ7M3BZ; hyphenated names (Jean-Pierre) do not.
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{12,}-[A-Z0-9]{6,}$")

USAGE = "Use `/checkin CODE`, or `/checkin EVENT name-or-email` to find someone, like `/checkin summer-gala anna@example.com`."


def _looks_like_code(word: str) -> bool:
    return bool(_CODE_SHAPE.match(normalize(word)))


async def handle_checkin(inv: Invocation) -> None:
    words = inv.args.words
    if len(words) == 1:
        if "@" in words[0] and not _looks_like_code(words[0]):
            raise grammar.UsageError(f"Name the event too: `/checkin EVENT {words[0]}`.")
        answer = await checkins.admit_code(inv.services, inv.tenant, code=words[0])
    elif len(words) == 2 and _looks_like_code(words[1]):
        answer = await checkins.admit_code(inv.services, inv.tenant, code=words[1], event_slug=words[0])
    elif len(words) >= 2:
        search = await checkins.find_attendees(inv.services, inv.tenant, event_slug=words[0], query=" ".join(words[1:]))
        guests = await guest_door.find_guests(inv.services, inv.tenant, event_slug=words[0], query=search.query)
        await inv.reply(*guest_views.door_matches(search, guests))
        return
    else:
        raise grammar.UsageError(USAGE)
    await inv.reply(*views.checkin_result(answer))


CHECKIN = Command(
    name="/checkin",
    summary="admit a ticket by its code, or find an event's attendee or guest-list name and admit them with a button",
    subcommands=(),
    default=handle_checkin,
    default_usage="CODE | EVENT name-or-email | EVENT CODE",
)


async def handle_admit(ack, action: dict, respond, tenant, services) -> None:
    """The Admit button next to a search result."""
    await ack()
    async with errors.answering_errors(respond):
        try:
            ticket_id = uuid.UUID(action.get("value") or "")
        except ValueError:
            raise grammar.UsageError(USAGE) from None
        answer = await checkins.admit_ticket(services, tenant, ticket_id=ticket_id)
        text, blocks = views.checkin_result(answer)
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)


def register(app) -> None:
    app.command("/checkin")(listener(CHECKIN))
    app.action(views.ADMIT)(handle_admit)
