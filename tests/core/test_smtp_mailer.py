"""The SMTP mailer: reused connections, bounded parallelism, and failures classified by whether the message may have gone."""

import asyncio

import pytest

from core.gateways.smtp_mailer import SmtpMailer
from core.ports import Email
from tests.support.picky_smtp import picky_server  # noqa: F401 - fixture


def mail(to: str) -> Email:
    return Email(to=to, subject="Hello", text="Hi there", html="<p>Hi there</p>")


async def test_batches_share_a_few_reused_connections(picky_server):
    mailer = SmtpMailer(picky_server.url, "Team <team@ex.test>", connections=3)
    try:
        first = await mailer.send_many([mail(f"a{i}@ex.org") for i in range(20)])
        second = await mailer.send_many([mail(f"b{i}@ex.org") for i in range(5)])
    finally:
        await mailer.aclose()
    assert first == [None] * 20 and second == [None] * 5
    assert len(picky_server.accepted) == 25 and picky_server.connections == 3


async def test_a_5xx_fails_that_message_only_and_is_not_retried(picky_server):
    mailer = SmtpMailer(picky_server.url, "team@ex.test", connections=1, retry_delay=0.01)
    try:
        results = await mailer.send_many([mail("a@ex.org"), mail("bounce@ex.org"), mail("c@ex.org")])
    finally:
        await mailer.aclose()
    assert results[0] is None and results[2] is None
    assert (results[1].retry, results[1].maybe_sent) == (False, False)
    assert picky_server.refused == ["bounce@ex.org"] and picky_server.accepted == ["a@ex.org", "c@ex.org"]


async def test_a_4xx_is_retried_then_the_rest_of_the_batch_waits(picky_server):
    mailer = SmtpMailer(picky_server.url, "team@ex.test", connections=1, retries=2, retry_delay=0.01)
    try:
        results = await mailer.send_many([mail("a@ex.org"), mail("later@ex.org"), mail("c@ex.org")])
    finally:
        await mailer.aclose()
    assert results[0] is None
    assert [(r.retry, r.maybe_sent) for r in results[1:]] == [(True, False), (True, False)]
    assert "Not tried" in results[2].reason
    assert picky_server.refused == ["later@ex.org"] * 3 and picky_server.accepted == ["a@ex.org"]


async def test_a_connection_lost_during_data_may_have_delivered_so_it_is_not_retried(picky_server):
    mailer = SmtpMailer(picky_server.url, "team@ex.test", connections=1, retry_delay=0.01)
    try:
        results = await mailer.send_many([mail("drop@ex.org"), mail("b@ex.org")])
    finally:
        await mailer.aclose()
    assert (results[0].retry, results[0].maybe_sent) == (False, True) and results[1] is None
    assert picky_server.accepted == ["drop@ex.org", "b@ex.org"]


async def test_an_unreachable_server_is_a_retryable_failure():
    mailer = SmtpMailer("smtp://127.0.0.1:9", "team@ex.test", retries=1, retry_delay=0.01, timeout=2)
    [error] = await mailer.send_many([mail("a@ex.org")])
    assert (error.retry, error.maybe_sent) == (True, False) and "could not be reached" in error.reason


async def test_unicode_round_trips_and_line_breaks_in_headers_are_refused(smtp_sink):
    mailer = SmtpMailer(smtp_sink.url, "Fête Team <team@ex.test>", retry_delay=0.01)
    long_link = "<http://eventos.test/u/" + "x" * 90 + ">"
    try:
        results = await mailer.send_many([
            Email(to="Zoë Brand <zoe@ex.org>", subject=" ".join(["Frühling ✨"] * 12), text="Grüße\n\n.a line starting with a dot", html="<p>Grüße</p>",
                  headers={"List-Unsubscribe": long_link}),
            Email(to="a@ex.org", subject="Hi\r\nBcc: spy@ex.org", text="x"),
        ])
    finally:
        await mailer.aclose()
    assert results[0] is None and (results[1].retry, results[1].maybe_sent) == (False, False)
    [message] = smtp_sink.messages
    assert message["Subject"] == " ".join(["Frühling ✨"] * 12) and message["From"] == "Fête Team <team@ex.test>"
    assert message["List-Unsubscribe"] == long_link and message["To"] == "Zoë Brand <zoe@ex.org>"
    assert message.get_body(("plain",)).get_content().splitlines() == ["Grüße", "", ".a line starting with a dot"]
    assert message.get_body(("html",)).get_content().strip() == "<p>Grüße</p>"


async def test_a_send_cancelled_mid_conversation_hangs_up_instead_of_pooling_the_connection():
    stalled, hung_up = asyncio.Event(), asyncio.Event()

    async def stalls_at_mail_from(reader, writer):
        writer.write(b"220 stall.test ESMTP\r\n")
        while line := await reader.readline():
            if line.upper().startswith((b"EHLO", b"HELO")):
                writer.write(b"250 stall.test\r\n")
            else:
                stalled.set()  # MAIL FROM (or anything else) is never answered
        hung_up.set()
        writer.close()

    server = await asyncio.start_server(stalls_at_mail_from, "127.0.0.1", 0)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{server.sockets[0].getsockname()[1]}", "team@ex.test", timeout=60)
    try:
        sending = asyncio.create_task(mailer.send(mail("a@ex.org")))
        await asyncio.wait_for(stalled.wait(), 5)
        sending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sending
        await asyncio.wait_for(hung_up.wait(), 5)
        await asyncio.wait_for(mailer.aclose(), 5)  # nothing half-spoken was kept to say QUIT on
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def silent_server():
    """A server that takes connections and never says a word; yields its smtp:// URL."""
    held: list[asyncio.StreamWriter] = []

    async def never_greets(reader, writer):
        held.append(writer)
        await reader.read()

    server = await asyncio.start_server(never_greets, "127.0.0.1", 0)
    yield f"smtp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    for writer in held:
        writer.close()
    await server.wait_closed()


async def test_a_server_that_never_greets_is_a_retryable_failure_once_the_time_limit_passes(silent_server):
    mailer = SmtpMailer(silent_server, "team@ex.test", retries=0, timeout=0.3)
    [error] = await asyncio.wait_for(mailer.send_many([mail("a@ex.org")]), 5)
    assert (error.retry, error.maybe_sent) == (True, False) and "could not be reached" in error.reason


async def test_a_send_cancelled_at_any_moment_of_connecting_ends_at_once(silent_server):
    """Cancelled just as the connection opens, a send must not go on to wait out its time limit for the greeting."""
    mailer = SmtpMailer(silent_server, "team@ex.test", timeout=60)
    for moment in range(40):
        sending = asyncio.create_task(mailer.send(mail("a@ex.org")))
        for _ in range(moment):
            await asyncio.sleep(0)
        sending.cancel()
        done, _ = await asyncio.wait([sending], timeout=2)
        assert done, f"a send cancelled after {moment} turns of the loop was still running 2 s later"
        assert sending.cancelled()
