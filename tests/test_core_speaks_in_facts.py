"""core states facts; the words (Slack commands, mrkdwn) belong to bot/. A scan of core's sources keeps it so."""

import io
import re
import tokenize
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
COMMANDS = "event|eventos|venue|ticket|sell|order|checkin|contact|company|log|campaign|digest|promo|guest|export"
# A slash command, quoted (`/event list`) or bare in a sentence ("run /event list").
SLASH_COMMAND = re.compile(rf"`/[a-z]|(?<![\w/.}}])/({COMMANDS})\b(?!/)")
# Slack's mrkdwn: emoji codes, <#channel>, <@user>, <!here> and <url|text> links.
MRKDWN = re.compile(r"(?<![\w:%}]):[a-z][a-z0-9_+-]*:(?=[\s\"']|$)|<[#@!][A-Za-z0-9{]|<https?://[^>]*\|")


def _core_strings():
    for path in sorted(CORE.rglob("*.py")):
        source = path.read_text()
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.STRING, tokenize.COMMENT) or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                yield path.relative_to(CORE.parent), token.start[0], token.string


def test_no_string_or_comment_in_core_names_a_slash_command():
    found = [f"{path}:{line}: {text[:80]}" for path, line, text in _core_strings() if SLASH_COMMAND.search(text)]
    assert found == []


def test_no_string_in_core_writes_slack_mrkdwn():
    found = [f"{path}:{line}: {text[:80]}" for path, line, text in _core_strings() if MRKDWN.search(text)]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    assert SLASH_COMMAND.search('"see `/event list`"') and SLASH_COMMAND.search('"run /order show X"')
    assert MRKDWN.search('":warning: Order"') and MRKDWN.search('f"<#{channel}> gets"') and MRKDWN.search('"<@U123>"')
    assert not SLASH_COMMAND.search('"/api/v1/checkins"') and not SLASH_COMMAND.search('"/e/{handle}/{event}"')
    assert not MRKDWN.search('"%H:%M:%S"') and not MRKDWN.search('"http://example.com"')
