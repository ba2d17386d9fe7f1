"""Slack's rules for what an app sends: slack_sdk's block and view models, plus the documented limits they skip.

Each function returns the problems it found, one sentence each (empty when Slack would accept the
payload). The Slack stand-in refuses what breaks them and keeps the sentences, so the test that made
the app send it fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
SECTION_TEXT = 3000
SECTION_FIELD = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
ID_LENGTH = 255
VIEW_TITLE = 24
INPUT_MAX_LENGTH = 3000
PLACEHOLDER = 150
LABEL = 2000

_RESPONSE_TYPES = frozenset({"ephemeral", "in_channel"})
_VIEW_RESPONSE_ACTIONS = frozenset({"errors", "update", "push", "clear"})


def message_problems(message: dict[str, Any]) -> list[str]:
    """A chat.postMessage / postEphemeral / update (or response_url) message."""
    blocks = message.get("blocks")
    text = message.get("text")
    problems: list[str] = []
    if text is not None and not isinstance(text, str):
        problems.append("text must be a string")
    elif text and len(text) > MESSAGE_TEXT:
        problems.append(f"text has {len(text)} characters, more than {MESSAGE_TEXT}")
    if not blocks:
        if not text and not message.get("attachments"):
            problems.append("a message needs text or blocks")
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks must be a list"]
    if not text:
        problems.append("a message with blocks needs a text fallback (notifications and screen readers show it)")
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks in a message, more than {MESSAGE_BLOCKS}")
    return problems + blocks_problems(blocks)


def response_problems(body: dict[str, Any]) -> list[str]:
    """A post to a response_url: a message, or a request to delete the original."""
    if body.get("delete_original"):
        return []
    problems = message_problems(body)
    if "response_type" in body and body["response_type"] not in _RESPONSE_TYPES:
        problems.append(f"response_type {body['response_type']!r} is neither ephemeral nor in_channel")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """A modal or Home tab view (views.open / update / push / publish, or a response_action)."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["a view needs a list of blocks"]
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError) as error:
        problems.append(f"view: {error}")
    if len(blocks) > VIEW_BLOCKS:
        problems.append(f"{len(blocks)} blocks in a view, more than {VIEW_BLOCKS}")
    for key in ("title", "submit", "close"):
        text = _text(view.get(key))
        if text is not None and not 1 <= len(text) <= VIEW_TITLE:
            problems.append(f"view {key} {text!r} must have 1 to {VIEW_TITLE} characters")
    if view.get("type") == "modal" and view.get("title") is None:
        problems.append("a modal needs a title")
    if any(block.get("type") == "input" for block in blocks if isinstance(block, dict)) and view.get("type") == "modal":
        if view.get("submit") is None:
            problems.append("a modal with inputs needs a submit button")
    return problems + blocks_problems(blocks)


def ack_problems(kind: str, body: Any) -> list[str]:
    """The HTTP body that acknowledges a request of `kind` (command, block_actions, view_submission…)."""
    if body in (None, "", {}):
        return []
    if not isinstance(body, dict):
        # A slash command may be answered in plain text; Slack shows it to the person who typed it.
        return [] if kind == "command" and isinstance(body, str) else [f"a {kind} ack must be empty or JSON, not {body!r:.80}"]
    if kind == "view_submission":
        action = body.get("response_action")
        if action not in _VIEW_RESPONSE_ACTIONS:
            return [f"a view_submission ack must be empty or carry a response_action, not {sorted(body)}"]
        if action == "errors" and not (isinstance(body.get("errors"), dict) and body["errors"]):
            return ["response_action errors needs a non-empty errors object, keyed by block_id"]
        if action in ("update", "push"):
            return view_problems(body.get("view") or {})
        return []
    if kind == "block_suggestion":
        return [] if "options" in body or "option_groups" in body else ["a block_suggestion ack needs options"]
    if kind in ("command", "block_actions", "shortcut", "message_action"):
        return response_problems(body)
    return []


def blocks_problems(blocks: list[Any]) -> list[str]:
    """slack_sdk's validation of each block, then the limits it does not check."""
    problems: list[str] = []
    block_ids = Counter(b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id"))
    problems += [f"block_id {bid!r} is used by {n} blocks" for bid, n in block_ids.items() if n > 1]
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"block {index} is not an object")
            continue
        where = f"block {index} ({block.get('type')}{', ' + block['block_id'] if block.get('block_id') else ''})"
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"{where}: unknown block type")
            else:
                parsed.to_dict()
        except (SlackObjectFormationError, TypeError, AttributeError) as error:
            problems.append(f"{where}: {error}")
        problems += [f"{where}: {p}" for p in _block_limits(block)]
    return problems


def _block_limits(block: dict[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if len(str(block.get("block_id", ""))) > ID_LENGTH:
        yield f"block_id longer than {ID_LENGTH} characters"
    if kind == "section":
        if (text := _text(block.get("text"))) is not None and len(text) > SECTION_TEXT:
            yield f"section text has {len(text)} characters, more than {SECTION_TEXT}"
        for field in block.get("fields") or []:
            if len(_text(field) or "") > SECTION_FIELD:
                yield f"a section field has more than {SECTION_FIELD} characters"
    if kind == "header" and len(_text(block.get("text")) or "") > HEADER_TEXT:
        yield f"header text has more than {HEADER_TEXT} characters"
    if kind == "input":
        if len(_text(block.get("label")) or "") > LABEL:
            yield f"input label has more than {LABEL} characters"
    elements = list(_elements(block))
    action_ids = Counter(e.get("action_id") for e in elements if e.get("action_id"))
    for action_id, n in action_ids.items():
        if n > 1:
            yield f"action_id {action_id!r} is used by {n} elements of one block"
    for element in elements:
        yield from _element_limits(element)


def _elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The interactive elements of a block: actions' elements, a section's accessory, an input's element."""
    for element in block.get("elements") or []:
        if isinstance(element, dict) and block.get("type") in ("actions", "context"):
            yield element
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            yield block[key]


def _element_limits(element: dict[str, Any]) -> Iterator[str]:
    kind = element.get("type")
    if len(str(element.get("action_id", ""))) > ID_LENGTH:
        yield f"{kind} action_id longer than {ID_LENGTH} characters"
    if kind == "button":
        if len(_text(element.get("text")) or "") > BUTTON_TEXT:
            yield f"button text {_text(element.get('text'))!r} has more than {BUTTON_TEXT} characters"
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            yield f"button value has more than {BUTTON_VALUE} characters"
    if kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            if key in element and not 0 <= int(element[key]) <= INPUT_MAX_LENGTH:
                yield f"plain_text_input {key} {element[key]} is outside 0..{INPUT_MAX_LENGTH}"
        if element.get("max_length") == 0:
            yield "plain_text_input max_length must be at least 1"
    if len(_text(element.get("placeholder")) or "") > PLACEHOLDER:
        yield f"{kind} placeholder has more than {PLACEHOLDER} characters"
    for option in _options(element):
        if len(_text(option.get("text")) or "") > OPTION_TEXT:
            yield f"option text {_text(option.get('text'))!r} has more than {OPTION_TEXT} characters"
        if len(str(option.get("value", ""))) > OPTION_VALUE:
            yield f"option value has more than {OPTION_VALUE} characters"


def _options(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from element.get("options") or []
    for group in element.get("option_groups") or []:
        yield from group.get("options") or []
    for key in ("initial_option",):
        if isinstance(element.get(key), dict):
            yield element[key]


def _text(obj: Any) -> str | None:
    """The text of a text object (or a plain string), None when absent."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return obj if isinstance(obj, str) else None
