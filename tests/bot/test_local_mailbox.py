"""With no SMTP_URL, mail stays on this machine, and `eventos mail` reads it."""

from bot.cli import main
from core.gateways.mail import LocalMailbox, read_mailbox
from core.ports import Email


async def test_mail_without_a_server_is_kept_and_eventos_mail_lists_and_shows_it(tmp_path, monkeypatch, capsys):
    mailbox = LocalMailbox("Team <team@ex.test>", tmp_path / "mail", keep=3)
    assert mailbox.delivers is False
    for n in range(5):
        await mailbox.send(Email(to=f"guest{n}@example.com", subject=f"Your ticket {n}", text=f"Ticket number {n}"))
    kept = read_mailbox(tmp_path / "mail")
    assert [m.message["To"] for m in kept] == ["guest4@example.com", "guest3@example.com", "guest2@example.com"]

    monkeypatch.setenv("EVENTOS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVENTOS_SECRET_KEY", "test-secret-key-0123456789abcdef")
    monkeypatch.delenv("SMTP_URL", raising=False)
    assert main(["mail"]) == 0
    listing = capsys.readouterr().out
    assert "[1]" in listing and "guest4@example.com" in listing and "Your ticket 4" in listing and "3 message(s)" in listing
    assert main(["mail", "2"]) == 0
    shown = capsys.readouterr().out
    assert "Subject: Your ticket 3" in shown and "Ticket number 3" in shown
    assert main(["mail", "9"]) == 2
