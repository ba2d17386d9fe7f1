"""Stopping the server closes the connections its services keep open to outside systems."""

from core.ports import Email
from core.services import Services
from tests.conftest import test_settings as make_settings
from tests.support.harness import start_harness


async def test_stopping_the_server_says_goodbye_on_the_pooled_mail_connection(db, slack_standin, smtp_sink):
    settings = make_settings(slack_api_url=slack_standin.base_url, smtp_url=smtp_sink.url)
    harness = await start_harness(Services(db=db, settings=settings), slack_standin)
    await harness.services.mailer.send(Email(to="ann@example.com", subject="Your tickets", text="See you there."))
    assert (len(smtp_sink.deliveries), smtp_sink.goodbyes) == (1, 0)  # the connection stays open for the next one

    await harness.runner.cleanup()

    assert smtp_sink.goodbyes == 1
