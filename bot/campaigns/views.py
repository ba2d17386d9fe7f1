"""Views for /campaign: the card, the list, the preview, the send confirmation and the new-campaign modal."""

import json

from bot import mail_words
from bot.events.modal_views import EVENT_PICK
from bot.text import context, divider, escape, fields, header, local_time, section
from core.campaigns.campaigns import CANCELLABLE, CHANGEABLE, CampaignInfo, Preview
from db.enums import CampaignStatus, Channel, RecipientStatus

NEW_VIEW = "campaign.new_modal"
PREVIEW = "campaign.preview"
SEND = "campaign.send"
SEND_CONFIRM = "campaign.send_confirm"
KEEP = "campaign.keep"
CANCEL = "campaign.cancel"

# Slack caps a plain_text_input at 3000 characters; a longer message is set with `/campaign create`.
MESSAGE_INPUT = 3000

BLOCK_NAME = "name"
BLOCK_CHANNEL = "channel"
BLOCK_AUDIENCE = "audience"
BLOCK_TEMPLATE = "template"
BLOCK_SUBJECT = "subject"
BLOCK_MESSAGE = "message"
BLOCK_EVENT = "event"
# Where a core error about a field is shown in the modal (core field → block_id).
FIELD_BLOCKS = {
    "name": BLOCK_NAME, "slug": BLOCK_NAME, "channel": BLOCK_CHANNEL, "audience": BLOCK_AUDIENCE,
    "template": BLOCK_TEMPLATE, "subject": BLOCK_SUBJECT, "message": BLOCK_MESSAGE, "event": BLOCK_EVENT,
}
AUDIENCE_HINT = (
    "all · tag:vip · company:Acme · event:SLUG:bought, :attended or :no-show — combine with and, or, not and "
    "parentheses. Only people who consented to the channel (and did not unsubscribe) get it."
)
STATUS = {
    CampaignStatus.DRAFT: ":memo: Draft", CampaignStatus.SCHEDULED: ":alarm_clock: Scheduled",
    CampaignStatus.SENDING: ":outbox_tray: Sending", CampaignStatus.SENT: ":white_check_mark: Sent",
    CampaignStatus.CANCELLED: ":x: Cancelled", CampaignStatus.FAILED: ":warning: Failed",
}
# A campaign that has started has recipients to count.
STARTED = (CampaignStatus.SENDING, CampaignStatus.SENT, CampaignStatus.CANCELLED)
LIST_LIMIT = 40


def _plain(text: str, limit: int = 150) -> dict:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _by(channel: str) -> str:
    return "email" if channel == Channel.EMAIL else "SMS"


def _when(campaign: CampaignInfo, timezone: str) -> str:
    if campaign.status == CampaignStatus.SENT and campaign.sent_at:
        return f"sent {local_time(campaign.sent_at, timezone)}"
    if campaign.status in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING) and campaign.scheduled_at:
        went = "goes out" if campaign.status == CampaignStatus.SCHEDULED else "started"
        return f"{went} {local_time(campaign.scheduled_at, timezone)}"
    return "not scheduled"


def _counts(campaign: CampaignInfo, *, local: bool) -> str:
    c = campaign.counts
    waiting = c.get(RecipientStatus.PENDING, 0) + c.get(RecipientStatus.SENDING, 0)
    parts = [
        f"{c.get(RecipientStatus.SENT, 0):,} {'put in the local mailbox' if local else 'sent'}",
        f"{c.get(RecipientStatus.FAILED, 0):,} failed", f"{c.get(RecipientStatus.SKIPPED, 0):,} skipped (no consent)",
    ]
    if waiting:
        parts.append(f"{waiting:,} to go")
    return ", ".join(parts)


def campaign_card(
    campaign: CampaignInfo, timezone: str, *, can_manage: bool, note: str | None = None, delivers: bool = True
) -> list[dict]:
    """One campaign: what it says, who gets it, when, and how far it got (`delivers`: a mail server is set)."""
    local = campaign.channel == Channel.EMAIL and not delivers
    blocks = [section(note)] if note else []
    blocks += [
        header(campaign.name),
        section(f"{STATUS.get(campaign.status, campaign.status)} · `{campaign.slug}` · by {_by(campaign.channel)} · {_when(campaign, timezone)}"),
        fields([
            ("Audience", f"`{escape(campaign.audience)}`"),
            ("Template", f"`{escape(campaign.template)}`"),
            ("Subject", escape(campaign.subject) if campaign.subject else "—"),
            ("Event", f"{escape(campaign.event_name)} (`{campaign.event_slug}`)" if campaign.event_name else "—"),
            ("Recipients", _counts(campaign, local=local) if campaign.status in STARTED else "counted when it starts"),
            ("Report to", f"<#{campaign.report_channel}>" if campaign.report_channel else "—"),
        ]),
    ]
    if campaign.message:
        blocks.append(section(">" + escape(campaign.message[:1500]).replace("\n", "\n>")))
    buttons = [_button("Preview", PREVIEW, campaign.slug)]
    if can_manage and campaign.status in CHANGEABLE:
        buttons.append(_button("Send now…", SEND, campaign.slug, style="primary"))
    if can_manage and campaign.status in CANCELLABLE:
        buttons.append(_button("Cancel campaign", CANCEL, campaign.slug, style="danger"))
    blocks.append({"type": "actions", "block_id": f"campaign:{campaign.slug}", "elements": buttons})
    if can_manage and campaign.status in CHANGEABLE:
        blocks.append(context(f"Schedule it: `/campaign schedule {campaign.slug} at=\"2031-07-01 09:00\"` (in {escape(timezone)})"))
    return blocks


def campaign_list(items: list[CampaignInfo], timezone: str) -> list[dict]:
    if not items:
        return [section("No campaigns yet. Start one with `/campaign new`.")]
    lines = [
        f"• *{escape(c.name)}* `{c.slug}` — {STATUS.get(c.status, c.status)}, by {_by(c.channel)}, {_when(c, timezone)}"
        + (f" · {c.sent:,} sent" if c.status in STARTED else "")
        for c in items[:LIST_LIMIT]
    ]
    blocks = [header("Campaigns")]
    blocks += [section("\n".join(lines[n:n + 20])) for n in range(0, len(lines), 20)]
    return blocks + [context("`/campaign show NAME` for one, `/campaign new` for another.")]


def _reach(preview: Preview) -> str:
    campaign = preview.campaign
    skipped = f" ({preview.skipped:,} more match but have no {campaign.channel} consent or unsubscribed)" if preview.skipped else ""
    people = "person" if preview.reachable == 1 else "people"
    return f"*{preview.reachable:,}* {people} by {_by(campaign.channel)}{skipped}"


def preview_blocks(preview: Preview) -> list[dict]:
    """The audience's size and the message as one recipient would get it."""
    campaign = preview.campaign
    blocks = [
        header(f"Preview: {campaign.name}"),
        section(f"Audience `{escape(campaign.audience)}` reaches {_reach(preview)} right now."),
        divider(),
        context(f"As {escape(preview.sample_name)} would get it:"),
    ]
    if preview.subject is not None:
        blocks.append(section(f"*Subject:* {escape(preview.subject)}"))
    blocks.append(section("```" + escape(preview.body.strip()[:2800]).replace("```", "'''") + "```"))
    if preview.sms_parts is not None:
        blocks.append(context(f"{len(preview.body)} characters: {preview.sms_parts} SMS part{'s' if preview.sms_parts != 1 else ''} per person."))
    else:
        blocks.append(context("That is the text part; the HTML part has the same words, styled, and a one-click unsubscribe link."))
    return blocks


def send_step(preview: Preview, *, delivers: bool = True) -> list[dict]:
    """The confirmation before sending to N people."""
    campaign = preview.campaign
    people = f"{preview.reachable:,} {'person' if preview.reachable == 1 else 'people'}"
    local = f" ({mail_words.NO_MAIL_SERVER})" if campaign.channel == Channel.EMAIL and not delivers else ""
    return [
        section(f"Send *{escape(campaign.name)}* now to {_reach(preview)}? It cannot be unsent.{local}"),
        {
            "type": "actions",
            "block_id": f"campaign_send:{campaign.slug}",
            "elements": [
                _button(f"Send to {people}", SEND_CONFIRM, campaign.slug, style="primary"),
                _button("Not now", KEEP, campaign.slug),
            ],
        },
    ]


def sending_note(campaign: CampaignInfo, people: int, *, delivers: bool = True) -> str:
    report = f" The report comes to <#{campaign.report_channel}> when it is done." if campaign.report_channel else ""
    whom = f"{people:,} {'person' if people == 1 else 'people'}"
    if campaign.channel == Channel.EMAIL and not delivers:
        return f":outbox_tray: Putting *{escape(campaign.name)}* for {whom} in the local mailbox now ({mail_words.NO_MAIL_SERVER}).{report}"
    return f":outbox_tray: Sending *{escape(campaign.name)}* to {whom} now.{report}"


def scheduled_note(campaign: CampaignInfo, timezone: str) -> str:
    return (
        f":alarm_clock: *{escape(campaign.name)}* goes out {local_time(campaign.scheduled_at, timezone)}, to whoever the "
        f"audience reaches then. `/campaign cancel {campaign.slug}` stops it."
    )


def cancelled_note(campaign: CampaignInfo, changed: bool) -> str:
    if not changed:
        return f"*{escape(campaign.name)}* was already cancelled."
    sent = campaign.sent
    already = f" {sent:,} message{'s' if sent != 1 else ''} had gone out (a batch being handed over finishes)." if sent else " Nothing had gone out."
    return f":x: Cancelled *{escape(campaign.name)}*.{already}"


# --- the modal ----------------------------------------------------------------------------


def _option(text: str, value: str) -> dict:
    return {"text": _plain(text), "value": value}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": _plain(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _text(action_id: str, *, multiline: bool = False, max_length: int | None = None, placeholder: str | None = None) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    return element


def new_campaign_modal(*, channel_id: str, templates: dict[str, list[str]]) -> dict:
    """Everything `/campaign create` takes, as a form; it saves a draft to preview and send."""
    names = sorted({n for ns in templates.values() for n in ns})
    channel = {
        "type": "static_select", "action_id": BLOCK_CHANNEL,
        "options": [_option("Email", Channel.EMAIL), _option("SMS", Channel.SMS)],
        "initial_option": _option("Email", Channel.EMAIL),
    }
    template = {
        "type": "static_select", "action_id": BLOCK_TEMPLATE,
        "options": [_option(n, n) for n in names], "initial_option": _option(names[0], names[0]),
    }
    event = {"type": "external_select", "action_id": EVENT_PICK, "min_query_length": 0, "placeholder": _plain("Type to search events")}
    blocks = [
        _input(BLOCK_NAME, "Name", _text(BLOCK_NAME, max_length=120, placeholder="Autumn early birds")),
        _input(BLOCK_CHANNEL, "Channel", channel),
        _input(BLOCK_AUDIENCE, "Audience", _text(BLOCK_AUDIENCE, max_length=1000, placeholder="event:summer-gala:attended and not tag:staff"),
               hint=AUDIENCE_HINT),
        _input(BLOCK_TEMPLATE, "Template", template,
               hint=" · ".join(f"{'Email' if c == 'email' else 'SMS'}: {', '.join(ns)}" for c, ns in templates.items())),
        _input(BLOCK_SUBJECT, "Subject (email)", _text(BLOCK_SUBJECT, max_length=200), optional=True,
               hint="Required for an email campaign; an SMS has no subject."),
        _input(BLOCK_MESSAGE, "Message", _text(BLOCK_MESSAGE, multiline=True, max_length=MESSAGE_INPUT), optional=True,
               hint="Your words, placed in the template; blank lines start paragraphs."),
        _input(BLOCK_EVENT, "Event", event, optional=True,
               hint="Its name, date and venue go into the message; by default the one event the audience names."),
    ]
    return {
        "type": "modal",
        "callback_id": NEW_VIEW,
        "title": _plain("New campaign"),
        "submit": _plain("Save draft"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel": channel_id}, separators=(",", ":")),
        "blocks": blocks,
    }
