"""Domain errors: a stable code for programs and one sentence, saying what to fix, for people."""


class DomainError(Exception):
    """Base of every error a user may see; `message` is shown as is, privately."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Invalid(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class SoldOut(DomainError):
    code = "sold_out"


class NotReady(DomainError):
    """The account or a feature is not set up yet (no workspace, no payment provider...)."""

    code = "not_ready"
