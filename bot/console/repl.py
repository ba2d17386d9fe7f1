"""The local console: slash commands typed in a terminal, the app's answers rendered, buttons and modals.

It plays the Slack client: every line becomes the signed request Slack would send to the app's
/slack/events, and what the app shows (ack bodies, response_url posts, messages, modals, the Home
tab) arrives through the local workspace's Slack (devtools.local_workspace) and is rendered by
bot.console._render.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import os
import re
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    asynccontextmanager,
    contextmanager,
    suppress,
)
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import yaml
from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory

from bot.app import LOCAL_BOT_TOKEN, local_signing_secret
from bot.console import _forms as forms
from bot.console import _requests as requests
from bot.console._render import Control, Style, plain, render_message, render_view
from core.accounts import accounts
from core.services import Services
from core.settings import Settings
from devtools.local_workspace import (
    GENERAL_ID,
    OWNER_ID,
    TEAM_ID,
    TEAM_NAME,
    Directory,
    LocalSlack,
    Message,
    View,
)
from db.enums import AccountStatus

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
PROMPT = "eventos> "
LOG_FILE = "server.log"  # in the data dir: the server's log while the console runs
ACK_TIMEOUT = 3.0  # Slack gives up on an answer after three seconds
_CREDENTIALS = ("slack_signing_secret", "slack_bot_token", "slack_app_token", "slack_client_id", "slack_client_secret")


class Interrupted(Exception):
    """Ctrl-C at a question."""


class Terminal(Protocol):
    async def ask(self, prompt: str, *, history: bool = False) -> str | None:
        """The next line typed, None at the end of input; Interrupted on Ctrl-C."""

    def show(self, text: str) -> None:
        """Print text above the prompt."""

    def session(self) -> AbstractAsyncContextManager[None]:
        """Set the terminal up for the console's run."""


class PromptTerminal:
    """A real terminal: line editing, history in the data dir, output printed above the prompt."""

    def __init__(self, history: Path) -> None:
        history.parent.mkdir(parents=True, exist_ok=True)
        self._commands: PromptSession = PromptSession(history=FileHistory(str(history)))
        self._answers: PromptSession = PromptSession()
        self._asking = False

    async def ask(self, prompt: str, *, history: bool = False) -> str | None:
        self._asking = True
        try:
            return await (self._commands if history else self._answers).prompt_async(ANSI(prompt))
        except EOFError:
            return None
        except KeyboardInterrupt:
            raise Interrupted from None
        finally:
            self._asking = False

    def show(self, text: str) -> None:
        if self._asking:
            run_in_terminal(lambda: print(text, flush=True))
        else:
            print(text, flush=True)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        yield


class PlainTerminal:
    """Standard input that is not a terminal (a pipe, a file): one line per answer, echoed after its prompt."""

    def __init__(self) -> None:
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()

    async def ask(self, prompt: str, *, history: bool = False) -> str | None:
        line = await self._lines.get()
        print(prompt + (line or ""), flush=True)
        return line

    def show(self, text: str) -> None:
        print(text, flush=True)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()

        def read() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\n"))
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        # A daemon thread: a blocked read of stdin must not keep the process alive at exit.
        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        yield


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage: str


def manifest_commands(path: Path = MANIFEST) -> dict[str, SlashCommand]:
    """The slash commands of the Slack app manifest, as Slack's client knows them."""
    if not path.exists():
        return {}
    manifest = yaml.safe_load(path.read_text()) or {}
    return {
        c["command"]: SlashCommand(c["command"], c.get("description", ""), c.get("usage_hint", ""))
        for c in (manifest.get("features") or {}).get("slash_commands") or []
    }


def escape_command_text(text: str, directory: Directory) -> str:
    """What Slack sends for typed text with escaping on: &, <, > as entities, @name and #channel as mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # @here, @channel and @everyone are Slack's special mentions, never people.
    text = re.sub(r"(?<![\w@/.;])@(here|channel|everyone)\b", lambda m: f"<!{m.group(1).lower()}>", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<![\w@/.;!<])@([A-Za-z][\w.-]*[\w])",
                  lambda m: f"<@{directory.user_id(m.group(1))}|{m.group(1).lower()}>", text)
    return re.sub(r"(?<![\w#/;&])#([A-Za-z][\w-]*)",
                  lambda m: f"<#{directory.channel_id(m.group(1))}|{m.group(1).lower()}>", text)


def without_slack_credentials(settings: Settings) -> Settings:
    """The settings of the local workspace: no Slack credentials, whatever the environment says."""
    return settings.model_copy(update={name: None for name in _CREDENTIALS})


async def start_local_slack(settings: Settings) -> tuple[Settings, LocalSlack | None]:
    """With no Slack credentials: start the local Slack and point SLACK_API_URL at it. Otherwise nothing."""
    if settings.slack_mode != "local":
        return settings, None
    directory = Directory(settings.eventos_data_dir / "local-slack.json", owner_name=_owner_name())
    slack = LocalSlack(directory, token=LOCAL_BOT_TOKEN)
    await slack.start()
    return settings.model_copy(update={"slack_api_url": slack.api_url}), slack


def _owner_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


async def install_demo_workspace(services: Services, directory: Directory) -> accounts.Workspace:
    """The local workspace's account, created on first use with the console's person as its owner."""
    workspace = await accounts.find_workspace(services, team_id=TEAM_ID, enterprise_id=None)
    if workspace is not None and workspace.status == AccountStatus.ACTIVE:
        return workspace
    owner = accounts.UserProfile(name=directory.users[OWNER_ID], email=None, is_admin=True, is_owner=True)
    return await accounts.install_workspace(
        services, team_id=TEAM_ID, enterprise_id=None, name=TEAM_NAME, installer=OWNER_ID, installer_profile=owner
    )


def start_console(settings: Settings, slack: LocalSlack, address: tuple, stop: asyncio.Event) -> asyncio.Task:
    """Run the console beside the server at `address` (host, port); quitting it sets `stop`."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(address[0], address[0])
    url = f"http://{f'[{host}]' if ':' in host else host}:{address[1]}/slack/events"
    task = asyncio.create_task(run_console(settings, slack, url))
    task.add_done_callback(lambda _: stop.set())
    return task


async def stop_console(task: asyncio.Task) -> None:
    """Stop the console (if it is still running); an error it ended on is logged, not raised into shutdown."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:  # noqa: BLE001 - the server still shuts down cleanly
        log.exception("the console stopped on an error")


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Server log lines go to `path` while the console runs, so they never land in its screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    streams = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in streams:
        root.removeHandler(handler)
    root.addHandler(to_file)
    try:
        yield
    finally:
        root.removeHandler(to_file)
        to_file.close()
        for handler in streams:
            root.addHandler(handler)


async def run_console(settings: Settings, slack: LocalSlack, events_url: str) -> None:
    """Run the console on this process's terminal (or standard input) until exit, Ctrl-D or Ctrl-C."""
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    terminal = PromptTerminal(settings.eventos_data_dir / "console_history") if sys.stdin.isatty() else PlainTerminal()
    log_file = settings.eventos_data_dir / LOG_FILE
    with log_to_file(log_file):
        async with terminal.session():
            console = Console(
                events_url=events_url, signing_secret=local_signing_secret(settings), slack=slack,
                terminal=terminal, commands=manifest_commands(), style=Style(color=color), log_file=log_file,
            )
            await console.run()


@dataclass(frozen=True)
class _Source:
    """Where a numbered control was shown: a message (channel, ts) or a view."""

    channel: str = ""
    ts: str = ""
    body: dict[str, Any] | None = None
    ephemeral: bool = False
    view_id: str | None = None


class Console:
    """One person at the terminal, acting in the local workspace through the app's real HTTP entry point."""

    def __init__(
        self, *, events_url: str, signing_secret: str, slack: LocalSlack, terminal: Terminal,
        commands: dict[str, SlashCommand], style: Style, log_file: Path,
    ) -> None:
        self.events_url = events_url
        self.log_file = log_file
        self.signing_secret = signing_secret
        self.slack = slack
        self.terminal = terminal
        self.commands = commands
        self.style = style
        directory = slack.directory
        self.actor = requests.Actor(OWNER_ID, directory.users[OWNER_ID], GENERAL_ID, directory.channels[GENERAL_ID])
        self.controls: dict[int, tuple[Control, _Source]] = {}
        self._next_number = 1
        self._modals: deque[dict[str, Any]] = deque()
        self._modal_ready = asyncio.Event()
        self._filling: str | None = None
        self._form_changed = False
        self._shown = 0
        self._shown_before_request = 0
        self._http: aiohttp.ClientSession | None = None

    # ----- the loop ----------------------------------------------------------------------

    async def run(self) -> None:
        async with aiohttp.ClientSession() as http:
            self._http = http
            watcher = asyncio.create_task(self._watch())
            try:
                self.terminal.show(self._banner())
                while True:
                    if self._modals:
                        await self._fill(self._modals.popleft())
                        continue
                    line = await self._next_line()
                    if line is None or not await self._handle(line.strip()):
                        return
            finally:
                watcher.cancel()
                with suppress(asyncio.CancelledError):
                    await watcher

    async def _next_line(self) -> str | None:
        """The next command, None to quit, or "" when a modal opened meanwhile (it is filled in first)."""
        self._modal_ready.clear()
        ask = asyncio.create_task(self.terminal.ask(PROMPT, history=True))
        modal = asyncio.create_task(self._modal_ready.wait())
        try:
            await asyncio.wait({ask, modal}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (ask, modal):
                if not task.done():
                    task.cancel()
            await asyncio.gather(ask, modal, return_exceptions=True)
        if ask.cancelled():
            return ""
        try:
            return ask.result()
        except Interrupted:
            return None

    async def _handle(self, line: str) -> bool:
        """Act on one line; False means quit."""
        word, _, rest = line.partition(" ")
        word = word.lower()
        if not line:
            return True
        if word in ("exit", "quit"):
            return False
        if word == "help":
            self.terminal.show(self._help())
        elif word == "home":
            await self._post(requests.app_home_opened(self.actor), requests.JSON)
            await self._settle()
        elif word == "as":
            self._act_as(rest.strip())
        elif word == "in":
            self._move_to(rest.strip())
        elif line.isdigit():
            await self._click(int(line))
        elif line.startswith("/"):
            await self._command(line)
        else:
            self.terminal.show(f"Type a slash command such as {self.style.code('/eventos help')}, "
                               f"a button's number, or {self.style.code('help')}.")
        return True

    # ----- talking to the app ------------------------------------------------------------

    async def _post(self, body: bytes, content_type: str) -> Any:
        """POST a signed request to the app; the parsed answer (dict, text or None)."""
        assert self._http is not None
        headers = requests.signed_headers(body, self.signing_secret, content_type)
        self._shown_before_request = self._shown
        try:
            async with asyncio.timeout(ACK_TIMEOUT):
                async with self._http.post(self.events_url, data=body, headers=headers) as response:
                    status, text = response.status, await response.text()
        except TimeoutError:
            self.terminal.show(self.style.bad("The app did not answer within 3 seconds; Slack would show an error."))
            return None
        if status != 200:
            self.terminal.show(self.style.bad(f"The app answered HTTP {status}. {text}".strip()))
            return None
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    async def _settle(self) -> None:
        """Wait briefly for what the app shows after a request, so the prompt comes back below it."""
        loop = asyncio.get_running_loop()
        start, deadline = self._shown_before_request, loop.time() + 2.0
        while self._shown == start and not self._modals and loop.time() < deadline:
            await asyncio.sleep(0.02)
        while not self._modals:
            seen = self._shown
            await asyncio.sleep(0.15)
            if self._shown == seen:
                return

    async def _command(self, line: str) -> None:
        name, _, text = line.partition(" ")
        if self.commands and name not in self.commands:
            self.terminal.show(f"{self.style.code(name)} is not a command of this app; type {self.style.code('help')} to see them.")
            return
        url = self.slack.response_url(self.actor.channel_id)
        text = escape_command_text(text.strip(), self.slack.directory)
        ack = await self._post(requests.slash_command(name, text, self.actor, response_url=url), requests.FORM)
        if isinstance(ack, dict) and (ack.get("text") or ack.get("blocks")):
            ephemeral = ack.get("response_type") != "in_channel"
            self._show_message(Message("posted", self.actor.channel_id, self.slack.next_ts(), ack, ephemeral))
        elif isinstance(ack, str):
            self._show_message(Message("posted", self.actor.channel_id, self.slack.next_ts(), {"text": ack}, True))
        await self._settle()

    async def _click(self, number: int) -> None:
        found = self.controls.get(number)
        if found is None:
            self.terminal.show(f"There is no button [{number}].")
            return
        control, source = found
        element = control.element
        view = self.slack.views.get(source.view_id) if source.view_id else None
        value: dict[str, Any] = {}
        if element.get("type") != "button":
            field = forms.Field(control.block_id, str(element.get("action_id", "")),
                                plain(element.get("placeholder")) or "Choose", element, False, "")
            try:
                value = await self._ask_field(field, view)
            except Interrupted:
                return
        elif element.get("url"):
            self.terminal.show(self.style.dim(f"(this button opens {element['url']})"))
        act = forms.action(control.block_id, element, value, requests.action_ts())
        if view is not None:
            await self._post(requests.view_action(act, self.actor, view=view), requests.FORM)
        else:
            url = self.slack.response_url(source.channel, original_ts=source.ts, ephemeral=source.ephemeral)
            message = {**_message_fields(source.body or {}), "ts": source.ts}
            body = requests.message_action(act, self.actor, message=message, channel=source.channel,
                                           ephemeral=source.ephemeral, response_url=url)
            await self._post(body, requests.FORM)
        await self._settle()

    # ----- what the app shows ------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            item = await self.slack.deliveries.get()
            try:
                if isinstance(item, Message):
                    self._show_message(item)
                else:
                    self._show_view(item)
            except Exception:  # noqa: BLE001 - one odd message must not stop the console showing the next
                log.exception("could not show %r", item)
            self._shown += 1

    def _show_message(self, message: Message) -> None:
        where = self._where(message)
        if message.kind == "deleted":
            self.terminal.show(self.style.dim(f"EventOS deleted a message {where}."))
            return
        rendered = render_message(message.body, style=self.style, names=self.slack.directory.names(),
                                  first_number=self._next_number)
        source = _Source(message.channel, message.ts, message.body, message.ephemeral)
        self._remember(rendered.controls, source)
        edited = " (edited)" if message.kind == "updated" else ""
        heading = f"{self.style.bold('EventOS')}{self.style.dim(f' {where}{edited}')}"
        self.terminal.show("\n" + heading + "\n" + _indent(rendered.text))

    def _where(self, message: Message) -> str:
        if message.ephemeral:
            if message.user in (None, self.actor.user_id):
                return "· only visible to you"
            return f"· only visible to @{self.slack.directory.users.get(message.user, message.user)}"
        if message.channel.startswith("D"):
            return "· in a direct message"
        thread = " (in a thread)" if message.body.get("thread_ts") else ""
        return f"· in #{self.slack.directory.channels.get(message.channel, message.channel)}{thread}"

    def _show_view(self, item: View) -> None:
        view = item.view
        if item.method == "views.publish" or view.get("type") == "home":
            rendered = render_view(view, style=self.style, names=self.slack.directory.names(),
                                   first_number=self._next_number)
            self._remember(rendered.controls, _Source(view_id=view["id"]))
            self.terminal.show("\n" + self.style.bold("EventOS Home") + "\n" + _indent(rendered.text))
        elif item.method == "views.update" and view["id"] == self._filling:
            self._form_changed = True
        else:
            waiting = [i for i, v in enumerate(self._modals) if v["id"] == view["id"]]
            if waiting:
                self._modals[waiting[0]] = view
            else:
                self._modals.append(view)
            self._modal_ready.set()

    def _remember(self, controls: tuple[Control, ...], source: _Source) -> None:
        for control in controls:
            self.controls[control.number] = (control, source)
        self._next_number += len(controls)

    # ----- modals ------------------------------------------------------------------------

    async def _fill(self, view: dict[str, Any] | None) -> None:
        """Ask a modal's inputs in order, submit it, and follow errors, updates and pushes until it closes."""
        while view is not None:
            self._filling, self._form_changed = view["id"], False
            try:
                view = await self._fill_once(view)
            except Interrupted:
                self.terminal.show(self.style.dim("  (modal closed)"))
                if view.get("notify_on_close"):
                    await self._post(requests.view_closed(self.slack.views.get(view["id"], view), self.actor), requests.FORM)
                view = None
            finally:
                self._filling = None
        await self._settle()

    async def _fill_once(self, view: dict[str, Any]) -> dict[str, Any] | None:
        names = self.slack.directory.names()
        body = render_view(view, style=self.style, names=names, inputs=False, clickable=False)
        self.terminal.show("\n" + _indent(body.text, "┃ "))
        fields = forms.fields_of(view)
        if not fields and not view.get("submit"):
            return None
        self.terminal.show(self.style.dim("  (Ctrl-C closes the modal)"))
        if not fields and await self.terminal.ask(f"  Press Enter to {plain(view.get('submit')) or 'submit'}: ") is None:
            raise Interrupted
        values: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        while True:
            for field in fields:
                previous = values.get(field.block_id, {}).get(field.action_id)
                values[field.block_id] = {
                    field.action_id: await self._ask_field(field, view, errors.get(field.block_id), previous)
                }
                if self._form_changed:
                    self.terminal.show(self.style.dim("  (the app changed this form)"))
                    return self.slack.views[view["id"]]
            current = self.slack.views.get(view["id"], view)
            ack = await self._post(requests.view_submission(current, values, self.actor), requests.FORM)
            action = ack.get("response_action") if isinstance(ack, dict) else None
            if action == "errors":
                # Asked again from the top, answers kept (Enter), so a field the error is not on can be fixed too.
                errors = ack.get("errors") or {}
                labels = {f.block_id: f.label for f in fields}
                self.terminal.show(self.style.bad("  Please fix the form; Enter keeps an answer."))
                for block_id, error in errors.items():
                    self.terminal.show(self.style.bad(f"  {labels[block_id]}: {error}" if block_id in labels else f"  {error}"))
                continue
            if action in ("update", "push"):
                new = {**ack["view"], "id": view["id"] if action == "update" else f"{view['id']}-{len(self.slack.views)}"}
                self.slack.views[new["id"]] = {**self.slack.views.get(view["id"], {}), **new}
                return self.slack.views[new["id"]]
            self.terminal.show(self.style.dim("  (submitted)"))
            return None

    async def _ask_field(
        self, field: forms.Field, view: dict[str, Any] | None, error: str | None = None,
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Ask one input until the answer fits; its state value."""
        names = self.slack.directory.names()
        lines = forms.explain(field) + ([self.style.bad(error)] if error else [])
        if lines:
            self.terminal.show(_indent("\n".join(lines)))
        while True:
            text = await self.terminal.ask("  " + self.style.bold(forms.question(field, names, previous)))
            if text is None:
                raise Interrupted
            try:
                if field.kind in ("external_select", "multi_external_select") and text.strip():
                    return await self._ask_external(field, view, text)
                return forms.answer(field, text, self.slack.directory, me=self.actor.user_id, previous=previous)
            except forms.AnswerError as problem:
                self.terminal.show(self.style.bad("  " + problem.message))

    async def _ask_external(self, field: forms.Field, view: dict[str, Any] | None, query: str) -> dict[str, Any]:
        """Search through the app's options listener, then pick one (or several) of the results."""
        if view is None:
            raise forms.AnswerError("Searching is only possible inside a modal here.")
        answer = await self._post(requests.block_suggestion(view, field.block_id, field.action_id, query, self.actor),
                                  requests.FORM)
        options = forms.options_of(answer if isinstance(answer, dict) else {})
        if not options:
            raise forms.AnswerError(f"Nothing matches “{query}”; try other letters.")
        self.terminal.show(_indent("\n".join(forms.choices(options))))
        while True:
            choice = await self.terminal.ask("  Pick: ")
            if choice is None:
                raise Interrupted
            try:
                return forms.chosen(field, options, choice)
            except forms.AnswerError as problem:
                self.terminal.show(self.style.bad("  " + problem.message))

    # ----- console commands --------------------------------------------------------------

    def _act_as(self, who: str) -> None:
        name = who.lstrip("@")
        if not re.fullmatch(r"[\w.-]+", name):
            self.terminal.show(f"Type {self.style.code('as @name')} (or {self.style.code('as me')}).")
            return
        user_id = OWNER_ID if name.lower() == "me" else self.slack.directory.user_id(name)
        self.actor = replace(self.actor, user_id=user_id, user_name=self.slack.directory.users[user_id])
        self.terminal.show(f"You are now @{self.actor.user_name}.")

    def _move_to(self, where: str) -> None:
        name = where.lstrip("#").lower()
        if not re.fullmatch(r"[a-z][\w-]*", name):
            self.terminal.show(f"Type {self.style.code('in #channel')}.")
            return
        self.actor = replace(self.actor, channel_id=self.slack.directory.channel_id(name), channel_name=name)
        self.terminal.show(f"You are now typing in #{name}.")

    def _banner(self) -> str:
        return (
            f"{self.style.bold('EventOS local console')} · {TEAM_NAME}, as @{self.actor.user_name} in #{self.actor.channel_name}\n"
            f"Type a slash command such as {self.style.code('/eventos help')}, a button's number to click it, "
            f"{self.style.code('help')} for more, {self.style.code('exit')} to quit.\n"
            f"{self.style.dim(f'The server logs to {self.log_file}.')}"
        )

    def _help(self) -> str:
        lines = [self.style.bold("Slash commands")]
        if not self.commands:
            lines.append(f"  (no manifest.yml at {MANIFEST})")
        width = max((len(name) for name in self.commands), default=0) + 2
        for command in self.commands.values():
            lines.append(f"  {command.name.ljust(width)}{command.description}")
            if command.usage:
                lines.append(self.style.dim(f"  {' ' * width}{command.usage}"))
        lines += [
            self.style.bold("In the console"),
            "  NUMBER        click the button (or menu) shown with that number",
            "  home          open the app's Home tab",
            "  as @name      act as someone else in the workspace (as me: yourself again)",
            "  in #channel   type in another channel",
            "  exit          quit (Ctrl-D and Ctrl-C too; in a modal, Ctrl-C closes the modal)",
        ]
        return "\n".join(lines)


def _message_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("text", "blocks", "attachments", "thread_ts") if k in body}


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))
