"""The shared team store (issue #18): campaigns and job orders of a jobcenter's team on a
PostgreSQL server, synchronised with each workstation's cache. No citizen data: candidates,
pools, shortlists and the audit log stay on the workstation. Qt-free.

``connection`` (settings, reachability) is light: the configuration loader checks the URL
with it. ``sync`` (the merge) and ``server`` (the PostgreSQL schema) load on use.
"""

from .connection import (
    Reachability,
    TeamStoreConfig,
    TeamStoreError,
    check,
    describe,
    team_store,
    url_problem,
)

__all__ = [
    "Reachability",
    "TeamStoreConfig",
    "TeamStoreError",
    "check",
    "describe",
    "team_store",
    "url_problem",
]
