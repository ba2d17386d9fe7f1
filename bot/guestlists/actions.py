"""The Admit choices next to a guest-list name found with `/checkin EVENT name`."""

import re
import uuid

from bot import errors, grammar
from bot.guestlists import views as views
from core.guestlists import door

AGAIN = "Search the name again with `/checkin EVENT name`."


def _choice(action: dict) -> tuple[uuid.UUID, int]:
    value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    entry, _, party = value.partition(":")
    try:
        return uuid.UUID(entry), int(party)
    except ValueError:
        raise grammar.UsageError(AGAIN) from None


async def handle_admit(ack, action: dict, respond, tenant, services) -> None:
    await ack()
    async with errors.answering_errors(respond):
        entry_id, party = _choice(action)
        answer = await door.admit_guest(services, tenant, entry_id=entry_id, party=party)
        text, blocks = views.admission(answer)
        await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)


def register(app) -> None:
    app.action(re.compile(rf"^{re.escape(views.ADMIT)}(:\d+)?$|^{re.escape(views.ADMIT_PARTY)}$"))(handle_admit)
