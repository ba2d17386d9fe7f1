"""What manifest.yml asks Slack for: the bot's scopes, commands, shortcuts and events."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MANIFEST_PATH = Path(__file__).resolve().parents[1] / "manifest.yml"


@dataclass(frozen=True)
class Manifest:
    """The parts of the Slack app manifest that the stand-in and the tests hold the code to."""

    raw: dict[str, Any]
    bot_scopes: frozenset[str]
    commands: frozenset[str]
    shortcuts: frozenset[str]
    bot_events: frozenset[str]

    @staticmethod
    def load(path: Path = MANIFEST_PATH) -> Manifest:
        """manifest.yml at the repository's root (read once)."""
        return _load(path)


@cache
def _load(path: Path) -> Manifest:
    raw = yaml.safe_load(path.read_text())
    features = raw.get("features", {})
    return Manifest(
        raw=raw,
        bot_scopes=frozenset(raw["oauth_config"]["scopes"]["bot"]),
        commands=frozenset(c["command"] for c in features.get("slash_commands", [])),
        shortcuts=frozenset(s["callback_id"] for s in features.get("shortcuts", [])),
        bot_events=frozenset(raw.get("settings", {}).get("event_subscriptions", {}).get("bot_events", [])),
    )
