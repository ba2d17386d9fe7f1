"""Ticket codes cannot be forged or guessed, and survive what scanners and people type."""

from core.sales.ticket_codes import is_authentic, new_code, normalize

KEY = b"k" * 32


def test_a_new_code_is_authentic_and_unique():
    codes = {new_code(KEY) for _ in range(1000)}
    assert len(codes) == 1000
    assert all(is_authentic(KEY, c) for c in codes)


def test_a_code_signed_with_another_key_is_refused():
    assert not is_authentic(b"x" * 32, new_code(KEY))


def test_tampered_truncated_and_garbage_codes_are_refused():
    code = new_code(KEY)
    body, signature = code.split("-")
    flipped = ("A" if body[0] != "A" else "B") + body[1:]
    for bad in (f"{flipped}-{signature}", code[:-1], code[:10], "", "ABC", "-" * 27, code + "A", "<script>"):
        assert not is_authentic(KEY, bad), bad


def test_scanner_input_is_normalized():
    code = new_code(KEY)
    assert is_authentic(KEY, f"  {code.lower()}\n")
    assert normalize(f" {code.lower()}\r\n") == code
