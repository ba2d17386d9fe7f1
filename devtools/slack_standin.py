"""One Slack stand-in for the console, the tests and the bench: the Web API and response_url, over real HTTP.

It answers like Slack: with the scopes manifest.yml requests and no others (a method whose scope is
missing answers `missing_scope`), and it holds every message and view the app sends to Slack's
rules (devtools.slack_rules): a payload Slack would refuse is refused and kept in `violations`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devtools import slack_rules
from devtools.loopback import LoopbackHttp
from devtools.slack_manifest import Manifest

Answer = dict[str, Any] | Callable[["SlackCall"], dict[str, Any]]

DEFAULT_TEAM_ID = "T0EVENTOS"
DEFAULT_TEAM_NAME = "EventOS Test Workspace"
DEFAULT_BOT_USER_ID = "U0EVENTBOT"
DEFAULT_BOT_ID = "B0EVENTBOT"
DEFAULT_APP_ID = "A0EVENTOS"

# Form fields that Slack clients send as JSON text; they are recorded decoded.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks", "options", "option_groups"}
)
_PROFILE_FIELDS = frozenset({"email", "display_name", "title", "phone", "first_name", "last_name", "image_72"})

# The bot scope each Web API method the app may call needs (Slack's method reference); methods not
# listed need none. conversations.info needs channels:read for a public channel.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "conversations.info": "channels:read",
    "conversations.join": "channels:join",
    "conversations.open": "im:write",
    "conversations.history": "channels:history",
    "team.info": "team:read",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
}
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
_VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


@dataclass
class SlackCall:
    """One request to /api/{method}; failed means an injected failure or an {"ok": false} answer."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    failed: bool = False
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrival:
    """A response_url post: when it arrived (perf_counter) and its JSON body."""

    at: float
    body: dict[str, Any]


@dataclass
class _Failure:
    """A pending injected failure for one method."""

    status: int
    times: int
    retry_after: int
    error: str


class SlackStandin(LoopbackHttp):
    """An aiohttp server on 127.0.0.1 that answers like the Slack Web API and records every call."""

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = DEFAULT_TEAM_NAME,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        app_id: str = DEFAULT_APP_ID,
        scopes: frozenset[str] | None = None,
        token: str | None = None,
        record: bool = True,
    ) -> None:
        """Configure the workspace identity; call start() to serve.

        scopes: what the bot token was granted (manifest.yml's bot scopes unless given). token: when
        set, any other token is `invalid_auth`. record: keep every call and response_url post (the
        bench turns it off).
        """
        super().__init__()
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.scopes = Manifest.load().bot_scopes if scopes is None else frozenset(scopes)
        self.token = token
        self.record = record
        self.violations: list[str] = []
        self.oauth_team_id = team_id
        self.oauth_team_name = team_name
        self.oauth_enterprise_id: str | None = None
        self.calls: list[SlackCall] = []
        self.responses: list[dict[str, Any]] = []
        self.responses_by_url: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        # How many requests (Web API calls and response_url posts) came over each client connection.
        self.connections: Counter[tuple[str, int]] = Counter()
        # files.getUploadURLExternal: file id → {"filename", "length", "content" (bytes once uploaded), "shared"}
        self.files: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._token_teams: dict[str, tuple[str, str | None]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._overrides: dict[str, Answer] = {}
        self._ts = itertools.count(100)
        self._ids = itertools.count(1)
        self._response_urls = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[Arrival]] = {}
        self._homes: dict[str, str] = {}

    # ----- lifecycle -------------------------------------------------------------------

    client_max_size = 10 * 1024 * 1024  # file uploads

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{n}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)

    def middlewares(self) -> list:
        return [self._count_connection]

    @property
    def base_url(self) -> str:
        """The Web API base URL, as slack_sdk's base_url expects it (with trailing slash)."""
        return f"{self.origin}/api/"

    # ----- inspection --------------------------------------------------------------------

    def check(self, where: str, problems: list[str]) -> bool:
        """Keep Slack-rule problems found in what the app sent; True when there were none."""
        self.violations.extend(f"{where}: {problem}" for problem in problems)
        return not problems

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[SlackCall]:
        """Calls to one method (successful ones unless include_failed)."""
        return [c for c in self.calls if c.method == method and (include_failed or not c.failed)]

    def clear(self) -> None:
        """Forget recorded calls and response_url posts (configuration stays)."""
        self.calls.clear()
        self.responses.clear()
        self.responses_by_url.clear()
        self.violations.clear()
        self.connections.clear()

    async def wait_for_calls(self, method: str, n: int = 1, timeout: float = 15.0) -> list[SlackCall]:
        """Poll until at least n successful calls to method were recorded; return them."""
        deadline = time.monotonic() + timeout
        while len(found := self.calls_to(method)) < n:
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise TimeoutError(f"expected {n} call(s) to {method}, got {len(found)}; calls so far: {seen}")
            await asyncio.sleep(0.01)
        return found

    async def wait_for_responses(self, n: int = 1, timeout: float = 15.0, *, url: str | None = None) -> list[dict[str, Any]]:
        """Poll until at least n response_url posts (to url, or to any) arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(found := self.responses if url is None else self.responses_by_url.get(url, [])) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {n} response_url post(s), got {len(found)}: {found}")
            await asyncio.sleep(0.01)
        return list(found)

    # ----- configuration -----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail the next `times` calls: 429 + Retry-After, 5xx, or HTTP 200 {"ok": false} when status=200.

        Successive fail_next calls queue up (429 then 500 …). error defaults to "ratelimited" for 429, "fatal_error" for 5xx and "internal_error" otherwise.
        """
        if error is None:
            error = "ratelimited" if status == 429 else "fatal_error" if status >= 500 else "internal_error"
        self._failures.setdefault(method, []).append(_Failure(status, times, retry_after, error))

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call to method after `seconds` (0 removes the delay)."""
        if seconds > 0:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def set_response(self, method: str, answer: Answer | None) -> None:
        """Replace the answer for method by a dict, or by a function of the call (None restores the default)."""
        if answer is None:
            self._overrides.pop(method, None)
        else:
            self._overrides[method] = answer

    def set_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Configure users.info for one user; email/display_name/title/phone go into profile; returns the user."""
        user = self._user(user_id)
        for key, value in fields.items():
            if key == "profile":
                user["profile"].update(value)
            elif key in _PROFILE_FIELDS:
                user["profile"][key] = value
            elif key == "real_name":
                user["real_name"] = value
                user["profile"]["real_name"] = value
            else:
                user[key] = value
        self._users[user_id] = user
        return user

    def set_channel(self, channel_id: str, **fields: Any) -> dict[str, Any]:
        """Configure conversations.info / conversations.join for one channel; returns the channel."""
        channel = self._channel(channel_id)
        channel.update(fields)
        self._channels[channel_id] = channel
        return channel

    def register_token(self, token: str, team_id: str, *, enterprise_id: str | None = None) -> None:
        """Make auth.test / team.info answer for team_id when called with token."""
        self._token_teams[token] = (team_id, enterprise_id)

    def response_url(self) -> str:
        """A fresh response_url served by this stand-in."""
        return f"{self.origin}/response/{next(self._response_urls)}"

    def first_response(self, url: str) -> asyncio.Future[Arrival]:
        """A future the first post to `url` resolves, stamped with its arrival time."""
        future: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self._waiting[url] = future
        return future

    def forget(self, url: str) -> None:
        """Stop waiting on a response_url (its request failed or timed out)."""
        self._waiting.pop(url, None)

    def next_ts(self) -> str:
        """A unique, increasing Slack message timestamp."""
        return f"{int(time.time())}.{next(self._ts):06d}"

    # ----- hooks for a workspace that shows what it receives (the console) ------------------

    def answered(self, call: SlackCall) -> None:
        """Called after each successful Web API call."""

    def responded(self, url: str, body: dict[str, Any]) -> None:
        """Called after each accepted response_url post."""

    # ----- HTTP handlers -----------------------------------------------------------------

    @web.middleware
    async def _count_connection(self, request: web.Request, handler):
        if self.record and request.transport is not None:
            self.connections[request.transport.get_extra_info("peername")[:2]] += 1
        return await handler(request)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        """Record a JSON post to a response_url; a body Slack would refuse is refused."""
        at = time.perf_counter()
        raw = await request.text()
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        url = f"{self.origin}{request.path}"
        if not self.check(f"response_url post {url}", slack_rules.response_problems(body)):
            return web.Response(status=400, text="invalid_blocks")
        if self.record:
            self.responses.append(body)
            self.responses_by_url.setdefault(url, []).append(body)
        future = self._waiting.pop(url, None)
        if future is not None and not future.done():
            future.set_result(Arrival(at, body))
        self.responded(url, body)
        return web.json_response({"ok": True})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: takes the file's bytes, raw or as multipart."""
        record = self.files.get(request.match_info["file_id"])
        if record is None:
            return web.Response(status=404, text="unknown upload")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()))
            record["content"] = part.file.read() if hasattr(part, "file") else str(part).encode()
        else:
            record["content"] = await request.read()
        return web.Response(text=f"OK - {len(record['content'])}")

    def uploaded(self, file_id: str | None = None) -> bytes:
        """The bytes of an uploaded file (the last one shared by default)."""
        shared = [i for i, f in self.files.items() if f.get("shared")]
        return self.files[file_id or shared[-1]]["content"]

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Record and answer one Web API call."""
        method = request.match_info["method"]
        params, token = await _read_params(request)
        call = SlackCall(method=method, params=params, token=token, at=time.time())
        if self.record:
            self.calls.append(call)
        if (seconds := self._delays.get(method)) is not None:
            await asyncio.sleep(seconds)
        queue = self._failures.get(method)
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            call.failed, call.status = True, failure.status
            call.response = {"ok": False, "error": failure.error}
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            return web.json_response(call.response, status=failure.status, headers=headers)
        override = self._overrides.get(method)
        if override is not None:
            answer = override(call) if callable(override) else json.loads(json.dumps(override))
        else:
            answer = self._refusal(call) or self._default_answer(call)
        call.response = answer
        call.failed = answer.get("ok") is False
        if not call.failed:
            self.answered(call)
        return web.json_response(answer)

    def _refusal(self, call: SlackCall) -> dict[str, Any] | None:
        """Slack's error for a call it would refuse: wrong token, missing scope, or a payload against its rules."""
        if self.token is not None and call.token != self.token and call.method != "oauth.v2.access":
            return {"ok": False, "error": "invalid_auth"}
        needed = METHOD_SCOPES.get(call.method)
        if needed is not None and needed not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(self.scopes))}
        if call.method in _MESSAGE_METHODS:
            if not self.check(call.method, slack_rules.message_problems(call.params)):
                return {"ok": False, "error": "invalid_blocks"}
        elif call.method in _VIEW_METHODS:
            view = call.params.get("view")
            if not self.check(call.method, slack_rules.view_problems(view if isinstance(view, dict) else {})):
                return {"ok": False, "error": "invalid_arguments"}
        return None

    # ----- default answers ---------------------------------------------------------------

    def _default_answer(self, call: SlackCall) -> dict[str, Any]:
        """The realistic successful answer for a method; Slack's unknown_method for one it has not."""
        handler = _ANSWERS.get(call.method)
        return handler(self, call) if handler else {"ok": False, "error": "unknown_method"}

    def _next_id(self, prefix: str) -> str:
        """A unique Slack-style id with the given prefix."""
        return f"{prefix}0{next(self._ids):08d}"

    def _team_of(self, call: SlackCall) -> tuple[str, str | None]:
        """The (team_id, enterprise_id) the call's token belongs to."""
        return self._token_teams.get(call.token or "", (self.team_id, None))

    def _user(self, user_id: str) -> dict[str, Any]:
        """The configured user, or a generated plausible profile."""
        if user_id in self._users:
            return self._users[user_id]
        name = f"user.{user_id.lower()}"
        real_name = f"User {user_id}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "Europe/Berlin",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "updated": 1700000000,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": f"{user_id.lower()}@example.com",
                "title": "",
                "phone": "",
                "image_72": f"https://avatars.example.com/{user_id}_72.png",
                "team": self.team_id,
            },
        }

    def _channel(self, channel_id: str) -> dict[str, Any]:
        """The configured channel, or a generated public channel the bot is in."""
        if channel_id in self._channels:
            return self._channels[channel_id]
        is_im = channel_id.startswith("D")
        return {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": not is_im,
            "is_group": False,
            "is_im": is_im,
            "is_private": False,
            "is_archived": False,
            "is_general": channel_id == "C0GENERAL",
            "is_member": True,
            "is_ext_shared": False,
            "created": 1700000000,
            "creator": "U0CREATOR",
            "context_team_id": self.team_id,
        }

    def _message(self, call: SlackCall, channel: str, ts: str) -> dict[str, Any]:
        """The message object Slack echoes after posting or updating."""
        p = call.params
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": p.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self._team_of(call)[0],
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in p:
                message[key] = p[key]
        return message

    def _post_message(self, call: SlackCall) -> dict[str, Any]:
        """chat.postMessage: a DM to a user id lands in a D… channel."""
        channel = str(call.params.get("channel", ""))
        if channel[:1] in ("U", "W"):
            channel = "D" + channel[1:]
        ts = self.next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(call, channel, ts)}

    def _history(self, call: SlackCall) -> dict[str, Any]:
        """conversations.history and conversations.replies: the messages posted in a channel (or thread), newest first."""
        channel, thread = str(call.params.get("channel", "")), call.params.get("ts")
        with_metadata = str(call.params.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = []
        for posted in self.calls_to("chat.postMessage"):
            message = dict((posted.response or {}).get("message") or {})
            if not message or posted.response.get("channel") != channel:
                continue
            if thread is not None and thread not in (message["ts"], message.get("thread_ts")):
                continue
            metadata = message.pop("metadata", None)
            if with_metadata and metadata is not None:
                message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            messages.append(message)
        limit = int(call.params.get("limit") or 100)
        newest_first = sorted(messages, key=lambda m: m["ts"], reverse=True)[:limit]
        return {"ok": True, "messages": newest_first, "has_more": len(messages) > limit}

    def _update(self, call: SlackCall) -> dict[str, Any]:
        """chat.update."""
        channel, ts = str(call.params.get("channel", "")), str(call.params.get("ts", ""))
        message = self._message(call, channel, ts)
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _ephemeral(self, call: SlackCall) -> dict[str, Any]:
        """chat.postEphemeral."""
        return {"ok": True, "message_ts": self.next_ts()}

    def _delete(self, call: SlackCall) -> dict[str, Any]:
        """chat.delete."""
        return {"ok": True, "channel": call.params.get("channel"), "ts": call.params.get("ts")}

    def _permalink(self, call: SlackCall) -> dict[str, Any]:
        """chat.getPermalink."""
        channel, ts = str(call.params.get("channel", "")), str(call.params.get("message_ts", ""))
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _view(self, call: SlackCall) -> dict[str, Any]:
        """views.open/update/push/publish: echo the view with an id, remembered in self.views."""
        p = call.params
        submitted = p.get("view") if isinstance(p.get("view"), dict) else {}
        view_id = p.get("view_id")
        if call.method == "views.publish":
            view_id = self._homes.get(str(p.get("user_id")))
        elif not view_id and p.get("external_id"):
            view_id = next((v["id"] for v in self.views.values() if v.get("external_id") == p["external_id"]), None)
        previous = self.views.get(view_id) if view_id else None
        view_id = view_id or self._next_id("V")
        team_id = self._team_of(call)[0]
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": team_id,
            "type": submitted.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": self.bot_id,
        }
        view.update(submitted)
        view["id"] = view_id
        if call.method == "views.push":
            view["root_view_id"] = None
        if call.method == "views.publish":
            self._homes[str(p.get("user_id"))] = view_id
        self.views[view_id] = view
        return {"ok": True, "view": view}

    def _nothing(self, call: SlackCall) -> dict[str, Any]:
        """A method whose answer carries nothing but ok (reactions.add, reactions.remove)."""
        return {"ok": True}

    def _upload_url(self, call: SlackCall) -> dict[str, Any]:
        """files.getUploadURLExternal: a file id and where to POST its bytes."""
        filename, length = call.params.get("filename"), call.params.get("length")
        if not filename or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        self.files[file_id] = {"filename": filename, "length": int(length), "content": None, "shared": None}
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, call: SlackCall) -> dict[str, Any]:
        """files.completeUploadExternal: shares uploaded files in channel_id (every file must have its bytes)."""
        files = call.params.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        done = []
        for item in files or []:
            record = self.files.get(item.get("id"))
            if record is None or record["content"] is None or len(record["content"]) != record["length"]:
                return {"ok": False, "error": "file_not_found" if record is None else "file_upload_incomplete"}
            record["shared"] = {"channel_id": call.params.get("channel_id"), "title": item.get("title"),
                                "initial_comment": call.params.get("initial_comment")}
            done.append({"id": item["id"], "name": record["filename"], "title": item.get("title") or record["filename"]})
        return {"ok": True, "files": done}

    def _auth_test(self, call: SlackCall) -> dict[str, Any]:
        """auth.test for the calling token's workspace."""
        team_id, enterprise_id = self._team_of(call)
        name = self.team_name if team_id == self.team_id else f"Workspace {team_id}"
        return {
            "ok": True,
            "url": f"https://{team_id.lower()}.slack.com/",
            "team": name,
            "user": "eventos",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "enterprise_id": enterprise_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, call: SlackCall) -> dict[str, Any]:
        """users.info."""
        user_id = str(call.params.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user(user_id)}

    def _conversations_info(self, call: SlackCall) -> dict[str, Any]:
        """conversations.info."""
        return {"ok": True, "channel": self._channel(str(call.params.get("channel", "")))}

    def _conversations_join(self, call: SlackCall) -> dict[str, Any]:
        """conversations.join."""
        channel = dict(self._channel(str(call.params.get("channel", ""))), is_member=True)
        return {"ok": True, "channel": channel, "response_metadata": {"warnings": []}}

    def _team_info(self, call: SlackCall) -> dict[str, Any]:
        """team.info."""
        team_id, enterprise_id = self._team_of(call)
        team_id = str(call.params.get("team") or team_id)
        team: dict[str, Any] = {
            "id": team_id,
            "name": self.team_name if team_id == self.team_id else f"Workspace {team_id}",
            "domain": team_id.lower(),
            "email_domain": "example.com",
            "icon": {"image_default": True},
        }
        if enterprise_id:
            team.update(enterprise_id=enterprise_id, enterprise_name=f"Enterprise {enterprise_id}")
        return {"ok": True, "team": team}

    def _oauth_v2_access(self, call: SlackCall) -> dict[str, Any]:
        """oauth.v2.access: a successful bot install into oauth_team_id; the issued token is registered."""
        team_id = self.oauth_team_id
        token = f"xoxb-{team_id}-{next(self._ids)}-standin"
        self.register_token(token, team_id, enterprise_id=self.oauth_enterprise_id)
        enterprise = (
            {"id": self.oauth_enterprise_id, "name": f"Enterprise {self.oauth_enterprise_id}"}
            if self.oauth_enterprise_id
            else None
        )
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(sorted(self.scopes)),
            "bot_user_id": self.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": team_id, "name": self.oauth_team_name},
            "enterprise": enterprise,
            "authed_user": {"id": "U0INSTALLER"},
            "is_enterprise_install": False,
        }


_ANSWERS: dict[str, Callable[[SlackStandin, SlackCall], dict[str, Any]]] = {
    "auth.test": SlackStandin._auth_test,
    "chat.postMessage": SlackStandin._post_message,
    "chat.update": SlackStandin._update,
    "chat.postEphemeral": SlackStandin._ephemeral,
    "chat.delete": SlackStandin._delete,
    "chat.getPermalink": SlackStandin._permalink,
    "files.getUploadURLExternal": SlackStandin._upload_url,
    "files.completeUploadExternal": SlackStandin._complete_upload,
    "views.open": SlackStandin._view,
    "views.update": SlackStandin._view,
    "views.push": SlackStandin._view,
    "views.publish": SlackStandin._view,
    "users.info": SlackStandin._users_info,
    "conversations.info": SlackStandin._conversations_info,
    "conversations.join": SlackStandin._conversations_join,
    "conversations.history": SlackStandin._history,
    "conversations.replies": SlackStandin._history,
    "team.info": SlackStandin._team_info,
    "oauth.v2.access": SlackStandin._oauth_v2_access,
    "reactions.add": SlackStandin._nothing,
    "reactions.remove": SlackStandin._nothing,
}


async def _read_params(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Merge query, form/multipart and JSON body params; return them with the bearer token."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw = await request.text()
        if raw:
            body = json.loads(raw)
            if isinstance(body, dict):
                params.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            params[key] = value if isinstance(value, str) else getattr(value, "filename", "(file)")
    for key, value in list(params.items()):
        if isinstance(value, str) and (key in _JSON_FIELDS or (value.startswith("{") and value.endswith("}"))):
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                pass
    token: str | None = None
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[len("Bearer ") :]
    elif auth.startswith("Basic "):
        _add_basic_credentials(auth[len("Basic ") :], params)
    if token is None and isinstance(params.get("token"), str):
        token = params["token"]
    return params, token


def _add_basic_credentials(encoded: str, params: dict[str, Any]) -> None:
    """Record HTTP Basic credentials (used by oauth.v2.access) as client_id/client_secret."""
    try:
        client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return
    params.setdefault("client_id", client_id)
    params.setdefault("client_secret", client_secret)

