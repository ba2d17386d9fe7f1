"""The profile summary: py-spy's collapsed stacks read back into where the samples went."""

from bench.profile import summarize

STACKS = """\
run (asyncio/runners.py:118);handle (bot/slack_edge.py:44);execute (sqlalchemy/orm/session.py:2301) 30
run (asyncio/runners.py:118);handle (bot/slack_edge.py:51);to_aiohttp_response (slack_bolt/adapter/aiohttp/__init__.py:9) 10
run (asyncio/runners.py:118);select (selectors.py:468) 60
"""


def test_inclusive_counts_a_function_once_per_stack_and_self_counts_the_innermost_frame():
    summary = summarize(STACKS)
    assert summary.startswith("100 samples")
    inclusive, innermost = summary.split("self %")
    assert "     100.0  run asyncio/runners.py" in inclusive
    assert "      40.0  handle bot/slack_edge.py" in inclusive  # two lines of one function: one entry
    assert "  60.0  select selectors.py" in innermost and "  30.0  execute sqlalchemy/orm/session.py" in innermost
    assert "run asyncio" not in innermost


def test_nothing_sampled_says_so():
    assert summarize("") == "no samples\n"
