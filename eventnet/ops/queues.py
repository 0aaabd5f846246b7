"""The RQ queue names, importable without RQ installed (the CLI lists them in --help)."""

from __future__ import annotations

QUEUES = ("mail", "matching", "reports", "default")  # in priority order
