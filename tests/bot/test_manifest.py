"""manifest.yml and the app agree: the slash commands and shortcuts Slack shows are exactly the ones registered."""

from pathlib import Path

import yaml
from slack_bolt.async_app import AsyncApp

from bot import app as composition
from bot.oauth import MANIFEST, manifest_scopes

ROOT = Path(__file__).resolve().parents[2]


class RecordingApp(AsyncApp):
    """A real AsyncApp that also notes every command and shortcut a feature registers."""

    def __init__(self) -> None:
        super().__init__(signing_secret="manifest-test", token="xoxb-manifest-test")
        self.commands: list[str] = []
        self.shortcuts: list[str] = []

    def command(self, command, *args, **kwargs):
        self.commands.append(command)
        return super().command(command, *args, **kwargs)

    def shortcut(self, constraints, *args, **kwargs):
        self.shortcuts.append(constraints["callback_id"] if isinstance(constraints, dict) else constraints)
        return super().shortcut(constraints, *args, **kwargs)

    def message_shortcut(self, callback_id, *args, **kwargs):
        self.shortcuts.append(callback_id)
        return super().message_shortcut(callback_id, *args, **kwargs)

    def global_shortcut(self, callback_id, *args, **kwargs):
        self.shortcuts.append(callback_id)
        return super().global_shortcut(callback_id, *args, **kwargs)


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_commands_and_shortcuts_are_exactly_the_registered_ones():
    recorder = RecordingApp()
    for feature in composition.LISTENERS:
        feature.register(recorder)
    features = _manifest()["features"]
    _assert_same("commands", [c["command"] for c in features["slash_commands"]], recorder.commands)
    _assert_same("shortcuts", [s["callback_id"] for s in features["shortcuts"]], recorder.shortcuts)


def _assert_same(kind: str, declared: list[str], registered: list[str]) -> None:
    missing = sorted(set(declared) - set(registered))
    unexpected = sorted(set(registered) - set(declared))
    assert (missing, unexpected) == ([], []), (
        f"{kind} in manifest.yml but not registered: {missing}; registered but not in manifest.yml: {unexpected}"
    )
    assert len(registered) == len(set(registered)), f"{kind} registered twice: {sorted(registered)}"


def test_every_manifest_command_posts_to_the_one_events_url():
    manifest = _manifest()
    events_url = manifest["settings"]["event_subscriptions"]["request_url"]
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {events_url}
    assert manifest["settings"]["interactivity"]["request_url"] == events_url
    assert events_url.endswith("/slack/events")
    assert manifest["oauth_config"]["redirect_urls"] == [events_url.replace("/slack/events", "/slack/oauth_redirect")]


def test_the_install_asks_for_the_manifest_scopes():
    assert manifest_scopes() == (tuple(_manifest()["oauth_config"]["scopes"]["bot"]), ())
    assert MANIFEST == ROOT / "manifest.yml"
