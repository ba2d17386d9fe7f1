"""The scanner page's guest search: GET /api/v1/guests?q=… and POST /api/v1/guests/admit, with a door token."""

import uuid

from aiohttp import web

from bot.door.api import json_body, text_field, with_door_token
from bot.server import SERVICES
from core.errors import Invalid
from core.guestlists import door
from core.guestlists.door import GuestAdmission, GuestMatch

MAX_QUERY = 100


def _match(match: GuestMatch) -> dict:
    return {
        "id": str(match.entry_id), "name": match.name, "companions": match.companions, "list": match.list_name,
        "note": match.note, "admitted_at": match.admitted_at.isoformat() if match.admitted_at else None,
        "party": match.party, "admitted_by": match.admitted_by,
    }


def _admission(answer: GuestAdmission) -> dict:
    return {
        "result": answer.result, "guest": {"name": answer.name, "list": answer.list_name, "companions": answer.companions},
        "party": answer.party, "checked_in_at": answer.at.isoformat(), "checked_in_by": answer.by,
        "timezone": answer.timezone,
    }


@with_door_token
async def get_guests(request: web.Request, token: str) -> web.Response:
    query = request.query.get("q", "")[:MAX_QUERY]
    matches = await door.find_at_door(request.app[SERVICES], token=token, query=query)
    return web.json_response({"guests": [_match(m) for m in matches]}, headers={"Cache-Control": "no-store"})


@with_door_token
async def post_admit(request: web.Request, token: str) -> web.Response:
    body = await json_body(request)
    party = body.get("party")
    if party is not None and (not isinstance(party, int) or isinstance(party, bool)):
        raise Invalid("\"party\" must be a whole number of people.")
    try:
        entry_id = uuid.UUID(text_field(body, "entry") or "")
    except ValueError:
        raise Invalid("Send the guest's \"entry\" id from the search.") from None
    answer = await door.admit_at_door(
        request.app[SERVICES], token=token, entry_id=entry_id, party=party, source=text_field(body, "source") or "scan"
    )
    return web.json_response(_admission(answer))


def register(app: web.Application) -> None:
    app.router.add_get("/api/v1/guests", get_guests)
    app.router.add_post("/api/v1/guests/admit", post_admit)
