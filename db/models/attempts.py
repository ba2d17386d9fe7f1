"""The columns every delivery queue shares with the job engine (migration 0040)."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column


class Attempted:
    """A queue row the job engine claims and attempts: see core/jobs/engine.py."""

    claimed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    attempt_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_doubt: Mapped[bool] = mapped_column(Boolean, server_default="false")
