"""Views for account settings and members."""

from bot.text import escape, fields, header, section
from core.accounts.accounts import AccountSettings, Member


def settings_card(settings: AccountSettings) -> list[dict]:
    channel = f"<#{settings.sales_channel}>" if settings.sales_channel else "not set"
    return [
        header(f"{settings.name} settings"),
        fields([
            ("Time zone", settings.timezone),
            ("Currency", settings.currency),
            ("Sales channel", channel),
            ("New users start as", settings.default_role),
        ]),
    ]


def member_list(members: list[Member]) -> list[dict]:
    if not members:
        return [section("Nobody has used EventOS in this workspace yet.")]
    lines = [f"• <@{m.slack_user_id}> — *{m.role}*" + (f" ({escape(m.email)})" if m.email else "") for m in members]
    blocks = [section(f"*{len(members)} people use EventOS*")]
    for start in range(0, len(lines), 40):
        blocks.append(section("\n".join(lines[start:start + 40])))
    return blocks[:50]
