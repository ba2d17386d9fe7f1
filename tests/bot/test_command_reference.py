"""Every command's help is reachable: /eventos help lists them all, docs/commands.md matches the code."""

from pathlib import Path

from bot.reference import COMMANDS, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def test_docs_commands_md_is_generated_from_the_command_definitions():
    assert DOC.read_text() == markdown(), "run: python -m bot.reference > docs/commands.md"


async def test_eventos_help_lists_every_command(slack):
    message = await slack.run("/eventos", "help")
    for command in COMMANDS:
        assert f"`{command.name}`" in message["text"] or f"*{command.name}*" in message["text"], command.name


async def test_every_command_answers_help_through_a_signed_request(slack):
    for command in COMMANDS:
        message = await slack.run(command.name, "help")
        assert message["response_type"] == "ephemeral"
        assert f"`{command.name} help`" in message["text"], command.name
