"""The server under test: `eventos serve` as a subprocess on a free loopback port."""

import asyncio
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.cpu import process_tree
from core.settings import Settings

START_TIMEOUT = 90.0


class ServerFailed(Exception):
    """The server did not come up; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of the supervisor and all workers together, in MB, from /proc: now (VmRSS), the
        sum of each process's peak (VmHWM), and the proportional set size (Pss: pages the forked workers
        share counted once), with the processes counted."""
        found = {"VmRSS": 0.0, "VmHWM": 0.0, "Pss": 0.0}
        members = process_tree(self.process.pid)
        for pid in members:
            try:
                lines = [*Path(f"/proc/{pid}/status").read_text().splitlines(),
                         *Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()]
            except OSError:
                continue
            for line in lines:
                key, _, value = line.partition(":")
                if key in found and value.strip():
                    found[key] += int(value.split()[0]) / 1024
        return {"rss_mb": round(found["VmRSS"], 1), "peak_rss_mb": round(found["VmHWM"], 1),
                "pss_mb": round(found["Pss"], 1), "processes": len(members)}

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


async def start_server(workdir: Path, settings: dict[str, str], *, workers: int = 1) -> Server:
    """Start `eventos serve --workers N` with exactly these settings (nothing from this process's
    environment or .env leaks in: it runs in `workdir`), and wait until /readyz says ready."""
    port = free_port()
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update(settings, HOST="127.0.0.1", PORT=str(port), EVENTOS_DATA_DIR=str(workdir / "data"))
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers), cwd=workdir, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise ServerFailed(f"eventos serve exited with {process.returncode}:\n{tail(log)}")
            try:
                async with http.get(f"{server.url}/readyz") as response:
                    # Every worker binds the port once it serves: until all have, some would get no traffic.
                    if response.status == 200 and log.read_text(errors="replace").count(" serving on http") >= workers:
                        return server
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    await server.stop()
    raise ServerFailed(f"eventos serve was not ready after {START_TIMEOUT:.0f} s:\n{tail(log)}")
