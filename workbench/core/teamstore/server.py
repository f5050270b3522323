"""The team store's schema on PostgreSQL, created and migrated by the workbench.

``jobkort_schema(version)`` holds how many of :data:`MIGRATIONS` ran. Like the cache's own
migrations, a migration is never edited once released: append a new one. Only team work
without citizen data lives here (campaigns and job orders; docs/rollout.md).
"""

from __future__ import annotations

from typing import Any

# Timestamps are ``timestamp`` (no time zone): the workstations' local wall clock, as the
# cache stores them (every workstation of a jobcenter runs on Danish time).
MIGRATION_1 = [
    """
    CREATE TABLE campaigns (
        name text PRIMARY KEY,
        jobcenter text NOT NULL,           -- the team that owns it (the first pusher's)
        contact_jobcenter text,            -- the cache's campaigns.jobcenter
        created timestamp NOT NULL,
        created_by text,
        filter_json text,
        selection text,
        note text,
        advertising_policy text NOT NULL,
        updated_at timestamp NOT NULL      -- last writer wins on these columns
    )
    """,
    "CREATE INDEX campaigns_jobcenter ON campaigns (jobcenter)",
    """
    CREATE TABLE campaign_targets (
        campaign text NOT NULL REFERENCES campaigns (name) ON DELETE CASCADE,
        cvr text NOT NULL,
        pnr text NOT NULL DEFAULT '',      -- '' for NULL (a key column)
        score double precision NOT NULL,
        components_json text,
        assigned_to text,
        assigned_at timestamp,             -- last writer wins on the assignment
        PRIMARY KEY (campaign, cvr, pnr)
    )
    """,
    """
    CREATE TABLE campaign_target_history (
        campaign text NOT NULL REFERENCES campaigns (name) ON DELETE CASCADE,
        cvr text NOT NULL,
        pnr text NOT NULL DEFAULT '',
        status text NOT NULL,
        "at" timestamp NOT NULL,
        "by" text NOT NULL DEFAULT '',     -- '' for NULL (a key column)
        note text,
        pushed_from text,                  -- the jobcenter of the workstation that pushed it
        PRIMARY KEY (campaign, cvr, pnr, "at", "by", status)
    )
    """,
    """
    CREATE TABLE job_orders (
        id text PRIMARY KEY,
        jobcenter text NOT NULL,
        title text,
        occupation_codes text[],
        cvr text,
        pnr text,
        source_posting_id text,
        received_at timestamp,
        clarify_by timestamp,
        deliver_by timestamp,
        order_json text NOT NULL,
        created timestamp NOT NULL,
        updated timestamp NOT NULL         -- last writer wins on the whole order
    )
    """,
    "CREATE INDEX job_orders_jobcenter ON job_orders (jobcenter)",
    """
    CREATE TABLE shares (
        kind text NOT NULL,                -- campaign | job_order
        ref text NOT NULL,                 -- the campaign's name or the job order's id
        jobcenter text NOT NULL,           -- the jobcenter it is shared with
        shared_by text,
        shared_at timestamp,
        PRIMARY KEY (kind, ref, jobcenter)
    )
    """,
]

MIGRATIONS: list[list[str]] = [MIGRATION_1]
SCHEMA_VERSION = len(MIGRATIONS)

# Serialises migrations and syncs of all workstations: last-writer-wins compares rows
# that another sync could change between the compare and the write.
_LOCK_KEY = 0x4A4F424B  # "JOBK"


def server_version(con: Any) -> int:
    """The team store's schema version (0: not created yet)."""
    with con.cursor() as cur:
        cur.execute("SELECT to_regclass('jobkort_schema') IS NOT NULL")
        if not cur.fetchone()[0]:
            return 0
        cur.execute("SELECT max(version) FROM jobkort_schema")
        row = cur.fetchone()
        return int(row[0] or 0)


def lock_and_migrate(cur: Any) -> int:
    """Inside the caller's transaction: take the team store's lock, create or migrate
    the schema. Returns the version before. A newer schema is refused."""
    from .connection import TeamStoreError

    cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    cur.execute("CREATE TABLE IF NOT EXISTS jobkort_schema (version integer NOT NULL)")
    cur.execute("SELECT max(version) FROM jobkort_schema")
    before = int(cur.fetchone()[0] or 0)
    if before > SCHEMA_VERSION:
        raise TeamStoreError(
            f"the team store's schema is version {before}, newer than this workbench "
            f"({SCHEMA_VERSION}): update the workbench"
        )
    for version in range(before, SCHEMA_VERSION):
        for statement in MIGRATIONS[version]:
            cur.execute(statement)
        cur.execute("INSERT INTO jobkort_schema (version) VALUES (%s)", [version + 1])
    return before
