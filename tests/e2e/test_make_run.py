"""`make run` on a fresh data dir: starts, answers the probes, stops cleanly, starts again on the same data."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIPE_", "DATABASE_URL", "SMTP_"))}
    env.update(EVENTOS_DATA_DIR=str(data_dir), PORT=str(port), HOST="127.0.0.1")
    return subprocess.Popen(
        ["make", "-s", "run"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _wait_healthy(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode()
        try:
            if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not answer /healthz in time")


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM to the process group, as a terminal's Ctrl-C or a supervisor would send it."""
    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    # make itself dies of the signal; the server must have logged a clean stop.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert "Traceback" not in output.decode(), output.decode()
    return output.decode()


def test_make_run_serves_stops_and_restarts_on_the_same_data(tmp_path):
    data_dir, port = tmp_path / "data", _free_port()
    first = _start(data_dir, port)
    try:
        _wait_healthy(port, first)
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        assert _get(f"http://127.0.0.1:{port}/metrics")[1].startswith(b"# HELP")
    finally:
        output = _stop(first)
    assert "stopped" in output
    secret = (data_dir / "secret_key").read_text()

    second = _start(data_dir, port)
    try:
        _wait_healthy(port, second)
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        _stop(second)
    assert (data_dir / "secret_key").read_text() == secret
    assert (data_dir / "pgdata" / "PG_VERSION").exists()
