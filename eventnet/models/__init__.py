"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from .accounts import ApiToken, EventOrganizer, OrganizerAccount
from .audit import AuditEntry
from .branding import EventLogo
from .enums import (
    AttendeeRole,
    EventStatus,
    JobStatus,
    MeetingRequestStatus,
    MeetingSource,
    MeetingStatus,
    OrganizationKind,
    OutboxStatus,
    OutcomeType,
    OverrideKind,
    QuoteConsent,
    RegistrationStatus,
    TagKind,
)
from .event import Event, Interest, RoleQuota
from .followup import (
    Connection,
    FeedbackInvitation,
    FeedbackResponse,
    FollowUp,
    MeetingFeedback,
    Outcome,
)
from .jobs import BackgroundJob
from .matching import (
    Bookmark,
    MatchOverride,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    MeetingTable,
    Recommendation,
    Unavailability,
)
from .outbox import OutboxMessage
from .people import Organization, Person
from .registration import ACTIVE_STATUSES, Registration, RegistrationTag
from .types import UTCDateTime, utcnow

__all__ = [
    "ACTIVE_STATUSES",
    "ApiToken",
    "AttendeeRole",
    "AuditEntry",
    "BackgroundJob",
    "Bookmark",
    "Connection",
    "Event",
    "EventLogo",
    "EventOrganizer",
    "EventStatus",
    "FeedbackInvitation",
    "FeedbackResponse",
    "FollowUp",
    "Interest",
    "JobStatus",
    "MatchOverride",
    "Meeting",
    "MeetingFeedback",
    "MeetingRequest",
    "MeetingRequestStatus",
    "MeetingSlot",
    "MeetingSource",
    "MeetingStatus",
    "MeetingTable",
    "Organization",
    "OrganizationKind",
    "OrganizerAccount",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "OutcomeType",
    "OverrideKind",
    "Person",
    "QuoteConsent",
    "Recommendation",
    "Registration",
    "RegistrationStatus",
    "RegistrationTag",
    "RoleQuota",
    "TagKind",
    "UTCDateTime",
    "Unavailability",
    "utcnow",
]
