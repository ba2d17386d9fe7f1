"""Log lines of bounded length: no request, however large or odd, writes more than one short line.

Bolt's loggers print request bodies in places (an unhandled request, a failed verification); each
record they write is cut to one line of at most MAX_LINE characters. `serve` puts the same bound on
every record of the process.
"""

import logging

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


BOUNDED = OneBoundedLine()


def bolt_logger() -> logging.Logger:
    """The logger to give AsyncApp: Bolt copies its filter to every logger it derives from it."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    if BOUNDED not in logger.filters:
        logger.addFilter(BOUNDED)
    return logger


def bound_every_line() -> None:
    """Put the bound on every handler of the root logger (the server's whole log)."""
    for handler in logging.getLogger().handlers:
        if BOUNDED not in handler.filters:
            handler.addFilter(BOUNDED)
