"""Secrets in links: 256-bit random tokens, of which only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the desk


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and its hash; the token goes in the link, the hash in the database."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def new_ticket_code() -> str:
    """A short code for the desk and the badge, like ``K7FQ-9MXT`` (40 bits)."""
    chars = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"
