"""The shape of a Slack payload, checked before Bolt reads it.

Bolt and its middleware read payload fields assuming Slack's types (`body.get("event", {}).get(...)`
fails on `"event": null`), and its error handler answers such a failure with 500. Slack never sends
such payloads, but only a check up front turns one into a clear 400: each field below, when
present, must have one of the JSON types listed (None where Slack itself sends null).
"""

from typing import Any

TEXT, OBJECT, LIST, FLAG, NULL = str, dict, list, bool, type(None)

_EVENT = {
    "type": (TEXT,), "subtype": (TEXT,), "bot_id": (TEXT, NULL), "thread_ts": (TEXT,), "ts": (TEXT,), "team": (TEXT,),
    "user_team": (TEXT,), "user": (TEXT, OBJECT), "channel": (TEXT, OBJECT), "message": (OBJECT,),
    "previous_message": (OBJECT,), "item": (OBJECT,), "bot_access_token": (TEXT,), "inputs": (OBJECT,),
    "assistant_thread": (OBJECT,), "function_execution_id": (TEXT,),
}
_VIEW = {
    "id": (TEXT,), "callback_id": (TEXT,), "team_id": (TEXT, NULL), "private_metadata": (TEXT,), "state": (OBJECT,),
    "type": (TEXT,), "app_installed_team_id": (TEXT, NULL), "hash": (TEXT,), "root_view_id": (TEXT, NULL),
}
_IDENTITY = {"id": (TEXT, NULL), "team_id": (TEXT, NULL), "enterprise_id": (TEXT, NULL), "name": (TEXT, NULL)}
_ITEM = {"action_id": (TEXT,), "block_id": (TEXT,), "type": (TEXT,), "enterprise_id": (TEXT, NULL), "team_id": (TEXT, NULL),
         "user_id": (TEXT, NULL), "is_enterprise_install": (FLAG, NULL)}

# field: (allowed types, the fields of an object value, the fields of each item of a list value)
FIELDS: dict[str, tuple[tuple[type, ...], dict | None, dict | None]] = {
    "type": ((TEXT,), None, None),
    **{name: ((TEXT,), None, None) for name in (
        "callback_id", "trigger_id", "response_url", "command", "text", "event_id", "api_app_id", "token", "action_ts",
        "challenge", "user_name", "channel_name", "team_domain",
    )},
    **{name: ((TEXT, NULL), None, None) for name in (
        "team_id", "user_id", "channel_id", "enterprise_id", "thread_ts", "subtype", "bot_access_token",
        "function_execution_id", "context_team_id", "context_enterprise_id",
    )},
    "is_enterprise_install": ((FLAG, TEXT), None, None),
    "event": ((OBJECT,), _EVENT, None),
    "view": ((OBJECT,), _VIEW, None),
    "team": ((TEXT, OBJECT, NULL), _IDENTITY, None),
    "user": ((TEXT, OBJECT), _IDENTITY, None),
    "enterprise": ((TEXT, OBJECT, NULL), _IDENTITY, None),
    "channel": ((TEXT, OBJECT, NULL), _IDENTITY, None),
    "container": ((OBJECT,), None, None),
    "message": ((OBJECT,), None, None),
    "previous_message": ((OBJECT,), None, None),
    "assistant_thread": ((OBJECT,), None, None),
    "function_data": ((OBJECT,), None, None),
    "workflow_step": ((OBJECT,), None, None),
    "item": ((OBJECT,), None, None),
    "state": ((OBJECT,), None, None),
    "actions": ((LIST,), None, _ITEM),
    "authorizations": ((LIST,), None, _ITEM),
    "response_urls": ((LIST,), None, {"response_url": (TEXT,), "channel_id": (TEXT,)}),
    "blocks": ((LIST,), None, None),
    "attachments": ((LIST,), None, None),
    "options": ((LIST,), None, None),
    "option_groups": ((LIST,), None, None),
}


def _fits(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and not (isinstance(value, bool) and FLAG not in types)


def _object_fits(value: dict, fields: dict) -> bool:
    return all(name not in value or _fits(value[name], types) for name, types in fields.items())


def is_slack_shaped(body: dict) -> bool:
    """Every field Bolt reads has a type Slack sends for it."""
    for name, (types, inner, items) in FIELDS.items():
        if name not in body:
            continue
        value = body[name]
        if not _fits(value, types):
            return False
        if inner is not None and isinstance(value, dict) and not _object_fits(value, inner):
            return False
        if items is not None and not all(isinstance(item, dict) and _object_fits(item, items) for item in value):
            return False
    return True
