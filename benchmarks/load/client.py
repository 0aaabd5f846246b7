"""A small asyncio HTTP/1.1 load generator for loopback targets, bounded in count and time.

Closed loop: ``concurrency`` connections each send a request, wait for the whole response,
and send the next one, until ``duration`` seconds or ``max_requests`` requests have passed.
Latency is measured from just before the request (including the TCP connect when the server
closed the previous connection, as gunicorn's sync workers do) to the last body byte.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import math
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

RequestFactory = Callable[[int], bytes]


@dataclass
class Result:
    name: str
    concurrency: int
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    checked: bool = False  # a check function judged each response (else: status >= 400)

    @property
    def failed(self) -> int:
        if self.checked:
            return sum(self.errors.values())
        bad = sum(n for status, n in self.statuses.items() if status >= 400)
        return bad + sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def percentile(self, p: float) -> float:
        """Latency in milliseconds at percentile ``p`` (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000


def build_request(
    method: str,
    path: str,
    *,
    host: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: eventnet-bench-load"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}\n{value}" if key in headers else value
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return status, headers, body


def _check_loopback(host: str) -> None:
    address = ipaddress.ip_address(socket.gethostbyname(host))
    if not address.is_loopback:
        raise SystemExit(f"refusing to load-test {host}: loopback addresses only")


async def run_load(
    name: str,
    host: str,
    port: int,
    make_request: RequestFactory,
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    timeout: float = 30.0,
    check: Callable[[int, dict[str, str], bytes], str | None] | None = None,
) -> Result:
    """Drive ``make_request(n)`` (n = 0, 1, 2...) against host:port; ``check`` may name an error."""
    _check_loopback(host)
    result = Result(name, concurrency, checked=check is not None)
    counter = itertools.count()
    start = time.perf_counter()
    deadline = start + duration

    async def one_connection() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < deadline:
            n = next(counter)
            if n >= max_requests:
                break
            payload = make_request(n)
            began = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), timeout
                    )
                assert reader is not None
                writer.write(payload)
                status, headers, body = await asyncio.wait_for(read_response(reader), timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                result.errors[type(exc).__name__] += 1
                result.latencies.append(time.perf_counter() - began)
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            result.latencies.append(time.perf_counter() - began)
            result.statuses[status] += 1
            problem = check(status, headers, body) if check else None
            if problem:
                result.errors[problem] += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    result.duration = time.perf_counter() - start
    return result


async def fetch(
    host: str, port: int, request: bytes, timeout: float = 30.0
) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection (for setup steps such as signing in)."""
    _check_loopback(host)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(request)
        return await asyncio.wait_for(read_response(reader), timeout)
    finally:
        writer.close()
