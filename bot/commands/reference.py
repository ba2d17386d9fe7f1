"""Every slash command in one place: the overview in `/eventos help` and docs/commands.md.

Regenerate the doc with `python -m bot.commands.reference > docs/commands.md`; a test keeps it true.
"""

import re

from bot.commands.campaigns import CAMPAIGN
from bot.commands.checkin import CHECKIN
from bot.commands.contacts import COMPANY, CONTACT, LOG
from bot.commands.digest import DIGEST
from bot.commands.eventos import EVENTOS
from bot.commands.events import EVENT
from bot.commands.orders import ORDER
from bot.commands.router import Command
from bot.commands.sell import SELL
from bot.commands.tickets import TICKET
from bot.commands.venues import VENUE

COMMANDS: tuple[Command, ...] = (EVENTOS, EVENT, VENUE, TICKET, SELL, ORDER, CHECKIN, CONTACT, COMPANY, LOG, CAMPAIGN, DIGEST)


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
        "Generated from the command definitions (`python -m bot.commands.reference > docs/commands.md`).",
        "Arguments: words, then `key=value` pairs; quote values with spaces (`name=\"Summer Gala\"`).",
        "A creation command without arguments opens its form. Errors answer privately in one sentence.",
        "",
    ]
    for command in COMMANDS:
        parts += [f"## {command.name}", "", _markdown(command.help_text()), ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
