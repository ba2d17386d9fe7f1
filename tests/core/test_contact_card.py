"""The contact card: found by email or id through a merge, its consent, the events attended, the timeline by pages."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.crm import card as contact_card
from core.crm import contacts, interactions
from core.crm.card import NameCard
from core.door import checkins
from core.errors import NextStep, NotFound
from tests.support.door_factories import make_event, make_ticket


async def test_a_card_counts_the_events_attended_and_names_the_latest_three_newest_first(services, make_tenant):
    tenant = await make_tenant()
    for name in ("Spring Fair", "Summer Gala", "Autumn Ball", "Winter Jazz"):
        event = await make_event(services, tenant, name=name)
        ticket = await make_ticket(services, tenant, event, name="Ann Lee", email="ann@acme.io")
        await checkins.admit_code(services, tenant, code=ticket.code)
    await make_ticket(services, tenant, await make_event(services, tenant, name="No Show"), name="Ann Lee", email="ann@acme.io")
    await contacts.add_contact(services, tenant, email="bo@acme.io", name="Bo Park")

    card = await contact_card.contact_card(services, tenant, email="ann@acme.io")
    assert (card.events_attended, card.recent_events) == (4, ["Winter Jazz", "Autumn Ball", "Summer Gala"])
    never = await contact_card.contact_card(services, tenant, email="bo@acme.io")
    assert (never.events_attended, never.recent_events) == (0, [])


async def test_the_timeline_pages_back_eight_entries_at_a_time(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="bo@acme.io", name="Bo Park")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for n in range(10):
        await interactions.log_interaction(
            services, tenant, email="bo@acme.io", kind="note", body=f"note {n}", occurred_at=start + timedelta(minutes=n),
        )

    first = await contact_card.contact_card(services, tenant, email="bo@acme.io")
    assert [e.body for e in first.timeline.entries] == [f"note {n}" for n in range(9, 1, -1)]
    assert first.timeline.is_first and first.timeline.older
    older = await contact_card.contact_card(services, tenant, contact_id=first.contact.id, older_than=first.timeline.older)
    assert [e.body for e in older.timeline.entries] == ["note 1", "note 0"]
    assert not older.timeline.is_first and older.timeline.older is None


async def test_a_merged_duplicate_s_email_or_id_opens_the_card_of_the_contact_kept(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="ann@acme.io", name="Ann Lee")
    duplicate = await contacts.add_contact(services, tenant, email="ann.lee@gmail.com", name="Ann L")
    await contacts.merge_contacts(services, tenant, duplicate="ann.lee@gmail.com", survivor="ann@acme.io")

    by_email = await contact_card.contact_card(services, tenant, email="ANN.LEE@gmail.com")
    by_id = await contact_card.contact_card(services, tenant, contact_id=duplicate.id)
    assert by_email.contact == by_id.contact and by_email.contact.email == "ann@acme.io"
    with pytest.raises(NotFound) as unknown:
        await contact_card.contact_card(services, tenant, email="nobody@acme.io")
    assert unknown.value.next_step.step == NextStep.ADD_CONTACT


async def test_the_card_shows_each_channel_s_consent_with_its_latest_change(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="ann@acme.io", name="Ann Lee")
    await contacts.set_consent(services, tenant, email="ann@acme.io", email_consent=True, sms_consent=None)
    await contacts.set_consent(services, tenant, email="ann@acme.io", email_consent=False, sms_consent=None)

    shown = (await contact_card.contact_card(services, tenant, email="ann@acme.io")).contact
    assert (shown.email_consent.granted, shown.email_consent.source) == (False, "slack")
    assert (shown.sms_consent.granted, shown.sms_consent.changed_at, shown.sms_consent.source) == (False, None, None)


async def test_door_staff_get_the_name_only(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="ann@acme.io", name="Ann Lee")
    card = await contact_card.contact_card(services, replace(tenant, role="door"), email="ann@acme.io")
    assert card == NameCard("Ann Lee")
