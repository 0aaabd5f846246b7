"""States and kinds used across the domain; values are stored in the database."""

from __future__ import annotations

import enum


class OrganizationKind(enum.StrEnum):
    HIGHER_EDUCATION = "higher_education"
    EMPLOYER = "employer"
    OTHER = "other"


class AttendeeRole(enum.StrEnum):
    STAFF = "staff"
    STUDENT = "student"
    EMPLOYER = "employer"


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class TagKind(enum.StrEnum):
    INTEREST = "interest"
    OFFER = "offer"
    SEEK = "seek"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MeetingRequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class MeetingSource(enum.StrEnum):
    REQUEST = "request"
    RECOMMENDATION = "recommendation"
    ORGANIZER = "organizer"


class OverrideKind(enum.StrEnum):
    PIN = "pin"
    BLOCK = "block"


class OutcomeType(enum.StrEnum):
    STILL_IN_TOUCH = "still_in_touch"
    INTERNSHIP = "internship"
    JOB = "job"
    THESIS = "thesis"
    PROJECT = "project"
    RESEARCH_COLLABORATION = "research_collaboration"
    GUEST_LECTURE = "guest_lecture"
    JOINT_APPLICATION = "joint_application"
    NOTHING_YET = "nothing_yet"


class QuoteConsent(enum.StrEnum):
    NONE = "none"
    ANONYMOUS = "anonymous"
    NAMED = "named"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
