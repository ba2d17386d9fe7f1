"""`eventos seed-demo` fills the local workspace once, from the command line."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _seed(database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIPE_", "SMTP_"))}
    env.update(DATABASE_URL=database_url, EVENTOS_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "bot.cli", "seed-demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_seed_demo_adds_the_demo_business_then_changes_nothing(database_url, tmp_path):
    first = _seed(database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Demo data added to the local workspace" in first.stdout
    second = _seed(database_url, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already has the demo data; nothing changed" in second.stdout
