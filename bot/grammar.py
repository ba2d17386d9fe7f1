"""The command grammar every slash command shares: words, then key=value pairs, quotes.

`parse` turns the text Slack sends into a `Parsed` (words, options, and the normalized text
for free-text commands); `bind` maps a `Parsed` onto a pydantic model. Anything the user
typed wrong becomes a `UsageError` whose `message` is one sentence saying what to fix.

Quoting is shell-like, tuned for chat: `"…"`, `'…'` and smart quotes (“…”, ‘…’) open a
quoted value at the start of a word or right after `key=`; a quote elsewhere is a plain
character (so `O'Brien` needs no quoting), and a quoted value ends at a matching quote that
is followed by a space or the end of the text (so `'Anna's party'` is one value). There are
no backslash escapes.

Mentions are one rule, in Slack and in the console alike: an option declared as a Slack
reference (`SLACK_REFERENCE`, e.g. `sales_channel=#sales`) keeps the `<#C…>` Slack made of it;
every other value reads a mention as the text that was typed (`tags=#vip` is `#vip`, `@here`
is `@here`), so no Slack markup is ever stored as a name, a tag or a slug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

__all__ = [
    "MAX_LENGTH",
    "Parsed",
    "UsageError",
    "SLACK_REFERENCE",
    "as_typed",
    "bind",
    "channel_id",
    "format_args",
    "mentions_as_text",
    "one_value",
    "parse",
    "quote",
    "user_id",
]

MAX_LENGTH = 4000
# Field(json_schema_extra=SLACK_REFERENCE): the option names a Slack channel or person, kept as Slack's reference.
SLACK_REFERENCE = {"slack_reference": True}

M = TypeVar("M", bound=BaseModel)


class UsageError(Exception):
    """The command text cannot be understood; `message` says, in one sentence, what to fix."""

    code = "usage"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Parsed:
    """Words in order, `key=value` options (keys lower-case, `-` read as `_`), the text as received."""

    words: tuple[str, ...]
    options: dict[str, str]
    raw: str
    _text: str = field(default="", repr=False, compare=False)
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _rest: int | None = field(default=None, repr=False, compare=False)

    def text_after(self, n_words: int) -> str:
        """The normalized text as typed (quotes kept) from the word after the first `n_words`.

        Options between word n and word n+1 are skipped; anything after word n+1, options
        included, is returned as text. With `parse(..., free_text_after=n)`, `text_after(n)`
        is the free text.
        """
        if n_words < 0:
            raise ValueError("n_words must be zero or more")
        if n_words < len(self._starts):
            return self._text[self._starts[n_words] :].strip()
        if n_words == len(self._starts) and self._rest is not None:
            return self._text[self._rest :].strip()
        return ""

    def drop(self, n_words: int = 1) -> Parsed:
        """The same parse without its first `n_words` words (the subcommand), for `bind`."""
        if n_words < 0:
            raise ValueError("n_words must be zero or more")
        return Parsed(
            words=self.words[n_words:],
            options=dict(self.options),
            raw=self.raw,
            _text=self._text,
            _starts=self._starts[n_words:],
            _rest=self._rest,
        )


# --- Slack escaping ----------------------------------------------------------------------

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^<>]*)?>")


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(raw: str) -> str:
    """Drop control characters (tab and newlines stay) and lone surrogates."""
    return "".join(
        c for c in raw if c in "\t\n\r" or unicodedata.category(c) not in ("Cc", "Cs")
    )


def _markup_text(inner: str) -> str:
    """Plain text for a link, email or special mention: its label, else its target."""
    if inner.startswith("!"):
        name, _, label = inner[1:].partition("|")
        return _unescape(label) if label else "@" + name.split("^", 1)[0]
    target, _, label = inner.partition("|")
    if label:
        return _unescape(label)
    target = _unescape(target)
    return target[len("mailto:") :] if target.startswith("mailto:") else target


def _normalize(raw: str) -> tuple[str, dict[int, int]]:
    """Text with entities decoded and links/emails/special mentions as plain text.

    User and channel references stay as typed and are returned as atoms (start → end):
    the tokenizer never splits them, even when their label has spaces.
    """
    text = _plain(raw)
    out: list[str] = []
    atoms: dict[int, int] = {}
    size = 0
    pos = 0
    for m in _MARKUP.finditer(text):
        inner = m.group(1)
        if not inner:
            continue
        piece = _unescape(text[pos : m.start()])
        out.append(piece)
        size += len(piece)
        if inner[0] in "@#":
            piece = m.group(0)
            atoms[size] = size + len(piece)
        else:
            piece = _markup_text(inner)
        out.append(piece)
        size += len(piece)
        pos = m.end()
    out.append(_unescape(text[pos:]))
    return "".join(out), atoms


def _mention_text(m: re.Match) -> str:
    """`@name` / `#name` for a user or channel reference: its label, else its id."""
    sigil, ident, label = m.group(1), m.group(2), m.group(3)
    return sigil + (_unescape(label) if label else ident)


_REFERENCE = re.compile(r"<([@#])([UWCGD][A-Z0-9]+)(?:\|([^<>]*))?>")


def mentions_as_text(value: str) -> str:
    """A value with every user or channel reference turned back into what was typed (`#vip`, `@here`)."""
    return _REFERENCE.sub(_mention_text, value)


def one_value(text: str) -> str:
    """Free text meant as one value (a name): `"acme events"` and `acme events` both read `acme events`."""
    words = parse(text).words if text.strip() else ()
    return words[0] if len(words) == 1 and len(text.strip()) > len(words[0]) else mentions_as_text(text.strip())


def as_typed(raw: str) -> str:
    """Slack's command text as the person typed it: entities decoded, links and special mentions as text."""
    return _normalize(raw)[0]


def user_id(token: str) -> str | None:
    """`U123` for `<@U123>` or `<@U123|name>`; None for anything else (plain `@name` included)."""
    m = _USER.fullmatch(token.strip()) if isinstance(token, str) else None
    return m.group(1) if m else None


def channel_id(token: str) -> str | None:
    """`C123` for `<#C123>` or `<#C123|name>`; None for anything else (plain `#name` included)."""
    m = _CHANNEL.fullmatch(token.strip()) if isinstance(token, str) else None
    return m.group(1) if m else None


# --- tokenizing --------------------------------------------------------------------------

_DOUBLE = frozenset('"\u201c\u201d\u201e\u201f')  # " “ ” „ ‟
_SINGLE = frozenset("'\u2018\u2019\u201a\u201b")  # ' ‘ ’ ‚ ‛
_FAMILY = {c: _DOUBLE for c in _DOUBLE} | {c: _SINGLE for c in _SINGLE}
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=")


def _key(name: str) -> str:
    return name.lower().replace("-", "_")


def _snippet(text: str, start: int, width: int = 24) -> str:
    """A short piece of the user's text for a message, safe inside a code span."""
    piece = text[start : start + width].replace("`", "'").replace("\n", " ")
    return piece + "…" if len(text) > start + width else piece


class _Tokenizer:
    def __init__(self, text: str, atoms: dict[int, int]) -> None:
        self.text = text
        self.atoms = atoms

    def skip_space(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i].isspace():
            i += 1
        return i

    def value(self, i: int, token_start: int) -> tuple[str, int]:
        """Read one value from `i`: quoted if it starts with a quote, else up to whitespace."""
        text, atoms = self.text, self.atoms
        if i < len(text) and i not in atoms and text[i] in _FAMILY:
            family = _FAMILY[text[i]]
            first = None
            k = i + 1
            while k < len(text):
                if k in atoms:
                    k = atoms[k]
                    continue
                if text[k] in family:
                    if k + 1 == len(text) or text[k + 1].isspace():
                        return text[i + 1 : k], k + 1
                    if first is None:
                        first = k
                k += 1
            if first is not None:
                shown = _snippet(text[: first + 2], token_start)
                raise UsageError(f"Put a space after the closing quote in `{shown}`.")
            raise UsageError(f"Close the quote you opened in `{_snippet(text, token_start)}`.")
        k = i
        while k < len(text) and not text[k].isspace():
            k = atoms.get(k, k + 1)
        return text[i:k], k


def parse(
    text: str,
    *,
    keys: Collection[str] | None = None,
    free_text_after: int | None = None,
) -> Parsed:
    """Split command text into words and key=value options; only `UsageError` escapes.

    `keys` limits which `key=value` tokens are options (others stay words). With
    `free_text_after=n`, reading stops after n words (options before that point are still
    read); the rest is free text, never tokenized: read it with `text_after(n)`.
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise UsageError("Type the command's arguments as text.")
    if len(text) > MAX_LENGTH:
        raise UsageError(f"Shorten the command to at most {MAX_LENGTH:,} characters.")
    allowed = None if keys is None else frozenset(_key(k) for k in keys)
    normalized, atoms = _normalize(text)
    tokenizer = _Tokenizer(normalized, atoms)

    words: list[str] = []
    starts: list[int] = []
    options: dict[str, str] = {}
    rest: int | None = None
    i = tokenizer.skip_space(0)
    while i < len(normalized):
        start = i
        m = _KEY.match(normalized, i)
        is_option = bool(m) and (allowed is None or _key(m.group(1)) in allowed)
        if free_text_after is not None and len(words) >= free_text_after and not is_option:
            rest = start
            break
        if m:
            value, i = tokenizer.value(m.end(), start)
            if is_option:
                key = _key(m.group(1))
                if key in options:
                    raise UsageError(f"Give {key}= only once.")
                options[key] = value
            else:
                words.append(f"{m.group(1)}={value}")
                starts.append(start)
        else:
            value, i = tokenizer.value(i, start)
            words.append(value)
            starts.append(start)
        i = tokenizer.skip_space(i)
    if free_text_after is not None and rest is None:
        rest = len(normalized)
    return Parsed(
        words=tuple(words),
        options=options,
        raw=text,
        _text=normalized,
        _starts=tuple(starts),
        _rest=rest,
    )


# --- formatting --------------------------------------------------------------------------


def quote(value: str) -> str:
    """`value` as one token `parse` reads back, in Slack's wire form (& < > escaped).

    Raises ValueError for a value no quoting can carry: control characters, or both a
    double and a single quote mark followed by whitespace.
    """
    if _plain(value) != value:
        raise ValueError("control characters cannot be sent in a command")
    needs_quotes = (
        not value
        or any(c.isspace() for c in value)
        or value[0] in _FAMILY
        or _KEY.match(value) is not None
    )
    if not needs_quotes:
        return _escape(value)
    for mark, family in (('"', _DOUBLE), ("'", _SINGLE)):
        closes_early = any(
            c in family and value[k + 1].isspace() for k, c in enumerate(value[:-1])
        )
        if not closes_early:
            return f"{mark}{_escape(value)}{mark}"
    raise ValueError(f"cannot quote {value!r}: it holds both kinds of quote before a space")


def format_args(words: Iterable[str], options: Mapping[str, str] | None = None) -> str:
    """Words, then key=value pairs, quoted where needed: the text `parse` reads back."""
    parts = [quote(w) for w in words]
    for key, value in (options or {}).items():
        if not _KEY.fullmatch(f"{key}="):
            raise ValueError(f"{key!r} is not a valid option name")
        parts.append(f"{key}={quote(value)}")
    return " ".join(parts)


# --- binding -----------------------------------------------------------------------------


def _is_collection(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_collection(a) for a in get_args(annotation) if a is not type(None))


def _slot(field_name: str, positional: Sequence[str]) -> str:
    """How a field is written in help: EVENT for a word, name=… for an option."""
    return field_name.upper() if field_name in positional else f"{field_name}=…"


def _human_list(items: Sequence[str], joiner: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {joiner} " + items[-1]


def _example(model: type[BaseModel], field_name: str) -> str | None:
    examples = model.model_fields[field_name].examples
    return str(examples[0]) if examples else None


def bind(parsed: Parsed, model: type[M], *, positional: Sequence[str] = ()) -> M:
    """Build `model` from words (to the `positional` fields, in order) and options.

    Strip subcommand words first (`parsed.drop(1)`). Every mistake — an extra word, an
    unknown option, a missing field, a value of the wrong shape — is a one-sentence
    `UsageError`. Option keys are field names; a comma list fills a list-typed field.
    """
    fields = model.model_fields
    for name in positional:
        if name not in fields:
            raise ValueError(f"{model.__name__} has no field {name!r}")
    options_allowed = [n for n in fields if n not in positional]

    if len(parsed.words) > len(positional):
        extra = parsed.words[len(positional)]
        if positional:
            expected = " ".join(n.upper() for n in positional)
            raise UsageError(f"Remove “{extra}”: this takes only {expected}, then key=value options.")
        raise UsageError(f"Remove “{extra}”: this takes only key=value options.")

    data: dict[str, Any] = {
        name: word if (fields[name].json_schema_extra or {}).get("slack_reference") else mentions_as_text(word)
        for name, word in zip(positional, parsed.words)
    }
    for key, value in parsed.options.items():
        if key not in fields:
            allowed = _human_list([f"{n}=" for n in options_allowed], "or")
            if allowed:
                raise UsageError(f"Drop {key}=: the options here are {allowed}.")
            raise UsageError(f"Drop {key}=: this takes no options.")
        if key in data:
            raise UsageError(f"Give {key.upper()} once, either as a word or as {key}=.")
        if not (fields[key].json_schema_extra or {}).get("slack_reference"):
            value = mentions_as_text(value)
        if _is_collection(fields[key].annotation):
            data[key] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            data[key] = value

    missing = [n for n, f in fields.items() if f.is_required() and n not in data]
    if missing:
        names = _human_list([_slot(n, positional) for n in missing])
        example = _example(model, missing[0])
        if len(missing) == 1 and example is not None:
            shown = quote(example) if missing[0] in positional else f"{missing[0]}={quote(example)}"
            raise UsageError(f"Add {names}, for example {shown}.")
        raise UsageError(f"Add {names}: {'it is' if len(missing) == 1 else 'they are'} required.")

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UsageError(_explain(exc, data, positional)) from None


_NUMBER_HINTS = {
    "int_parsing": "a whole number like 300",
    "int_type": "a whole number like 300",
    "int_from_float": "a whole number like 300",
    "float_parsing": "a number like 25 or 25.00",
    "float_type": "a number like 25 or 25.00",
    "decimal_parsing": "a number like 25 or 25.00",
    "decimal_type": "a number like 25 or 25.00",
    "finite_number": "a number like 25 or 25.00",
    "bool_parsing": "yes or no",
    "bool_type": "yes or no",
    "datetime_parsing": "a date and time like 2031-07-01 19:00",
    "datetime_from_date_parsing": "a date and time like 2031-07-01 19:00",
    "datetime_type": "a date and time like 2031-07-01 19:00",
    "date_parsing": "a date like 2031-07-01",
    "date_from_datetime_parsing": "a date like 2031-07-01",
    "date_from_datetime_inexact": "a date like 2031-07-01",
    "date_type": "a date like 2031-07-01",
    "time_parsing": "a time like 09:00",
    "time_type": "a time like 09:00",
    "string_type": "text",
}

_BOUND_HINTS = {
    "greater_than": "greater than {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "at most {le}",
    "multiple_of": "a multiple of {multiple_of}",
    "string_too_short": "at least {min_length} characters long",
    "string_too_long": "at most {max_length} characters long",
    "too_short": "at least {min_length} items",
    "too_long": "at most {max_length} items",
    "decimal_max_places": "a number with at most {decimal_places} decimal places",
    "decimal_max_digits": "a number with at most {max_digits} digits",
    "decimal_whole_digits": "a number with at most {whole_digits} digits before the point",
}


def _explain(exc: ValidationError, data: Mapping[str, Any], positional: Sequence[str]) -> str:
    """One sentence for the first validation error: the field, and what a good value is."""
    error = exc.errors(include_url=False)[0]
    loc = error.get("loc") or ()
    field_name = str(loc[0]) if loc else ""
    label = (field_name.upper() if field_name in positional else field_name) or "the input"
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    given = data.get(field_name)
    shown = f", not “{_snippet(given, 0, 40)}”" if isinstance(given, str) and given else ""

    if kind in _NUMBER_HINTS:
        return f"{label} must be {_NUMBER_HINTS[kind]}{shown}."
    if kind in _BOUND_HINTS:
        try:
            hint = _BOUND_HINTS[kind].format(**ctx)
        except (KeyError, IndexError, ValueError):
            hint = None
        if hint:
            return f"{label} must be {hint}{shown}."
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{label} must be {expected}{shown}."
    if kind == "missing":
        return f"Add {_slot(field_name, positional)}: it is required."
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error") or error.get("msg", ""))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ").rstrip(".")
        return f"Check {label}: {message}."
    message = str(error.get("msg", "is not valid")).rstrip(".")
    return f"Check {label}: {message[:1].lower() + message[1:]}{shown}."
