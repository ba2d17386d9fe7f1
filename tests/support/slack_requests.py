"""Signed requests into the app, shaped exactly as Slack sends them, and a driver that posts them."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from devtools import slack_rules
from devtools.slack_signing import sign
from devtools.slack_standin import DEFAULT_APP_ID, DEFAULT_BOT_USER_ID, SlackStandin

APP_ID = DEFAULT_APP_ID
VERIFICATION_TOKEN = "standin-verification-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Where payload builders point response_url when none is given: loopback, refused, never the internet.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response/unset"

_counter = itertools.count(1)
_SELECTS = frozenset({"static_select", "external_select", "overflow", "radio_buttons"})


def new_trigger_id() -> str:
    """A fresh trigger_id in Slack's format."""
    n = next(_counter)
    return f"{1700000000 + n}.{98765}.{n:032x}"


def _team(team_id: str, enterprise_id: str | None) -> dict[str, Any]:
    """The "team" object of interactivity payloads."""
    team: dict[str, Any] = {"id": team_id, "domain": team_id.lower()}
    if enterprise_id:
        team.update(enterprise_id=enterprise_id, enterprise_name=f"Enterprise {enterprise_id}")
    return team


def _user(user_id: str, team_id: str, user_name: str | None) -> dict[str, Any]:
    """The "user" object of interactivity payloads."""
    name = user_name or f"user.{user_id.lower()}"
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _envelope(type: str, *, team_id: str, user_id: str, enterprise_id: str | None, user_name: str | None) -> dict[str, Any]:
    """Fields every interactivity payload carries."""
    return {
        "type": type,
        "user": _user(user_id, team_id, user_name),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": _team(team_id, enterprise_id),
        "enterprise": {"id": enterprise_id, "name": f"Enterprise {enterprise_id}"} if enterprise_id else None,
        "is_enterprise_install": False,
    }


def _form_payload(payload: Mapping[str, Any]) -> bytes:
    """payload=<json>, form-encoded, as Slack posts interactivity."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def _view(
    team_id: str,
    *,
    base: Mapping[str, Any] | None = None,
    view_id: str | None = None,
    callback_id: str | None = None,
    private_metadata: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A view object as Slack includes it in payloads (base: a view the app opened)."""
    base = dict(base or {})
    vid = view_id or base.get("id") or f"V0{next(_counter):08d}"
    view: dict[str, Any] = {
        "id": vid,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{next(_counter):08d}",
        "title": {"type": "plain_text", "text": "EventOS", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": vid,
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B0EVENTBOT",
    }
    view.update({k: v for k, v in base.items() if k in view or k in ("submit_disabled",)})
    view["id"] = vid
    view["root_view_id"] = view.get("root_view_id") or vid
    if callback_id is not None:
        view["callback_id"] = callback_id
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    if values is not None:
        view["state"] = {"values": state_values(values)}
    return view


def state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """view.state.values; a plain string value means a plain_text_input: {"block": {"action": "text"}}."""
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {}
        for action_id, value in actions.items():
            if isinstance(value, str) or value is None:
                out[block_id][action_id] = {"type": "plain_text_input", "value": value}
            else:
                out[block_id][action_id] = dict(value)
    return out


def slash_command(
    command: str,
    text: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str = "C0GENERAL",
    response_url: str,
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
) -> bytes:
    """A slash command body (form-encoded, every field Slack sends)."""
    fields: dict[str, str] = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_id.lower(),
    }
    if enterprise_id:
        fields.update(enterprise_id=enterprise_id, enterprise_name=f"Enterprise {enterprise_id}")
    fields.update(
        channel_id=channel_id,
        channel_name=channel_name or ("directmessage" if channel_id.startswith("D") else channel_id.lower()),
        user_id=user_id,
        user_name=user_name or f"user.{user_id.lower()}",
        command=command,
        text=text,
        api_app_id=APP_ID,
        is_enterprise_install="false",
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return urlencode(fields).encode()


def block_action(
    action_id: str,
    *,
    team_id: str,
    user_id: str,
    value: str | None = None,
    action_type: str = "button",
    block_id: str = "actions",
    selected_option: str | Mapping[str, Any] | None = None,
    action: Mapping[str, Any] | None = None,
    channel_id: str = "C0GENERAL",
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
    user_name: str | None = None,
) -> bytes:
    """A block_actions payload: from a message (container message, with response_url) or, with view=, a modal."""
    act: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": action_type, "action_ts": _action_ts()}
    if action_type == "button":
        act["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            act["value"] = value
    if action_type in _SELECTS:
        option = selected_option if selected_option is not None else value
        if isinstance(option, str):
            option = {"text": {"type": "plain_text", "text": option, "emoji": True}, "value": option}
        act["selected_option"] = dict(option) if option is not None else None
    elif value is not None and "value" not in act:
        act["value"] = value
    act.update(action or {})
    payload = _envelope("block_actions", team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, user_name=user_name)
    payload["trigger_id"] = trigger_id or new_trigger_id()
    if view is not None:
        v = _view(team_id, base=view)
        if state is not None:
            v["state"] = {"values": state_values(state)}
        payload["container"] = {"type": "view", "view_id": v["id"]}
        payload["view"] = v
        payload["state"] = v["state"]
    else:
        msg = dict(message or {})
        msg.setdefault("type", "message")
        msg.setdefault("ts", _action_ts())
        msg.setdefault("user", DEFAULT_BOT_USER_ID)
        msg.setdefault("text", "")
        payload["container"] = {
            "type": "message",
            "message_ts": msg["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        payload["message"] = msg
        payload["state"] = {"values": state_values(state or {})}
        payload["response_url"] = response_url or UNSET_RESPONSE_URL
    payload["actions"] = [act]
    return _form_payload(payload)


def view_submission(
    callback_id: str | None,
    values: Mapping[str, Mapping[str, Any]],
    *,
    team_id: str,
    user_id: str,
    view: Mapping[str, Any] | None = None,
    private_metadata: str | None = None,
    view_id: str | None = None,
    response_urls: list[dict[str, str]] | None = None,
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
    user_name: str | None = None,
) -> bytes:
    """A view_submission payload; view= (e.g. what the app sent to views.open) provides blocks, metadata, callback_id."""
    payload = _envelope("view_submission", team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, user_name=user_name)
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["view"] = _view(
        team_id, base=view, view_id=view_id, callback_id=callback_id, private_metadata=private_metadata, values=values
    )
    if not payload["view"]["callback_id"]:
        raise ValueError("view_submission needs a callback_id (directly or in view)")
    payload["response_urls"] = list(response_urls or [])
    return _form_payload(payload)


def message_shortcut(
    callback_id: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str = "C0GENERAL",
    message: Mapping[str, Any] | None = None,
    text: str = "",
    message_ts: str | None = None,
    thread_ts: str | None = None,
    author_id: str = "U0AUTHOR",
    response_url: str | None = None,
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
    user_name: str | None = None,
) -> bytes:
    """A message_action payload (message shortcut) carrying the message it was run on."""
    msg: dict[str, Any] = {
        "type": "message",
        "user": author_id,
        "text": text,
        "ts": message_ts or _action_ts(),
        "team": team_id,
        "client_msg_id": f"{next(_counter):08x}-0000-4000-8000-000000000000",
        "blocks": [],
    }
    if thread_ts:
        msg["thread_ts"] = thread_ts
    msg.update(message or {})
    payload = _envelope("message_action", team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, user_name=user_name)
    payload.update(
        callback_id=callback_id,
        trigger_id=trigger_id or new_trigger_id(),
        action_ts=_action_ts(),
        channel={"id": channel_id, "name": channel_id.lower()},
        message_ts=msg["ts"],
        message=msg,
        response_url=response_url or UNSET_RESPONSE_URL,
    )
    return _form_payload(payload)


def block_suggestion(
    action_id: str,
    value: str,
    *,
    team_id: str,
    user_id: str,
    block_id: str = "input",
    view: Mapping[str, Any] | None = None,
    enterprise_id: str | None = None,
    user_name: str | None = None,
) -> bytes:
    """A block_suggestion payload (external select typed into, inside a modal)."""
    payload = _envelope("block_suggestion", team_id=team_id, user_id=user_id, enterprise_id=enterprise_id, user_name=user_name)
    v = _view(team_id, base=view)
    payload.update(
        container={"type": "view", "view_id": v["id"]},
        view=v,
        action_id=action_id,
        block_id=block_id,
        value=value,
    )
    return _form_payload(payload)


def event_callback(
    event: Mapping[str, Any],
    *,
    team_id: str,
    event_id: str | None = None,
    enterprise_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    event_time: int | None = None,
) -> bytes:
    """An Events API event_callback envelope (JSON)."""
    now = int(time.time()) if event_time is None else event_time
    ev = dict(event)
    ev.setdefault("event_ts", f"{now}.{next(_counter):06d}")
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": APP_ID,
        "event": ev,
        "type": "event_callback",
        "event_id": event_id or f"Ev0{next(_counter):08d}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{next(_counter):012x}",
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _action_ts() -> str:
    """A unique Slack timestamp string."""
    return f"{int(time.time())}.{next(_counter):06d}"


@dataclass
class CommandResult:
    """What the app answered synchronously (the ack), and the response_url Slack gave it."""

    status: int
    ack_body: Any
    response_url: str | None = None


AckResult = CommandResult


class SlackDriver:
    """Plays Slack towards the app: signs and posts requests to its events URL, collects response_url posts."""

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        standin: SlackStandin,
        *,
        team_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> None:
        """events_url like http://127.0.0.1:3000/slack/events; team_id defaults to the stand-in's team."""
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id or standin.team_id
        self.enterprise_id = enterprise_id

    async def post_raw(self, body: bytes, headers: Mapping[str, str]) -> CommandResult:
        """POST body with exactly these headers; the ack body is parsed JSON, text, or None when empty."""
        async with aiohttp.ClientSession() as session:
            async with session.post(self.events_url, data=body, headers=dict(headers)) as resp:
                text = await resp.text()
                status = resp.status
        ack: Any = None
        if text:
            try:
                ack = json.loads(text)
            except json.JSONDecodeError:
                ack = text
        return CommandResult(status, ack)

    async def _send(
        self, kind: str, body: bytes, content_type: str, response_url: str | None,
        extra: Mapping[str, str] | None = None,
    ) -> CommandResult:
        """Sign and post a body; an ack body Slack would refuse for this kind of request is a violation."""
        headers = {"Content-Type": content_type, **sign(body, self.signing_secret), **(extra or {})}
        result = await self.post_raw(body, headers)
        result.response_url = response_url
        if result.status == 200:
            self.standin.check(f"{kind} ack", slack_rules.ack_problems(kind, result.ack_body))
        return result

    async def command(
        self,
        command: str,
        text: str = "",
        *,
        team_id: str | None = None,
        user_id: str,
        channel_id: str = "C0GENERAL",
        enterprise_id: str | None = None,
        user_name: str | None = None,
    ) -> CommandResult:
        """Run a slash command with a fresh stand-in response_url."""
        url = self.standin.response_url()
        body = slash_command(
            command, text, team_id=team_id or self.team_id, user_id=user_id, channel_id=channel_id, response_url=url,
            enterprise_id=enterprise_id or self.enterprise_id, user_name=user_name,
        )
        return await self._send("command", body, FORM, url)

    async def wait_responses(self, result: CommandResult, n: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        """What the app posted to this request's response_url (waits for at least n posts)."""
        if result.response_url is None:
            raise ValueError("this request had no response_url")
        return await self.standin.wait_for_responses(n, timeout, url=result.response_url)

    async def action(self, action_id: str, *, user_id: str, team_id: str | None = None, **fields: Any) -> CommandResult:
        """Click a block element (fields as for block_action); message actions get a stand-in response_url."""
        given = fields.pop("response_url", None)
        url = None if fields.get("view") is not None else given or self.standin.response_url()
        body = block_action(
            action_id, team_id=team_id or self.team_id, user_id=user_id, response_url=url,
            enterprise_id=fields.pop("enterprise_id", self.enterprise_id), **fields,
        )
        return await self._send("block_actions", body, FORM, url)

    async def submit_view(
        self,
        callback_id: str | None = None,
        values: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        user_id: str,
        team_id: str | None = None,
        **fields: Any,
    ) -> CommandResult:
        """Submit a modal (fields as for view_submission); the ack body holds response_action/errors if any."""
        body = view_submission(
            callback_id, values or {}, team_id=team_id or self.team_id, user_id=user_id,
            enterprise_id=fields.pop("enterprise_id", self.enterprise_id), **fields,
        )
        return await self._send("view_submission", body, FORM, None)

    async def shortcut(self, callback_id: str, *, user_id: str, team_id: str | None = None, **fields: Any) -> CommandResult:
        """Run a message shortcut (fields as for message_shortcut) with a stand-in response_url."""
        url = fields.pop("response_url", None) or self.standin.response_url()
        body = message_shortcut(
            callback_id, team_id=team_id or self.team_id, user_id=user_id, response_url=url,
            enterprise_id=fields.pop("enterprise_id", self.enterprise_id), **fields,
        )
        return await self._send("shortcut", body, FORM, url)

    async def suggest(
        self, action_id: str, value: str, *, user_id: str, team_id: str | None = None, **fields: Any
    ) -> CommandResult:
        """Ask for external select options; the ack body holds {"options": …}."""
        body = block_suggestion(
            action_id, value, team_id=team_id or self.team_id, user_id=user_id,
            enterprise_id=fields.pop("enterprise_id", self.enterprise_id), **fields,
        )
        return await self._send("block_suggestion", body, FORM, None)

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        **fields: Any,
    ) -> CommandResult:
        """Deliver an Events API event; retry_num adds X-Slack-Retry-Num/Reason as Slack's redeliveries do."""
        body = event_callback(
            event, team_id=team_id or self.team_id, event_id=event_id,
            enterprise_id=fields.pop("enterprise_id", self.enterprise_id), **fields,
        )
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason} if retry_num else None
        return await self._send("event", body, JSON, None, extra)
