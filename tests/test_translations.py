"""Every message of the code and templates is translated into Finnish and Swedish.

The messages are extracted with Babel's own API, from the same mapping (babel.cfg) and with
the same keywords as ``make translations-update``, so this test sees exactly what the
translators' catalogue would contain, including strings added since the catalogue was last
updated. It fails when a message has no translation (or only a fuzzy one) in a language, or
when a translation's placeholders differ from the original (a ``%(name)s`` lost or renamed
would raise KeyError, or silently drop a number, when the page is rendered).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eventnet" / "translations"
LANGUAGES = ("fi", "sv")
# The keywords of `make translations-update` (-k lazy_gettext -k _l) on top of Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|%[diouxXeEfFgGcrs]")

@cache
def extracted() -> dict[str | tuple[str, str], set[str]]:
    """msgid (or (singular, plural)) -> where it was found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    messages: dict[str | tuple[str, str], set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if filename.startswith(".venv") or "/.venv/" in filename:
            continue
        key = message if isinstance(message, str) else (message[0], message[1])
        if key[0] if isinstance(key, tuple) else key:
            messages.setdefault(key, set()).add(f"{filename}:{lineno}")
    return messages


def catalog(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


def placeholders(text: str) -> list[str]:
    return sorted(
        m.group(0) if not m.group(1) else f"%({m.group(1)})" for m in PLACEHOLDER.finditer(text)
    )


def problems(lang: str) -> Iterator[str]:
    cat = catalog(lang)
    for key, where in sorted(extracted().items(), key=lambda kv: str(kv[0])):
        msgid = key[0] if isinstance(key, tuple) else key
        entry = cat.get(key if isinstance(key, str) else key[0])
        place = sorted(where)[0]
        if (
            entry is None
            or entry.fuzzy
            or not entry.string
            or not any(entry.string if isinstance(entry.string, tuple) else (entry.string,))
        ):
            yield f"untranslated ({place}): {msgid!r}"
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in strings:
            if not text:
                yield f"missing plural form ({place}): {msgid!r}"
            elif placeholders(text) != placeholders(msgid) and not (
                isinstance(key, tuple) and placeholders(text) == placeholders(key[1])
            ):
                yield f"placeholders differ ({place}): {msgid!r} -> {text!r}"


def test_extraction_finds_the_messages_of_code_and_templates() -> None:
    found = extracted()
    assert "Skip to content" in found  # templates/base.html
    assert "Dashboard" in found  # a template and eventnet/admin/dashboard.py's labels
    assert any(w.startswith("eventnet/") for where in found.values() for w in where)
    assert len(found) > 500


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang: str) -> None:
    found = list(problems(lang))
    assert not found, f"{len(found)} problems in the {lang} catalogue:\n" + "\n".join(found[:60])
