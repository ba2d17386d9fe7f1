"""Build the running services for a process: database, ports, Slack notifier."""

from bot.app import bot_token
from bot.notifier import SlackNotifier, fixed_token
from core.services import Services
from core.settings import Settings
from db.session import Database


async def build_services(settings: Settings, database_url: str) -> Services:
    services = Services(db=Database(database_url), settings=settings)
    services.notifier = SlackNotifier(settings, fixed_token(bot_token(settings)))
    return services
