"""Modal inputs as terminal questions: what to ask for each element, and the answer as Slack state."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.console._render import initial_text, plain
from devtools.local_workspace import Directory

REQUIRED = "Please fill out this field."

_MULTI = {
    "multi_static_select": "selected_options", "multi_external_select": "selected_options", "checkboxes": "selected_options",
    "multi_users_select": "selected_users", "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
_HINTS = {
    "datepicker": "a date like 2031-07-01", "timepicker": "a time like 19:30",
    "datetimepicker": "a date and time like 2031-07-01 19:30", "users_select": "@name",
    "multi_users_select": "@name, @name", "conversations_select": "#channel", "channels_select": "#channel",
    "multi_conversations_select": "#channel, #channel", "multi_channels_select": "#channel, #channel",
    "number_input": "a number", "email_text_input": "an email address", "url_text_input": "a link",
}


class AnswerError(Exception):
    """The answer does not fit the field; `message` says what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Field:
    """One input block of a modal."""

    block_id: str
    action_id: str
    label: str
    element: dict[str, Any]
    optional: bool
    hint: str

    @property
    def kind(self) -> str:
        return str(self.element.get("type", ""))


def fields_of(view: Mapping[str, Any]) -> list[Field]:
    """The input blocks of a view, in order."""
    found = []
    for index, block in enumerate(view.get("blocks", [])):
        if block.get("type") != "input":
            continue
        element = block.get("element", {})
        found.append(Field(
            block_id=str(block.get("block_id") or f"block-{index}"),
            action_id=str(element.get("action_id") or f"action-{index}"),
            label=plain(block.get("label")),
            element=element,
            optional=bool(block.get("optional")),
            hint=plain(block.get("hint")),
        ))
    return found


def options_of(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An element's options, option groups flattened."""
    if element.get("option_groups"):
        return [o for group in element["option_groups"] for o in group.get("options", [])]
    return list(element.get("options", []))


def question(field: Field, names: Mapping[str, str], previous: Mapping[str, Any] | None = None) -> str:
    """The prompt for a field: its label, whether it may stay empty, its current value."""
    default = state_text(previous, names) if previous is not None else initial_text(field.element, names)
    parts = [field.label or field.action_id]
    if field.optional:
        parts.append("(optional)")
    if default:
        parts.append(f"[{default}]")
    return " ".join(parts) + ": "


def explain(field: Field) -> list[str]:
    """Lines to show before asking: the hint, the choices, or the format expected."""
    lines = [field.hint] if field.hint else []
    lines += choices(options_of(field.element))
    if field.kind in _MULTI and options_of(field.element):
        lines.append("Type the numbers of your choices, separated by commas.")
    elif field.kind in _HINTS:
        lines.append(f"Type {_HINTS[field.kind]}.")
    elif field.kind in ("external_select", "multi_external_select"):
        lines.append("Type a few letters to search.")
    return lines


def choices(options: list[dict[str, Any]]) -> list[str]:
    return [f"  {n}) {plain(o.get('text'))}" for n, o in enumerate(options, 1)]


def state_text(value: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A state value as the person typed or picked it."""
    for key, item in value.items():
        if key == "type" or item in (None, []):
            continue
        items = item if isinstance(item, list) else [item]
        sign = {"selected_user": "@", "selected_users": "@"}.get(key, "#" if "conversation" in key or "channel" in key else "")
        return ", ".join(plain(i.get("text")) if isinstance(i, dict) else sign + names.get(str(i), str(i)) for i in items)
    return ""


def answer(
    field: Field, text: str, directory: Directory, *, me: str, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The view state value for `text` typed in answer to `field` (Enter keeps the previous or initial value)."""
    text = text.strip()
    element = field.element
    if not text:
        if previous is not None:
            return previous
        if _has_initial(element):
            return initial_state(element)
        if not field.optional:
            raise AnswerError(REQUIRED)
        return empty_state(element)
    return state(element, text, directory, me=me)


def _has_initial(element: Mapping[str, Any]) -> bool:
    return any(key.startswith("initial_") and element.get(key) not in (None, "", []) for key in element)


def empty_state(element: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(element.get("type", ""))
    key = _MULTI.get(kind) or _value_key(kind)
    return {"type": kind, key: [] if kind in _MULTI else None}


def initial_state(element: Mapping[str, Any]) -> dict[str, Any]:
    """The state Slack reports for an element left at its initial value."""
    kind = str(element.get("type", ""))
    if kind in _MULTI:
        initial = element.get(_MULTI[kind].replace("selected_", "initial_"), [])
        return {"type": kind, _MULTI[kind]: list(initial)}
    key = _value_key(kind)
    source = {"value": "initial_value", "selected_option": "initial_option"}.get(key, key.replace("selected_", "initial_"))
    return {"type": kind, key: element.get(source)}


def _value_key(kind: str) -> str:
    return {
        "users_select": "selected_user", "conversations_select": "selected_conversation",
        "channels_select": "selected_channel", "datepicker": "selected_date", "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }.get(kind, "selected_option" if kind in _SINGLE_OPTION else "value")


def state(element: Mapping[str, Any], text: str, directory: Directory, *, me: str) -> dict[str, Any]:
    """The state value for a non-empty answer, or AnswerError saying what to type."""
    kind = str(element.get("type", ""))
    if kind in _SINGLE_OPTION:
        return {"type": kind, "selected_option": pick(options_of(element), text)}
    if kind in ("multi_static_select", "checkboxes"):
        return {"type": kind, "selected_options": [pick(options_of(element), part) for part in _parts(text)]}
    if kind in ("users_select", "multi_users_select"):
        ids = [me if part.lstrip("@").lower() == "me" else _id(part, "U", directory.user_id) for part in _parts(text)]
        return {"type": kind, "selected_users": ids} if kind in _MULTI else {"type": kind, "selected_user": _one(ids)}
    if kind in ("conversations_select", "channels_select", "multi_conversations_select", "multi_channels_select"):
        ids = [_id(part, "C", directory.channel_id) for part in _parts(text)]
        key = _MULTI.get(kind) or _value_key(kind)
        return {"type": kind, key: ids if kind in _MULTI else _one(ids)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": _date(text).isoformat()}
    if kind == "timepicker":
        return {"type": kind, "selected_time": _time(text).strftime("%H:%M")}
    if kind == "datetimepicker":
        day, _, clock = text.partition(" ")
        at = datetime.combine(_date(day), _time(clock or "00:00")).astimezone()
        return {"type": kind, "selected_date_time": int(at.timestamp())}
    if kind == "number_input":
        return {"type": kind, "value": _number(element, text)}
    return {"type": kind, "value": _text(element, text)}


def pick(options: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The option numbered, labelled or valued `text`."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    for option in options:
        if text.lower() in (plain(option.get("text")).lower(), str(option.get("value", "")).lower()):
            return option
    if not options:
        raise AnswerError("There is nothing to choose from.")
    raise AnswerError(f"Type a number from 1 to {len(options)}.")


def chosen(field: Field, options: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The state of a select whose options the app gave on request (external selects)."""
    if field.kind in _MULTI:
        return {"type": field.kind, "selected_options": [pick(options, part) for part in _parts(text)]}
    return {"type": field.kind, "selected_option": pick(options, text)}


def _parts(text: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", text) if part]


def _one(ids: list[str]) -> str:
    if len(ids) != 1:
        raise AnswerError("Choose just one.")
    return ids[0]


def _id(text: str, prefix: str, lookup) -> str:
    """A raw Slack id as is; a name (with or without @/#) through the directory."""
    name = text.lstrip("@#")
    if re.fullmatch(rf"{prefix}[A-Z0-9]{{6,}}", name):
        return name
    if not re.fullmatch(r"[\w.-]+", name):
        raise AnswerError(f"“{text}” is not a name; type it like {'@alex' if prefix == 'U' else '#sales'}.")
    return lookup(name)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise AnswerError("Type a date like 2031-07-01.") from None


def _time(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise AnswerError("Type a time like 19:30.") from None


def _number(element: Mapping[str, Any], text: str) -> str:
    pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
    if not re.fullmatch(pattern, text):
        raise AnswerError("Type a number." if element.get("is_decimal_allowed") else "Type a whole number.")
    value = float(text)
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and value < float(low) or high is not None and value > float(high):
        raise AnswerError(f"Type a number from {low if low is not None else '…'} to {high if high is not None else '…'}.")
    return text


def _text(element: Mapping[str, Any], text: str) -> str:
    low, high = element.get("min_length"), element.get("max_length")
    if low is not None and len(text) < int(low):
        raise AnswerError(f"Type at least {low} characters.")
    if high is not None and len(text) > int(high):
        raise AnswerError(f"Type at most {high} characters.")
    if element.get("type") == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise AnswerError("Type an email address like ana@example.com.")
    if element.get("type") == "url_text_input" and not re.match(r"https?://\S+$", text):
        raise AnswerError("Type a link starting with https://.")
    return text


def action(block_id: str, element: Mapping[str, Any], value: Mapping[str, Any], action_ts: str) -> dict[str, Any]:
    """The `actions` entry of a block_actions payload for a clicked or changed element."""
    act: dict[str, Any] = {"action_id": element.get("action_id", ""), "block_id": block_id,
                           "type": element.get("type"), "action_ts": action_ts}
    if element.get("type") == "button":
        act["text"] = element.get("text")
        for key in ("value", "style", "url"):
            if key in element:
                act[key] = element[key]
    else:
        act.update({k: v for k, v in value.items() if k != "type"})
    return act
