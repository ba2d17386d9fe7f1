"""`eventos bench` end to end at tiny scale: dataset, real server, every scenario, limits, results.json."""

import asyncio
import json
import os
import secrets
import sys

import pytest

from bench import database
from bench.scenarios import SCENARIOS

LIMITED = {"event_show", "contact_find", "contact_show", "checkin"}


def sane(figures: dict) -> bool:
    return (
        figures["count"] > 0 and figures["errors"] == 0 and figures["per_second"] > 0
        and 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"] < 30_000
    )


@pytest.mark.timeout(400)
async def test_the_bench_measures_every_scenario_at_tiny_scale(server_url, tmp_path):
    name = f"eventos_bench_tiny_{os.getpid()}_{secrets.token_hex(3)}"
    output = tmp_path / "results.json"
    env = {**os.environ, "DATABASE_URL": server_url}
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "bench", "--scale", "tiny", "--duration", "0.3", "--requests", "40",
            "--output", str(output), "--database", name, "--workers", "2",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        printed, _ = await asyncio.wait_for(process.communicate(), 360)
    finally:
        await database.drop(server_url, name)
    assert process.returncode == 0, printed.decode()[-3000:]
    results = json.loads(output.read_text())

    assert results["scale"] == "tiny" and results["commit"] and results["machine"]["cpus"] >= 1
    assert results["dataset"]["built_now"] and results["dataset"]["rows"]["attendees"] > 0
    for scenario in SCENARIOS:
        measured = results["scenarios"][scenario.key]
        assert measured["status"] == "ok", (scenario.key, measured.get("note"))
        assert set(measured["runs"]) == {"1", "16", "64"}
        assert all(sane(run) for run in measured["runs"].values()), (scenario.key, measured["runs"])
        if scenario.key in LIMITED:
            assert all(sane(limit) for limit in measured["limits"].values()), (scenario.key, measured["limits"])
            assert all(0 < share for share in measured["of_limit"].values())
    checkin = results["scenarios"]["checkin"]
    assert checkin["double_admissions"] == 0 and "mismatches" not in checkin
    race = checkin["race"]
    assert race["admitted_answers"] == race["admitted_rows"] == race["tickets"]
    assert race["admitted_answers"] + race["already_admitted_answers"] == race["scans"]
    assert results["analytics"]["full"]["event_days"] > 0 and results["analytics"]["full"]["seconds"] > 0
    assert results["analytics"]["incremental"]["seconds"] > 0
    campaign = results["campaign"]
    assert campaign["status"] == "ok", campaign.get("note")
    assert 0 < campaign["emails"] == campaign["recipients"] == campaign["received_by_smtp"] and campaign["per_second"] > 0
    rush = results["rush"]
    assert rush["ok"] and set(rush["runs"]) == {"64", "256"}, rush
    for run in rush["runs"].values():
        assert run["seats_taken"] == run["orders_holding"] == rush["seats"] and run["oversold"] == 0
        assert run["held"] == rush["seats"] and run["held"] + run["sold_out"] == rush["buyers"]
        assert 0 < run["sold"] <= run["held"] and sane(run["pages"]) and run["errors"] == 0
    exported = results["export"]
    assert exported["status"] == "ok", exported.get("note")
    assert exported["rows"] > 0 and exported["rows_per_second"] > 0 and exported["peak_memory_mb"] > 0
    assert 0 < results["server"]["peak_rss_mb"] < 2_000
    # The same scenarios with one worker and with two (the default on a 2-core machine), side by side.
    assert results["workers"]["measured"] == [1, 2] and results["workers"]["default"] == 2
    assert results["workers"]["2"]["scenarios"] is results["scenarios"] or results["workers"]["2"]["scenarios"] == results["scenarios"]
    for workers, processes in (("1", 1), ("2", 3)):  # one process alone; a supervisor and its two workers
        assert results["workers"][workers]["server"]["processes"] == processes
        for scenario in SCENARIOS:
            runs = results["workers"][workers]["scenarios"][scenario.key]["runs"]
            assert set(runs) == {"1", "16", "64"} and all(sane(run) for run in runs.values()), (workers, scenario.key)
            assert all(run["cpu"]["server_cpu_ms_per_op"] > 0 for run in runs.values()), (workers, scenario.key)
    assert "vs 2 worker(s)" in printed.decode()
    assert all(t["value"] is not None for t in results["targets"]), results["targets"]
    assert "targets (full scale, 2 cores)" in printed.decode()
