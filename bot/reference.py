"""Every slash command in one place: the overview in `/eventos help` and docs/commands.md.

Regenerate the doc with `python -m bot.reference > docs/commands.md`; a test keeps it true.
"""

import re

from bot.accounts.commands import EVENTOS
from bot.campaigns.commands import CAMPAIGN
from bot.crm.commands import COMPANY, CONTACT, LOG
from bot.digests.commands import DIGEST
from bot.door.commands import CHECKIN
from bot.events.commands import EVENT
from bot.events.ticket_types import TICKET
from bot.events.venues import VENUE
from bot.guestlists.commands import GUEST
from bot.router import Command
from bot.sales.orders import ORDER
from bot.sales.promos import PROMO
from bot.sales.sell import SELL

COMMANDS: tuple[Command, ...] = (EVENTOS, EVENT, VENUE, TICKET, SELL, ORDER, PROMO, CHECKIN, GUEST, CONTACT, COMPANY, LOG, CAMPAIGN, DIGEST)


def overview() -> str:
    """One line per command, for `/eventos help`."""
    lines = ["*All commands* (each answers `help`):"]
    lines += [f"• `{c.name}` — {c.summary}" for c in COMMANDS if c is not EVENTOS]
    return "\n".join(lines)


def _markdown(text: str) -> str:
    """Slack's *bold* becomes Markdown's **bold** and its bullets a list; the rest reads the same."""
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"**\1**", text)
    return re.sub(r"^• ", "- ", text, flags=re.MULTILINE)


def markdown() -> str:
    parts = [
        "# Slash commands",
        "",
        "Generated from the command definitions (`python -m bot.reference > docs/commands.md`).",
        "Arguments: words, then `key=value` pairs; quote values with spaces (`name=\"Summer Gala\"`, "
        "`/company show \"acme events\"`).",
        "Mentions follow one rule, in Slack and in the console: where a channel or a person is asked for "
        "(`sales_channel=#sales`, `/eventos role @ana organizer`, `/digest subscribe #sales`) pick it with `#` or `@`; "
        "anywhere else a mention reads as the text typed, so `tags=#vip` is the tag `vip` and `@here` is just those "
        "characters.",
        "A creation command without arguments opens its form. Errors answer privately in one sentence.",
        "",
    ]
    for command in COMMANDS:
        parts += [f"## {command.name}", "", _markdown(command.help_text()), ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
