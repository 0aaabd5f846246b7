"""Public forms. They only parse and coerce input (and check CSRF); the rules live in
`eventnet.services.registration.RegistrationInput.validate`, shared with the API and CSV
import, and its field errors are put back next to the fields here (`apply_errors`)."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length

from ..i18n import current_language
from ..models import AttendeeRole, Event
from ..services.notifications import ROLE_LABELS
from ..services.registration import STUDY_LEVELS, RegistrationInput, country_codes
from ..services.waitlist import Availability, offered_roles

# Stored values are English names (as in the demo data); labels are shown in the user's language.
LANGUAGE_OPTIONS = [
    ("en", "English"),
    ("fi", "Finnish"),
    ("sv", "Swedish"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("et", "Estonian"),
    ("ar", "Arabic"),
    ("fa", "Persian"),
    ("tr", "Turkish"),
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("ur", "Urdu"),
    ("ne", "Nepali"),
    ("zh", "Mandarin"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("vi", "Vietnamese"),
    ("id", "Indonesian"),
    ("sw", "Swahili"),
]
STUDY_LEVEL_LABELS = {
    "bachelor": _l("Bachelor's"),
    "master": _l("Master's"),
    "doctoral": _l("Doctoral"),
    "other": _l("Other"),
}
ROLE_HINTS = {
    AttendeeRole.STUDENT: _l("You study for a degree at a university and come from abroad."),
    AttendeeRole.STAFF: _l("You work at a university or another higher-education institution."),
    AttendeeRole.EMPLOYER: _l("You represent a company or another employer."),
}


class Lenient:
    """Marks a field as required for the label and the macros; the service checks it."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


class ProfileForm(FlaskForm):
    """Everything a registrant may change later (the registration form adds identity)."""

    name = StringField(_l("Full name"), [Lenient()], render_kw={"autocomplete": "name"})
    organization = StringField(
        _l("Organization"), render_kw={"autocomplete": "organization", "list": "org-suggestions"}
    )
    job_title = StringField(_l("Job title"), render_kw={"autocomplete": "organization-title"})
    degree_programme = StringField(_l("Degree programme"))
    study_level = SelectField(_l("Study level"), validate_choice=False)
    graduation_year = StringField(
        _l("Expected graduation year"),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4},
    )
    country = SelectField(_l("Country you come from"), validate_choice=False)
    languages = SelectMultipleField(_l("Languages you speak"), validate_choice=False)
    interests = SelectMultipleField(_l("Topics that interest you"), validate_choice=False)
    other_interests = StringField(_l("Other interests"))
    offers = SelectMultipleField(_l("What I can offer"), validate_choice=False)
    offer_text = TextAreaField(_l("In a sentence: what can you offer?"))
    seeks = SelectMultipleField(_l("What I am looking for"), validate_choice=False)
    seek_text = TextAreaField(_l("In a sentence: what are you looking for?"))
    goals = TextAreaField(_l("Your goals for the event"))
    dietary_needs = StringField(_l("Dietary needs"))
    accessibility_needs = StringField(_l("Accessibility needs"))
    consent_privacy = BooleanField(_l("I have read the privacy notice"), [Lenient()])
    consent_profile = BooleanField(
        _l("Show my profile to other attendees so that we can be matched for meetings")
    )
    consent_photos = BooleanField(_l("I agree to appear in photos taken at the event"))

    TAG_FIELDS = ("interests", "offers", "seeks")

    def setup(self, event: Event) -> None:
        """Fill the choices: the event's taxonomy, countries and languages in this locale."""
        locale = Locale.parse(current_language())
        tags = [(i.label, i.label) for i in event.interests]
        for name in self.TAG_FIELDS:
            self[name].choices = tags
        self.study_level.choices = [("", _l("Choose…"))] + [
            (v, STUDY_LEVEL_LABELS[v]) for v in STUDY_LEVELS
        ]
        names = locale.territories
        countries = sorted(
            ((code, names.get(code, code)) for code in country_codes()),
            key=lambda item: item[1].casefold(),
        )
        self.country.choices = [("", _l("Choose…")), *countries]
        self.languages.choices = [
            (english, (locale.languages.get(code) or english).capitalize())
            for code, english in LANGUAGE_OPTIONS
        ]

    def grouped_tags(self, event: Event) -> list[tuple[str, list[tuple[str, str]]]]:
        """The taxonomy by category as (heading, [(value, label)]), for checkbox groups."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for interest in sorted(event.interests, key=lambda i: (i.category, i.label.casefold())):
            groups.setdefault(interest.category or "", []).append((interest.label, interest.label))
        return list(groups.items())

    def to_input(self, **identity: Any) -> RegistrationInput:
        year = (self.graduation_year.data or "").strip()
        return RegistrationInput(
            name=self.name.data or "",
            organization=self.organization.data or "",
            job_title=self.job_title.data or "",
            degree_programme=self.degree_programme.data or "",
            study_level=self.study_level.data or "",
            graduation_year=int(year) if year.isdigit() and len(year) <= 4 else (year or None),
            country=self.country.data or "",
            languages=list(self.languages.data or []),
            interests=list(self.interests.data or []),
            offers=list(self.offers.data or []),
            seeks=list(self.seeks.data or []),
            other_interests=self.other_interests.data or "",
            offer_text=self.offer_text.data or "",
            seek_text=self.seek_text.data or "",
            goals=self.goals.data or "",
            dietary_needs=self.dietary_needs.data or "",
            accessibility_needs=self.accessibility_needs.data or "",
            consent_privacy=bool(self.consent_privacy.data),
            consent_profile=bool(self.consent_profile.data),
            consent_photos=bool(self.consent_photos.data),
            **identity,
        )

    def fill_from(self, data: RegistrationInput) -> None:
        for name in (
            "name",
            "organization",
            "job_title",
            "degree_programme",
            "study_level",
            "country",
            "languages",
            "interests",
            "offers",
            "seeks",
            "other_interests",
            "offer_text",
            "seek_text",
            "goals",
            "dietary_needs",
            "accessibility_needs",
            "consent_privacy",
            "consent_profile",
            "consent_photos",
        ):
            self[name].data = getattr(data, name)
        self.graduation_year.data = str(data.graduation_year or "")

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's field errors next to the fields (unknown names: on ``name``)."""
        for name, messages in errors.items():
            target = self._fields.get(name, self.name)
            target.errors = [*list(target.errors or []), *messages]


# The order of the fields on the page, so that the error summary lists them the same way.
PAGE_ORDER = (
    "role",
    "name",
    "email",
    "organization",
    "country",
    "languages",
    "job_title",
    "degree_programme",
    "study_level",
    "graduation_year",
    "interests",
    "other_interests",
    "offers",
    "offer_text",
    "seeks",
    "seek_text",
    "goals",
    "dietary_needs",
    "accessibility_needs",
    "consent_privacy",
    "consent_profile",
    "consent_photos",
)


def _page_order(item: tuple[str | None, Any]) -> int:
    return PAGE_ORDER.index(item[0]) if item[0] in PAGE_ORDER else -1


class RegistrationForm(ProfileForm):
    email = EmailField(
        _l("E-mail"), [Lenient()], render_kw={"autocomplete": "email", "spellcheck": "false"}
    )
    role = RadioField(_l("I am"), [Lenient()], validate_choice=False)
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )

    @property
    def errors(self) -> dict[str | None, Any]:  # type: ignore[override]
        return dict(sorted(super().errors.items(), key=_page_order))

    def setup_for(self, event: Event, info: Availability) -> None:
        self.setup(event)
        self.role.choices = [(r.value, ROLE_LABELS[r]) for r in offered_roles(event)]

    def to_registration(self, locale: str) -> RegistrationInput:
        return self.to_input(email=self.email.data or "", role=self.role.data or "", locale=locale)


class LostLinkForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail address"),
        [
            InputRequired(_l("Please enter your e-mail address.")),
            Length(max=254),
            Email(_l("Please enter a valid e-mail address, like name@example.com.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """A button only (CSRF): cancel, confirm, new link."""
