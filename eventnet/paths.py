"""Where templates, migrations and static files live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = PACKAGE_DIR.parent


def _resolve(name: str) -> Path:
    # A wheel ships these inside the package (hatch force-include); a checkout has them at the top.
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else _REPO_DIR / name


TEMPLATES_DIR = _resolve("templates")
MIGRATIONS_DIR = _resolve("migrations")
STATIC_DIR = PACKAGE_DIR / "static"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
