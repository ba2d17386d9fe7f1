"""Log lines of bounded length: no request, however large or odd, writes more than one short line.

Bolt's loggers print request bodies in places (an unhandled request, a failed verification); each
record they write is cut to one line of at most MAX_LINE characters. aiohttp logs a request it
cannot parse (a bad request line, bytes that are not UTF-8) as an error with a traceback, though
the fault is the client's and it was answered 400: that becomes one warning line. `serve` puts the
same bound on every record of the process.
"""

import logging

from aiohttp.http_exceptions import HttpProcessingError

MAX_LINE = 500


class OneBoundedLine(logging.Filter):
    """Rewrites a record's message to one line of at most MAX_LINE characters (tracebacks are left alone)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MAX_LINE or "\n" in message or "\r" in message:
            line = message.replace("\r", " ").replace("\n", " ⏎ ")
            if len(line) > MAX_LINE:
                line = f"{line[:MAX_LINE]}… ({len(message)} characters in all)"
            record.msg, record.args = line, None
        return True


class ClientErrorsInOneLine(logging.Filter):
    """aiohttp's record of a request it could not parse: a warning of one line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            reason = " ".join(str(error.message).split())
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {reason}", None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return BOUNDED.filter(record)


BOUNDED = OneBoundedLine()
CLIENT_ERRORS = ClientErrorsInOneLine()


def bolt_logger() -> logging.Logger:
    """The logger to give AsyncApp: Bolt copies its filter to every logger it derives from it."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    if BOUNDED not in logger.filters:
        logger.addFilter(BOUNDED)
    return logger


def quiet_bad_requests() -> None:
    """Put ClientErrorsInOneLine on aiohttp's server logger (once per process)."""
    logger = logging.getLogger("aiohttp.server")
    if CLIENT_ERRORS not in logger.filters:
        logger.addFilter(CLIENT_ERRORS)


def bound_every_line() -> None:
    """Put the bound on every handler of the root logger (the server's whole log)."""
    for handler in logging.getLogger().handlers:
        if BOUNDED not in handler.filters:
            handler.addFilter(BOUNDED)
