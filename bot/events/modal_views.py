"""Modals for events, venues and ticket types, and the options of their typeahead pickers."""

import json

from core.events.events import EventInfo
from core.events.venues import MAX_ADDRESS, VenueInfo
from core.text.names import MAX_NAME
from core.time.local_time import local

CREATE_EVENT = "event.create_modal"
EDIT_EVENT = "event.edit_modal"
ADD_VENUE = "venue.add_modal"
ADD_TICKET = "ticket.add_modal"
VENUE_PICK = "event.venue_pick"
EVENT_PICK = "event.event_pick"

# Where a core error about a field is shown in a modal (core field → block_id).
FIELD_BLOCKS = {
    "name": "name", "slug": "name", "venue": "venue", "starts": "starts_time", "ends": "ends_time",
    "capacity": "capacity", "timezone": "timezone", "event": "event", "ticket": "name", "price": "price",
    "sales_end": "sales_end_time", "address": "address",
}
OPTION_TEXT = 75


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": _plain(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = _plain(hint[:2000])
    return block


def _text(action_id: str, *, initial: str | None = None, max_length: int | None = None, placeholder: str | None = None) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": action_id}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    return element


def _number(action_id: str, *, initial: int | None = None) -> dict:
    element = {"type": "number_input", "action_id": action_id, "is_decimal_allowed": False, "min_value": "1"}
    if initial is not None:
        element["initial_value"] = str(initial)
    return element


def _date(action_id: str, initial: str | None = None) -> dict:
    element = {"type": "datepicker", "action_id": action_id, "placeholder": _plain("Pick a date")}
    if initial:
        element["initial_date"] = initial
    return element


def _time(action_id: str, initial: str | None = None) -> dict:
    element = {"type": "timepicker", "action_id": action_id, "placeholder": _plain("Pick a time")}
    if initial:
        element["initial_time"] = initial
    return element


def option(text: str, value: str) -> dict:
    shown = text if len(text) <= OPTION_TEXT else text[: OPTION_TEXT - 1] + "…"
    return {"text": _plain(shown), "value": value}


def venue_option(venue: VenueInfo) -> dict:
    seats = f" ({venue.capacity:,} seats)" if venue.capacity is not None else ""
    return option(f"{venue.name}{seats}", str(venue.id))


def event_option(event: EventInfo) -> dict:
    return option(f"{local(event.starts_at, event.timezone):%d %b %Y} · {event.name}", event.slug)


def _picker(action_id: str, placeholder: str, initial: dict | None = None) -> dict:
    element = {"type": "external_select", "action_id": action_id, "min_query_length": 0, "placeholder": _plain(placeholder)}
    if initial:
        element["initial_option"] = initial
    return element


def _modal(callback_id: str, title: str, submit: str, blocks: list[dict], metadata: dict) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": blocks,
    }


def _when_blocks(prefix: str, label: str, *, optional: bool, zone_hint: str, date: str | None = None, time: str | None = None) -> list[dict]:
    return [
        _input(f"{prefix}_date", f"{label} (date)", _date(f"{prefix}_date", date), optional=optional),
        _input(f"{prefix}_time", f"{label} (time)", _time(f"{prefix}_time", time), optional=optional, hint=zone_hint),
    ]


def create_event_modal(*, channel_id: str, account_timezone: str) -> dict:
    zone_hint = f"Read in the event's time zone (below): the venue's, else the account's ({account_timezone})."
    blocks = [
        _input("name", "Name", _text("name", max_length=MAX_NAME, placeholder="Summer Gala")),
        _input("venue", "Venue", _picker(VENUE_PICK, "Type to search venues"), optional=True,
               hint="Add venues with /venue add. The event's capacity cannot exceed the venue's."),
        *_when_blocks("starts", "Starts", optional=False, zone_hint=zone_hint),
        *_when_blocks("ends", "Ends", optional=True, zone_hint=zone_hint),
        _input("capacity", "Capacity", _number("capacity"), optional=True,
               hint="Seats in total; leave empty for the venue's capacity, or no limit."),
        _input("timezone", "Time zone", _text("timezone", placeholder=account_timezone), optional=True,
               hint="An IANA name like Europe/Berlin; leave empty for the venue's or the account's."),
    ]
    return _modal(CREATE_EVENT, "New event", "Create", blocks, {"channel": channel_id})


def edit_event_modal(event: EventInfo, *, channel_id: str) -> dict:
    start = local(event.starts_at, event.timezone)
    end = local(event.ends_at, event.timezone) if event.ends_at else None
    hint = f"In {event.timezone}, the event's time zone."
    venue = option(event.venue_name, str(event.venue_id)) if event.venue_id and event.venue_name else None
    blocks = [
        _input("name", "Name", _text("name", initial=event.name, max_length=MAX_NAME)),
        _input("venue", "Venue", _picker(VENUE_PICK, "Type to search venues", venue), optional=True),
        *_when_blocks("starts", "Starts", optional=False, zone_hint=hint, date=f"{start:%Y-%m-%d}", time=f"{start:%H:%M}"),
        *_when_blocks("ends", "Ends", optional=True, zone_hint=hint,
                      date=f"{end:%Y-%m-%d}" if end else None, time=f"{end:%H:%M}" if end else None),
        _input("capacity", "Capacity", _number("capacity", initial=event.capacity), optional=True,
               hint="Not below the seats its ticket types promise or have sold."),
    ]
    return _modal(EDIT_EVENT, "Edit event", "Save", blocks, {"channel": channel_id, "event": event.slug})


def add_venue_modal(*, channel_id: str) -> dict:
    blocks = [
        _input("name", "Name", _text("name", max_length=MAX_NAME, placeholder="Main Hall")),
        _input("address", "Address", _text("address", max_length=MAX_ADDRESS), optional=True),
        _input("capacity", "Capacity", _number("capacity"), optional=True, hint="Seats; no event here may promise more."),
        _input("timezone", "Time zone", _text("timezone", placeholder="Europe/Berlin"), optional=True,
               hint="Events here read their times in this zone; leave empty for the account's."),
    ]
    return _modal(ADD_VENUE, "New venue", "Add", blocks, {"channel": channel_id})


def add_ticket_modal(*, channel_id: str, currency: str, event: EventInfo | None = None) -> dict:
    zone_hint = f"In {event.timezone}, the event's time zone." if event else "In the event's time zone."
    blocks = [
        _input("event", "Event", _picker(EVENT_PICK, "Type to search events", event_option(event) if event else None)),
        _input("name", "Name", _text("name", max_length=MAX_NAME, placeholder="General admission")),
        _input("price", "Price", _text("price", placeholder="25.00"), hint=f"In {currency}; 0 for free."),
        _input("capacity", "Capacity", _number("capacity"), optional=True,
               hint="Seats of this type; all types together cannot promise more than the event holds."),
        *_when_blocks("sales_end", "Sales end", optional=True, zone_hint=zone_hint + " Leave empty to sell until the event ends."),
    ]
    return _modal(ADD_TICKET, "New ticket type", "Add", blocks, {"channel": channel_id})
