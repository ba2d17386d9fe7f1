"""`eventos`: serve, migrate, console, seed-demo, bench."""

import argparse
import asyncio
import logging
import signal
import sys

from aiohttp import web

from core.settings import Settings, SettingsError, load_settings
from db import migrate
from db.embedded import start_embedded

log = logging.getLogger("eventos")


def database_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server in EVENTOS_DATA_DIR (started on demand)."""
    return settings.database_url or start_embedded(settings.eventos_data_dir)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    url = database_url(settings)
    migrate.upgrade(url)
    print(f"database migrated to {migrate.head_revision()}")
    return 0


async def _serve(settings: Settings, *, console: bool) -> int:
    from bot.app import build_application, build_bolt_app
    from bot.runtime import build_services, use_installations
    from bot.startup import SlackStartupError, start_slack
    from core.scheduler import build_ticker

    url = database_url(settings)
    if not await migrate.is_current(url):
        print("The database is not migrated to the current schema; run `eventos migrate` first.", file=sys.stderr)
        return 2
    services = await build_services(settings, url)
    bolt = build_bolt_app(services)
    use_installations(services, bolt)
    try:
        slack = await start_slack(services, bolt)
    except SlackStartupError as error:
        print(str(error), file=sys.stderr)
        await services.db.dispose()
        return 2
    web_app = build_application(services, bolt)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    ticker = build_ticker(services)
    ticker.start()
    log.info("serving on http://%s:%s; Slack mode: %s", settings.host, settings.port, slack.description)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await ticker.stop()
        await runner.cleanup()
        await slack.close()
        await services.db.dispose()
    log.info("stopped")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_serve(settings, console=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventos", description="Run an event business from Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="serve Slack, webhooks, ticket pages and the scanner on HOST:PORT").set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(run=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return args.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
