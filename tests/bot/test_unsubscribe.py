"""GET/POST /u/{token}: the link from a real campaign email unsubscribes once, idempotently, and later campaigns skip the contact."""

import asyncio
import uuid
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import select

from core.campaigns import campaigns, sender
from core.crm.unsubscribe import make_token
from core.gateways.smtp_mailer import SmtpMailer
from db.models import ConsentChange, Contact
from tests.support.campaign_data import add_contact


@pytest.fixture
async def app(slack, smtp_sink):
    slack.services.mailer = SmtpMailer(smtp_sink.url, "Team <team@ex.test>", retry_delay=0.01)
    tenant = await slack.tenant()
    for email in ("ann@ex.org", "bo@ex.org"):
        await add_contact(slack.services, tenant, email, tags=("vip",))
    yield slack
    await slack.services.mailer.aclose()


async def send(app, name: str) -> int:
    tenant = await app.tenant()
    campaign = await campaigns.create_campaign(
        app.services, tenant, name=name, audience="tag:vip", template="announcement", subject="News",
    )
    await campaigns.send_campaign_now(app.services, tenant, slug=campaign.slug)
    return await sender.send_due(app.services, account_id=tenant.account_id)


async def fetch(method: str, url: str, **kw) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.request(method, url, **kw) as response:
        return response.status, await response.text()


async def contact(app, email: str) -> tuple[Contact, list[ConsentChange]]:
    tenant = await app.tenant()
    async with app.services.db.tenant(tenant.account_id) as session:
        row = (await session.scalars(select(Contact).where(Contact.email == email))).one()
        changes = (await session.scalars(select(ConsentChange).where(ConsentChange.contact_id == row.id).order_by(ConsentChange.created_at))).all()
        return row, changes


async def test_the_link_in_the_email_unsubscribes_once_and_later_campaigns_skip_the_contact(app, smtp_sink):
    assert await send(app, "First") == 2
    [ann_mail] = [m for m in smtp_sink.messages if m["To"] == "ann@ex.org"]
    link = urlsplit(ann_mail["List-Unsubscribe"].strip("<>"))
    url = f"{app.base_url}{link.path}"

    # A GET (a person, or a mail scanner following links) only asks; it changes nothing.
    for _ in range(2):
        status, page = await fetch("GET", url)
        assert status == 200 and f"Unsubscribe from Team {app.team_id}?" in page and '<form method="post">' in page
    assert (await contact(app, "ann@ex.org"))[0].unsubscribed_at is None
    assert ann_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # RFC 8058: mail clients POST to the same URL, as the page's button does.
    posted_status, posted = await fetch("POST", url, data="List-Unsubscribe=One-Click",
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert posted_status == 200 and "You are unsubscribed" in posted
    again_status, again = await fetch("POST", url)
    assert again_status == 200 and "You had already unsubscribed" in again
    status, page = await fetch("GET", url)
    assert "You had already unsubscribed" in page and "<form" not in page

    ann, changes = await contact(app, "ann@ex.org")
    assert ann.unsubscribed_at is not None and ann.email_consent is False
    assert [(c.channel, c.granted, c.source) for c in changes][-1:] == [("email", False, "unsubscribe link")]
    assert sum(1 for c in changes if c.source == "unsubscribe link") == 1

    smtp_sink.clear()
    assert await send(app, "Second") == 1
    assert [m["To"] for m in smtp_sink.messages] == ["bo@ex.org"]


async def test_two_clicks_at_once_record_one_change(app):
    tenant = await app.tenant()
    bo, _ = await contact(app, "bo@ex.org")
    url = f"{app.base_url}/u/{make_token(app.services.settings.secret_key, tenant.account_id, bo.id)}"
    answers = await asyncio.gather(*(fetch("POST", url) for _ in range(6)))
    assert {status for status, _ in answers} == {200}
    assert sum("You had already unsubscribed" not in page for _, page in answers) == 1
    _, changes = await contact(app, "bo@ex.org")
    assert [c.source for c in changes].count("unsubscribe link") == 1


@pytest.mark.parametrize("token", ["nonsense", "a.b", "x" * 300])
async def test_a_bad_or_forged_token_changes_nothing(app, token):
    for method in ("GET", "POST"):
        status, page = await fetch(method, f"{app.base_url}/u/{token}")
        assert status == 404 and "This link is not valid" in page


async def test_a_campaign_preview_carries_an_inert_link_that_unsubscribes_nobody(app):
    tenant = await app.tenant()
    campaign = await campaigns.create_campaign(
        app.services, tenant, name="Peek", audience="tag:vip", template="announcement", subject="News",
    )
    preview = await campaigns.preview_campaign(app.services, tenant, slug=campaign.slug)
    [link] = [word for word in preview.body.split() if "/u/" in word]
    assert link.endswith("/u/preview")
    for method in ("GET", "POST"):
        status, page = await fetch(method, f"{app.base_url}{urlsplit(link).path}")
        assert status == 200 and "does nothing" in page
    for email in ("ann@ex.org", "bo@ex.org"):
        assert (await contact(app, email))[0].unsubscribed_at is None


async def test_an_altered_token_is_refused(app):
    tenant = await app.tenant()
    bo, _ = await contact(app, "bo@ex.org")
    genuine = make_token(app.services.settings.secret_key, tenant.account_id, bo.id)
    other = make_token(app.services.settings.secret_key, tenant.account_id, uuid.uuid4())
    forged = f"{genuine.split('.')[0]}.{other.split('.')[1]}"
    status, _ = await fetch("POST", f"{app.base_url}/u/{forged}")
    assert status == 404
    status, _ = await fetch("GET", f"{app.base_url}/u/{other}")
    assert status == 404
    bo, changes = await contact(app, "bo@ex.org")
    assert bo.unsubscribed_at is None and all(c.source != "unsubscribe link" for c in changes)
