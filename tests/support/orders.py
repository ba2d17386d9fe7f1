"""Drive order answers that need a click: the refund confirmation."""

from bot.sales import views as views


def buttons(blocks: list[dict]) -> dict[str, dict]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def confirm_refund(slack, text: str, *, user: str | None = None) -> dict:
    """Run `/order refund …`, click its Refund button, and return the answer that replaced the question."""
    step = await slack.run("/order", text, user=user)
    button = buttons(step["blocks"])[views.REFUND]
    clicked = await slack.driver.action(views.REFUND, user_id=user or slack.owner, value=button["value"])
    [answer] = await slack.driver.wait_responses(clicked)
    return answer
