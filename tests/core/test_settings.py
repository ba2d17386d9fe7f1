"""Settings: contract names, defaults, one line naming a malformed setting, secrets never shown."""

import pytest

from core.settings import SettingsError, load_settings


def test_defaults_follow_the_contract(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.host, settings.port, settings.base_url) == ("127.0.0.1", 3000, "http://127.0.0.1:3000")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert settings.slack_mode == "local"


def test_a_malformed_setting_names_itself_in_one_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith("PORT is malformed")
    assert "\n" not in str(raised.value)


def test_a_malformed_secret_bearing_url_is_named_but_not_shown(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2@db/x")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "DATABASE_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_secrets_are_not_in_the_settings_repr(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_live_secret")
    text = repr(load_settings())
    assert "xoxb-very-secret" not in text and "sk_live_secret" not in text


def test_the_secret_key_is_generated_once_and_reused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    first = load_settings().secret_key
    assert load_settings().secret_key == first
    assert len(first) >= 32


def test_slack_mode_follows_the_credentials(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert load_settings().slack_mode == "token"
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "s")
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert load_settings().slack_mode == "oauth"
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert load_settings().slack_mode == "socket"
