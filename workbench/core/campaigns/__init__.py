"""Outreach campaigns (issue #16): targets from company filters and/or a map selection,
ranked by a transparent score, assigned to consultants, tracked by status; visit routes and
exports. Qt-free; every function takes a Store."""

from .model import (
    ADVERTISING_NOTE,
    ADVERTISING_POLICIES,
    DEFAULT_RADIUS_KM,
    STATUSES,
    CampaignError,
    ScoreWeights,
    status_key,
)
from .records import (
    Campaign,
    Created,
    assign,
    create_campaign,
    delete_campaign,
    history,
    list_campaigns,
    load_campaign,
    progress,
    set_status,
    targets,
)
from .visits import day_visits

__all__ = [
    "ADVERTISING_NOTE",
    "ADVERTISING_POLICIES",
    "DEFAULT_RADIUS_KM",
    "STATUSES",
    "Campaign",
    "CampaignError",
    "Created",
    "ScoreWeights",
    "assign",
    "create_campaign",
    "day_visits",
    "delete_campaign",
    "history",
    "list_campaigns",
    "load_campaign",
    "progress",
    "set_status",
    "status_key",
    "targets",
]
