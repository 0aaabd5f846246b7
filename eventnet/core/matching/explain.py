"""Human explanations of a match, built from the parts of its score.

Public API
----------
``Reason(kind, tags=(), weight=0.0)``  one structured reason; ``as_dict()`` for JSON.
``REASON_KINDS``                       the reason codes, in display priority order.
                                       Tags are tag labels, except for ``text_they_offer``
                                       and ``text_they_seek`` whose one "tag" is a quoted
                                       sentence of the partner's profile text.
``MESSAGES`` / ``ROLE_MESSAGES``       English msgids (``%(tags)s`` format strings).
``render_explanation(reasons, gettext=lambda s: s, tag_label=lambda t: t) -> str``
                                       one English (or translated) paragraph.

Translation: every string shown to users is a msgid in ``MESSAGES``, ``ROLE_MESSAGES`` or
the list-joining strings below, wrapped in the no-op marker ``N_`` so that
``pybabel extract -k N_`` finds them. The Flask layer passes its ``gettext`` (and optionally
a ``tag_label`` function to translate tag labels); the format string is looked up through
``gettext`` first and only then filled with ``%`` — so translators may reorder ``%(tags)s``.
All sentences speak to the reader ("you") about the partner ("they"): no gendered pronouns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple


def N_(message: str) -> str:
    """Mark a string for translation without translating it (extraction keyword)."""
    return message


#: Reason codes in the order they are shown.
REASON_KINDS: tuple[str, ...] = (
    "pinned",
    "shared_interests",
    "they_offer",
    "they_seek",
    "text_they_offer",
    "text_they_seek",
    "partner_role",
    "new_contact",
)

MESSAGES: dict[str, str] = {
    "pinned": N_("The organizers suggested this meeting."),
    "shared_interests": N_("You both work on %(tags)s."),
    "they_offer": N_("They offer %(tags)s, which you are looking for."),
    "they_seek": N_("They are looking for %(tags)s, which you offer."),
    "text_they_offer": N_("What they offer matches what you are looking for."),
    "text_they_seek": N_("What they are looking for matches what you offer."),
    "text_they_offer_quote": N_("What they offer matches what you are looking for: “%(tags)s”"),
    "text_they_seek_quote": N_("What they are looking for matches what you offer: “%(tags)s”"),
    "new_contact": N_("They are a new contact from another organization."),
}

ROLE_MESSAGES: dict[str, str] = {
    "employer": N_("They attend as an employer."),
    "staff": N_("They attend as higher-education staff."),
    "student": N_("They attend as an international degree student."),
}

LIST_SEPARATOR = N_(", ")
LIST_LAST = N_("%(items)s and %(last)s")


class Reason(NamedTuple):
    """One reason for a match (immutable). ``tags`` are display labels (untranslated);
    ``weight`` is the reason's share of the score (for ordering, not for display)."""

    kind: str
    tags: tuple[str, ...] = ()
    weight: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "tags": list(self.tags), "weight": round(self.weight, 4)}


def _join(items: Sequence[str], gettext: Callable[[str], str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    head = gettext(LIST_SEPARATOR).join(items[:-1])
    return gettext(LIST_LAST) % {"items": head, "last": items[-1]}


def render_explanation(
    reasons: Iterable[Reason],
    gettext: Callable[[str], str] = lambda s: s,
    tag_label: Callable[[str], str] = lambda t: t,
) -> str:
    """Build the explanation paragraph for a list of reasons.

    Unknown reason kinds are skipped, so old stored reasons never break rendering.
    """
    sentences: list[str] = []
    for reason in reasons:
        if reason.kind == "partner_role":
            role = reason.tags[0] if reason.tags else ""
            msgid = ROLE_MESSAGES.get(role)
            if msgid:
                sentences.append(gettext(msgid))
            continue
        msgid = MESSAGES.get(reason.kind)
        if msgid is None:
            continue
        if reason.tags and f"{reason.kind}_quote" in MESSAGES:
            # free-text reasons carry one quoted sentence of the partner's profile
            sentences.append(gettext(MESSAGES[f"{reason.kind}_quote"]) % {"tags": reason.tags[0]})
            continue
        if "%(tags)s" in msgid:
            if not reason.tags:
                continue
            tags = _join([tag_label(t) for t in reason.tags], gettext)
            sentences.append(gettext(msgid) % {"tags": tags})
        else:
            sentences.append(gettext(msgid))
    return " ".join(sentences)
