"""Modal submissions and typeahead options for events, venues and ticket types.

Submissions run the use case before acking: a rule it breaks comes back as
`response_action: errors` on the field it names, and nothing is saved. On success the modal
closes and the result goes to the person privately, in the channel the form was opened from.
"""

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors
from bot.views import event_modals as modals
from bot.views import events as views
from bot.views.text import escape
from core import catalog, event_stats, events, venues
from core.context import TenantContext
from core.errors import DomainError
from core.services import Services

log = logging.getLogger(__name__)

OPTIONS_LIMIT = 50


class FieldError(Exception):
    """A form value that cannot even be read: shown on its block."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id, self.message = block_id, message


def form_values(view: dict) -> dict[str, Any]:
    """block_id → the value of its one element (text, number, date, time or selected option)."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            kind = element.get("type")
            if kind in ("external_select", "static_select"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            elif kind == "timepicker":
                values[block_id] = element.get("selected_time")
            else:
                value = element.get("value")
                values[block_id] = value if value is None or value.strip() else None
    return values


def local_text(values: dict[str, Any], prefix: str) -> str | None:
    """`2026-07-01 19:00` from a date picker and a time picker; None when both are empty."""
    date, time = values.get(f"{prefix}_date"), values.get(f"{prefix}_time")
    if not date and not time:
        return None
    if not date:
        raise FieldError(f"{prefix}_date", "Pick a date as well as the time.")
    if not time:
        raise FieldError(f"{prefix}_time", "Pick a time as well as the date.")
    return f"{date} {time}"


def venue_id(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FieldError("venue", "Pick the venue from the list again.") from None


def metadata(view: dict) -> dict[str, Any]:
    try:
        return json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}


async def submit(ack, work: Callable[[], Awaitable[Any]], *, first_block: str) -> Any:
    """Run the use case; ack with the error on its field, or ack to close the modal. None on error."""
    try:
        result = await work()
    except FieldError as error:
        await ack(response_action="errors", errors={error.block_id: error.message})
        return None
    except DomainError as error:
        block = modals.FIELD_BLOCKS.get(str(error.details.get("field")), first_block)
        await ack(response_action="errors", errors={block: error.message})
        return None
    except Exception as error:  # noqa: BLE001 - a bug still gets a sentence, and is logged
        await ack(response_action="errors", errors={first_block: errors.sentence_for(error)})
        return None
    await ack()
    return result


async def tell(client: AsyncWebClient, user_id: str, channel: str | None, text: str, blocks: list[dict]) -> None:
    """Show the result privately where the form was opened, or in a DM when that channel refuses."""
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral result refused (%s); sending it as a DM", error.response.get("error"))
    await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


async def card(services: Services, tenant: TenantContext, slug: str, note: str) -> list[dict]:
    report = await event_stats.event_report(services, tenant, slug=slug)
    return views.notice(note, views.event_card(report, can_edit=tenant.has_role("organizer")))


def register(app) -> None:
    @app.view(modals.CREATE_EVENT)
    async def create_event(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            return await events.create_event(
                services, tenant, name=values.get("name"), starts=local_text(values, "starts"),
                ends=local_text(values, "ends"), venue=venue_id(values.get("venue")), capacity=values.get("capacity"),
                timezone=values.get("timezone"),
            )

        event = await submit(ack, work, first_block="name")
        if event is not None:
            async with errors.answering_errors(None):
                note = views.created_note(event)
                await tell(client, body["user"]["id"], metadata(view).get("channel"), note, await card(services, tenant, event.slug, note))

    @app.view(modals.EDIT_EVENT)
    async def edit_event(ack, body, view, client, tenant, services) -> None:
        values, meta = form_values(view), metadata(view)

        async def work():
            return await events.update_event(
                services, tenant, slug=meta.get("event", ""), name=values.get("name"),
                starts=local_text(values, "starts"), ends=local_text(values, "ends"),
                venue=venue_id(values.get("venue")), capacity=values.get("capacity"),
            )

        event = await submit(ack, work, first_block="name")
        if event is not None:
            async with errors.answering_errors(None):
                note = f"Saved *{escape(event.name)}*."
                await tell(client, body["user"]["id"], meta.get("channel"), note, await card(services, tenant, event.slug, note))

    @app.view(modals.ADD_VENUE)
    async def add_venue(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            return await venues.add_venue(
                services, tenant, name=values.get("name"), address=values.get("address"),
                capacity=values.get("capacity"), timezone=values.get("timezone"),
            )

        venue = await submit(ack, work, first_block="name")
        if venue is not None:
            async with errors.answering_errors(None):
                await tell(client, body["user"]["id"], metadata(view).get("channel"), f"Added venue {escape(venue.name)}", views.venue_added(venue))

    @app.view(modals.ADD_TICKET)
    async def add_ticket(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            return await catalog.add_ticket_type(
                services, tenant, event=values.get("event") or "", name=values.get("name"), price=values.get("price") or "",
                capacity=values.get("capacity"), sales_end=local_text(values, "sales_end"),
            )

        ticket = await submit(ack, work, first_block="name")
        if ticket is not None:
            async with errors.answering_errors(None):
                event = await events.get_event_by_slug(services, tenant, values["event"])
                await tell(client, body["user"]["id"], metadata(view).get("channel"), f"Added {escape(ticket.name)}", views.ticket_added(event, ticket))

    @app.options(modals.VENUE_PICK)
    async def venue_options(ack, payload, tenant, services) -> None:
        try:
            found = await venues.list_venues(services, tenant, query=payload.get("value", ""), limit=OPTIONS_LIMIT)
        except Exception as error:  # noqa: BLE001 - an empty list beats a spinner that never stops
            errors.sentence_for(error)
            found = []
        await ack(options=[modals.venue_option(v) for v in found])

    @app.options(modals.EVENT_PICK)
    async def event_options(ack, payload, tenant, services) -> None:
        try:
            found = await events.search_events(services, tenant, query=payload.get("value", ""), limit=OPTIONS_LIMIT)
        except Exception as error:  # noqa: BLE001 - an empty list beats a spinner that never stops
            errors.sentence_for(error)
            found = []
        await ack(options=[modals.event_option(e) for e in found])
