"""The local workspace's Slack: the Slack stand-in, with people and channels by name, feeding the console.

In local mode (no Slack credentials) the app's SLACK_API_URL points here, so every listener runs
exactly as with Slack, under the same scopes and payload rules as in the tests, and every message
and view the app shows reaches the console through `deliveries`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.slack_standin import SlackCall, SlackStandin

log = logging.getLogger(__name__)

TEAM_ID = "T0LOCAL"
TEAM_NAME = "Demo workspace"
TEAM_DOMAIN = "local"
OWNER_ID = "U0LOCAL"
GENERAL_ID = "C0LOCAL"
BOT_USER_ID = "U0EVENTOS"
BOT_ID = "B0EVENTOS"
APP_ID = "A0EVENTOS"

def _local_id(prefix: str, name: str) -> str:
    """A stable Slack-style id for a name (the same name always gets the same id)."""
    return prefix + base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()[:10]


class Directory:
    """People and channels of the local workspace, by id and by name, kept in a small JSON file."""

    def __init__(self, path: Path | None = None, *, owner_name: str = "You") -> None:
        self.path = path
        self.users: dict[str, str] = {OWNER_ID: owner_name}
        self.channels: dict[str, str] = {GENERAL_ID: "general"}
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            self.users.update(saved.get("users", {}))
            self.channels.update(saved.get("channels", {}))
        self.users[OWNER_ID] = owner_name

    def user_id(self, name: str) -> str:
        """The id of the person called `name` (without @), added on first mention."""
        name = name.lstrip("@").lower()
        found = next((uid for uid, known in self.users.items() if known.lower() == name), None)
        if found is None:
            found = _local_id("U", name)
            self.users[found] = name
            self._save()
        return found

    def channel_id(self, name: str) -> str:
        """The id of #name (without #), created on first mention."""
        name = name.lstrip("#").lower()
        found = next((cid for cid, known in self.channels.items() if known == name), None)
        if found is None:
            found = _local_id("C", name)
            self.channels[found] = name
            self._save()
        return found

    def names(self) -> dict[str, str]:
        """Every id the workspace knows, with its name (for rendering mentions)."""
        return {**self.channels, **self.users}

    def profile(self, user_id: str) -> dict[str, Any]:
        """users.info's `user` for a local person; the owner is the workspace's primary owner."""
        name = self.users.get(user_id, user_id)
        owner = user_id == OWNER_ID
        return {
            "id": user_id, "team_id": TEAM_ID, "name": name, "real_name": name, "deleted": False,
            "is_admin": owner, "is_owner": owner, "is_primary_owner": owner, "is_bot": False, "tz": "UTC",
            "profile": {"real_name": name, "display_name": name},
        }

    def _save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"users": self.users, "channels": self.channels}, indent=1))


@dataclass(frozen=True)
class Message:
    """A message the app showed: posted to a channel, shown to one person, changed or deleted."""

    kind: str  # "posted", "updated", "deleted"
    channel: str
    ts: str
    body: dict[str, Any]
    ephemeral: bool = False
    user: str | None = None  # who sees an ephemeral message


@dataclass(frozen=True)
class View:
    """A view the app opened, pushed, updated or published (views.* method name)."""

    method: str
    view: dict[str, Any]


@dataclass
class _ResponseUrl:
    """Where a response_url's posts go: the channel, and the message it may replace."""

    channel: str
    original_ts: str | None
    ephemeral: bool


class LocalSlack(SlackStandin):
    """The stand-in for the local workspace: its people and channels, and a queue of what the app shows."""

    def __init__(self, directory: Directory, *, token: str) -> None:
        super().__init__(team_id=TEAM_ID, team_name=TEAM_NAME, bot_user_id=BOT_USER_ID, bot_id=BOT_ID, app_id=APP_ID,
                         token=token, record=False)
        self.directory = directory
        self.deliveries: asyncio.Queue[Message | View] = asyncio.Queue()
        self._targets: dict[str, _ResponseUrl] = {}

    @property
    def api_url(self) -> str:
        """The Web API base URL, as SLACK_API_URL takes it."""
        return self.base_url

    def response_url(self, channel: str = GENERAL_ID, *, original_ts: str | None = None,
                     ephemeral: bool = True) -> str:
        """A fresh response_url for one interaction; replace_original then changes `original_ts`."""
        url = super().response_url()
        self._targets[url] = _ResponseUrl(channel, original_ts, ephemeral)
        return url

    def responded(self, url: str, body: dict[str, Any]) -> None:
        target = self._targets.get(url)
        if target is None:
            return
        ephemeral = body.get("response_type") != "in_channel" and target.ephemeral
        if body.get("delete_original") and target.original_ts:
            self.deliveries.put_nowait(Message("deleted", target.channel, target.original_ts, {}, ephemeral))
        elif body.get("replace_original") and target.original_ts:
            self.deliveries.put_nowait(Message("updated", target.channel, target.original_ts, body, ephemeral))
        else:
            ts = self.next_ts()
            target.original_ts = target.original_ts or ts
            self.deliveries.put_nowait(Message("posted", target.channel, ts, body, ephemeral))

    def answered(self, call: SlackCall) -> None:
        answer, params = call.response, call.params
        if call.method == "chat.postMessage":
            self.deliveries.put_nowait(Message("posted", answer["channel"], answer["ts"], _message(params)))
        elif call.method == "chat.update":
            self.deliveries.put_nowait(Message("updated", answer["channel"], answer["ts"], _message(params)))
        elif call.method == "chat.delete":
            self.deliveries.put_nowait(Message("deleted", str(params.get("channel")), str(params.get("ts")), {}))
        elif call.method == "chat.postEphemeral":
            channel = str(params.get("channel") or GENERAL_ID)
            self.deliveries.put_nowait(
                Message("posted", channel, answer["message_ts"], _message(params), ephemeral=True,
                        user=str(params.get("user")))
            )
        elif call.method.startswith("views."):
            self.deliveries.put_nowait(View(call.method, answer["view"]))

    def _user(self, user_id: str) -> dict[str, Any]:
        return self.directory.profile(user_id)

    def _channel(self, channel_id: str) -> dict[str, Any]:
        channel = super()._channel(channel_id)
        return {**channel, "name": self.directory.channels.get(channel_id, channel["name"])}


def _message(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("text", "blocks", "attachments", "thread_ts", "mrkdwn") if params.get(k) is not None}
