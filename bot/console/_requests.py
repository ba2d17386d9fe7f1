"""Requests as Slack sends them to the app: slash commands, interactivity and events, signed."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from devtools.local_workspace import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from devtools.slack_signing import sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)


@dataclass(frozen=True)
class Actor:
    """Who is typing: a person of the local workspace, in a channel."""

    user_id: str
    user_name: str
    channel_id: str
    channel_name: str


def signed_headers(body: bytes, secret: str, content_type: str, *, now: int | None = None) -> dict[str, str]:
    """Slack's signature headers, with the content type."""
    return {"Content-Type": content_type, **sign(body, secret, now)}


def trigger_id() -> str:
    n = next(_counter)
    return f"{int(time.time())}.{n}.{hashlib.sha256(str((n, time.time_ns())).encode()).hexdigest()[:32]}"


def action_ts() -> str:
    return f"{time.time():.6f}"


def _user(actor: Actor) -> dict[str, Any]:
    return {"id": actor.user_id, "username": actor.user_name, "name": actor.user_name, "team_id": TEAM_ID}


def _envelope(kind: str, actor: Actor) -> dict[str, Any]:
    return {
        "type": kind, "user": _user(actor), "api_app_id": APP_ID, "token": "local", "trigger_id": trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN}, "enterprise": None, "is_enterprise_install": False,
    }


def _form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def slash_command(command: str, text: str, actor: Actor, *, response_url: str) -> bytes:
    """The form Slack posts for a slash command."""
    return urlencode({
        "token": "local", "team_id": TEAM_ID, "team_domain": TEAM_DOMAIN,
        "channel_id": actor.channel_id, "channel_name": actor.channel_name,
        "user_id": actor.user_id, "user_name": actor.user_name, "command": command, "text": text,
        "api_app_id": APP_ID, "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id(),
    }).encode()


def message_action(
    act: dict[str, Any], actor: Actor, *, message: dict[str, Any], channel: str, ephemeral: bool, response_url: str,
    state: dict[str, Any] | None = None,
) -> bytes:
    """block_actions from an element of a message (Slack leaves the message out when it is ephemeral)."""
    payload = _envelope("block_actions", actor)
    payload.update(
        container={"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": ephemeral},
        channel={"id": channel, "name": actor.channel_name if channel == actor.channel_id else channel.lower()},
        state={"values": state or {}}, response_url=response_url, actions=[act],
    )
    if not ephemeral:
        payload["message"] = {"type": "message", "user": BOT_USER_ID, **message}
    return _form(payload)


def view_action(act: dict[str, Any], actor: Actor, *, view: dict[str, Any]) -> bytes:
    """block_actions from an element of a modal or the Home tab."""
    payload = _envelope("block_actions", actor)
    payload.update(container={"type": "view", "view_id": view["id"]}, view=view, state=view.get("state"), actions=[act])
    return _form(payload)


def view_submission(view: dict[str, Any], values: dict[str, dict[str, Any]], actor: Actor) -> bytes:
    """view_submission with the answers as view.state.values."""
    payload = _envelope("view_submission", actor)
    payload.update(view={**view, "state": {"values": values}}, response_urls=[])
    return _form(payload)


def view_closed(view: dict[str, Any], actor: Actor) -> bytes:
    payload = _envelope("view_closed", actor)
    payload.update(view=view, is_cleared=False)
    return _form(payload)


def block_suggestion(view: dict[str, Any], block_id: str, action_id: str, value: str, actor: Actor) -> bytes:
    """What Slack sends as someone types into an external select of a modal."""
    payload = _envelope("block_suggestion", actor)
    payload.update(container={"type": "view", "view_id": view["id"]}, view=view, block_id=block_id,
                   action_id=action_id, value=value)
    return _form(payload)


def app_home_opened(actor: Actor) -> bytes:
    """The Events API envelope for someone opening the app's Home tab."""
    now = int(time.time())
    return json.dumps({
        "token": "local", "team_id": TEAM_ID, "api_app_id": APP_ID, "type": "event_callback",
        "event_id": f"Ev{now}{next(_counter):06d}", "event_time": now,
        "event": {"type": "app_home_opened", "user": actor.user_id, "channel": "D" + actor.user_id[1:],
                  "tab": "home", "event_ts": action_ts()},
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False,
                            "enterprise_id": None}],
        "is_ext_shared_channel": False,
    }).encode()
