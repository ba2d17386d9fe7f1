"""`eventos serve --workers N`: N server processes on one port, kept running by a small supervisor.

Every worker is a whole server (HTTP, Slack, ticker) binding the same address with `SO_REUSEPORT`,
so the kernel spreads new connections over them. Workers share nothing but the database: the
tickers claim due work there (`FOR UPDATE SKIP LOCKED` with a lease and a unique key per run), which
is what lets any number of workers and replicas run the same jobs once. Each worker's pool is its
share of `EVENTOS_DB_CONNECTIONS`.

The supervisor is the parent process and serves nothing itself. It checks the database once, forks
the workers from the already imported application (fast start, shared pages), restarts a worker
that dies (with backoff; the others keep serving), and on SIGTERM or SIGINT asks every worker to
drain: stop accepting, finish in-flight requests, background answers and running jobs, then exit.
Whatever has not exited `EVENTOS_SHUTDOWN_SECONDS` later (plus a short grace) is killed; a killed
worker's claims lapse and are picked up again, so nothing is lost, only delayed.
"""

import asyncio
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from core.settings import Settings

if TYPE_CHECKING:
    from core.jobs.ticker import Ticker

log = logging.getLogger("eventos.workers")

# A worker that served this long before dying starts again at once; a crash loop backs off to MAX_BACKOFF.
STEADY_SECONDS = 30.0
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
# What the supervisor adds to EVENTOS_SHUTDOWN_SECONDS before it kills a worker that has not exited.
KILL_GRACE = 5.0
# How often a worker checks that its supervisor is still there (where there is no parent-death signal).
ORPHAN_CHECK_SECONDS = 1.0
PR_SET_PDEATHSIG = 1  # prctl(2)


@contextmanager
def shared_metrics() -> Iterator[None]:
    """A fresh folder for the workers' Prometheus metrics (bot/metrics.py), removed when the server stops.

    Set before prometheus_client is first imported: it picks its multiprocess mode at import.
    """
    folder = tempfile.mkdtemp(prefix="eventos-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Share:
    """One worker's part of the deployment on this machine: which one it is, of how many."""

    index: int = 0
    workers: int = 1

    def pool(self, settings: Settings) -> tuple[int, int]:
        """(pool_size, max_overflow) so that the workers' pools together hold at most EVENTOS_DB_CONNECTIONS."""
        connections = max(2, settings.eventos_db_connections // self.workers)
        kept = max(1, connections // 3)
        return kept, connections - kept


def worker_count(settings: Settings, requested: int | None) -> tuple[int, str | None]:
    """How many workers to run, and the one-line reason when that cannot be what was asked for.

    Socket Mode and the local workspace hold state in the process (one WebSocket to Slack, the
    local Slack and its console), so they always run one worker: more than one asked for is an error.
    """
    single = {
        "socket": ("Socket Mode runs in one process (one WebSocket to Slack)", "serve Slack over HTTP to run more"),
        "local": ("the local workspace runs in one process (its Slack and console live in it)", "set Slack credentials to run more"),
    }.get(settings.slack_mode)
    if requested is not None and requested < 1:
        return 0, "--workers must be at least 1."
    if single is not None:
        if requested is not None and requested > 1:
            reason, instead = single
            return 0, f"{reason}; start it with --workers 1, or {instead}."
        return 1, None
    workers = requested or default_workers()
    if settings.eventos_db_connections < 2 * workers:
        return 0, (
            f"EVENTOS_DB_CONNECTIONS={settings.eventos_db_connections} is too few for {workers} workers "
            f"(each needs at least 2); raise it or run fewer workers."
        )
    return workers, None


WorkerMain = Callable[[Share, Callable[[], None]], int]


@dataclass
class Slot:
    """One worker place: the process in it now, and how its restarts are going."""

    index: int
    process: BaseProcess | None = None
    ready: multiprocessing.connection.Connection | None = None
    started_at: float = 0.0
    served: bool = False
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None


class Supervisor:
    """Forks the workers, restarts the ones that die, drains them all on SIGTERM or SIGINT."""

    def __init__(self, settings: Settings, workers: int, main: WorkerMain) -> None:
        self.settings = settings
        self.slots = [Slot(index) for index in range(workers)]
        self._main = main
        self._context = multiprocessing.get_context("fork")
        self._wake_read, self._wake_write = os.pipe()
        self._stopping = False

    def run(self) -> int:
        """Serve until a signal; the exit code of the whole server (non-zero when start-up failed)."""
        os.set_blocking(self._wake_write, False)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in self.slots:
                self._start(slot)
            code = self._watch()
            self._drain()
            return code
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _on_signal(self, signum, frame) -> None:
        self._stopping = True
        try:
            os.write(self._wake_write, b"!")
        except BlockingIOError:
            pass

    def _start(self, slot: Slot) -> None:
        reader, writer = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_worker,
            args=(self._main, Share(slot.index, len(self.slots)), writer, self._wake_read, self._wake_write, os.getpid()),
            name=f"eventos-worker-{slot.index + 1}",
        )
        process.start()
        writer.close()
        slot.process, slot.ready, slot.started_at, slot.restart_at = process, reader, time.monotonic(), None
        log.info("worker %d started (pid %d)", slot.index + 1, process.pid)

    def _watch(self) -> int:
        """Until a signal: note ready workers, restart dead ones; a worker that fails its first start ends it all."""
        while not self._stopping:
            waiting: list = [self._wake_read]
            for slot in self.slots:
                if slot.process is not None:
                    waiting.append(slot.process.sentinel)
                    if slot.ready is not None:
                        waiting.append(slot.ready)
            due = [slot.restart_at for slot in self.slots if slot.restart_at is not None]
            timeout = max(0.0, min(due) - time.monotonic()) if due else None
            for done in multiprocessing.connection.wait(waiting, timeout):
                if done == self._wake_read:
                    os.read(self._wake_read, 64)
            for slot in self.slots:
                if slot.ready is not None and slot.ready.poll():
                    self._note_ready(slot)
                if slot.process is not None and not slot.process.is_alive():
                    failed = self._note_exit(slot)
                    if failed is not None:
                        return failed
                if slot.restart_at is not None and slot.restart_at <= time.monotonic() and not self._stopping:
                    self._start(slot)
        return 0

    def _note_ready(self, slot: Slot) -> None:
        """The worker said it serves, or its end of the pipe closed because it exited (noted next)."""
        try:
            slot.ready.recv_bytes()
        except EOFError:
            return
        slot.ready.close()
        slot.ready, slot.served = None, True
        log.info("worker %d serving", slot.index + 1)

    def _note_exit(self, slot: Slot) -> int | None:
        """A worker exited: schedule its restart, or return the exit code if the server never started."""
        process = slot.process
        process.join()
        code = process.exitcode
        if slot.ready is not None:
            slot.ready.close()
        slot.process, slot.ready = None, None
        if not any(other.served for other in self.slots):
            log.error("worker %d stopped during start-up (%s); stopping", slot.index + 1, _exit_words(code))
            return code if code else 1
        up = time.monotonic() - slot.started_at
        if up >= STEADY_SECONDS:
            slot.backoff = FIRST_BACKOFF
        delay = 0.0 if up >= STEADY_SECONDS else slot.backoff
        slot.backoff = min(MAX_BACKOFF, slot.backoff * 2)
        slot.restart_at = time.monotonic() + delay
        log.warning(
            "worker %d (pid %d) %s; starting it again in %.1f s, the others keep serving",
            slot.index + 1, process.pid, _exit_words(code), delay,
        )
        return None

    def _drain(self) -> None:
        """SIGTERM to every worker, wait for them to drain, kill what is left when the time is up."""
        running = [slot.process for slot in self.slots if slot.process is not None and slot.process.is_alive()]
        log.info("stopping: %d worker(s) draining (at most %g s)", len(running), self.settings.eventos_shutdown_seconds)
        for process in running:
            _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.eventos_shutdown_seconds + KILL_GRACE
        while running and time.monotonic() < deadline:
            multiprocessing.connection.wait([process.sentinel for process in running], deadline - time.monotonic())
            running = [process for process in running if process.is_alive()]
        for process in running:
            log.warning("worker pid %d did not stop in time; killing it (its claimed work is picked up again)", process.pid)
            _signal(process, signal.SIGKILL)
        for slot in self.slots:
            if slot.process is not None:
                slot.process.join()
        log.info("stopped")


def _signal(process: BaseProcess, signum: int) -> None:
    try:
        os.kill(process.pid, signum)
    except ProcessLookupError:
        pass


def _exit_words(code: int | None) -> str:
    if code is not None and code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _worker(main: WorkerMain, share: Share, ready, wake_read: int, wake_write: int, supervisor: int) -> None:
    """The forked worker: dies with its supervisor, the supervisor's signal handling undone, then serves until it drains."""
    _die_with(supervisor)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    os.close(wake_read)
    os.close(wake_write)

    def serving() -> None:
        ready.send_bytes(b"ready")
        ready.close()

    raise SystemExit(main(share, serving))


def _die_with(supervisor: int) -> None:
    """SIGKILL for this worker when the supervisor dies, so `kill -9` of the server stops all of it at once.

    Linux's parent-death signal; elsewhere watch_supervisor notices within a second and drains instead.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != supervisor:  # it died before the signal was asked for
        os._exit(1)


async def watch_supervisor(stop: asyncio.Event) -> None:
    """In a worker where the parent-death signal does not exist: drain once the supervisor is gone."""
    if sys.platform == "linux":
        return
    parent = os.getppid()
    while not stop.is_set():
        await asyncio.sleep(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent:
            log.warning("the supervisor is gone; this worker drains and stops")
            stop.set()


class Drain:
    """One server process's bounded stop: the ticker stops claiming at once, everything shares one deadline."""

    def __init__(self, seconds: float, ticker: "Ticker") -> None:
        self.seconds = seconds
        self._ticker = ticker
        self._baseline: set[asyncio.Task] = set()
        self._since = 0.0
        self._ticker_stopped: asyncio.Task | None = None

    def started(self) -> None:
        """Serving has begun: the tasks running now live as long as the process and are not waited for."""
        self._baseline = asyncio.all_tasks()

    def begin(self) -> None:
        """The stop signal came: no new claims; the jobs already running finish while the requests do."""
        self._since = asyncio.get_running_loop().time()
        self._ticker_stopped = asyncio.create_task(self._ticker.stop(timeout=self.seconds))

    def left(self) -> float:
        return max(0.0, self.seconds - (asyncio.get_running_loop().time() - self._since))

    async def finish_work(self, app) -> None:
        """An on_cleanup hook: after the last request, wait for running jobs and detached answers."""
        if self._ticker_stopped is not None:
            await self._ticker_stopped
        await finish_background(self._baseline, self.left())


async def finish_background(baseline: set[asyncio.Task], timeout: float) -> None:
    """Wait (up to `timeout`) for work started after start-up (answers sent after an ack), then cancel the rest.

    Called once the HTTP server has finished its requests: what is left are detached tasks such as
    Bolt's listeners running after their ack, or a late users.info. The tasks of a server that is
    still connected (aiohttp's connection handlers, e.g. the local Slack's) are not waited for.
    """
    current = asyncio.current_task()
    pending = {
        task for task in asyncio.all_tasks()
        if task is not current and task not in baseline and not _connection_handler(task)
    }
    if not pending:
        return
    done, left = await asyncio.wait(pending, timeout=max(0.0, timeout))
    if left:
        log.warning("%d background task(s) did not finish in time; cancelling them", len(left))
        for task in left:
            task.cancel()
        await asyncio.wait(left, timeout=1.0)


def _connection_handler(task: asyncio.Task) -> bool:
    return getattr(task.get_coro(), "__qualname__", "") == "RequestHandler.start"
