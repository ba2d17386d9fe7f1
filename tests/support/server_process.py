"""`eventos serve` as a real subprocess on a free port, its log in a file, for the end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServerProcess:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> dict[int, int]:
        """The pid of each worker now (the newest start of each), by worker number."""
        return {int(number): int(pid) for number, pid in STARTED.findall(self.log())}

    async def wait_serving(self, workers: int = 1, timeout: float = 45.0) -> None:
        """Until /healthz answers and (with workers) every worker said it serves."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"the server exited ({self.process.returncode}):\n{self.log()}"
                serving = workers == 1 or all(f"worker {n} serving" in self.log() for n in range(1, workers + 1))
                if serving:
                    try:
                        async with http.get(f"{self.url}/healthz") as response:
                            if response.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"the server did not start serving in {timeout} s:\n{self.log()}")

    async def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not exit in {timeout} s:\n{self.log()}")
            await asyncio.sleep(0.1)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL to the whole process group (the supervisor and its workers), for clean-up."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)


def start_server(work: Path, env: dict[str, str], *args: str, port: int | None = None) -> ServerProcess:
    """`eventos serve ARGS` with exactly these settings (nothing of the developer's environment or .env)."""
    port = port or free_port()
    work.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIPE_", "SMTP_", "SMS_", "EVENTOS_", "DATABASE_URL"))}
    clean.update(PYTHONPATH=str(ROOT), HOST="127.0.0.1", PORT=str(port), EVENTOS_DATA_DIR=str(work / "data"), **env)
    log_path = work / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", *args], cwd=work, env=clean, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return ServerProcess(process, port, log_path)
