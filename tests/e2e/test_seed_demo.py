"""`eventos seed-demo` from the command line: a tour added once, whatever the user made first, and removable."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _seed(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIPE_", "SMTP_"))}
    env.update(DATABASE_URL=database_url, EVENTOS_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "bot.cli", "seed-demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_seed_demo_adds_the_tour_once_then_removes_it(database_url, tmp_path):
    first = _seed(database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Demo data added to the local workspace" in first.stdout
    assert "`/event show summer-gala-demo`" in first.stdout and "`/digest now today`" in first.stdout
    second = _seed(database_url, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already has the demo data; nothing changed" in second.stdout

    removed = _seed(database_url, tmp_path, "--remove")
    assert removed.returncode == 0, removed.stderr
    assert "Demo data removed from the local workspace: 3 events, 6 contacts" in removed.stdout
    again = _seed(database_url, tmp_path, "--remove")
    assert again.returncode == 1 and "no demo data" in again.stderr
