"""GET /t/{code}: the attendee's ticket page, and refusing forged codes before any query."""

import aiohttp

from core.sales import payments, ticket_codes, tickets
from core.services import Services
from db.session import Database
from tests.support.factories import make_event, make_product


async def get(slack, path: str) -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{slack.base_url}{path}") as response:
            return response.status, await response.text(), dict(response.headers)


async def sold_ticket(slack, name: str) -> tuple[object, str, str]:
    """A paid order's (tenant, reference, first ticket code)."""
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer <Gala>")
    await make_product(slack.services, tenant, event, name="VIP & friends")
    sale = await payments.sell(slack.services, tenant, event=event.slug, ticket="ga", email="ann@example.com", name=name)
    order = await payments.mark_paid(slack.services, tenant, reference=sale.order.reference)
    return tenant, order.reference, order.tickets[0].code


async def test_the_ticket_page_shows_the_event_the_escaped_name_and_an_svg_qr_code(slack):
    _, _, code = await sold_ticket(slack, '<script>alert("x")</script> Ann')

    status, html, headers = await get(slack, f"/t/{code}")

    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in html and "<title>Ticket for Summer &lt;Gala&gt;</title>" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Ann" in html and "<script>" not in html
    assert "VIP &amp; friends" in html
    assert f'role="img" aria-label="QR code of ticket {code}"' in html and "<svg" in html
    assert headers["Cache-Control"] == "no-store"


async def test_codes_are_read_as_people_type_them(slack):
    _, _, code = await sold_ticket(slack, "Ann")
    status, html, _ = await get(slack, f"/t/{code.lower()}")
    assert status == 200 and code in html


async def test_a_refunded_ticket_says_it_is_no_longer_valid(slack):
    tenant, reference, code = await sold_ticket(slack, "Ann")
    await payments.refund(slack.services, tenant, reference=reference)

    status, html, _ = await get(slack, f"/t/{code}")
    assert status == 200 and "no longer valid" in html and "<svg" not in html


async def test_forged_and_unknown_codes_get_not_found(slack):
    genuine = ticket_codes.new_code(slack.services.settings.secret_key)
    forged = ticket_codes.new_code(b"another key")
    for code in (forged, genuine, "short", "A" * 16 + "-" + "B" * 10):
        status, html, _ = await get(slack, f"/t/{code}")
        assert status == 404 and "Ticket not found" in html


async def test_a_forged_code_is_refused_before_the_database_is_asked(settings):
    unreachable = Services(db=Database("postgresql://nobody@127.0.0.1:9/none"), settings=settings)
    forged = ticket_codes.new_code(b"another key")
    assert await tickets.ticket_page(unreachable, forged) is None
    await unreachable.db.dispose()
