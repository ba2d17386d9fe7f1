"""Modal submissions and typeahead options for events, venues and ticket types.

Submissions run the use case before acking: a rule it breaks comes back as
`response_action: errors` on the field it names, and nothing is saved. On success the modal
closes and the result goes to the person privately, in the channel the form was opened from.
"""

import uuid
from typing import Any

from bot import errors, forms
from bot.events import modal_views as modals
from bot.events import views as views
from bot.forms import FieldError, form_values, metadata, tell
from bot.text import escape
from core.context import TenantContext
from core.events import events, stats, ticket_types, venues
from core.services import Services

OPTIONS_LIMIT = 50


def local_text(values: dict[str, Any], prefix: str) -> str | None:
    """`2031-07-01 19:00` from a date picker and a time picker; None when both are empty."""
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


async def card(services: Services, tenant: TenantContext, slug: str, note: str) -> list[dict]:
    report = await stats.event_report(services, tenant, slug=slug)
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

        event = await forms.submit(ack, work, fields=modals.FIELD_BLOCKS, first_block="name")
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

        event = await forms.submit(ack, work, fields=modals.FIELD_BLOCKS, first_block="name")
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

        venue = await forms.submit(ack, work, fields=modals.FIELD_BLOCKS, first_block="name")
        if venue is not None:
            async with errors.answering_errors(None):
                await tell(client, body["user"]["id"], metadata(view).get("channel"), f"Added venue {escape(venue.name)}", views.venue_added(venue))

    @app.view(modals.ADD_TICKET)
    async def add_ticket(ack, body, view, client, tenant, services) -> None:
        values = form_values(view)

        async def work():
            return await ticket_types.add_ticket_type(
                services, tenant, event=values.get("event") or "", name=values.get("name"), price=values.get("price") or "",
                capacity=values.get("capacity"), sales_end=local_text(values, "sales_end"),
            )

        ticket = await forms.submit(ack, work, fields=modals.FIELD_BLOCKS, first_block="name")
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
