"""`eventos bench`: build (or reuse) the dataset, start the real server, measure, report.

The server runs as its own process (`eventos serve`, app role, RLS on) against the bench
database; this process drives it over HTTP on 127.0.0.1, serves the Slack Web API and SMTP it
talks to, runs the in-process core measurements (rollup, campaign mail) and the raw-SQL limits.
"""

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench import campaign, dataset, export, report, rush
from bench.cpu import CpuMeter, background_cores
from bench.database import prepare, server_version
from bench.limits import open_pool
from bench.profile import Profile
from bench.load import Missing, SlackDriver, drive, scan
from bench.scenarios import SCENARIOS, Context, Scenario
from bench.server import start_server
from bench.standins import SmtpCounter, StripeStandin
from core.accounts import accounts
from core.digests import analytics
from core.services import Services
from core.settings import Settings
from db import logins
from db.session import Database
from devtools.slack_standin import SlackStandin

# Fixed, bench-only secrets: the dataset's ticket codes are signed with this key.
SECRET_KEY = "eventos-bench-secret-key-for-benchmark-data-only"
SIGNING_SECRET = "eventos-bench-signing-secret"
BOT_TOKEN = "xoxb-eventos-bench"
STRIPE_WEBHOOK_SECRET = "whsec_eventos_bench"
# The rush drives thousands of buyers from one address: the edge's per-client limits would refuse
# nearly all of them, so the bench lifts them (the per-event hold limit too, to measure the database).
UNLIMITED = "1000000/second"
CONCURRENCY = (1, 16, 64)
PROFILED = 16  # the concurrency whose round `--profile` records
WARM_UP = 5
RACE_TICKETS = 64
RACE_SCANS_PER_TICKET = 4
BUSY = 0.25  # cores busy elsewhere before the run above which the figures are flagged


@dataclass(frozen=True)
class Options:
    scale: str = "full"
    duration: float = 5.0  # seconds per scenario and concurrency
    requests: int = 10_000  # at most this many operations per scenario and concurrency
    output: Path = Path(__file__).parent / "results.json"
    database: str | None = None  # default eventos_bench_<scale>
    only: tuple[str, ...] = ()  # scenario keys to run (default: all, and the rush and in-process figures)
    profile: Path | None = None  # py-spy each scenario's concurrency-16 round into this folder
    workers: int | None = None  # the server's default worker count (default: one per core); 1 is measured too


def run(options: Options, settings: Settings) -> dict:
    """Run the whole benchmark; returns the results (also printed and written to options.output)."""
    return asyncio.run(_run(options, settings))


def say(line: str) -> None:
    print(line, flush=True)


async def _run(options: Options, settings: Settings) -> dict:
    scale = dataset.SCALES[options.scale]
    server_url = settings.database_url or _embedded(settings)
    name = options.database or f"eventos_bench_{scale.name}"
    prepared = await prepare(server_url, name, scale, SECRET_KEY.encode(), log=say)
    await logins.provision(prepared.url, SECRET_KEY.encode())
    server_login = logins.login_url(prepared.url, SECRET_KEY.encode(), logins.SERVER)
    fixture = await dataset.ready_for_run(prepared.url, prepared.tenants[0])
    results = report.new_results(scale.name, options, prepared.build_seconds)
    results["dataset"]["rows"] = await dataset.row_estimates(prepared.url)
    results["machine"]["postgresql"] = await server_version(prepared.url)
    results["machine"]["busy_cores_before"] = busy = await background_cores()
    if busy > BUSY:
        say(f"note: the machine was already using {busy:.2f} cores before the run; every figure is lower for it")

    smtp = SmtpCounter()
    smtp.start()
    standin = SlackStandin(team_id=fixture.team_id, team_name=fixture.team_name, token=BOT_TOKEN, record=False)
    await standin.start()
    stripe = StripeStandin(webhook_secret=STRIPE_WEBHOOK_SECRET)
    await stripe.start()
    services = Services(db=Database(server_login), settings=Settings(
        _env_file=None, eventos_secret_key=SECRET_KEY, slack_signing_secret=SIGNING_SECRET, slack_bot_token=BOT_TOKEN,
        slack_api_url=standin.base_url, smtp_url=smtp.url,
    ))
    try:
        workspace = await accounts.find_workspace(services, team_id=fixture.team_id, enterprise_id=None)
        assert workspace is not None, "the bench tenant has no workspace"
        tenant = await accounts.acting_user(services, workspace, slack_user_id=fixture.owner_slack_id, load_profile=_nobody)
        say("analytics rollup (full, in-process)")
        results["analytics"] = await _full_rollup(services, prepared.tenants)
        # The rebuild rewrote every event-day, and the previous run's clean-up left dead rows behind.
        say(f"vacuum and analyze: {await dataset.settle(prepared.url):.1f} s")
        environment = {
            "DATABASE_URL": prepared.url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.base_url, "SMTP_URL": smtp.url,
            # One client and one door token send every scan: the bench measures the server, not its rate limits.
            "EVENTOS_RATE_SCANNER_CLIENT": UNLIMITED, "EVENTOS_RATE_SCANNER_TOKEN": UNLIMITED,
            "STRIPE_API_KEY": "sk_test_eventos_bench", "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.origin, "EVENTOS_RATE_PAGES_CLIENT": UNLIMITED,
            "EVENTOS_RATE_HOLDS_CLIENT": UNLIMITED, "EVENTOS_RATE_HOLDS_EVENT": UNLIMITED,
        }
        counts = worker_counts(options)
        results["workers"] = {"default": counts[-1], "measured": list(counts)}
        for workers in counts:
            primary = workers == counts[-1]
            say(f"server with {workers} worker{'s' if workers > 1 else ''}")
            base = Context(scale, fixture, services, tenant, None, None, "", server_login, 0)  # type: ignore[arg-type]
            measured = await _serve_and_measure(base, environment, workers, stripe, standin, options, primary=primary)
            if primary:
                results["scenarios"] = measured["scenarios"]
                results["server"] = measured["server"]
                if "rush" in measured:
                    results["rush"] = measured["rush"]
            results["workers"][str(workers)] = measured
        # After the server stopped: digests still queued there would hold the rollup's lock.
        say("analytics rollup (incremental, after the run's scans)")
        results["analytics"]["incremental"] = await _timed_rollup(services, prepared.tenants[0])
        if not options.only:
            await _in_process(services, tenant, smtp, results)
    finally:
        await services.db.dispose()
        await standin.stop()
        await stripe.stop()
        smtp.stop()
    report.finish(results)
    say(report.table(results))
    report.write(results, options.output)
    say(f"wrote {options.output}")
    return results


def worker_counts(options: Options) -> tuple[int, ...]:
    """1 worker, then the default (one per core): the default, measured last, gives the figures of record."""
    default = options.workers or os.cpu_count() or 1
    return (1, default) if default > 1 else (1,)


async def _serve_and_measure(base: Context, environment: dict, workers: int, stripe: StripeStandin,
                             standin: SlackStandin, options: Options, *, primary: bool) -> dict:
    """Start `eventos serve --workers N`, run the scenarios on it (limits, race and rush with the primary), stop it."""
    measured: dict = {"scenarios": {}}
    if options.profile:
        options = replace(options, profile=options.profile / f"{workers}-workers")
    with tempfile.TemporaryDirectory(prefix="eventos-bench-") as work:
        server = await start_server(Path(work), environment, workers=workers)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                slack = SlackDriver(http, server.url, signing_secret=SIGNING_SECRET, standin=standin,
                                    team_id=base.fixture.team_id, user_id=base.fixture.owner_slack_id)
                ctx = replace(base, http=http, slack=slack, server=server.url, server_pid=server.process.pid)
                for scenario in SCENARIOS:
                    if options.only and scenario.key not in options.only:
                        continue
                    say(scenario.title)
                    measured["scenarios"][scenario.key] = await _measure(ctx, scenario, options, limits=primary)
                if primary and measured["scenarios"].get("checkin", {}).get("status") == "ok":
                    measured["scenarios"]["checkin"]["race"] = await _race(ctx)
                if primary and not options.only:
                    say("on-sale rush (public event page and checkout)")
                    measured["rush"] = await rush.measure(ctx, stripe, duration=options.duration,
                                                          requests=options.requests, say=say)
            measured["server"] = server.memory_mb()
        finally:
            await server.stop()
    return measured


async def _in_process(services: Services, tenant, smtp: SmtpCounter, results: dict) -> None:
    """The figures measured inside this process: campaign mail and the attendee export."""
    say("campaign emails (in-process, to the local SMTP server)")
    try:
        results["campaign"] = await campaign.measure(services, tenant, smtp)
    except Exception as error:  # noqa: BLE001 - reported as failed with the reason, the other figures stand
        results["campaign"] = {"status": "failed", "note": f"{type(error).__name__}: {error}"[:400]}
    say("attendee export (in-process, CSV to a temporary file)")
    try:
        results["export"] = await export.measure(services, tenant)
    except Exception as error:  # noqa: BLE001 - reported as failed with the reason, the other figures stand
        results["export"] = {"status": "failed", "note": f"{type(error).__name__}: {error}"[:400]}


def _embedded(settings: Settings) -> str:
    from db.embedded import start_embedded

    return start_embedded(settings.eventos_data_dir)


async def _nobody():
    return None


async def _measure(ctx: Context, scenario: Scenario, options: Options, *, limits: bool = True) -> dict:
    """Warm up, then every concurrency over HTTP and, right after each, the same work's raw-SQL limit."""
    result: dict = {"title": scenario.title, "slack": scenario.slack, "status": "ok", "runs": {}, "limits": {}}
    operation = scenario.operation(ctx)
    try:
        for i in range(WARM_UP):
            await operation(i)
    except Missing as missing:
        say(f"  missing: {missing}")
        return {**result, "status": "missing", "note": str(missing)}
    except Exception as error:  # noqa: BLE001 - the scenario is reported as failed with the reason
        say(f"  failed: {error}")
        return {**result, "status": "failed", "note": f"{type(error).__name__}: {error}"[:400]}
    limit = await scenario.limit(ctx) if scenario.limit and limits else None
    count = min(options.requests, len(ctx.fixture.codes)) if scenario.consumes_tickets else options.requests
    if scenario.consumes_tickets:
        await dataset.clear_checkins(ctx.db_url, ctx.fixture.account_id)
        result["double_admissions"] = 0
    for concurrency in CONCURRENCY:
        profile = None
        if options.profile and concurrency == PROFILED:
            profile = await Profile.start(options.profile, scenario.key, ctx.server_pid)
        meter = CpuMeter(ctx.server_pid)
        figures = await drive(operation, concurrency=concurrency, duration=options.duration, limit=count)
        result["runs"][str(concurrency)] = {**figures.to_json(), "cpu": meter.read(figures.count)}
        if profile is not None:
            say(f"  profile: {await profile.stop()}")
        say(f"  c={concurrency:<3} {report.line(figures, result['runs'][str(concurrency)]['cpu'])}")
        if scenario.consumes_tickets:
            await _check_admissions(ctx, result, figures.count)
        if limit is None:
            continue
        pool = await open_pool(ctx.db_url, concurrency)
        try:
            meter = CpuMeter(ctx.server_pid)
            raw = await drive(limit(pool), concurrency=concurrency, duration=options.duration, limit=count)
            result["limits"][str(concurrency)] = {**raw.to_json(), "cpu": meter.read(raw.count)}
        finally:
            await pool.close()
        say(f"  c={concurrency:<3} {report.line(raw, result['limits'][str(concurrency)]['cpu'])}  (raw SQL limit)")
        if scenario.consumes_tickets:
            await _check_admissions(ctx, result, raw.count)
    return result


async def _check_admissions(ctx: Context, result: dict, admitted_answers: int) -> None:
    """Every admitted answer is one admitted row, no ticket twice; then the tickets are made fresh again."""
    admitted, doubled = await dataset.admissions(ctx.db_url, ctx.fixture.account_id)
    result["double_admissions"] += doubled
    if admitted != admitted_answers:
        result.setdefault("mismatches", []).append({"admitted_rows": admitted, "admitted_answers": admitted_answers})
    await dataset.clear_checkins(ctx.db_url, ctx.fixture.account_id)


async def _race(ctx: Context) -> dict:
    """Each of a few tickets scanned several times at once over HTTP: exactly one scan per ticket admits."""
    codes = ctx.fixture.codes[:RACE_TICKETS]
    answers: list[str] = []

    async def one(i: int) -> float:
        took, outcome = await scan(ctx.http, ctx.server, ctx.fixture.door_token, codes[i % len(codes)])
        answers.append(outcome)
        return took

    total = len(codes) * RACE_SCANS_PER_TICKET
    figures = await drive(one, concurrency=64, duration=60.0, limit=total)
    # These admissions stay for the incremental rollup to find; the next run clears them.
    admitted, doubled = await dataset.admissions(ctx.db_url, ctx.fixture.account_id)
    race = {"tickets": len(codes), "scans": total, "errors": figures.errors, "admitted_answers": answers.count("admitted"),
            "already_admitted_answers": answers.count("already_admitted"), "admitted_rows": admitted,
            "double_admissions": doubled}
    say(f"  race: {race}")
    return race


async def _full_rollup(services: Services, tenants: list) -> dict:
    """The measured tenant's rollup from nothing (every day of every event), timed; the others brought up to date."""
    async with services.db.tenant(tenants[0]) as session:
        await session.execute(text("DELETE FROM event_analytics"))
        await session.execute(text("DELETE FROM analytics_watermarks"))
    full = await _timed_rollup(services, tenants[0])
    for other in tenants[1:]:
        await analytics.roll_up_account(services, other)
    return {"full": full}


async def _timed_rollup(services: Services, account) -> dict:
    started = time.perf_counter()
    rollup = await analytics.roll_up_account(services, account)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "event_days": len(rollup.recomputed), "rows_written": rollup.written}

