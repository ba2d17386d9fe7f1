"""app_home_opened: draw the Home tab for the person who opened it."""

from bot import errors
from bot.home import views as views
from core.accounts import home


async def publish_home(event: dict, client, tenant, services) -> None:
    """Events are acked by Bolt before this runs; the tab is drawn fresh on every opening."""
    if event.get("tab") != "home":
        return
    async with errors.answering_errors(None):
        summary = await home.home_summary(services, tenant)
        await client.views_publish(user_id=event["user"], view=views.home_tab(summary, tenant))


def register(app) -> None:
    app.event("app_home_opened")(publish_home)
