"""Slack messages and views as terminal text: mrkdwn, Block Kit, numbered controls. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import emoji

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDTH = 78

_PRE = re.compile(r"```\n?(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_QUOTE = re.compile(r"^&gt; ?", re.M)
_SLOT = re.compile(r"\x00(\d+)\x00")
_EMPHASIS = (
    (re.compile(r"(?<![\w*])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"), "bold"),
    (re.compile(r"(?<![\w_])_([^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"), "italic"),
    (re.compile(r"(?<![\w~])~([^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])"), "strike"),
)
# Clickable elements: a message or view control the console can number.
CLICKABLE = frozenset({
    "button", "overflow", "static_select", "external_select", "users_select", "conversations_select",
    "channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select", "datepicker", "timepicker", "datetimepicker",
    "radio_buttons", "checkboxes",
})


@dataclass(frozen=True)
class Style:
    """Terminal styling: ANSI escapes when `color`, plain text otherwise."""

    color: bool = False

    def _wrap(self, text: str, on: str, off: str) -> str:
        return f"\x1b[{on}m{text}\x1b[{off}m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap(text, "1", "22")

    def italic(self, text: str) -> str:
        return self._wrap(text, "3", "23")

    def strike(self, text: str) -> str:
        return self._wrap(text, "9", "29")

    def code(self, text: str) -> str:
        return self._wrap(text, "36", "39") if self.color else f"`{text}`"

    def dim(self, text: str) -> str:
        return self._wrap(text, "2", "22")

    def mention(self, text: str) -> str:
        return self._wrap(text, "34", "39")

    def good(self, text: str) -> str:
        return self._wrap(text, "32", "39")

    def bad(self, text: str) -> str:
        return self._wrap(text, "31", "39")


@dataclass(frozen=True)
class Control:
    """A numbered element the person can click by typing its number."""

    number: int
    block_id: str
    element: dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    text: str
    controls: tuple[Control, ...] = ()


def visible_len(text: str) -> int:
    return len(ANSI.sub("", text))


def plain(obj: Any) -> str:
    """The text of a plain_text/mrkdwn object (or a string) without formatting; plain_text shows its emoji."""
    if isinstance(obj, dict):
        text = str(obj.get("text", ""))
        return shortcodes(text) if obj.get("type") == "plain_text" and obj.get("emoji", True) else text
    return "" if obj is None else str(obj)


def unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def mrkdwn(text: str, style: Style = Style(), names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as terminal text: emphasis, code, links, mentions, quotes, entities."""
    names = names or {}
    slots: list[str] = []
    text = text.replace("\x00", "")

    def slot(rendered: str) -> str:
        slots.append(rendered)
        return f"\x00{len(slots) - 1}\x00"

    text = _PRE.sub(lambda m: slot(_preformatted(m.group(1), style)), text)
    text = _CODE.sub(lambda m: slot(style.code(unescape(m.group(1)))), text)
    text = _ANGLE.sub(lambda m: slot(_angle(m.group(1), style, names)), text)
    for pattern, kind in _EMPHASIS:
        text = pattern.sub(lambda m, kind=kind: getattr(style, kind)(m.group(1)), text)
    text = _QUOTE.sub("│ ", text)
    text = shortcodes(unescape(text))
    for _ in range(3):  # a code span may hold a link's slot, and so on
        text = _SLOT.sub(lambda m: slots[int(m.group(1))], text)
    return text


def shortcodes(text: str) -> str:
    """Emoji shortcodes as Slack shows them (`:white_check_mark:` → ✅); unknown ones stay as typed."""
    return emoji.emojize(text, language="alias")


def _preformatted(text: str, style: Style) -> str:
    lines = unescape(text).rstrip("\n").split("\n")
    return "\n".join("    " + (style.code(line) if style.color else line) for line in lines)


def _angle(inner: str, style: Style, names: Mapping[str, str]) -> str:
    """One <…> token: a user or channel mention, a special mention, or a link."""
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return style.mention("@" + (label or names.get(target[1:], target[1:])))
    if target.startswith("#"):
        return style.mention("#" + (label or names.get(target[1:], target[1:])))
    if target.startswith("!"):
        if label:
            return style.mention(label)
        return style.mention("@" + target[1:].split("^", 1)[0])
    url = unescape(target)
    shown = url.removeprefix("mailto:")
    if not label or label == shown or label == url:
        return style.mention(shown)
    return f"{style.mention(label)} ({url})"


def _text(obj: Any, style: Style, names: Mapping[str, str]) -> str:
    if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), style, names)
    return plain(obj)


@dataclass
class _Renderer:
    style: Style
    names: Mapping[str, str]
    number: int
    clickable: bool
    controls: list[Control] = field(default_factory=list)

    def control(self, block_id: str, element: dict[str, Any]) -> str:
        """An element as a short label, numbered when it can be clicked."""
        kind = element.get("type", "")
        if kind == "image":
            return self.style.dim(f"[image: {element.get('alt_text', '')}]")
        if kind in ("plain_text", "mrkdwn"):
            return _text(element, self.style, self.names)
        label = _element_label(element, self.names)
        if kind == "button":
            label = {"primary": self.style.good, "danger": self.style.bad}.get(element.get("style", ""), self.style.bold)(label)
            if element.get("url"):
                label += self.style.dim(f" ({element['url']})")
        if not self.clickable or kind not in CLICKABLE:
            return f"[{label}]"
        self.controls.append(Control(self.number, block_id, element))
        self.number += 1
        return f"[{self.number - 1}] {label}"

    def block(self, block: dict[str, Any], index: int) -> list[str]:
        kind = block.get("type")
        block_id = str(block.get("block_id") or f"block-{index}")
        if kind == "header":
            title = plain(block.get("text"))
            return [self.style.bold(title) if self.style.color else title, "=" * min(len(title), WIDTH)]
        if kind == "section":
            lines: list[str] = []
            if block.get("text"):
                lines += _text(block["text"], self.style, self.names).split("\n")
            if block.get("fields"):
                lines += columns([_text(f, self.style, self.names) for f in block["fields"]])
            if block.get("accessory"):
                lines.append("  " + self.control(block_id, block["accessory"]))
            return lines
        if kind == "context":
            parts = [self.control(block_id, el) for el in block.get("elements", [])]
            return [self.style.dim(line) for line in "  ".join(parts).split("\n")]
        if kind == "divider":
            return [self.style.dim("─" * 40)]
        if kind == "actions":
            return ["  ".join(self.control(block_id, el) for el in block.get("elements", []))]
        if kind == "image":
            title = plain(block.get("title"))
            return [self.style.dim(f"[image: {block.get('alt_text', title)}] {block.get('image_url', '')}".rstrip())]
        if kind == "input":
            optional = " (optional)" if block.get("optional") else ""
            return [f"{self.style.bold(plain(block.get('label')))}{optional}: {self.control(block_id, block.get('element', {}))}"]
        if kind == "rich_text":
            return rich_text(block, self.style, self.names).split("\n")
        if kind == "video":
            return [self.style.dim(f"[video: {plain(block.get('title'))}] {block.get('video_url', '')}")]
        if kind == "file":
            return [self.style.dim("[file]")]
        return [self.style.dim(f"[{kind} block]")]


def _element_label(element: dict[str, Any], names: Mapping[str, str]) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return plain(element.get("text"))
    if kind == "overflow":
        return "More…"
    if kind in ("radio_buttons", "checkboxes"):
        return " / ".join(plain(o.get("text")) for o in element.get("options", []))
    current = initial_text(element, names)
    if kind.endswith("_input"):
        return (plain(element.get("placeholder")) or "text") + (f" ({current})" if current else "")
    label = plain(element.get("placeholder")) or {
        "datepicker": "Pick a date", "timepicker": "Pick a time", "datetimepicker": "Pick a date and time",
    }.get(kind, "Choose…")
    return f"{label} ▾" + (f" ({current})" if current else "")


def initial_text(element: dict[str, Any], names: Mapping[str, str]) -> str:
    """An element's initial value, as the person would see it."""
    for key in ("initial_value", "initial_date", "initial_time"):
        if element.get(key):
            return str(element[key])
    if element.get("initial_option"):
        return plain(element["initial_option"].get("text"))
    if element.get("initial_options"):
        return ", ".join(plain(o.get("text")) for o in element["initial_options"])
    for key, sign in (("initial_user", "@"), ("initial_conversation", "#"), ("initial_channel", "#")):
        if element.get(key):
            return sign + names.get(element[key], element[key])
    for key, sign in (("initial_users", "@"), ("initial_conversations", "#"), ("initial_channels", "#")):
        if element.get(key):
            return ", ".join(sign + names.get(i, i) for i in element[key])
    return ""


def columns(cells: list[str], width: int = WIDTH) -> list[str]:
    """Section fields two to a row, as Slack lays them out; one per row when they are too wide."""
    half = width // 2
    if any(visible_len(line) > half - 2 for cell in cells for line in cell.split("\n")):
        return [line for cell in cells for line in cell.split("\n")]
    rows: list[str] = []
    for start in range(0, len(cells), 2):
        left = cells[start].split("\n")
        right = cells[start + 1].split("\n") if start + 1 < len(cells) else []
        for i in range(max(len(left), len(right))):
            cell = left[i] if i < len(left) else ""
            rows.append((cell + " " * (half - visible_len(cell)) + (right[i] if i < len(right) else "")).rstrip())
    return rows


def rich_text(block: dict[str, Any], style: Style, names: Mapping[str, str]) -> str:
    """A rich_text block: sections, lists, quotes and preformatted text."""
    out: list[str] = []
    for element in block.get("elements", []):
        kind = element.get("type")
        if kind == "rich_text_list":
            bullet = "1." if element.get("style") == "ordered" else "•"
            for n, item in enumerate(element.get("elements", []), 1):
                out.append(f"{'  ' * element.get('indent', 0)}{f'{n}.' if bullet == '1.' else bullet} {_rich_inline(item, style, names)}")
        elif kind == "rich_text_preformatted":
            out += ["    " + line for line in _rich_inline(element, Style(), names).split("\n")]
        elif kind == "rich_text_quote":
            out += ["│ " + line for line in _rich_inline(element, style, names).split("\n")]
        else:
            out.append(_rich_inline(element, style, names))
    return "\n".join(out)


def _rich_inline(section: dict[str, Any], style: Style, names: Mapping[str, str]) -> str:
    parts: list[str] = []
    for el in section.get("elements", []):
        kind = el.get("type")
        if kind == "text":
            text = el.get("text", "")
            for key in ("bold", "italic", "strike", "code"):
                if (el.get("style") or {}).get(key):
                    text = getattr(style, key)(text)
            parts.append(text)
        elif kind == "link":
            parts.append(_angle(f"{el.get('url', '')}|{el.get('text', '')}", style, names))
        elif kind == "user":
            parts.append(style.mention("@" + names.get(el.get("user_id", ""), el.get("user_id", ""))))
        elif kind == "channel":
            parts.append(style.mention("#" + names.get(el.get("channel_id", ""), el.get("channel_id", ""))))
        elif kind == "emoji":
            parts.append(shortcodes(f":{el.get('name', '')}:"))
        elif kind == "broadcast":
            parts.append(style.mention("@" + el.get("range", "here")))
    return "".join(parts)


def render_blocks(
    blocks: list[dict[str, Any]], *, style: Style = Style(), names: Mapping[str, str] | None = None,
    first_number: int = 1, clickable: bool = True,
) -> Rendered:
    """Blocks as lines of terminal text; clickable elements are numbered from `first_number`."""
    renderer = _Renderer(style, names or {}, first_number, clickable)
    lines: list[str] = []
    for index, block in enumerate(blocks):
        lines += renderer.block(block, index)
    return Rendered("\n".join(lines), tuple(renderer.controls))


def render_message(
    message: Mapping[str, Any], *, style: Style = Style(), names: Mapping[str, str] | None = None,
    first_number: int = 1,
) -> Rendered:
    """A message: its blocks (or its text when it has none) and its attachments."""
    names = names or {}
    if message.get("blocks"):
        rendered = render_blocks(message["blocks"], style=style, names=names, first_number=first_number)
    elif message.get("mrkdwn") is False:
        rendered = Rendered(str(message.get("text", "")))
    else:
        rendered = Rendered(mrkdwn(str(message.get("text", "")), style, names))
    text, controls = rendered.text, list(rendered.controls)
    for attachment in message.get("attachments") or []:
        inner = _attachment(attachment, style, names, first_number + len(controls))
        controls += inner.controls
        text += "\n" + "\n".join("┃ " + line for line in inner.text.split("\n"))
    return Rendered(text, tuple(controls))


def _attachment(attachment: Mapping[str, Any], style: Style, names: Mapping[str, str], first_number: int) -> Rendered:
    lines = [mrkdwn(str(attachment[key]), style, names) for key in ("pretext", "title", "text") if attachment.get(key)]
    lines += columns([f"{style.bold(plain(f.get('title')))}\n{mrkdwn(str(f.get('value', '')), style, names)}"
                      for f in attachment.get("fields") or []])
    rendered = render_blocks(attachment.get("blocks") or [], style=style, names=names, first_number=first_number)
    if rendered.text:
        lines.append(rendered.text)
    if attachment.get("footer"):
        lines.append(style.dim(mrkdwn(str(attachment["footer"]), style, names)))
    if not lines and attachment.get("fallback"):
        lines.append(str(attachment["fallback"]))
    return Rendered("\n".join(lines), rendered.controls)


def render_view(
    view: Mapping[str, Any], *, style: Style = Style(), names: Mapping[str, str] | None = None,
    first_number: int = 1, inputs: bool = True, clickable: bool = True,
) -> Rendered:
    """A modal or Home tab: its title, then its blocks (input blocks left out when `inputs` is False)."""
    blocks = [b for b in view.get("blocks", []) if inputs or b.get("type") != "input"]
    body = render_blocks(blocks, style=style, names=names, first_number=first_number, clickable=clickable)
    title = plain(view.get("title"))
    lines = [style.bold(title)] if title else []
    if body.text:
        lines.append(body.text)
    return Rendered("\n".join(lines), body.controls)
