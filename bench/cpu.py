"""Where the CPU went during a round: the server process, this (driving) process, the whole machine.

Read from /proc, in cores busy on average over the round; what the machine used beyond the two
processes is mostly PostgreSQL. A round whose machine figure is near the core count was CPU-bound.
"""

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _process_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (a server's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it exited meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, ()))
    return tree


def _tree_seconds(pid: int) -> float:
    """CPU seconds of `pid` and its live descendants (a worker that died takes its seconds with it)."""
    total = 0.0
    for member in process_tree(pid):
        try:
            total += _process_seconds(member)
        except OSError:
            continue
    return total


def _machine_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS


@dataclass
class CpuMeter:
    """Start it before a round and read it after; cores are CPU seconds per wall second (the server: all its workers)."""

    server_pid: int

    def __post_init__(self) -> None:
        self._start = self._sample()

    def _sample(self) -> tuple[float, float, float, float]:
        return (time.perf_counter(), _tree_seconds(self.server_pid), _process_seconds(os.getpid()), _machine_seconds())

    def read(self, operations: int) -> dict:
        wall, server, driver, machine = (b - a for a, b in zip(self._start, self._sample(), strict=True))
        return {
            "server_cores": round(server / wall, 2), "driver_cores": round(driver / wall, 2),
            "machine_cores": round(machine / wall, 2),
            "server_cpu_ms_per_op": round(1000 * server / operations, 2) if operations else None,
        }


async def background_cores(seconds: float = 2.0) -> float:
    """Cores the machine keeps busy while the bench does nothing (other work skews every figure)."""
    start, started = _machine_seconds(), time.perf_counter()
    await asyncio.sleep(seconds)
    return round((_machine_seconds() - start) / (time.perf_counter() - started), 2)
