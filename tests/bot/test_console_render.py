"""The console's Block Kit and mrkdwn rendering, and its modal answers, as pure data."""

import pytest

from bot.console import _forms as forms
from bot.console._render import Style, mrkdwn, render_blocks, render_message, render_view
from bot.console.repl import escape_command_text
from devtools.local_workspace import OWNER_ID, Directory

PLAIN = Style(color=False)
COLOR = Style(color=True)


def _button(text, action_id, **extra):
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, **extra}


def test_mrkdwn_emphasis_becomes_ansi_on_a_terminal_and_plain_text_otherwise():
    assert mrkdwn("*Saved* _now_ ~old~", COLOR) == "\x1b[1mSaved\x1b[22m \x1b[3mnow\x1b[23m \x1b[9mold\x1b[29m"
    assert mrkdwn("*Saved* _now_ ~old~", PLAIN) == "Saved now old"


def test_mrkdwn_leaves_asterisks_and_underscores_inside_words_code_and_links_alone():
    text = "snake_case_name 2*3*4 `a_b_c` <https://x.test/a_b_c|the *docs*>"
    assert mrkdwn(text, PLAIN) == "snake_case_name 2*3*4 `a_b_c` the *docs* (https://x.test/a_b_c)"


def test_mrkdwn_links_mentions_and_entities():
    names = {"U1": "ana", "C9": "sales"}
    text = "<@U1> in <#C9> and <#C7|door> <!here> <mailto:a@b.test|a@b.test> <https://e.test> a &amp; b &lt;tag&gt;"
    assert mrkdwn(text, PLAIN, names) == "@ana in #sales and #door @here a@b.test https://e.test a & b <tag>"


def test_mrkdwn_code_blocks_and_quotes():
    assert mrkdwn("```line 1\nline 2```", PLAIN) == "    line 1\n    line 2"
    assert mrkdwn("&gt; quoted\nnot", PLAIN) == "│ quoted\nnot"
    assert mrkdwn("`x`", COLOR) == "\x1b[36mx\x1b[39m"


def test_header_section_fields_context_and_divider():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Summer Gala"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Draft* event"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*When*\nFri 1 Jul"},
                                       {"type": "mrkdwn", "text": "*Seats*\n0 / 100"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Times in UTC"}, {"type": "plain_text", "text": "v1"}]},
        {"type": "divider"},
    ]
    rendered = render_blocks(blocks, style=PLAIN)
    assert rendered.text.split("\n") == [
        "Summer Gala",
        "===========",
        "Draft event",
        "When" + " " * 35 + "Seats",
        "Fri 1 Jul" + " " * 30 + "0 / 100",
        "Times in UTC  v1",
        "─" * 40,
    ]
    assert rendered.controls == ()


def test_buttons_are_numbered_from_the_first_number_and_remember_their_block():
    blocks = [
        {"type": "section", "block_id": "card", "text": {"type": "mrkdwn", "text": "Gala"},
         "accessory": _button("Open", "event.open", value="gala")},
        {"type": "actions", "block_id": "acts", "elements": [
            _button("Publish", "event.publish", style="primary"), _button("Cancel", "event.cancel", style="danger"),
            _button("Page", "event.page", url="https://e.test/gala"),
        ]},
    ]
    rendered = render_blocks(blocks, style=PLAIN, first_number=7)
    assert rendered.text.split("\n") == [
        "Gala", "  [7] Open", "[8] Publish  [9] Cancel  [10] Page (https://e.test/gala)",
    ]
    assert [(c.number, c.block_id, c.element["action_id"]) for c in rendered.controls] == [
        (7, "card", "event.open"), (8, "acts", "event.publish"), (9, "acts", "event.cancel"), (10, "acts", "event.page"),
    ]
    colored = render_blocks(blocks, style=COLOR).text
    assert "[2] \x1b[32mPublish\x1b[39m" in colored and "[3] \x1b[31mCancel\x1b[39m" in colored


def test_selects_and_overflows_are_clickable_and_show_their_current_choice():
    blocks = [{"type": "actions", "elements": [
        {"type": "static_select", "action_id": "pick", "placeholder": {"type": "plain_text", "text": "Status"},
         "initial_option": {"text": {"type": "plain_text", "text": "Draft"}, "value": "draft"}, "options": []},
        {"type": "overflow", "action_id": "more", "options": []},
    ]}]
    rendered = render_blocks(blocks, style=PLAIN)
    assert rendered.text == "[1] Status ▾ (Draft)  [2] More…"
    assert [c.element["type"] for c in rendered.controls] == ["static_select", "overflow"]


def test_a_message_without_blocks_shows_its_text_and_attachments():
    message = {"text": "*Sold* 2 tickets", "attachments": [{"title": "Gala", "text": "by <@U1>", "footer": "EventOS"}]}
    rendered = render_message(message, style=PLAIN, names={"U1": "ana"})
    assert rendered.text == "Sold 2 tickets\n┃ Gala\n┃ by @ana\n┃ EventOS"


def test_a_modal_shows_its_title_and_leaves_inputs_to_the_questions():
    view = {"type": "modal", "title": {"type": "plain_text", "text": "New event"}, "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Fill in the _basics_."}},
        {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
         "element": {"type": "plain_text_input", "action_id": "name"}},
    ]}
    assert render_view(view, style=PLAIN, inputs=False).text == "New event\nFill in the basics."
    assert render_view(view, style=PLAIN, clickable=False).text == "New event\nFill in the basics.\nName: [text]"


def _field(element, *, optional=False, label="Field"):
    return forms.Field("block", element.get("action_id", "act"), label, element, optional, "")


OPTIONS = [{"text": {"type": "plain_text", "text": "Euro"}, "value": "EUR"},
           {"text": {"type": "plain_text", "text": "US dollar"}, "value": "USD"}]


def test_a_select_is_answered_by_number_label_or_value():
    directory = Directory()
    field = _field({"type": "static_select", "action_id": "currency", "options": OPTIONS})
    for typed in ("2", "us dollar", "USD"):
        assert forms.answer(field, typed, directory, me=OWNER_ID) == {"type": "static_select", "selected_option": OPTIONS[1]}
    with pytest.raises(forms.AnswerError, match="Type a number from 1 to 2"):
        forms.answer(field, "7", directory, me=OWNER_ID)
    assert forms.explain(field) == ["  1) Euro", "  2) US dollar"]


def test_enter_keeps_the_initial_value_a_required_field_must_be_filled_and_an_optional_one_may_stay_empty():
    directory = Directory()
    initial = _field({"type": "plain_text_input", "action_id": "tz", "initial_value": "UTC"}, label="Time zone")
    assert forms.answer(initial, "", directory, me=OWNER_ID) == {"type": "plain_text_input", "value": "UTC"}
    assert forms.question(initial, {}) == "Time zone [UTC]: "
    with pytest.raises(forms.AnswerError, match="Please fill out this field"):
        forms.answer(_field({"type": "plain_text_input"}), " ", directory, me=OWNER_ID)
    optional = _field({"type": "datepicker", "action_id": "day"}, optional=True, label="Ends")
    assert forms.answer(optional, "", directory, me=OWNER_ID) == {"type": "datepicker", "selected_date": None}
    assert forms.question(optional, {}) == "Ends (optional): "


def test_enter_after_an_error_keeps_the_answer_given_before():
    field = _field({"type": "static_select", "options": OPTIONS}, label="Currency")
    previous = {"type": "static_select", "selected_option": OPTIONS[0]}
    assert forms.question(field, {}, previous) == "Currency [Euro]: "
    assert forms.answer(field, "", Directory(), me=OWNER_ID, previous=previous) == previous


def test_dates_times_numbers_and_lengths_are_checked_before_submitting():
    directory = Directory()
    assert forms.answer(_field({"type": "datepicker"}), "2030-07-01", directory, me=OWNER_ID)["selected_date"] == "2030-07-01"
    assert forms.answer(_field({"type": "timepicker"}), "9:05", directory, me=OWNER_ID)["selected_time"] == "09:05"
    with pytest.raises(forms.AnswerError, match="date like"):
        forms.answer(_field({"type": "datepicker"}), "July 1st", directory, me=OWNER_ID)
    with pytest.raises(forms.AnswerError, match="whole number"):
        forms.answer(_field({"type": "number_input", "is_decimal_allowed": False}), "2.5", directory, me=OWNER_ID)
    with pytest.raises(forms.AnswerError, match="from 1 to"):
        forms.answer(_field({"type": "number_input", "min_value": "1"}), "0", directory, me=OWNER_ID)
    with pytest.raises(forms.AnswerError, match="at most 3"):
        forms.answer(_field({"type": "plain_text_input", "max_length": 3}), "abcd", directory, me=OWNER_ID)


def test_people_and_channels_are_picked_by_name_with_stable_ids(tmp_path):
    directory = Directory(tmp_path / "local-slack.json")
    users = forms.answer(_field({"type": "multi_users_select"}), "@ana, me", directory, me=OWNER_ID)
    channel = forms.answer(_field({"type": "conversations_select"}), "#sales", directory, me=OWNER_ID)
    assert users["selected_users"][1] == OWNER_ID
    assert Directory(tmp_path / "local-slack.json").names()[users["selected_users"][0]] == "ana"
    assert channel["selected_conversation"] == Directory().channel_id("sales")


def test_typed_command_text_is_escaped_and_mentions_become_ids_as_slack_does():
    directory = Directory()
    text = escape_command_text('setup sales_channel=#Sales note="a < b & c" @ana ana@example.test', directory)
    sales, ana = directory.channel_id("sales"), directory.user_id("ana")
    assert text == f'setup sales_channel=<#{sales}|sales> note="a &lt; b &amp; c" <@{ana}|ana> ana@example.test'


def test_a_clicked_button_becomes_the_action_slack_sends():
    element = _button("Publish", "event.publish", value="gala", style="primary")
    act = forms.action("acts", element, {}, "1.5")
    assert act == {"action_id": "event.publish", "block_id": "acts", "type": "button", "action_ts": "1.5",
                   "text": element["text"], "value": "gala", "style": "primary"}
    select = {"type": "static_select", "action_id": "pick", "options": OPTIONS}
    assert forms.action("b", select, {"type": "static_select", "selected_option": OPTIONS[0]}, "2")["selected_option"] == OPTIONS[0]


def test_emoji_shortcodes_render_as_slack_shows_them_and_code_stays_literal():
    text = mrkdwn(":white_check_mark: Sent · :ticket: `:x:` at 19:04:05 :not-an-emoji:")
    assert text == "✅ Sent · 🎫 `:x:` at 19:04:05 :not-an-emoji:"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": ":mega: News", "emoji": True}}]
    assert "📣 News" in render_blocks(blocks).text
