"""Guest lists in campaign audiences: `event:SLUG:guestlist` and `list:NAME` as conditions over contacts."""

import uuid

from sqlalchemy import ColumnElement, and_, exists

from db.enums import CheckinResult
from db.models import CheckIn, Contact, GuestEntry, GuestList


def on_event_lists(event_id: uuid.UUID) -> ColumnElement[bool]:
    """Contacts with a name on any guest list of the event."""
    return exists().where(
        GuestEntry.account_id == Contact.account_id, GuestEntry.contact_id == Contact.id, GuestEntry.event_id == event_id,
    )


def on_list(name: str) -> ColumnElement[bool]:
    """Contacts on a list of that name, at any event (a promoter's `anna`, every `vip`)."""
    return exists().where(
        GuestEntry.account_id == Contact.account_id, GuestEntry.contact_id == Contact.id,
        and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id, GuestList.name == name),
    )


def came_as_guest(event_id: uuid.UUID) -> ColumnElement[bool]:
    """Contacts whose guest-list entry was admitted at the event."""
    return exists().where(
        GuestEntry.account_id == Contact.account_id, GuestEntry.contact_id == Contact.id, GuestEntry.event_id == event_id,
        CheckIn.account_id == GuestEntry.account_id, CheckIn.guest_entry_id == GuestEntry.id,
        CheckIn.result == CheckinResult.ADMITTED,
    )
