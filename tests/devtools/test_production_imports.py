"""The production entry points load no development tool: no benchmark, no Slack stand-in."""

import subprocess
import sys


def test_the_cli_and_the_server_import_neither_bench_nor_devtools():
    probe = (
        "import sys, bot.cli, bot.app, bot.server; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bench', 'devtools')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
