"""Slack installations and OAuth states in PostgreSQL, through slack_sdk's async SQLAlchemy stores.

The stores get a small pool of their own, on the Slack login (db/logins.py), whose connections run
as the Slack role (the login's default role, set by PostgreSQL when a session starts, so RESET ROLE
returns to it and a pooler's server connections start as it too). That role may touch
the installation and OAuth-state tables and nothing else, and no other login may become it: a
tenant's transaction, whatever it runs, cannot reach another workspace's installation. Tokens are
stored as Fernet ciphertext under a key derived from EVENTOS_SECRET_KEY.
"""

import base64
import logging
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import Column, Table, Text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from db.models.slack import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE, TOKEN_COLUMNS
from db.logins import SLACK, login_url
from db.session import pooled_engine

log = logging.getLogger(__name__)


def token_cipher(secret_key: bytes) -> Fernet:
    """The Fernet key for stored Slack tokens, derived from the secret key (HKDF-SHA256)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"eventos slack tokens").derive(secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedToken(TypeDecorator):
    """A token column: encrypted when written, decrypted when read."""

    impl = Text
    cache_ok = True

    def __init__(self, cipher: Fernet) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except InvalidToken:
            log.error("a stored Slack token cannot be decrypted with EVENTOS_SECRET_KEY; reinstall EventOS in that workspace")
            return None


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store, with every token column encrypted at rest."""

    def __init__(self, *, client_id: str, engine: AsyncEngine, cipher: Fernet) -> None:
        super().__init__(
            client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE
        )
        for table in (self.installations, self.bots):
            encrypted = [Column(name, EncryptedToken(cipher)) for name in TOKEN_COLUMNS if name in table.c]
            Table(table.name, self.metadata, *encrypted, extend_existing=True)


@dataclass
class SlackStores:
    """The installation and OAuth-state stores, sharing one small pool."""

    engine: AsyncEngine
    installations: EncryptedInstallationStore
    oauth_states: AsyncSQLAlchemyOAuthStateStore

    async def close(self) -> None:
        await self.engine.dispose()


def build_slack_stores(
    url: str, *, client_id: str, secret_key: bytes, state_expiration_seconds: int = 600, pooler: bool = False
) -> SlackStores:
    """Stores on the existing tables (migration 0001; never create_all) over the Slack login's pool, as the Slack role.

    `url` is any login's URL of the database; the Slack login's is derived from it and the secret key.
    """
    engine = pooled_engine(login_url(url, secret_key, SLACK), pooler=pooler, pool_size=5, max_overflow=10)
    return SlackStores(
        engine=engine,
        installations=EncryptedInstallationStore(client_id=client_id, engine=engine, cipher=token_cipher(secret_key)),
        oauth_states=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=state_expiration_seconds, engine=engine, table_name=OAUTH_STATES_TABLE
        ),
    )
