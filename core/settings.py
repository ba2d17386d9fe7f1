"""Settings from the environment or a .env file, names as CONTRACT.md fixes them."""

import re
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, PlainValidator, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A malformed setting; its message is one line naming the setting."""


PERIODS = {"second": 1, "minute": 60, "hour": 3600}
RATE = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `period` seconds, refilled evenly; a burst may spend the whole count."""

    count: int
    period: int

    @classmethod
    def parse(cls, value: "str | Rate") -> "Rate":
        """`120/minute`, `10/second` or `5000/hour`."""
        if isinstance(value, Rate):
            return value
        match = RATE.fullmatch(str(value))
        if match is None or int(match[1]) < 1:
            raise ValueError("must look like 120/minute (a positive count per second, minute or hour)")
        return cls(int(match[1]), PERIODS[match[2].lower()])


RateSetting = Annotated[Rate, NoDecode, PlainValidator(Rate.parse)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    # "transaction": DATABASE_URL reaches PostgreSQL through a pooler in transaction mode (PgBouncer).
    eventos_db_pooler: Literal["none", "transaction"] = "none"
    eventos_data_dir: Path = Path(".eventos")
    # The server login's connections, all workers of one `eventos serve` together (bot/workers.py divides them).
    eventos_db_connections: int = Field(30, ge=2, le=10_000)
    # How long a stopping server may take to finish in-flight work before what is left is killed.
    eventos_shutdown_seconds: float = Field(20.0, gt=0, le=600)
    host: str = "127.0.0.1"
    port: int = Field(3000, ge=1, le=65535)
    eventos_base_url: str | None = None
    eventos_secret_key: SecretStr | None = None

    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"

    smtp_url: str | None = None
    eventos_mail_from: str = "EventOS <tickets@eventos.invalid>"
    sms_api_url: str | None = None
    sms_api_token: SecretStr | None = None

    # Rate limits of the public HTTP edge (bot/ratelimit.py; docs/security.md explains each).
    eventos_rate_scanner_client: RateSetting = Rate(600, 60)
    eventos_rate_scanner_token: RateSetting = Rate(300, 60)
    eventos_rate_batch_scans: RateSetting = Rate(5000, 3600)
    eventos_rate_refusals_client: RateSetting = Rate(20, 60)
    eventos_rate_pages_client: RateSetting = Rate(120, 60)
    eventos_rate_pages_key: RateSetting = Rate(60, 60)
    eventos_rate_holds_client: RateSetting = Rate(10, 60)
    eventos_rate_holds_event: RateSetting = Rate(500, 1)
    eventos_trusted_proxies: int = Field(0, ge=0, le=8)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme.split("+")[0] not in ("postgresql", "postgres"):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("eventos_base_url", "slack_api_url", "stripe_api_base", "sms_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("smtp", "smtps"):
            raise ValueError("must look like smtp://user:pass@host:port")
        return value

    @property
    def behind_pooler(self) -> bool:
        return self.eventos_db_pooler == "transaction"

    @property
    def base_url(self) -> str:
        return (self.eventos_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @cached_property
    def secret_key(self) -> bytes:
        """The configured key, or one generated once into the data dir and reused after."""
        if self.eventos_secret_key:
            return self.eventos_secret_key.get_secret_value().encode()
        path = self.eventos_data_dir / "secret_key"
        if not path.exists():
            self.eventos_data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    @property
    def slack_mode(self) -> str:
        """oauth, token, socket or local (no Slack credentials: the local console workspace)."""
        if self.slack_app_token and (self.slack_bot_token or self.slack_client_id):
            return "socket"
        if self.slack_client_id and self.slack_client_secret:
            return "oauth"
        if self.slack_bot_token:
            return "token"
        return "local"


def load_settings(**overrides) -> Settings:
    """Read the settings; a malformed one raises SettingsError naming it (never its value)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise SettingsError(f"{name} is malformed: {first['msg']}") from None
