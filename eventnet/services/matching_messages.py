"""The matching engine's user-facing sentences, listed where ``pybabel extract`` finds them.

`eventnet.core.matching.explain` is pure code and marks its msgids with a no-op ``N_``, which
the project's extraction command does not know. This module repeats them with ``_l`` (the
``lazy_gettext`` keyword of babel.cfg/Makefile) so they land in ``messages.pot``;
tests/services/test_matching_service.py fails when the two lists drift apart.

`explanation` renders stored reasons in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..core.matching import Reason, render_explanation

MSGIDS = (
    _l("The organizers suggested this meeting."),
    _l("You both work on %(tags)s."),
    _l("They offer %(tags)s, which you are looking for."),
    _l("They are looking for %(tags)s, which you offer."),
    _l("What they offer matches what you are looking for."),
    _l("What they are looking for matches what you offer."),
    _l("What they offer matches what you are looking for: “%(tags)s”"),
    _l("What they are looking for matches what you offer: “%(tags)s”"),
    _l("They are a new contact from another organization."),
    _l("They attend as an employer."),
    _l("They attend as higher-education staff."),
    _l("They attend as an international degree student."),
    _l(", "),
    _l("%(items)s and %(last)s"),
)


def reasons_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[Reason]:
    """Stored reasons (``Recommendation.reasons``) back into the engine's `Reason`s."""
    out = []
    for item in items or ():
        kind = str(item.get("kind", ""))
        tags = tuple(str(t) for t in item.get("tags", ()) or ())
        out.append(Reason(kind=kind, tags=tags, weight=float(item.get("weight", 0.0) or 0.0)))
    return out


def explanation(reasons: Iterable[Mapping[str, Any]]) -> str:
    """One paragraph explaining a recommendation, in the current language."""
    return render_explanation(reasons_from_dicts(reasons), gettext)
