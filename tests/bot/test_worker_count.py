"""How many workers `eventos serve` runs, and how they divide the database's connections."""

import pytest

from bot import cli
from bot.workers import Share, default_workers, worker_count
from tests.conftest import test_settings as make_settings


def test_the_default_is_one_worker_per_core_the_process_may_use():
    settings = make_settings()
    assert worker_count(settings, None) == (default_workers(), None)
    assert default_workers() >= 1


@pytest.mark.parametrize("workers", [1, 2, 3, 7, 15])
def test_the_workers_pools_together_never_exceed_the_connection_budget(workers):
    settings = make_settings(eventos_db_connections=30)
    size, overflow = Share(0, workers).pool(settings)
    assert size >= 1 and overflow >= 1
    assert workers * (size + overflow) <= 30


def test_a_budget_too_small_for_the_workers_is_refused_in_one_line():
    count, refusal = worker_count(make_settings(eventos_db_connections=6), 4)
    assert count == 0
    assert refusal == "EVENTOS_DB_CONNECTIONS=6 is too few for 4 workers (each needs at least 2); raise it or run fewer workers."


def test_socket_mode_runs_one_worker_and_refuses_more():
    settings = make_settings(slack_app_token="xapp-1-test")
    assert settings.slack_mode == "socket"
    assert worker_count(settings, None) == (1, None)
    assert worker_count(settings, 1) == (1, None)
    count, refusal = worker_count(settings, 2)
    assert count == 0
    assert refusal.startswith("Socket Mode runs in one process")


def test_the_local_workspace_runs_one_worker():
    settings = make_settings(slack_bot_token=None, slack_signing_secret=None)
    assert settings.slack_mode == "local"
    assert worker_count(settings, None) == (1, None)
    assert worker_count(settings, 3)[0] == 0


def test_serve_refuses_zero_workers_before_touching_anything(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVENTOS_DATA_DIR", str(tmp_path))
    assert cli.main(["serve", "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == "--workers must be at least 1."
