"""Forms of the organizer area."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..models import AttendeeRole
from ..services.event_admin import has_control_chars

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class AdminForm(FlaskForm):
    """Every organizer form: also refuses invisible control characters in text."""

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        for f in self:
            if isinstance(f.data, str) and has_control_chars(
                f.data, multiline=isinstance(f, TextAreaField)
            ):
                f.errors = [*f.errors, str(_l("Please remove invisible control characters."))]
                ok = False
        return ok


def select_choices(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def role_choices() -> list[SelectChoice]:
    return select_choices(
        [
            (AttendeeRole.STUDENT.value, _l("International degree student")),
            (AttendeeRole.STAFF.value, _l("Higher-education staff")),
            (AttendeeRole.EMPLOYER.value, _l("Employer representative")),
        ]
    )


class OrganizerForm(AdminForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    is_admin = BooleanField(_l("Administrator (manages organizers, sees every event)"))


class EventForm(AdminForm):
    """Every setting of an event. Times are wall-clock times in the event's time zone."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Lower-case letters, digits and hyphens, e.g. career-day-2027."),
    )
    summary = StringField(_l("One-line summary"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=20000)])
    agenda = TextAreaField(_l("Agenda (Markdown)"), validators=[Length(max=10000)])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    starts_at = DateTimeLocalField(
        _l("Starts"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMAT, validators=[InputRequired()])
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    capacity = IntegerField(
        _l("Capacity (places in total)"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
    )
    quota_student = IntegerField(
        _l("Places for international degree students"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        default=0,
    )
    quota_staff = IntegerField(
        _l("Places for higher-education staff"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        default=0,
    )
    quota_employer = IntegerField(
        _l("Places for employer representatives"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        default=0,
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format=DATETIME_FORMAT, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_FORMAT, validators=[Optional()]
    )
    double_opt_in = BooleanField(_l("Ask registrants to confirm their e-mail address"))
    pending_hold_minutes = IntegerField(
        _l("Hold an unconfirmed place for (minutes)"),
        validators=[InputRequired(), NumberRange(min=5, max=60 * 24 * 14)],
        default=60 * 24,
    )
    default_locale = SelectField(
        _l("Main language of the texts"),
        validate_choice=False,  # checked by the service; a missing value means the default
        description=_l("Visitors who use another language see its translation when given."),
    )
    interests = TextAreaField(
        _l("Interest tags, one per line"),
        validators=[Length(max=20000)],
        description=_l("What registrants choose from as interests, offers and seeks."),
    )


def event_form_class(languages: dict[str, str]) -> type[EventForm]:
    """EventForm with title, summary and description fields for each of ``languages``
    (code -> name; fields ``title_fi``, ``summary_fi``, ``description_fi``...), labelled with
    the language so that every label on the page is unique."""
    from flask_babel import gettext as _

    extra: dict[str, Any] = {}
    for lang, name in languages.items():
        extra[f"title_{lang}"] = StringField(
            _("Title in %(language)s", language=name), validators=[Length(max=200)]
        )
        extra[f"summary_{lang}"] = StringField(
            _("One-line summary in %(language)s", language=name), validators=[Length(max=300)]
        )
        extra[f"description_{lang}"] = TextAreaField(
            _("Description in %(language)s (Markdown)", language=name),
            validators=[Length(max=20000)],
        )
    return type("LocalizedEventForm", (EventForm,), extra)


class CloneForm(AdminForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Web address"), validators=[DataRequired(), Length(max=80)])
    starts_at = DateTimeLocalField(
        _l("Starts"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )


class StatusForm(AdminForm):
    action = HiddenField(validators=[DataRequired()])


class ConfirmForm(AdminForm):
    """A POST button with CSRF and nothing else."""


class TagForm(AdminForm):
    label = StringField(_l("Tag"), validators=[DataRequired(), Length(max=80)])
    category = StringField(_l("Category (optional)"), validators=[Length(max=80)])


class MergeForm(AdminForm):
    sources = SelectMultipleField(_l("Merge these tags"), coerce=int)
    target = SelectField(_l("into this tag"), coerce=int)


class SlotSeriesForm(AdminForm):
    first_start = DateTimeLocalField(
        _l("First slot starts"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    minutes = IntegerField(
        _l("Minutes per meeting"), validators=[InputRequired(), NumberRange(5, 240)], default=15
    )
    count = IntegerField(
        _l("Number of slots"), validators=[InputRequired(), NumberRange(1, 50)], default=8
    )
    gap_minutes = IntegerField(
        _l("Break between slots (minutes)"),
        validators=[InputRequired(), NumberRange(0, 120)],
        default=5,
    )


class TablesForm(AdminForm):
    count = IntegerField(
        _l("How many tables"), validators=[InputRequired(), NumberRange(1, 100)], default=10
    )
    prefix = StringField(_l("Label"), validators=[Length(max=30)], default="Table")


class RenameForm(AdminForm):
    label = StringField(_l("New label"), validators=[DataRequired(), Length(max=80)])
    category = StringField(_l("Category"), validators=[Length(max=80)])


class CoOrganizerForm(AdminForm):
    email = EmailField(
        _l("Organizer's e-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class NotesForm(AdminForm):
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=5000)],
        description=_l(
            "Only organizers of this event see these notes, and the person in the copy of "
            "their data they may download (GDPR right of access)."
        ),
    )


class AttendeeEditForm(AdminForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organization = StringField(_l("Organization"), validators=[Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Length(max=200)])
    degree_programme = StringField(_l("Degree programme"), validators=[Length(max=200)])
    study_level = SelectField(
        _l("Study level"),
        choices=[
            SelectChoice("", _l("—")),
            SelectChoice("bachelor", _l("Bachelor")),
            SelectChoice("master", _l("Master")),
            SelectChoice("doctoral", _l("Doctoral")),
            SelectChoice("other", _l("Other")),
        ],
        validators=[Optional()],
    )
    graduation_year = IntegerField(
        _l("Expected graduation year"), validators=[Optional(), NumberRange(1950, 2100)]
    )
    country = StringField(_l("Country (two letters)"), validators=[Optional(), Length(2, 2)])
    interests = SelectMultipleField(_l("Interests"), coerce=int, validators=[Optional()])
    offers = SelectMultipleField(_l("Offers"), coerce=int, validators=[Optional()])
    seeks = SelectMultipleField(_l("Seeks"), coerce=int, validators=[Optional()])
    offer_text = TextAreaField(_l("What they offer"), validators=[Length(max=500)])
    seek_text = TextAreaField(_l("What they look for"), validators=[Length(max=500)])
    goals = TextAreaField(_l("Goals"), validators=[Length(max=1000)])
    dietary_needs = StringField(_l("Dietary needs"), validators=[Length(max=300)])
    accessibility_needs = StringField(_l("Accessibility needs"), validators=[Length(max=300)])


class AttendeeAddForm(AdminForm):
    """Manual add and walk-in: the few things a registration needs."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(_l("Role"), validators=[DataRequired()])
    organization = StringField(
        _l("Organization"),
        validators=[Length(max=200)],
        description=_l("Required for staff and employers."),
    )
    position = StringField(
        _l("Job title or degree programme"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Job title for staff and employers, degree programme for students."),
    )
    consent_privacy = BooleanField(
        _l("They have received the privacy notice and agree to it"),
        validators=[DataRequired(_l("Registration needs their agreement to the privacy notice."))],
    )
    send_email = BooleanField(_l("E-mail them their confirmation and ticket"), default=True)


class WalkInForm(AttendeeAddForm):
    check_in_now = BooleanField(_l("Check them in now"), default=True)


class PromoteForm(AdminForm):
    over_quota = BooleanField(_l("Confirm even though the role's quota is full"))


class ImportForm(AdminForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
    )
    consent_attested = BooleanField(
        _l("Everyone in this file has received the privacy notice and agreed to it"),
        validators=[
            DataRequired(_l("An import needs everyone's agreement to the privacy notice."))
        ],
    )
    send_email = BooleanField(_l("E-mail each person their confirmation and ticket"))


class ImportConfirmForm(AdminForm):
    payload = HiddenField(validators=[DataRequired()])
    send_email = HiddenField()


class MessageForm(AdminForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20000)])


class BadgeForm(AdminForm):
    class Meta:
        csrf = False  # a GET download; nothing changes

    layout = SelectField(
        _l("Layout"),
        choices=[
            SelectChoice("a4-8", _l("A4 sheet, eight badges (2 × 4)")),
            SelectChoice("label", _l("Single label, 90 × 55 mm")),
        ],
        default="a4-8",
    )


class ApiTokenForm(AdminForm):
    name = StringField(
        _l("What is this token for?"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("e.g. “University website”; helps you recognise it later."),
    )
