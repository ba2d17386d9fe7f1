"""`eventos console` driven as a real terminal program, under a pseudo-terminal."""

import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from core.accounts import accounts

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "eventos>"


@pytest.fixture(scope="module")
def console(database_url, tmp_path_factory):
    """One console process for the module, on the test database, in a fresh data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIPE_", "SMTP_", "DATABASE_URL"))}
    data_dir = tmp_path_factory.mktemp("console")
    env.update(
        DATABASE_URL=database_url, EVENTOS_DATA_DIR=str(data_dir), TERM="xterm",
        PROMPT_TOOLKIT_NO_CPR="1", PYTHONUNBUFFERED="1",
    )
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-m", "bot.cli", "console"], cwd=str(ROOT), env=env, encoding="utf-8",
                          timeout=60, dimensions=(60, 200))
    child.expect(PROMPT)
    child.data_dir = data_dir
    child.banner = child.before
    yield child
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def _type(child, line: str, *expected: str) -> None:
    """Type a line, wait for each expected pattern in order, then for the next prompt."""
    child.sendline(line)
    for pattern in expected:
        child.expect(pattern)
    child.expect(PROMPT)


def test_server_log_lines_go_to_a_file_named_in_the_banner_never_to_the_screen(console):
    seen = console.logfile_read = io.StringIO()
    _type(console, '/contact add email=log@example.com name="Log Test"', "Added")
    log_file = console.data_dir / "server.log"
    assert str(log_file) in console.banner.replace("\r\n", "")
    assert log_file.exists() and " INFO " not in seen.getvalue() and " WARNING " not in seen.getvalue()


def test_help_lists_the_manifest_commands_and_slash_help_answers_through_the_app(console):
    _type(console, "help", "/campaign", "Email and SMS campaigns", "/digest", "as @name")
    _type(console, "/eventos help", "only visible to you", re.escape("\x1b[1m/eventos\x1b[22m"), "/eventos users")
    _type(console, "/nonsense", "not a command of this app")


async def test_setup_saves_the_settings_of_the_demo_workspace_created_on_first_use(console, services):
    _type(console, "/eventos setup currency=EUR", "Settings saved", "Currency", "EUR")
    workspace = await accounts.find_workspace(services, team_id="T0LOCAL", enterprise_id=None)
    assert (workspace.name, workspace.currency) == ("Demo workspace", "EUR")
    owner = await accounts.acting_user(services, workspace, slack_user_id="U0LOCAL", load_profile=_never)
    assert owner.role == "owner"


async def _never():
    raise AssertionError("the console's person is the owner from the start")


def _answer(child, steps) -> None:
    """Answer a modal's questions: (label, answer) waits for that question; (pattern, None) waits for output."""
    for pattern, answer in steps:
        child.expect(pattern + (r"[^\r\n]*:" if answer is not None else ""))
        if answer is not None:
            child.sendline(answer)


def test_a_modal_is_answered_by_prompts_errors_are_asked_again_and_a_button_is_clicked_by_number(console):
    seen = console.logfile_read = io.StringIO()
    console.sendline("/event create")
    console.expect("New event")
    _answer(console, [
        ("Name", "Console Gala"), ("Venue", ""), (r"Starts \(date\)", "2020-01-01"), (r"Starts \(time\)", "19:00"),
        (r"Ends \(date\)", ""), (r"Ends \(time\)", ""), ("Capacity", "many"), ("Type a whole number", None),
        ("Capacity", "50"), ("Time zone", ""),
        ("Please fix the form", None), (r"Starts[^\r\n]*: [^\r\n]*in the past", None),
        (r"Name \[Console Gala\]", ""), ("Venue", ""), (r"Starts \(date\) \[2020-01-01\]", "2031-05-01"),
        (r"Starts \(time\) \[19:00\]", ""), (r"Ends \(date\)", ""), (r"Ends \(time\)", ""),
        (r"Capacity \(optional\) \[50\]", ""), ("Time zone", ""),
        (r"\(submitted\)", None), ("Console Gala", None),
    ])
    console.expect(r"\[(\d+)\] \S*Publish")
    publish = console.match.group(1)
    console.expect(PROMPT)
    _type(console, publish, "Add a ticket type before publishing")
    _type(console, '/ticket add console-gala name="General admission" price=25', "General admission")
    _type(console, publish, "Console Gala", "is published")
    assert "in the past" in seen.getvalue()
