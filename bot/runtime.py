"""Build the running services for a process: database, ports, Slack notifier."""

from slack_bolt.async_app import AsyncApp

from bot.app import bot_token
from bot.notifier import SlackNotifier, fixed_token, installation_token
from core.services import Services
from core.settings import Settings
from db.session import Database


async def build_services(settings: Settings, database: Database) -> Services:
    services = Services(db=database, settings=settings)
    services.notifier = SlackNotifier(settings, fixed_token(bot_token(settings)))
    return services


def use_installations(services: Services, bolt: AsyncApp) -> None:
    """OAuth mode: the notifier takes each account's bot token from the Bolt app's installation store."""
    if bolt.installation_store is not None:
        connections = services.notifier.connections if isinstance(services.notifier, SlackNotifier) else None
        services.notifier = SlackNotifier(
            services.settings, installation_token(services, bolt.installation_store), connections
        )
