"""One listener per slash command: acks at once, dispatches the subcommand, answers `help`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors, grammar
from bot.text import escape
from core.context import TenantContext
from core.services import Services


@dataclass
class Invocation:
    """Everything a subcommand handler needs; `args` are the words after the subcommand."""

    tenant: TenantContext
    services: Services
    args: grammar.Parsed
    respond: AsyncRespond
    client: AsyncWebClient
    command: dict[str, Any]

    @property
    def trigger_id(self) -> str:
        return self.command.get("trigger_id", "")

    @property
    def channel_id(self) -> str:
        return self.command.get("channel_id", "")

    async def reply(self, text: str, blocks: list[dict] | None = None) -> None:
        """Answer privately to the person who ran the command."""
        await self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


HELP_WORDS = frozenset({"", "help", "-h", "--help", "?"})

Handler = Callable[[Invocation], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler
    keys: tuple[str, ...] | None = None  # option keys; None: any key=value is an option
    modal: Handler | None = None  # opens when the subcommand is given no arguments
    free_text_after: int | None = None  # words after which the rest is free text (/log EMAIL TEXT)


@dataclass(frozen=True)
class Command:
    name: str  # "/event"
    summary: str
    subcommands: tuple[Subcommand, ...]
    default: Handler | None = None  # no subcommand word matched: e.g. /checkin CODE
    default_usage: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    epilogue: str | None = None  # appended to the help text

    def find(self, word: str) -> Subcommand | None:
        word = self.aliases.get(word, word)
        return next((s for s in self.subcommands if s.name == word), None)

    def help_text(self) -> str:
        lines = [f"*{self.name}* — {self.summary}"]
        if self.default_usage:
            lines.append(f"• `{self.name} {self.default_usage}`")
        lines += [f"• `{self.name} {s.usage}` — {s.summary}" for s in self.subcommands]
        lines.append(f"• `{self.name} help` — this help")
        if self.epilogue:
            lines.append(self.epilogue)
        return "\n".join(lines)


def unknown_sentence(spec: Command, word: str) -> str:
    """One sentence for a subcommand that does not exist: the ones that do, and where they are explained."""
    shown = escape(grammar.as_typed(word)[:40]).replace("`", "'")
    names = [s.name for s in spec.subcommands]
    choices = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    return f"I don't know `{spec.name} {shown}`; try {choices} (`{spec.name} help` explains them)."


def listener(spec: Command):
    """The Bolt listener for `spec`: ack within Slack's 3 s, then do the work and respond."""

    async def handle(ack, command: dict, respond: AsyncRespond, client: AsyncWebClient, tenant, services) -> None:
        await ack()
        async with errors.answering_errors(respond):
            await _dispatch(spec, command, respond, client, tenant, services)

    return handle


async def _dispatch(spec: Command, command: dict, respond: AsyncRespond, client: AsyncWebClient, tenant, services) -> None:
    text = command.get("text") or ""
    first, rest = (text.strip().split(None, 1) + ["", ""])[:2]
    word = first.lower()
    if word in HELP_WORDS:
        await respond(text=spec.help_text(), response_type="ephemeral")
        return
    sub = spec.find(word)
    if sub is None and spec.default is None:
        await respond(text=unknown_sentence(spec, first), response_type="ephemeral")
        return
    handler = sub.handler if sub else spec.default
    args = grammar.parse(
        rest if sub else text, keys=sub.keys if sub else None, free_text_after=sub.free_text_after if sub else None
    )
    invocation = Invocation(tenant, services, args, respond, client, command)
    if sub and sub.modal and not args.words and not args.options:
        await sub.modal(invocation)
        return
    await handler(invocation)
