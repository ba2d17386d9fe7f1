"""`eventos bench --profile DIR`: py-spy on the server during each scenario's concurrency-16 round.

py-spy samples the server's Python stacks from outside (every worker, with `--subprocesses`) without
changing its code. Each round writes DIR/<scenario>.txt (collapsed stacks, one line per stack with
its sample count: the input of any flame-graph tool) and DIR/<scenario>-top.txt, the functions that
held the most samples, inclusive and as the innermost frame. The figures of such a round are slower
than an unprofiled one (py-spy pauses the process to read it), so a profiled run is for finding the
time, not for recording it. py-spy is a development dependency.
"""

import asyncio
import re
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path

RATE = 250  # samples per second
_LINE = re.compile(r":\d+\)$")  # "function (path/file.py:123)" → "function (path/file.py)"


class ProfilerMissing(Exception):
    """py-spy is not installed."""


def py_spy() -> str:
    """py-spy's path: on PATH, or beside this Python (a virtualenv's bin)."""
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise ProfilerMissing("py-spy is not installed: pip install py-spy (requirements-dev.lock has it)")
    return found


class Profile:
    """A running py-spy record of the server process (and its workers), stopped with stop()."""

    def __init__(self, process: asyncio.subprocess.Process, output: Path) -> None:
        self.process, self.output = process, output

    @classmethod
    async def start(cls, directory: Path, name: str, pid: int) -> "Profile":
        spy = py_spy()
        directory.mkdir(parents=True, exist_ok=True)
        output = directory / f"{name}.txt"
        process = await asyncio.create_subprocess_exec(
            spy, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", str(RATE),
            "--output", str(output), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)  # py-spy attaches before the round starts
        return cls(process, output)

    async def stop(self, top: int = 40) -> Path | None:
        """Stop sampling, write the summary next to the stacks and return its path (None when py-spy failed)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await self.process.wait()
        if not self.output.exists():
            return None
        summary = self.output.with_name(self.output.stem + "-top.txt")
        summary.write_text(summarize(self.output.read_text(), top))
        return summary


def summarize(collapsed: str, top: int = 40) -> str:
    """The functions with the most samples: inclusive (anywhere on the stack) and self (innermost)."""
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_LINE.sub(")", frame).replace(" (", " ", 1).removesuffix(")") for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        innermost[frames[-1]] += samples
    if not total:
        return "no samples\n"
    lines = [f"{total} samples", "", "inclusive %  function"]
    lines += [f"{100 * n / total:10.1f}  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self %  function"]
    lines += [f"{100 * n / total:6.1f}  {frame}" for frame, n in innermost.most_common(top)]
    return "\n".join(lines) + "\n"
