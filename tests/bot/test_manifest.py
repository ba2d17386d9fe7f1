"""manifest.yml and the app agree, and Slack would take it: its schema, commands, shortcuts, events and scopes."""

import json
import re
from pathlib import Path

import jsonschema
import yaml
from slack_bolt.async_app import AsyncApp

from bot import app as composition
from bot.oauth import MANIFEST, manifest_scopes
from devtools.slack_standin import _ANSWERS, METHOD_SCOPES

ROOT = Path(__file__).resolve().parents[2]
# Slack's published manifest schema (github.com/slackapi/manifest-schema, MIT, LICENSE beside it).
SCHEMA = ROOT / "tests" / "support" / "slack_manifest_schema" / "manifest.schema.1.0.0.json"
# Web API calls in the app's code: client.chat_postMessage(…) is chat.postMessage.
_WEB_API_CALL = re.compile(r"\.(auth|chat|conversations|reactions|team|users|views)_([A-Za-z]+)\(")


class RecordingApp(AsyncApp):
    """A real AsyncApp that also notes every command and shortcut a feature registers."""

    def __init__(self) -> None:
        super().__init__(signing_secret="manifest-test", token="xoxb-manifest-test")
        self.commands: list[str] = []
        self.shortcuts: list[str] = []
        self.events: list[str] = []

    def event(self, event, *args, **kwargs):
        self.events.append(event["type"] if isinstance(event, dict) else event)
        return super().event(event, *args, **kwargs)

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


def test_the_manifest_is_valid_against_slacks_manifest_schema():
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(_manifest())]
    assert problems == []


def test_the_schema_check_catches_what_slack_refuses():
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = _manifest()
    broken["display_information"]["name"] = "x" * 50
    broken["features"]["slash_commands"][0]["command"] = "no-slash"
    assert len(list(validator.iter_errors(broken))) >= 2


def test_the_manifest_subscribes_to_every_event_the_app_listens_to():
    recorder = RecordingApp()
    for feature in composition.LISTENERS:
        feature.register(recorder)
    declared = set(_manifest()["settings"]["event_subscriptions"]["bot_events"])
    heard = {e for e in declared if e.startswith("message.")} and {"message"}
    for event in recorder.events:
        assert event in declared or (event == "message" and heard), f"{event} is listened to but not subscribed"
    listened = set(recorder.events)
    unused = {e for e in declared if e not in listened and not (e.startswith("message.") and "message" in listened)}
    assert unused == set(), f"subscribed but never listened to: {unused}"


def test_the_manifest_grants_every_scope_the_apps_web_api_calls_need():
    called = {
        f"{family}.{method}"
        for path in (ROOT / "bot").rglob("*.py") if "console" not in path.parts
        for family, method in _WEB_API_CALL.findall(path.read_text())
    }
    assert {"chat.postMessage", "conversations.join", "views.open"} <= called
    granted = set(_manifest()["oauth_config"]["scopes"]["bot"])
    needed = {method: METHOD_SCOPES[method] for method in called if method in METHOD_SCOPES}
    assert {m: s for m, s in needed.items() if s not in granted} == {}
    assert "commands" in granted and "chat:write.public" in granted
    assert called <= set(_ANSWERS), f"the stand-in does not answer {sorted(called - set(_ANSWERS))}"
