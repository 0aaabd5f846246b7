"""An event's look: its accent colour and logo, and the stylesheet that applies them.

The colour an organizer picks is a wish; what the pages use is always readable: white text on
it, and it as text on the page, card and soft-shade backgrounds, keep WCAG AA contrast (4.5:1),
and its dark shade keeps 7:1, so links and buttons pass however bright the wish was
(`palette` darkens it as much as needed).
The stylesheet is generated from a validated ``#rrggbb`` only, so nothing an organizer types
reaches CSS, and it is served from our own origin (the CSP allows no inline style).

Logos are decoded and re-encoded with Pillow (PNG, or WebP for large opaque photos), shrunk
to 640x240, metadata dropped: what is served is an image we wrote, never the uploaded bytes
(no SVG, no polyglots, no EXIF location). Large or undecodable files are refused with a
message.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, EventLogo, OrganizerAccount
from . import DomainError, NotFound, audit

COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
MAX_UPLOAD_BYTES = 1024 * 1024  # below MAX_CONTENT_LENGTH (2 MB), so the message shows
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
LOGO_BOX = (640, 240)
ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
PNG_BUDGET = 150_000  # bytes; an opaque logo larger than this as PNG is stored as WebP


class InvalidAppearance(DomainError):
    status_code = 400


# --------------------------------------------------------------------------- colours


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse_hex(colour: str) -> tuple[int, int, int]:
    if not COLOUR_RE.fullmatch(colour or ""):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def to_hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _mix(rgb: tuple[int, int, int], other: tuple[int, int, int], t: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * t) for a, b in zip(rgb, other, strict=True))


PAGE_BACKGROUNDS = ((255, 255, 255), (247, 248, 250))  # --c-surface, --c-bg of app.css


def _darken_to(
    rgb: tuple[int, int, int], ratio: float, backgrounds: tuple[tuple[int, int, int], ...]
) -> tuple[int, int, int]:
    """The lightest mix of ``rgb`` with black with ``ratio`` contrast on every background."""
    black = (0, 0, 0)
    step = 0.0
    candidate = rgb
    while min(contrast(candidate, bg) for bg in backgrounds) < ratio and step < 1:
        step = round(step + 0.02, 2)
        candidate = _mix(rgb, black, step)  # type: ignore[assignment]
    return candidate


@dataclass(frozen=True)
class Palette:
    wish: str  # what the organizer chose
    primary: str  # buttons, links: >= 4.5:1 against white
    dark: str  # hover, text on the soft shade: >= 7:1 against white
    soft: str  # backgrounds
    adjusted: bool  # the wish was too light and was darkened


def palette(colour: str) -> Palette:
    """Shades of ``colour`` for the design system: links and buttons (``primary``) stay at
    4.5:1 or more on the page, the card and the soft shade backgrounds; ``dark`` at 7:1 on
    white (and 4.5:1 on the soft shade)."""
    rgb = parse_hex(colour)
    soft = _mix(rgb, (255, 255, 255), 0.88)
    backgrounds = (*PAGE_BACKGROUNDS, soft)
    primary = _darken_to(rgb, 4.6, backgrounds)  # type: ignore[arg-type]
    dark = _darken_to(primary, 7.5, backgrounds)  # type: ignore[arg-type]
    return Palette(
        wish=colour.lower(),
        primary=to_hex(primary),
        dark=to_hex(dark),
        soft=to_hex(soft),  # type: ignore[arg-type]
        adjusted=to_hex(primary) != colour.lower(),
    )


# --------------------------------------------------------------------------- logos


@dataclass(frozen=True)
class LogoInfo:
    width: int
    height: int
    alt: str
    version: str  # changes when the logo does (cache busting)


@dataclass(frozen=True)
class PreparedLogo:
    data: bytes
    content_type: str
    width: int
    height: int


def prepare_logo(raw: bytes) -> PreparedLogo:
    """Decode an uploaded image and write our own small copy of it (or raise)."""
    from PIL import Image, UnidentifiedImageError

    if not raw:
        raise InvalidAppearance(_("The file is empty."), field="logo")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InvalidAppearance(
            _("The logo can be at most %(n)s MB.", n=MAX_UPLOAD_BYTES // (1024 * 1024)),
            field="logo",
        )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidAppearance(_("Upload a PNG, JPEG, WebP or GIF image."), field="logo")
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidAppearance(_("The image is too large."), field="logo")
            probe.seek(0)
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidAppearance(
            _("This file is not an image we can read. Upload a PNG, JPEG, WebP or GIF."),
            field="logo",
        ) from exc
    image.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)  # crisp edges for the usual flat logo
    content_type = "image/png"
    if out.tell() > PNG_BUDGET and image.getextrema()[3][0] == 255:  # a photo: WebP is smaller
        out = io.BytesIO()
        image.convert("RGB").save(out, "WEBP", quality=88, method=4)
        content_type = "image/webp"
    return PreparedLogo(out.getvalue(), content_type, image.width, image.height)


def logo_info(event_id: int) -> LogoInfo | None:
    row = db.session.execute(
        sa.select(
            EventLogo.width, EventLogo.height, EventLogo.alt_text, EventLogo.updated_at
        ).where(EventLogo.event_id == event_id)
    ).first()
    if row is None:
        return None
    version = hashlib.sha256(row.updated_at.isoformat().encode()).hexdigest()[:10]
    return LogoInfo(row.width, row.height, row.alt_text, version)


def logo_file(event_id: int) -> tuple[bytes, str] | None:
    row = db.session.execute(
        sa.select(EventLogo.data, EventLogo.content_type).where(EventLogo.event_id == event_id)
    ).first()
    return (bytes(row.data), row.content_type) if row else None


# --------------------------------------------------------------------------- the stylesheet


def theme_version(event: Event, logo: LogoInfo | None) -> str:
    """Changes whenever the stylesheet would (for ``?v=`` in its URL)."""
    key = f"{event.accent_color or ''}:{logo.version if logo else ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def theme_css(event: Event) -> str:
    """The event's stylesheet: its colours as the design system's custom properties."""
    lines = [f"/* {event.slug}: generated from the event's appearance settings */"]
    if event.accent_color and COLOUR_RE.fullmatch(event.accent_color):
        p = palette(event.accent_color)
        lines += [
            ":root {",
            f"  --c-primary: {p.primary};",
            f"  --c-primary-dark: {p.dark};",
            f"  --c-primary-soft: {p.soft};",
            f"  --c-event-accent: {p.primary};",
            "}",
        ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the use case


def update_appearance(
    event_id: int,
    *,
    accent_color: str | None,
    logo: bytes | None = None,
    logo_alt: str | None = None,
    remove_logo: bool = False,
    actor: OrganizerAccount,
    now: datetime,
) -> Event:
    """Set the accent colour (None: eventnet's own), replace or remove the logo, and say who
    the logo stands for (its alternative text; empty when it only decorates)."""
    colour = (accent_color or "").strip().lower() or None
    if colour and not COLOUR_RE.fullmatch(colour):
        raise InvalidAppearance(_("Use a colour like #1f5fbf."), field="accent_color")
    alt = " ".join((logo_alt or "").split())
    if len(alt) > 200:
        raise InvalidAppearance(_("At most %(n)d characters.", n=200), field="logo_alt")
    prepared = prepare_logo(logo) if logo else None
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    current = db.session.get(EventLogo, event_id)
    before = {
        "accent_color": event.accent_color,
        "logo": bool(current),
        "logo_alt": current.alt_text if current else "",
    }
    event.accent_color = colour
    if remove_logo and current is not None:
        db.session.delete(current)
        current = None
    elif prepared is not None:
        if current is None:
            current = EventLogo(event_id=event_id)
            db.session.add(current)
        current.data = prepared.data
        current.content_type = prepared.content_type
        current.width, current.height = prepared.width, prepared.height
        current.updated_at = now
    if current is not None and current.alt_text != alt:
        current.alt_text = alt
        current.updated_at = now
    after = {
        "accent_color": colour,
        "logo": current is not None,
        "logo_alt": current.alt_text if current is not None else "",
    }
    old, new = audit.changes(before, after)
    if prepared is not None:
        old["logo_file"], new["logo_file"] = "", f"{prepared.width}x{prepared.height}"
    if new:
        event.updated_at = now
        audit.record("event.updated", event_id=event_id, actor=actor, before=old, after=new, at=now)
    db.session.commit()
    return event
