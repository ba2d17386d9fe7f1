"""Build the running services for a process: database, ports, Slack notifier."""

from core.services import Services
from core.settings import Settings
from db.session import Database


async def build_services(settings: Settings, database_url: str) -> Services:
    return Services(db=Database(database_url), settings=settings)
