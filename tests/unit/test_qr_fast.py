"""The fast QR code path draws exactly what segno draws (same mask, same modules, same PNG)."""

from __future__ import annotations

import io
import random
import string

import pytest
import segno

from eventnet.services import qr_fast
from eventnet.services.tickets import qr_png

ALPHABET = string.ascii_letters + string.digits + "/:.-_?=&"


def _samples(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    samples = [
        "HELLO",  # a Micro QR code
        "https://events.example.org/admin/events/employer-night/checkin/K7FQ-9MXT",
        "http://127.0.0.1:8123/admin/events/popular-c64/checkin/ABCD-EFGH",
        "x" * 200,  # version >= 7: version information blocks
    ]
    for _ in range(count):
        length = rnd.choice((3, 12, 40, 70, 90, 150))
        samples.append("".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, length))))
    return samples


@pytest.mark.parametrize("error", ["l", "m", "q", "h"])
def test_the_same_symbol_as_segno(error: str) -> None:
    masks = set()
    for data in _samples(60, seed=ord(error)):
        expected = segno.make(data, error=error)
        got = qr_fast.make(data, error=error)
        assert (got.version, got.error) == (expected.version, expected.error)
        assert got.mask == expected.mask, data
        assert got.matrix == expected.matrix, data
        masks.add(got.mask)
    assert len(masks) >= 5  # the evaluation was really exercised, not one mask every time


def test_the_same_png_bytes_as_segno() -> None:
    for data in _samples(40, seed=7):
        code = segno.make(data, error="m")
        for scale, border in ((5, 2), (6, 2), (1, 4), (3, 0)):
            buffer = io.BytesIO()
            code.save(buffer, kind="png", scale=scale, border=border)
            assert qr_fast.png(code, scale=scale, border=border) == buffer.getvalue()


def test_ticket_qr_png_is_segnos() -> None:
    data = "https://events.example.org/admin/events/employer-night/checkin/K7FQ-9MXT"
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=5, border=2)
    assert qr_png(data, scale=5) == buffer.getvalue()
