"""/event export and /contact export: CSV files shared through the Slack stand-in, parsed back with csv."""

import csv
import io
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.guestlists import entries as guest_entries
from core.sales import orders
from db.models import Attendee, Order
from tests.support.door_factories import make_event, make_ticket

TRICKY = [
    'Smith, "Jo" Anne',
    "Line one\nline two",
    "🎉 Party Person",
    '=HYPERLINK("http://evil.test","x")',
    "+1 555 0100",
    "-2+3",
    "@SUM(A1:A2)",
]


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def shown(name: str) -> str:
    return "'" + name if name[0] in "=+-@" else name


async def export(slack, text: str, command: str = "/event", user: str | None = None) -> tuple[dict, list[list[str]]]:
    message = await slack.run(command, text, user=user)
    [complete] = slack.standin.calls_to("files.completeUploadExternal")
    slack.standin.calls.clear()
    return message, parse(slack.standin.uploaded()), complete


async def test_attendee_export_parses_back_with_every_tricky_name_intact_and_formulas_neutralised(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Gala", timezone="Europe/Berlin")
    for i, name in enumerate(TRICKY):
        ticket = await make_ticket(slack.services, tenant, event, name=f"placeholder {i}", email=f"p{i}@example.test")
        async with slack.services.db.tenant(tenant.account_id) as session:
            await session.execute(update(Attendee).where(Attendee.id == ticket.attendee_id).values(name=name))

    message, rows, complete = await export(slack, f"export {event.slug}")

    header, body = rows[0], rows[1:]
    assert header[:4] == ["name", "email", "ticket_type", "status"] and "paid_at (Europe/Berlin)" in header
    assert [r[0] for r in body] == [shown(n) for n in TRICKY]
    assert all(len(r) == len(header) for r in body)
    assert {r[header.index("price")] for r in body} == {"0.00"} and {r[header.index("currency")] for r in body} == {"EUR"}
    async with slack.services.db.tenant(tenant.account_id) as session:
        paid_at = (await session.scalars(select(Order.paid_at).order_by(Order.created_at))).first()
    local = paid_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    assert body[0][header.index("paid_at (Europe/Berlin)")] == local
    assert complete.params["channel_id"] == "C0GENERAL" and "7 rows" in complete.params["initial_comment"]
    assert message["response_type"] == "ephemeral" and "Exported 7 rows" in message["text"]


async def test_order_export_shows_money_in_major_units_with_the_currency(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant)
    await orders.hold_seats(slack.services, tenant, event=event.slug, ticket="ga", qty=3, email="buyer@example.test",
                            name="=cmd|' /C calc'!A0")

    _, rows, _ = await export(slack, f"export {event.slug} what=orders")

    header, [order] = rows[0], rows[1:]
    assert order[header.index("total")] == "75.00" and order[header.index("currency")] == "EUR"
    assert order[header.index("quantity")] == "3" and order[header.index("status")] == "pending"
    assert order[header.index("name")] == "'=cmd|' /C calc'!A0"


async def test_guest_and_checkin_exports_count_companions(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Club")
    door = await slack.user("door")
    await slack.run("/guest", f"add {event.slug} 'Gina, the \"Guest\"' +2 note=\"VIP table\"")
    found = await slack.run("/checkin", f"{event.slug} gina", user=door)
    button = next(e for b in found["blocks"] if b["type"] == "actions" for e in b["elements"])
    await slack.driver.wait_responses(await slack.driver.action(button["action_id"], user_id=door, value=button["value"]), 1)

    _, guests, _ = await export(slack, f"export {event.slug} what=guests")
    _, checkins, _ = await export(slack, f"export {event.slug} what=checkins")

    assert guests[1][:3] == ['Gina, the "Guest"', "2", "guests"] and guests[1][guests[0].index("people_in")] == "3"
    assert checkins[1][checkins[0].index("people")] == "3" and checkins[1][checkins[0].index("guest_list")] == "guests"


async def test_door_staff_may_not_export_and_nothing_is_uploaded(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant)
    door = await slack.user("door")

    for text in (f"export {event.slug}", f"export {event.slug} what=guests"):
        message = await slack.run("/event", text, user=door)
        assert message["response_type"] == "ephemeral" and ("can export" in message["text"] or "can add" in message["text"])
    refused = await slack.run("/contact", "export", user=door)
    bad = await slack.run("/event", f"export {event.slug} what=everything")

    assert "export contacts" in refused["text"]
    assert bad["text"] == "Export what=attendees, orders, checkins or guests, not “everything”."
    assert slack.standin.calls_to("files.getUploadURLExternal") == []


async def test_a_channel_that_refuses_files_gets_one_private_sentence(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant)
    slack.standin.set_response("files.completeUploadExternal", {"ok": False, "error": "not_in_channel"})

    message = await slack.run("/event", f"export {event.slug}")

    assert message["text"].startswith("I can't share files here")


async def test_a_workspace_without_the_files_scope_is_told_to_reinstall(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant)
    slack.standin.set_response("files.getUploadURLExternal", {"ok": False, "error": "missing_scope", "needed": "files:write"})

    message = await slack.run("/event", f"export {event.slug}")

    assert message["text"].startswith("I'm not allowed to upload files yet")


async def test_contact_export_by_audience(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Club")
    await guest_entries.add_guest(slack.services, tenant, event=event.slug, name="Vera", email="vera@example.test", list_name="vip")
    await make_ticket(slack.services, tenant, event, name="Tom Ticket", email="tom@example.test")

    _, listed, _ = await export(slack, "export list:vip", command="/contact")
    _, everyone, _ = await export(slack, "export", command="/contact")

    assert [r[0] for r in listed[1:]] == ["vera@example.test"]
    assert {r[0] for r in everyone[1:]} >= {"vera@example.test", "tom@example.test"}
    assert listed[0][:3] == ["email", "first_name", "last_name"]


async def test_a_promoter_exports_only_their_own_guests_and_no_attendees(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Club")
    promoter = await slack.user("promoter")
    await slack.run("/guest", f'add {event.slug} "Mine Only" +1', user=promoter)
    await slack.run("/guest", f'add {event.slug} "Organizer Pick"')

    _, rows, _ = await export(slack, f"export {event.slug} what=guests", user=promoter)
    refused = await slack.run("/event", f"export {event.slug}", user=promoter)

    assert [r[0] for r in rows[1:]] == ["Mine Only"]
    assert "can export attendees" in refused["text"]
