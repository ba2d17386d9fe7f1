"""The local workspace's Slack: an in-process Web API and response_url server the console reads from.

In local mode (no Slack credentials) the app's SLACK_API_URL points here, so every listener runs
exactly as with Slack: it answers the Web API methods the app uses and hands every message and
view the app shows to the console through `deliveries`. Files the app shares (CSV exports) are
saved in a `files` folder beside the workspace's JSON file, and their path is posted.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

TEAM_ID = "T0LOCAL"
TEAM_NAME = "Demo workspace"
TEAM_DOMAIN = "local"
OWNER_ID = "U0LOCAL"
GENERAL_ID = "C0LOCAL"
BOT_USER_ID = "U0EVENTOS"
BOT_ID = "B0EVENTOS"
APP_ID = "A0EVENTOS"

_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})


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


class LocalSlack:
    """An aiohttp server on 127.0.0.1 answering like the Slack Web API for the local workspace."""

    def __init__(self, directory: Directory, *, token: str) -> None:
        self.directory = directory
        self.token = token
        self.deliveries: asyncio.Queue[Message | View] = asyncio.Queue()
        self.views: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._response_urls: dict[str, _ResponseUrl] = {}
        # files.getUploadURLExternal: file id → (file name, where its bytes went once uploaded)
        self._files: dict[str, tuple[str, Path | None]] = {}
        parent = directory.path.parent if directory.path is not None else Path(tempfile.gettempdir()) / "eventos-local"
        self.files_dir = parent / "files"
        self._runner: web.AppRunner | None = None
        self._base = ""

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """The Web API base URL, as SLACK_API_URL takes it."""
        return f"{self._base}/api/"

    def response_url(self, channel: str, *, original_ts: str | None = None, ephemeral: bool = True) -> str:
        """A fresh response_url for one interaction; replace_original then changes `original_ts`."""
        key = f"{next(self._ids)}-{time.monotonic_ns():x}"
        self._response_urls[key] = _ResponseUrl(channel, original_ts, ephemeral)
        return f"{self._base}/response/{key}"

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    # ----- response_url ----------------------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        target = self._response_urls.get(request.match_info["key"])
        if target is None:
            return web.Response(status=404, text="no_such_url")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        ephemeral = body.get("response_type") != "in_channel" and target.ephemeral
        if body.get("delete_original") and target.original_ts:
            self._deliver(Message("deleted", target.channel, target.original_ts, {}, ephemeral))
        elif body.get("replace_original") and target.original_ts:
            self._deliver(Message("updated", target.channel, target.original_ts, body, ephemeral))
        else:
            ts = self.next_ts()
            target.original_ts = target.original_ts or ts
            self._deliver(Message("posted", target.channel, ts, body, ephemeral))
        return web.Response(text="ok")

    # ----- file uploads --------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._files:
            return web.Response(status=404, text="no_such_upload")
        filename, _ = self._files[file_id]
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / f"{file_id}-{Path(filename).name}"
        path.write_bytes(await request.read())
        self._files[file_id] = (filename, path)
        return web.Response(text="ok")

    # ----- Web API -----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or params.get("token")
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = _METHODS.get(method)
        if handler is None:
            log.warning("the local Slack does not answer %s", method)
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **handler(self, params)})

    def _deliver(self, item: Message | View) -> None:
        self.deliveries.put_nowait(item)

    def _channel(self, value: Any) -> str:
        channel = str(value or GENERAL_ID)
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://{TEAM_DOMAIN}.slack.invalid/", "team": TEAM_NAME, "user": "eventos", "team_id": TEAM_ID,
                "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params.get("channel")), self.next_ts()
        self._deliver(Message("posted", channel, ts, _message(params)))
        return {"channel": channel, "ts": ts, "message": {**_message(params), "ts": ts, "bot_id": BOT_ID}}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params.get("channel")), str(params.get("ts", ""))
        self._deliver(Message("updated", channel, ts, _message(params)))
        return {"channel": channel, "ts": ts, "text": params.get("text", ""), "message": _message(params)}

    def _delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params.get("channel")), str(params.get("ts", ""))
        self._deliver(Message("deleted", channel, ts, {}))
        return {"channel": channel, "ts": ts}

    def _ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self.next_ts()
        channel = self._channel(params.get("channel"))
        self._deliver(Message("posted", channel, ts, _message(params), ephemeral=True, user=str(params.get("user"))))
        return {"message_ts": ts}

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
        return {"channel": channel, "permalink": f"https://{TEAM_DOMAIN}.slack.invalid/archives/{channel}/p{ts.replace('.', '')}"}

    def _show_view(self, params: dict[str, Any], *, method: str) -> dict[str, Any]:
        given = params.get("view") if isinstance(params.get("view"), dict) else {}
        if method == "views.publish":
            view_id = next((v["id"] for v in self.views.values() if v.get("type") == "home"), None)
        else:
            external = params.get("external_id")
            view_id = params.get("view_id") or next(
                (v["id"] for v in self.views.values() if external and v.get("external_id") == external), None
            )
        previous = self.views.get(view_id or "")
        view_id = view_id or f"V{next(self._ids):08d}"
        view = {
            "type": "modal", "blocks": [], "private_metadata": "", "callback_id": "", "external_id": "",
            "state": {"values": {}}, "title": None, "submit": None, "close": None, "notify_on_close": False,
            "root_view_id": (previous or {}).get("root_view_id", view_id), "previous_view_id": None,
            **given, "id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID,
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
        }
        self.views[view_id] = view
        self._deliver(View(method, view))
        return {"view": view}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"user": self.directory.profile(str(params.get("user", "")))}

    def _conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params.get("channel") or params.get("users"))
        name = self.directory.channels.get(channel, channel.lower())
        return {"channel": {"id": channel, "name": name, "is_channel": channel.startswith("C"), "is_member": True,
                            "is_im": channel.startswith("D")}}

    def _team_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN}}

    def _nothing(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self._files[file_id] = (str(params.get("filename") or "file"), None)
        return {"file_id": file_id, "upload_url": f"{self._base}/upload/{file_id}"}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        """Shares the uploaded files: one message in the channel naming each and where it was saved."""
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        saved = [(item, self._files.get(item.get("id"), ("", None))) for item in files]
        lines = [str(params.get("initial_comment") or "")]
        lines += [f":paperclip: {item.get('title') or name} — saved to {path}" for item, (name, path) in saved if path]
        self._deliver(Message("posted", self._channel(params.get("channel_id")), self.next_ts(),
                              {"text": "\n".join(line for line in lines if line)}))
        return {"files": [{"id": item.get("id"), "name": name, "title": item.get("title")} for item, (name, _) in saved]}


_METHODS: dict[str, Callable[[LocalSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": LocalSlack._auth_test,
    "chat.postMessage": LocalSlack._post_message,
    "chat.update": LocalSlack._update,
    "chat.delete": LocalSlack._delete,
    "chat.postEphemeral": LocalSlack._ephemeral,
    "chat.getPermalink": LocalSlack._permalink,
    "users.info": LocalSlack._users_info,
    "conversations.info": LocalSlack._conversation,
    "conversations.join": LocalSlack._conversation,
    "conversations.open": LocalSlack._conversation,
    "team.info": LocalSlack._team_info,
    "reactions.add": LocalSlack._nothing,
    "reactions.remove": LocalSlack._nothing,
    "files.getUploadURLExternal": LocalSlack._upload_url,
    "files.completeUploadExternal": LocalSlack._complete_upload,
    **{m: partial(LocalSlack._show_view, method=m) for m in ("views.open", "views.update", "views.push", "views.publish")},
}


def _message(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("text", "blocks", "attachments", "thread_ts", "mrkdwn") if params.get(k) is not None}


async def _params(request: web.Request) -> dict[str, Any]:
    """Query, form and JSON parameters together, JSON-valued form fields decoded."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key]) if params[key] else None
    return params
