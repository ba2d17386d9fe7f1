"""How an answer says where an email went: to its address, or, with no mail server, to the local mailbox."""

from bot.text import escape

NO_MAIL_SERVER = "no mail server is set (SMTP_URL), so nothing left this machine: `eventos mail` shows it"


def emailed_to(email: str, *, delivers: bool) -> str:
    """`emailed to ann@…`, or where the mail really is."""
    if delivers:
        return f"emailed to {escape(email)}"
    return f"put in the local mailbox for {escape(email)} ({NO_MAIL_SERVER})"


def times_sent(count: int, *, delivers: bool) -> str:
    """The order card's line about its ticket emails."""
    times = f"{count} time{'s' if count != 1 else ''}"
    return f"Ticket email sent {times}." if delivers else f"Ticket email put in the local mailbox {times} ({NO_MAIL_SERVER})."


def when_paid(*, delivers: bool) -> str:
    """What happens to the tickets of a held order once it is paid."""
    if delivers:
        return "the tickets are emailed as soon as the payment goes through."
    return f"the tickets go to the local mailbox as soon as the payment goes through ({NO_MAIL_SERVER})."
