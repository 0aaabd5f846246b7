"""The event report's figures and findings: pure Python over plain dataclasses.

`data` holds what the report is computed from (grouped counts gathered by
`eventnet.services.reports`), `figures.compute_figures` turns it into every number the report
shows, and `findings.compute_findings` into plain-language observations backed by those numbers.
"""

from .data import (
    ROLES,
    AttendeeRow,
    EventInfo,
    Group,
    MeetingGroup,
    OrgGroup,
    OrgPairCount,
    OutcomeMonth,
    ReportData,
    RolePairCount,
    TagGroup,
    TimeCount,
)
from .figures import ORG_KINDS, ReportFigures, compute_figures, outcome_results
from .findings import Finding, compute_findings

__all__ = [
    "ORG_KINDS",
    "ROLES",
    "AttendeeRow",
    "EventInfo",
    "Finding",
    "Group",
    "MeetingGroup",
    "OrgGroup",
    "OrgPairCount",
    "OutcomeMonth",
    "ReportData",
    "ReportFigures",
    "RolePairCount",
    "TagGroup",
    "TimeCount",
    "compute_figures",
    "compute_findings",
    "outcome_results",
]
