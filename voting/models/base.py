"""Helpers shared by the models: time, tokens, codes, localized texts, enums.

Texts entered by organisers (event names, option titles) are stored per
language as JSON objects ``{"es": …, "en": …}``; :func:`localized` picks the
wanted language and falls back to the event's first language.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from flask import current_app

# Letters and digits that cannot be confused when read off a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random token (``nbytes`` * 8 bits of entropy)."""
    return secrets.token_urlsafe(nbytes)


def new_code(length: int = 6) -> str:
    """A short code from a CSPRNG, without ambiguous glyphs (0/O, 1/I/L)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def hash_token(token: str) -> str:
    """SHA-256 of a token: random tokens need no salt or slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


JOIN_CODE_LENGTH = 6


def _keyed(purpose: str, value: str) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def derive_join_code(salt: str) -> str:
    """The event code for a salt: HMAC(SECRET_KEY, salt) in unambiguous letters."""
    number = int.from_bytes(_keyed("join-code", salt), "big")
    letters = []
    for _ in range(JOIN_CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[digit])
    return "".join(letters)


def derive_link_token(salt: str) -> str:
    """A personal link token for a salt: HMAC(SECRET_KEY, salt), URL-safe.

    The salt is stored, the token is not: a copy of the database alone opens
    no ballot, while the app can print the same link again (a second badge).
    """
    return base64.urlsafe_b64encode(_keyed("personal-link", salt)[:24]).decode()


def normalise_join_code(raw: str) -> str:
    """What the delegate typed, as the code is shown: upper case, no separators."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def hash_join_code(code: str) -> str:
    """Keyed SHA-256 of a normalised join code, stored to look the event up.

    Keyed with SECRET_KEY: a copy of the database alone does not let anyone
    try the few hundred million possible codes offline.
    """
    return _keyed("join-code-hash", normalise_join_code(code)).hex()


def localized(texts: dict[str, str] | None, lang: str, fallback: str) -> str:
    """Text in ``lang``, else in ``fallback``, else any non-empty one."""
    texts = texts or {}
    for key in (lang, fallback, *texts):
        if texts.get(key):
            return texts[key]
    return ""


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    SECRETARIAT = "secretariat"


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Weighting(enum.StrEnum):
    DELEGATE = "delegate"
    DELEGATION = "delegation"
    NATIONAL = "national"
