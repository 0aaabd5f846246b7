"""Small guards used by many views, and keeping link secrets out of logs."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Only a local path survives: '//evil', '/\\evil' and 'https:evil' are dropped."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# Paths whose segment after the prefix is a secret (manage links, e-mailed follow-up links).
_SECRET_PATH = re.compile(
    r"^(?P<prefix>/r/|/f/(?:survey|follow-up|unsubscribe|resubscribe)/)[^/?#]+", re.IGNORECASE
)
_SECRET_QUERY = re.compile(r"(?i)\b(token|key|secret)=[^&#\s]+")
REDACTED = "[redacted]"


def redact_path(path: str | None) -> str | None:
    """A path (or query string) fit for logs: link secrets replaced by ``[redacted]``."""
    if not path:
        return path
    path = _SECRET_PATH.sub(lambda m: m.group("prefix") + REDACTED, path)
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}={REDACTED}", path)


class RedactSecretsFilter(logging.Filter):
    """For the development server's request lines (``"GET /r/<token> HTTP/1.1" 200``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _redact_request_line(a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _redact_request_line(text: str) -> str:
    method, _, rest = text.partition(" ")
    if not rest:
        return redact_path(text) or text
    target, _, tail = rest.partition(" ")
    return f"{method} {redact_path(target)} {tail}".rstrip()
