"""Buttons on event cards and lists: page, open, edit, add a ticket type, publish, cancel."""

import json

from bot import errors
from bot.events import modal_views as modals
from bot.events import views as views
from core.accounts.permissions import Action, require
from core.events import events, stats
from core.storefront import links


async def _card(services, tenant, slug: str, note: str | None = None) -> list[dict]:
    report = await stats.event_report(services, tenant, slug=slug)
    card = views.event_card(report, can_edit=tenant.has_role("organizer"))
    return views.notice(note, card) if note else card


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def register(app) -> None:
    @app.action(views.LIST_PREVIOUS)
    @app.action(views.LIST_NEXT)
    async def list_page(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            value = json.loads(action.get("value") or "{}")
            page = await events.list_events(
                services, tenant, scope=value.get("scope", "upcoming"), after=value.get("after"), before=value.get("before")
            )
            await respond(text=f"{page.total} events", blocks=views.event_list(page), replace_original=True, response_type="ephemeral")

    @app.action(views.SHOW)
    async def show(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            blocks = await _card(services, tenant, action["value"])
            await respond(text="Event", blocks=blocks, replace_original=False, response_type="ephemeral")

    @app.action(views.EDIT)
    async def edit(ack, body, action, client, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            require(tenant, Action.CHANGE_EVENTS)
            event = await events.get_event_by_slug(services, tenant, action["value"])
            await client.views_open(trigger_id=body["trigger_id"], view=modals.edit_event_modal(event, channel_id=_channel(body)))

    @app.action(views.ADD_TICKET)
    async def add_ticket(ack, body, action, client, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            require(tenant, Action.ADD_TICKET_TYPES)
            event = await events.get_event_by_slug(services, tenant, action["value"])
            view = modals.add_ticket_modal(channel_id=_channel(body), currency=tenant.currency, event=event)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(views.PUBLISH)
    async def publish(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            event, changed = await events.publish_event(services, tenant, slug=action["value"])
            note = views.published_note(event, changed, await links.published_url(services, tenant, event))
            await respond(text=note, blocks=await _card(services, tenant, event.slug, note), replace_original=True)

    @app.action(views.CANCEL)
    async def cancel(ack, action, respond, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            event, impact, changed = await events.cancel_event(services, tenant, slug=action["value"])
            note = views.cancelled_sentence(event, impact, changed)
            await respond(text=note, blocks=await _card(services, tenant, event.slug, note), replace_original=True)

    @app.action(views.KEEP)
    async def keep(ack, action, respond) -> None:
        await ack()
        async with errors.answering_errors(respond):
            await respond(text=f"Kept `{action['value']}`; nothing changed.", replace_original=True)
