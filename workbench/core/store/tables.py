"""Which cache tables are reference data and which hold people, user work or audit records.

Reference tables hold public data the source plugins load (registers, taxonomies,
boundaries, statistics): a plugin may declare, write and read them. Every other table
(candidates and their side tables, collaborations, saved selections, import profiles, the
refresh and audit logs, rejects) is closed to plugins.
"""

from __future__ import annotations

REFERENCE_TABLES: frozenset[str] = frozenset(
    {
        "addresses",
        "companies",
        "company_history",
        "industries",
        "industries_db25",
        "industry_key",
        "job_postings",
        "municipalities",
        "occupations",
        "qualifications",
        "regions",
        "shortage",
        "unemployment_stats",
    }
)

# Tables about people: never declared by a plugin (the case-system import writes them).
# The privacy tables are named here too, so a plugin is refused them by name even in a
# cache where they do not exist yet: the audit log (who saw which candidate), what was
# shared with whom, and when imports confirmed a jobcenter's candidates (issue #15).
PRIVACY_TABLES: frozenset[str] = frozenset({"audit_log", "shares", "candidate_confirmations"})
PERSON_TABLES: frozenset[str] = (
    frozenset({"candidates", "candidate_occupations", "candidate_qualifications"}) | PRIVACY_TABLES
)


def is_reference_table(name: str) -> bool:
    return name.lower() in REFERENCE_TABLES
