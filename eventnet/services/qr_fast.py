"""The same QR codes as ``segno.make(data, error=...)``, in a fraction of the CPU time.

segno picks the data mask by applying each of the eight masks and scoring the result
(ISO/IEC 18004 7.8.3) in pure Python, one module at a time: about 70 % of the time it
takes to draw a ticket's QR code, and the mail worker draws one per ticket mail. Here the
eight candidates are built and scored with numpy, following segno's scoring to the letter
(including how it counts the remainder modules, which it leaves at the value 2 while
scoring), and segno then draws the code with the mask that won, so the symbol is exactly
the one ``segno.make`` would have drawn. tests/unit/test_qr_fast.py compares both on
thousands of inputs.

Micro QR codes (very short data), and anything this module does not know how to do (a
segno whose internals changed), fall back to ``segno.make``.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

import numpy as np
import segno
from segno import encoder as _encoder

_N3 = bytes((1, 0, 1, 1, 1, 0, 1))


def make(data: str, *, error: str = "m") -> segno.QRCode:
    """``segno.make(data, error=error)``, with the data mask chosen faster."""
    code = segno.make(data, error=error, mask=0)
    if code.is_micro:  # short data: segno's own (cheap) evaluation of the four masks
        return segno.make(data, error=error)
    try:
        _apply_best_mask(code)
    except Exception:  # pragma: no cover - a segno this module does not know
        return segno.make(data, error=error)
    return code


def _apply_best_mask(code: segno.QRCode) -> None:
    """Switch ``code`` (drawn with mask 0) to the mask segno's evaluation would choose."""
    final = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    width = final.shape[0]
    base, region, patterns = _layout(width)
    # The modules as segno scores them: function patterns and the reserved (still light)
    # format and version areas from the layout, the masked data in the encoding region.
    unmasked = np.where(region, final ^ patterns[0], base)
    candidates = np.where(region, unmasked ^ patterns, base)
    scores = _scores(candidates)
    best = min(range(len(scores)), key=scores.__getitem__)  # the first of equal scores
    if best == 0:
        return
    matrix = tuple(bytearray(row.tobytes()) for row in np.where(region, candidates[best], final))
    _encoder.add_format_info(matrix, code._version, code._error, best)
    code.matrix = matrix
    code.mask = best


@lru_cache(maxsize=64)
def _layout(width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Function patterns, encoding region and the eight mask patterns of a QR code size."""
    plain = _encoder.make_matrix(width, width)
    _encoder.add_finder_patterns(plain, width, width)
    _encoder.add_alignment_patterns(plain, width, width)
    base = np.array([list(row) for row in plain], dtype=np.uint8)
    function = np.array(base)
    function[-8, 8] = 1  # the dark module: not part of the encoding region (segno does this)
    region = function > 1
    patterns = np.array(
        [
            [[bool(fn(i, j)) for j in range(width)] for i in range(width)]
            for fn in _encoder.get_data_mask_functions(False)
        ],
        dtype=np.uint8,
    )
    for array in (base, region, patterns):
        array.setflags(write=False)
    return base, region, patterns


def _scores(masked: np.ndarray) -> list[int]:
    """segno's ``evaluate_mask`` (N1 + N2 + N3 + N4) of each matrix of ``masked``."""
    count, size, _ = masked.shape
    columns = masked.transpose(0, 2, 1)
    n1 = _runs_scores(masked) + _runs_scores(columns)
    m = masked
    same = (m[:, 1:, 1:] == m[:, 1:, :-1]) & (m[:, 1:, 1:] == m[:, :-1, 1:])
    same &= m[:, 1:, 1:] == m[:, :-1, :-1]
    n2 = 3 * np.count_nonzero(same.reshape(count, -1), axis=1)
    dark = masked.reshape(count, -1).sum(axis=1, dtype=np.int64)
    scores = []
    for k in range(count):
        n3 = 0
        for lines in (masked[k], columns[k]):
            for index in np.flatnonzero(_has_n3(lines)):
                n3 += _n3(lines[index].tobytes(), size)
        percent = float(int(dark[k])) / (size**2)
        n4 = 10 * int(abs(percent * 100 - 50) / 5)
        scores.append(int(n1[k]) + int(n2[k]) + n3 + n4)
    return scores


def _runs_scores(m: np.ndarray) -> np.ndarray:
    """N1 along the rows of each matrix: each run of 5 or more equal modules scores its
    length - 2."""
    count, rows, size = m.shape
    # One flat sequence, the rows separated by a value no module has: no run crosses rows.
    flat = np.full((count, rows, size + 1), 255, dtype=np.uint8)
    flat[:, :, :size] = m
    flat = flat.ravel()
    starts = np.concatenate(([0], np.flatnonzero(np.diff(flat)) + 1))
    lengths = np.diff(starts, append=flat.size)
    long = lengths >= 5
    owner = starts[long] // (rows * (size + 1))
    return np.bincount(owner, weights=lengths[long] - 2, minlength=count).astype(np.int64)


def _has_n3(lines: np.ndarray) -> np.ndarray:
    """Which rows of ``lines`` hold the 1:1:3:1:1 pattern at all (most do not)."""
    width = lines.shape[1] - len(_N3) + 1
    found = np.ones((lines.shape[0], width), dtype=bool)
    for k, value in enumerate(_N3):
        found &= lines[:, k : k + width] == value
    return found.any(axis=1)


def _n3(seq: bytes, size: int) -> int:
    """segno's N3 for one row or column: 1:1:3:1:1 with 4 light modules on one side."""
    count = 0
    idx = seq.find(_N3)
    while idx != -1:
        offset = idx + 7
        if (
            idx in (0, size - 7)
            or not any(seq[max(idx - 4, 0) : min(idx, size)])
            or not any(seq[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3, offset)
    return count


def png(code: segno.QRCode, *, scale: int, border: int) -> bytes:
    """``code.save(buffer, kind="png", scale=scale, border=border)``, byte for byte.

    segno packs the pixels one module at a time in Python; this is its greyscale,
    1 bit per pixel PNG (black on white, the default colours) built with numpy.
    """
    matrix = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    if matrix.max(initial=0) > 1 or scale < 1 or border < 0:  # pragma: no cover
        buffer = io.BytesIO()
        code.save(buffer, kind="png", scale=scale, border=border)
        return buffer.getvalue()
    height, width = matrix.shape
    pixels_wide = (width + 2 * border) * scale
    # Grey level 1 (white) for light modules and the quiet zone, 0 (black) for dark ones.
    rows = np.ones((height, pixels_wide), dtype=np.uint8)
    rows[:, border * scale : (border + width) * scale] = np.repeat(1 - matrix, scale, axis=1)
    packed = np.packbits(rows, axis=1)
    line = packed.shape[1]
    quiet = (b"\0" + np.packbits(np.ones(pixels_wide, dtype=np.uint8)).tobytes()) * (border * scale)
    same_as_above = (b"\2" + bytes(line)) * (scale - 1)  # PNG filter "Up": a repeated line
    idat = bytearray(quiet)
    for row in packed:
        idat += b"\0"
        idat += row.tobytes()
        idat += same_as_above
    idat += quiet
    pixels_high = (height + 2 * border) * scale
    return b"".join(
        (
            b"\211PNG\r\n\032\n",
            _chunk(b"IHDR", struct.pack(">2I5B", pixels_wide, pixels_high, 1, 0, 0, 0, 0)),
            _chunk(b"IDAT", zlib.compress(idat, 9)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(name: bytes, data: bytes) -> bytes:
    head = name + data
    return struct.pack(">I", len(data)) + head + struct.pack(">I", zlib.crc32(head))
