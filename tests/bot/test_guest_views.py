"""Guest-list views are pure: core results in, Block Kit out, with what people typed made inert."""

import uuid
from datetime import UTC, datetime

from bot.guestlists import views
from core.guestlists.door import GuestAdmission, GuestMatch
from core.guestlists.entries import GuestListing, GuestRow
from core.guestlists.stats import Counts, GuestStats

NASTY = "<!channel> <@U123> *bold* <https://evil.test|click>"


def mrkdwn(node):
    """Every mrkdwn text in blocks (plain_text shows as typed and pings nobody)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            yield from mrkdwn(value)


def test_names_notes_and_promoters_cannot_ping_or_link():
    row = GuestRow(uuid.uuid4(), NASTY, 2, "vip", "a@example.test", NASTY, NASTY, None)
    listing = GuestListing("gala", NASTY, None, [row], 1, False)
    match = GuestMatch(uuid.uuid4(), NASTY, 1, "vip", NASTY, None, None, None)
    admitted = GuestAdmission("admitted", NASTY, "vip", NASTY, "UTC", 2, 1, datetime.now(UTC), NASTY)
    stats = GuestStats("gala", NASTY, "UTC", [Counts("vip", 1, 3, 0, 0)], [Counts(NASTY, 1, 3, 0, 0)], False)

    rendered = [views.guest_listing(listing), ("", views.guest_match_blocks([match], "UTC")), views.admission(admitted),
                views.guest_stats(stats)]
    shown = str([(text, list(mrkdwn(blocks))) for text, blocks in rendered])

    assert "<!channel>" not in shown and "<@U123>" not in shown and "<https://" not in shown
    assert "&lt;!channel&gt;" in shown


def test_a_party_of_up_to_four_gets_buttons_and_a_bigger_one_a_menu():
    small = GuestMatch(uuid.uuid4(), "Ann", 3, "vip", None, None, None, None)
    big = GuestMatch(uuid.uuid4(), "Bob", 4, "vip", None, None, None, None)

    [_, small_actions] = views.guest_match_blocks([small], "UTC")
    [_, big_actions] = views.guest_match_blocks([big], "UTC")

    assert [e["text"]["text"] for e in small_actions["elements"]] == ["Admit 4", "Admit 3", "Admit 2", "Admit 1"]
    assert small_actions["elements"][0]["style"] == "primary"
    assert [e["type"] for e in big_actions["elements"]] == ["static_select"]
    assert [o["value"] for o in big_actions["elements"][0]["options"]][0] == f"{big.entry_id}:5"
