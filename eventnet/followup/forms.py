"""Forms of the survey and the follow-up; per-meeting and per-connection fields are added per
request (`survey_form`, `follow_up_form`) because every attendee met different people."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import OutcomeType, QuoteConsent

TEXT_MAX = 2000
NOTE_MAX = 500


def outcome_choices() -> list[tuple[str, Any]]:
    return [
        (OutcomeType.STILL_IN_TOUCH.value, _l("We are still in touch")),
        (OutcomeType.INTERNSHIP.value, _l("Internship")),
        (OutcomeType.JOB.value, _l("Job offer")),
        (OutcomeType.THESIS.value, _l("Thesis or project topic")),
        (OutcomeType.PROJECT.value, _l("Student or company project")),
        (OutcomeType.RESEARCH_COLLABORATION.value, _l("Research collaboration")),
        (OutcomeType.GUEST_LECTURE.value, _l("Guest lecture")),
        (OutcomeType.JOINT_APPLICATION.value, _l("Joint application (funding, a call)")),
        (OutcomeType.NOTHING_YET.value, _l("Nothing yet")),
    ]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SurveyForm(FlaskForm):
    overall_rating = RadioField(
        _l("Overall, how was the event?"),
        choices=[(str(i), str(i)) for i in range(1, 6)],
        validators=[InputRequired(message=_l("Please rate the event overall."))],
    )
    nps = RadioField(
        _l("How likely are you to recommend this event to a colleague or a friend?"),
        choices=[(str(i), str(i)) for i in range(11)],
        validators=[Optional()],
    )
    recommendations_useful = RadioField(
        _l("How useful were the people eventnet suggested you meet?"),
        choices=[(str(i), str(i)) for i in range(1, 6)],
        validators=[Optional()],
    )
    improve = TextAreaField(
        _l("What should we improve next time?"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    comment = TextAreaField(
        _l("Anything else you would like to tell us?"),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    quote_consent = RadioField(
        _l("May we quote your comment in our reports?"),
        choices=[
            (QuoteConsent.NONE.value, _l("No, please do not quote it")),
            (QuoteConsent.ANONYMOUS.value, _l("Yes, anonymously (only my role is shown)")),
            (QuoteConsent.NAMED.value, _l("Yes, with my name and organization")),
        ],
        default=QuoteConsent.NONE.value,
        validators=[Optional()],
    )


def survey_form(meetings: list[Any], **kwargs: Any) -> SurveyForm:
    """The survey with a "was it valuable?" and a "we connected" field per meeting."""

    class Form(SurveyForm):
        pass

    for m in meetings:
        setattr(
            Form,
            f"meeting_{m.meeting_id}",
            RadioField(
                _l("Was this meeting valuable?"),
                choices=[("yes", _l("Yes")), ("no", _l("No"))],
                validators=[Optional()],
            ),
        )
        setattr(
            Form,
            f"connected_{m.meeting_id}",
            BooleanField(_l("We connected: add %(name)s to my connections", name=m.partner_name)),
        )
    return Form(**kwargs)


class FollowUpForm(FlaskForm):
    overall = MultiCheckboxField(
        _l("Overall, what has come of the event for you so far?"),
        choices=outcome_choices,
        validators=[Optional()],
    )
    comment = TextAreaField(
        _l("Tell us more (optional)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )


def follow_up_form(partners: list[Any], **kwargs: Any) -> FollowUpForm:
    """The follow-up with outcome choices and a note per confirmed connection."""

    class Form(FollowUpForm):
        pass

    for p in partners:
        setattr(
            Form,
            f"conn_{p.connection_id}",
            MultiCheckboxField(
                _l("What came of your connection with %(name)s?", name=p.name),
                choices=outcome_choices,
                validators=[Optional()],
            ),
        )
        setattr(
            Form,
            f"note_{p.connection_id}",
            TextAreaField(_l("A note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)]),
        )
    return Form(**kwargs)


class UnsubscribeForm(FlaskForm):
    """One button; the token in the URL is the authority (see views.unsubscribe)."""
