"""Answers to Slack and Web API calls reuse the process's open connections instead of one per call."""

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import outbox


async def commands(slack, n: int) -> None:
    for _ in range(n):
        await slack.run("/digest", "list")


async def test_answers_and_posts_share_one_connection(slack):
    slack.services.notifier = SlackNotifier(slack.services.settings, fixed_token("xoxb-test-token"))
    await commands(slack, 1)  # the first contact's users.info, Bolt's auth.test
    slack.standin.clear()

    await commands(slack, 6)
    await slack.run("/digest", "now", channel_id="C0TEAM")
    assert await outbox.drain(slack.services, account_id=(await slack.tenant()).account_id) == 1

    # Six answers, the digest's confirmation and its chat.postMessage: one kept-open connection.
    assert sum(slack.standin.connections.values()) == 8
    assert len(slack.standin.connections) == 1


async def test_without_the_shared_session_each_answer_opens_its_own_connection(slack):
    """The control: Bolt's own respond() opens a session and a connection per answer."""
    assert slack.services.notifier is None
    await commands(slack, 1)
    slack.standin.clear()

    await commands(slack, 6)

    assert len(slack.standin.connections) == 6
