"""The command grammar: words, key=value options, quotes, Slack escapes, binding to models."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, field_validator

from bot.grammar import (
    MAX_LENGTH,
    Parsed,
    UsageError,
    bind,
    channel_id,
    format_args,
    parse,
    quote,
    user_id,
)


class EventCreateArgs(BaseModel):
    name: str
    starts: datetime
    ends: datetime | None = None
    venue: str | None = None
    capacity: int | None = Field(default=None, ge=1)


class TicketAddArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    name: str
    price: Decimal = Field(ge=0, decimal_places=2, examples=["25.00"])
    capacity: int | None = None
    sales_end: datetime | None = None


class ContactAddArgs(BaseModel):
    email: str
    name: str | None = None
    tags: list[str] = []

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("give an email address like anna@example.com")
        return value


class LogArgs(BaseModel):
    email: str
    kind: Literal["note", "call", "meeting", "email"] = "note"


def usage_message(text: str, model: type[BaseModel], positional: tuple[str, ...] = ()) -> str:
    with pytest.raises(UsageError) as caught:
        bind(parse(text), model, positional=positional)
    return caught.value.message


# --- examples from the contract ----------------------------------------------------------


def test_event_create_reads_the_subcommand_and_quoted_options():
    parsed = parse('create name="Summer Gala" starts="2026-07-01 19:00" capacity=300')

    assert parsed.words == ("create",)
    assert parsed.options == {"name": "Summer Gala", "starts": "2026-07-01 19:00", "capacity": "300"}

    args = bind(parsed.drop(1), EventCreateArgs)
    assert args == EventCreateArgs(name="Summer Gala", starts=datetime(2026, 7, 1, 19), capacity=300)


def test_log_keeps_key_value_inside_the_free_text_as_text():
    parsed = parse(
        "anna@x.com kind=call Talked about price=100 tables", keys={"kind"}, free_text_after=1
    )

    assert parsed.words == ("anna@x.com",)
    assert parsed.options == {"kind": "call"}
    assert parsed.text_after(1) == "Talked about price=100 tables"
    assert bind(parsed, LogArgs, positional=("email",)).kind == "call"


def test_log_free_text_keeps_quotes_as_typed_and_never_fails_on_them():
    parsed = parse('anna@x.com She said "maybe, call back', keys={"kind"}, free_text_after=1)

    assert parsed.options == {}
    assert parsed.text_after(1) == 'She said "maybe, call back'


def test_log_option_after_the_free_text_starts_is_text_not_an_option():
    parsed = parse("anna@x.com Asked kind=call twice", keys={"kind"}, free_text_after=1)

    assert parsed.options == {}
    assert parsed.text_after(1) == "Asked kind=call twice"


def test_log_without_a_note_has_empty_free_text():
    parsed = parse("anna@x.com kind=meeting", keys={"kind"}, free_text_after=1)

    assert parsed.words == ("anna@x.com",)
    assert parsed.options == {"kind": "meeting"}
    assert parsed.text_after(1) == ""


def test_text_after_without_free_text_mode_skips_options_before_the_next_word():
    parsed = parse("anna@x.com kind=call Called Anna", keys={"kind"})

    assert parsed.words == ("anna@x.com", "Called", "Anna")
    assert parsed.text_after(1) == "Called Anna"
    assert parsed.text_after(3) == ""


def test_keys_limit_which_pairs_become_options():
    parsed = parse("a@x.com price=100 Kind=call", keys={"kind"})

    assert parsed.words == ("a@x.com", "price=100")
    assert parsed.options == {"kind": "call"}


def test_keys_are_case_insensitive_and_hyphens_read_as_underscores():
    parsed = parse("add gala NAME=VIP price=25 Sales-End='2026-06-30 23:59'")

    assert parsed.options == {"name": "VIP", "price": "25", "sales_end": "2026-06-30 23:59"}
    args = bind(parsed.drop(1), TicketAddArgs, positional=("event",))
    assert args.sales_end == datetime(2026, 6, 30, 23, 59)
    assert args.price == Decimal("25")


def test_empty_text_has_no_words_and_no_options():
    assert parse("") == Parsed(words=(), options={}, raw="")
    assert parse("   \n\t ").words == ()


# --- quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "create name=“Summer Gala”",
        "create name=”Summer Gala”",
        "create name=„Summer Gala“",
        "create name=‘Summer Gala’",
        "create name='Summer Gala'",
        'create name="Summer Gala"',
    ],
)
def test_smart_and_plain_quotes_group_a_value(text):
    assert parse(text).options == {"name": "Summer Gala"}


def test_a_quoted_word_is_one_word_even_when_it_looks_like_an_option():
    parsed = parse('find "Summer Gala" "price=100"')

    assert parsed.words == ("find", "Summer Gala", "price=100")
    assert parsed.options == {}


def test_an_apostrophe_inside_a_word_is_just_a_character():
    parsed = parse("show O'Brien name=O’Reilly")

    assert parsed.words == ("show", "O'Brien")
    assert parsed.options == {"name": "O’Reilly"}


def test_a_quoted_value_ends_at_a_quote_followed_by_a_space():
    parsed = parse("add name='Anna's party' capacity=20")

    assert parsed.options == {"name": "Anna's party", "capacity": "20"}


def test_an_empty_quoted_value_is_an_empty_string():
    assert parse('add name="" x=""').options == {"name": "", "x": ""}


def test_an_unclosed_quote_asks_to_close_it():
    with pytest.raises(UsageError) as caught:
        parse('create name="Summer Gala starts=2026-07-01')

    assert caught.value.message.startswith("Close the quote")
    assert 'name="Summer' in caught.value.message


def test_a_quote_glued_to_the_next_word_asks_for_a_space():
    with pytest.raises(UsageError) as caught:
        parse('create name="Summer Gala"capacity=3')

    assert "space after the closing quote" in caught.value.message


def test_a_repeated_option_is_an_error():
    with pytest.raises(UsageError) as caught:
        parse("add name=a Name=b")

    assert caught.value.message == "Give name= only once."


def test_text_longer_than_the_cap_is_an_error():
    parse("x" * MAX_LENGTH)
    with pytest.raises(UsageError):
        parse("x" * (MAX_LENGTH + 1))


def test_control_characters_are_dropped():
    parsed = parse("show\x00 ga\x07la name=a\x1bb")

    assert parsed.words == ("show", "gala")
    assert parsed.options == {"name": "ab"}


# --- Slack escaping ----------------------------------------------------------------------


def test_mailto_links_and_links_become_their_plain_text():
    parsed = parse(
        "add email=<mailto:anna@x.com|anna@x.com> site=<https://x.y|x.y> "
        "<http://example.com/a?b=1&amp;c=2> <mailto:bo@x.com>"
    )

    assert parsed.options == {"email": "anna@x.com", "site": "x.y"}
    assert parsed.words == ("add", "http://example.com/a?b=1&c=2", "bo@x.com")


def test_entities_are_decoded_once():
    parsed = parse("add name=R&amp;D note=&lt;b&gt; raw=&amp;lt;")

    assert parsed.options == {"name": "R&D", "note": "<b>", "raw": "&lt;"}


def test_decoded_angle_brackets_are_plain_text_not_references():
    parsed = parse("find &lt;@U1 x&gt;")

    assert parsed.words == ("find", "<@U1", "x>")


def test_user_references_stay_one_word_even_with_spaces_in_the_label():
    parsed = parse("role <@U123ABC|Anna Smith> admin")

    assert parsed.words == ("role", "<@U123ABC|Anna Smith>", "admin")
    assert user_id(parsed.words[1]) == "U123ABC"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U123>", "U123"),
        ("<@U123|anna>", "U123"),
        ("<@W0ENT|Anna Smith>", "W0ENT"),
        ("@anna", None),
        ("U123", None),
        ("<#C123|general>", None),
        ("", None),
    ],
)
def test_user_id_reads_escaped_mentions_only(token, expected):
    assert user_id(token) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<#C123|general>", "C123"),
        ("<#C123>", "C123"),
        ("<#C123|>", "C123"),
        ("#general", None),
        ("<@U123>", None),
        ("general", None),
    ],
)
def test_channel_id_reads_escaped_channels_only(token, expected):
    assert channel_id(token) == expected


def test_channel_reference_as_an_option_value():
    parsed = parse("setup timezone=Europe/Berlin currency=EUR sales_channel=<#C024BE7LR|sales>")

    assert channel_id(parsed.options["sales_channel"]) == "C024BE7LR"


def test_special_mentions_become_plain_text_that_pings_nobody():
    parsed = parse("x <!channel> <!here> <!subteam^S1|@door-team> <!everyone>")

    assert parsed.words == ("x", "@channel", "@here", "@door-team", "@everyone")


def test_free_text_is_normalized_but_keeps_references():
    parsed = parse(
        "<mailto:anna@x.com|anna@x.com> Met <@U1|Bo Li> in <#C9|sales> about <https://x.y|x.y> &amp; more",
        keys={"kind"},
        free_text_after=1,
    )

    assert parsed.words == ("anna@x.com",)
    assert parsed.text_after(1) == "Met <@U1|Bo Li> in <#C9|sales> about x.y & more"


# --- binding -----------------------------------------------------------------------------


def test_bind_maps_words_to_positional_fields_and_splits_lists():
    args = bind(
        parse("add gala name=VIP price=25.50 capacity=40").drop(1),
        TicketAddArgs,
        positional=("event",),
    )
    assert (args.event, args.name, args.price, args.capacity) == ("gala", "VIP", Decimal("25.50"), 40)

    contact = bind(parse("add email=a@x.com tags=vip,press,").drop(1), ContactAddArgs)
    assert contact.tags == ["vip", "press"]


def test_bind_names_the_allowed_options_for_an_unknown_one():
    message = usage_message('name=x starts="2026-07-01 19:00" colour=red', EventCreateArgs)

    assert message == (
        "Drop colour=: the options here are name=, starts=, ends=, venue= or capacity=."
    )


def test_bind_names_every_missing_required_field():
    assert usage_message("venue=hall", EventCreateArgs) == "Add name=… and starts=…: they are required."


def test_bind_gives_the_example_for_a_single_missing_field():
    assert usage_message("gala name=VIP", TicketAddArgs, ("event",)) == (
        "Add price=…, for example price=25.00."
    )
    assert usage_message("name=VIP price=1", TicketAddArgs, ("event",)) == (
        "Add EVENT, for example summer-gala."
    )


def test_bind_rejects_extra_words():
    assert usage_message("gala vip name=VIP price=1", TicketAddArgs, ("event",)) == (
        "Remove “vip”: this takes only EVENT, then key=value options."
    )
    assert usage_message('Gala name=x starts="2026-07-01 19:00"', EventCreateArgs) == (
        "Remove “Gala”: this takes only key=value options."
    )


def test_bind_accepts_a_positional_field_as_an_option_but_not_twice():
    args = bind(parse("event=gala name=VIP price=1"), TicketAddArgs, positional=("event",))
    assert args.event == "gala"

    assert usage_message("gala event=gala name=VIP price=1", TicketAddArgs, ("event",)) == (
        "Give EVENT once, either as a word or as event=."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gala name=VIP price=abc", "price must be a number like 25 or 25.00, not “abc”."),
        ("gala name=VIP price=2.555", "price must be a number with at most 2 decimal places, not “2.555”."),
        ("gala name=VIP price=-1", "price must be at least 0, not “-1”."),
        ("gala name=VIP price=1 capacity=lots", "capacity must be a whole number like 300, not “lots”."),
        (
            "gala name=VIP price=1 sales_end=tomorrow",
            "sales_end must be a date and time like 2031-07-01 19:00, not “tomorrow”.",
        ),
    ],
)
def test_bind_explains_a_bad_value_in_one_sentence(text, message):
    assert usage_message(text, TicketAddArgs, ("event",)) == message


def test_bind_explains_a_choice_and_a_validator_message():
    assert usage_message("a@x.com kind=fax", LogArgs, ("email",)) == (
        "kind must be note, call, meeting or email, not “fax”."
    )
    assert usage_message("email=anna", ContactAddArgs) == (
        "Check email: give an email address like anna@example.com."
    )


# --- formatting --------------------------------------------------------------------------


def test_format_args_quotes_only_what_needs_it():
    text = format_args(["gala", "Summer Gala", "price=1", "O'Brien"], {"name": "VIP", "note": "R&D <b>"})

    assert text == "gala \"Summer Gala\" \"price=1\" O'Brien name=VIP note=\"R&amp;D &lt;b&gt;\""


def test_quote_falls_back_to_single_quotes_when_double_quotes_would_close_early():
    assert quote('say "hi" now') == "'say \"hi\" now'"


def test_quote_refuses_what_no_quoting_can_carry():
    with pytest.raises(ValueError):
        quote("a\x00b")
    with pytest.raises(ValueError):
        quote("\" and ' both")


# --- properties --------------------------------------------------------------------------

TRICKY = list("\"'“”„‟‘’‚‛ \t\n\r=<>&@#|:!^,-_aZ0\u00a0\u3000") + [
    "&amp;", "&lt;", "&gt;", "<@U1|A B>", "<#C1>", "<mailto:a@b.c|a@b.c>", "<!here>", "k=", "<>",
]
tricky_text = st.lists(st.one_of(st.sampled_from(TRICKY), st.characters()), max_size=80).map("".join)
printable = st.characters(blacklist_categories=("Cc", "Cs"))
value_text = st.lists(
    st.one_of(st.sampled_from([c for c in TRICKY if len(c) == 1 and c not in "\t\n\r"] + list("\t\n\r")), printable),
    max_size=20,
).map("".join)
option_key = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@settings(max_examples=500)
@given(
    text=st.one_of(st.text(), tricky_text),
    keys=st.one_of(st.none(), st.sets(option_key, max_size=3)),
    free_text_after=st.one_of(st.none(), st.integers(0, 3)),
)
def test_parse_raises_nothing_but_usage_error(text, keys, free_text_after):
    try:
        parsed = parse(text, keys=keys, free_text_after=free_text_after)
    except UsageError as error:
        assert error.message and error.message.endswith(".")
        return
    for n in range(len(parsed.words) + 2):
        assert isinstance(parsed.text_after(n), str)
    assert all(isinstance(w, str) for w in parsed.words)
    assert all(k == k.lower() and "-" not in k for k in parsed.options)


@given(st.text(min_size=MAX_LENGTH + 1, max_size=MAX_LENGTH + 50))
def test_parse_caps_any_long_text(text):
    with pytest.raises(UsageError):
        parse(text)


@settings(max_examples=500)
@given(
    words=st.lists(value_text, max_size=5),
    options=st.dictionaries(option_key, value_text, max_size=5),
)
def test_format_args_round_trips_through_parse(words, options):
    try:
        text = format_args(words, options)
    except ValueError:
        assume(False)
    parsed = parse(text)

    assert parsed.words == tuple(words)
    assert parsed.options == options
