"""`eventos`: serve, migrate, console, seed-demo, mail, bench."""

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot import workers
from bot.log_lines import bound_every_line
from bot.workers import Share
from core.settings import Settings, SettingsError, load_settings
from db import logins, migrate
from db.embedded import start_embedded

log = logging.getLogger("eventos")


def database_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server in EVENTOS_DATA_DIR (started on demand)."""
    return settings.database_url or start_embedded(settings.eventos_data_dir)


async def _server_database(settings: Settings, share: Share = Share()):
    """The database on the server's own narrow login, migrated to the head; None once the reason is printed.

    Its pool is this worker's share of EVENTOS_DB_CONNECTIONS.
    """
    from db.session import Database

    url = database_url(settings)
    try:
        await logins.verify_logins(url, settings.secret_key, pooler=settings.behind_pooler)
    except logins.LoginError as error:
        print(str(error), file=sys.stderr)
        return None
    pool_size, max_overflow = share.pool(settings)
    database = Database(
        logins.login_url(url, settings.secret_key, logins.SERVER), pool_size=pool_size, max_overflow=max_overflow,
        pooler=settings.behind_pooler,
    )
    if await database.schema_revision() != migrate.head_revision():
        await database.dispose()
        print("The database is not migrated to the current schema; run `eventos migrate` first.", file=sys.stderr)
        return None
    return database


async def _database_ready(settings: Settings) -> bool:
    """The supervisor's one check before it starts workers: the logins work and the schema is current."""
    database = await _server_database(settings)
    if database is None:
        return False
    await database.dispose()
    return True


async def _installer_known() -> None:
    """The installer's row exists already, so no profile is ever needed."""


async def _seed_demo(settings: Settings, *, remove: bool) -> int:
    from dataclasses import replace

    from core import demo
    from core.accounts import accounts
    from core.errors import DomainError
    from core.services import Services
    from devtools.local_workspace import GENERAL_ID, OWNER_ID, TEAM_ID, TEAM_NAME

    database = await _server_database(settings)
    if database is None:
        return 2
    services = Services(db=database, settings=settings)
    try:
        workspace = await accounts.install_workspace(
            services, team_id=TEAM_ID, enterprise_id=None, name=TEAM_NAME, installer=OWNER_ID
        )
        owner = await accounts.acting_user(services, workspace, slack_user_id=OWNER_ID, load_profile=_installer_known)
        # In #general: the demo campaign reports there and the demo digest is posted there.
        owner = replace(owner, channel_id=GENERAL_ID)
        if remove:
            removed = await demo.remove_demo(services, owner)
        else:
            summary = await demo.seed_demo(services, owner)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 1
    finally:
        await services.aclose()
        await services.db.dispose()
    if remove:
        print(f"Demo data removed from the local workspace: {removed.events} events, {removed.contacts} contacts "
              "and everything on them; your own data is as it was.")
    elif summary.created:
        gala, meetup, launch = summary.events
        print(
            f"Demo data added to the local workspace (marked as demo; `eventos seed-demo --remove` takes it out): "
            f"events {', '.join(summary.events)}, {summary.contacts} contacts with email consent, "
            f"{summary.orders} orders (one refunded, one with a promo code, one through a tracked link), check-ins, "
            "a campaign and a daily digest in #general.\n"
            f"A tour: `/event show {gala}` · `/event stats {gala}` · `/promo show {demo.PROMO_CODE}` · `/checkin {launch} grace` · "
            f"`/contact show ada@lovelace.example` · `/campaign preview {summary.campaign}` · `/digest now today`"
        )
    else:
        print("The local workspace already has the demo data; nothing changed "
              f"(events {', '.join(summary.events) or 'none left'}; `eventos seed-demo --remove` takes it out).")
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_seed_demo(settings, remove=args.remove))


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    url = database_url(settings)
    migrate.upgrade(url)
    asyncio.run(logins.provision(url, settings.secret_key))
    names = ", ".join(logins.login_name(url, login) for login in logins.LOGINS)
    print(f"database migrated to {migrate.head_revision()}; the server connects as {names}")
    return 0


async def _serve(
    settings: Settings, *, console: bool, listen: tuple[str, int] | None = None,
    share: Share = Share(), serving: Callable[[], None] | None = None,
) -> int:
    """One server process until SIGTERM or SIGINT, then a drain bounded by EVENTOS_SHUTDOWN_SECONDS."""
    from bot.app import build_application, build_bolt_app
    from bot.runtime import build_services, use_installations
    from bot.startup import SlackStartupError, start_slack
    from core.jobs.ticker import build_ticker

    database = await _server_database(settings, share)
    if database is None:
        return 2
    local_slack = None
    if settings.slack_mode == "local":
        from bot.console.repl import install_demo_workspace, start_local_slack

        settings, local_slack = await start_local_slack(settings)
    services = await build_services(settings, database)
    if local_slack is not None:
        await install_demo_workspace(services, local_slack.directory)
    bolt = build_bolt_app(services)
    use_installations(services, bolt)
    try:
        slack = await start_slack(services, bolt)
    except SlackStartupError as error:
        print(str(error), file=sys.stderr)
        await services.db.dispose()
        return 2
    web_app = build_application(services, bolt)
    ticker = build_ticker(services)
    drain = workers.Drain(settings.eventos_shutdown_seconds, ticker)
    # After the last request, before the gateways close: running jobs and answers sent after an ack.
    web_app.on_cleanup.insert(0, drain.finish_work)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=drain.seconds)
    await runner.setup()
    site = web.TCPSite(runner, *(listen or (settings.host, settings.port)), reuse_port=share.workers > 1 or None)
    await site.start()
    ticker.start()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(workers.watch_supervisor(stop)) if share.workers > 1 else None
    terminal = None
    if console and local_slack is not None:
        from bot.console.repl import start_console

        terminal = start_console(settings, local_slack, runner.addresses[0], stop)
    drain.started()
    worker = f"worker {share.index + 1} of {share.workers} " if share.workers > 1 else ""
    log.info("%sserving on http://%s:%s; Slack mode: %s", worker, settings.host, settings.port, slack.description)
    if serving is not None:
        serving()
    try:
        await stop.wait()
    finally:
        log.info("%sdraining: no new connections, finishing what is in flight (at most %g s)", worker, drain.seconds)
        drain.begin()
        if terminal is not None:
            from bot.console.repl import stop_console

            await stop_console(terminal)
        await runner.cleanup()
        await slack.close()
        if local_slack is not None:
            await local_slack.stop()
        if watcher is not None:
            watcher.cancel()
        await services.db.dispose()
    log.info("stopped")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    count, refusal = workers.worker_count(settings, args.workers)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    if count == 1:
        return asyncio.run(_serve(settings, console=sys.stdin.isatty()))
    # The supervisor checks the database once and starts the embedded server (if any) for all workers.
    settings = settings.model_copy(update={"database_url": database_url(settings)})
    if not asyncio.run(_database_ready(settings)):
        return 2
    with workers.shared_metrics():
        # Imported before the fork (and after the metrics folder is set), so every worker starts at once and shares these pages.
        import bot.app  # noqa: F401
        import core.jobs.ticker  # noqa: F401

        def worker_main(share: Share, serving: Callable[[], None]) -> int:
            return asyncio.run(_serve(settings, console=False, share=share, serving=serving))

        log.info("starting %d workers on http://%s:%s", count, settings.host, settings.port)
        return workers.Supervisor(settings, count, worker_main).run()


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console.repl import without_slack_credentials

    return asyncio.run(_serve(without_slack_credentials(settings), console=True, listen=("127.0.0.1", 0)))


def cmd_mail(settings: Settings, args: argparse.Namespace) -> int:
    """The local mailbox (no SMTP_URL): the newest messages listed, or one of them in full."""
    from core.gateways.mail import read_mailbox

    folder = settings.eventos_data_dir / "mail"
    kept = read_mailbox(folder)
    if settings.smtp_url:
        print("SMTP_URL is set, so mail goes to that server; below is what stayed here before it was set.")
    if not kept:
        print(f"The local mailbox ({folder}) is empty.")
        return 0
    if args.number is not None:
        if not 1 <= args.number <= len(kept):
            print(f"There is no message {args.number}; the local mailbox holds 1 to {len(kept)}.", file=sys.stderr)
            return 2
        mail = kept[args.number - 1]
        for header in ("Date", "From", "To", "Subject"):
            print(f"{header}: {mail.message[header]}")
        print()
        print(mail.text)
        return 0
    for n, mail in enumerate(kept[:args.last], 1):
        print(f"[{n}] {mail.message['Date']}  to {mail.message['To']}  {mail.message['Subject']}")
    print(f"\n{len(kept)} message(s) in {folder}; `eventos mail N` shows one.")
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from bench import command

    return command.run(settings, args)


def _add_bench_parser(sub) -> None:
    bench = sub.add_parser("bench", help="benchmark the server against a generated dataset; writes bench/results.json")
    bench.add_argument("--scale", choices=("tiny", "small", "full"), default="full", help="dataset size (default: full)")
    bench.add_argument("--duration", type=float, default=5.0, help="seconds per scenario and concurrency (default: 5)")
    bench.add_argument("--requests", type=int, default=10_000, help="at most this many requests per scenario and concurrency")
    bench.add_argument("--output", type=Path, help="where to write the results (default: bench/results.json)")
    bench.add_argument("--database", help="the benchmark database's name (default: eventos_bench_SCALE)")
    bench.add_argument("--only", metavar="KEY,KEY", help="run only these scenarios (event_show, contact_find, contact_show, sell, checkin, digest_now)")
    bench.add_argument("--workers", type=int, metavar="N", help="the server's default worker count to measure beside 1 worker (default: one per core)")
    bench.add_argument("--profile", type=Path, metavar="DIR", help="record the server with py-spy during each concurrency-16 round into DIR")
    bench.set_defaults(run=cmd_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventos", description="Run an event business from Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve Slack, webhooks, ticket pages and the scanner on HOST:PORT")
    serve.add_argument(
        "--workers", type=int, metavar="N",
        help="server processes sharing the port (default: one per core; Socket Mode and the local workspace run one)",
    )
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(run=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="add a tour of demo data to the local workspace (once; --remove takes it out)")
    seed.add_argument("--remove", action="store_true", help="delete the demo data, and only it")
    seed.set_defaults(run=cmd_seed_demo)
    sub.add_parser("console", help="the local workspace in this terminal: type slash commands, click, fill in modals").set_defaults(run=cmd_console)
    mail = sub.add_parser("mail", help="read the mail kept on this machine when no SMTP_URL is set")
    mail.add_argument("number", type=int, nargs="?", help="show message N in full (1 is the newest)")
    mail.add_argument("--last", type=int, default=20, help="how many to list (default: 20)")
    mail.set_defaults(run=cmd_mail)
    _add_bench_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bound_every_line()
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return args.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
