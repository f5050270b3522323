"""Which candidates a user may see: the jobcenter scope, in one place.

A consultant sees their own jobcenter's candidates and the candidates of pools or job orders
another jobcenter shared with them (the ``shares`` table); a team lead sees the same
candidates as aggregates only (counts, density; no rows, details or person exports). Without
a configured jobcenter (a single-user installation, the demo) the scope is the whole cache.

:class:`Scope` is a frozen value: it rides inside the :class:`~workbench.core.filters.Filter`
to the query worker, and ``compile_where`` adds :meth:`Scope.candidate_sql` to every
candidate query; the person-row read (``store.rows``) adds it to every read by key.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ..errors import WorkbenchError

ROLES: tuple[str, ...] = ("konsulent", "teamleder", "administrator")
# Older spellings that keep working (the session's first default was English).
ROLE_ALIASES: dict[str, str] = {"consultant": "konsulent", "team_lead": "teamleder"}

# How a shared thing lists its candidates: kind -> (table, SELECT giving ``ref``,
# ``jobcenter`` and ``candidate_id``). candidate_id is unique only within a jobcenter, so a
# member is named by both: a share opens exactly its members, not every candidate with the
# same id in other jobcenters. Pools and job orders are other modules' tables; a kind whose
# table does not exist in a cache, or has no ``jobcenter`` column, is left out (fails
# closed). Modules that add a kind register it here.
SHARE_MEMBERS: dict[str, tuple[str, str]] = {
    "pool": (
        "pool_members",
        "SELECT pool AS ref, jobcenter, candidate_id FROM pool_members WHERE left_at IS NULL",
    ),
    "job_order": (
        "job_order_candidates",
        "SELECT CAST(job_order_id AS VARCHAR) AS ref, jobcenter, candidate_id "
        "FROM job_order_candidates",
    ),
}
# "collaborations": jobcenter ``ref`` shows its collaborations' status and note to
# ``jobcenter`` (core.company_detail); it shares no candidates.
SHARE_KINDS: tuple[str, ...] = ("pool", "job_order", "collaborations")


class ScopeError(WorkbenchError):
    """The user's role or scope does not allow this (no rows, no export, not shared)."""


def normalise_role(value: str | None) -> str:
    role = (value or "konsulent").strip().lower()
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise ScopeError(f"unknown role {value!r}: use {', '.join(ROLES)}")
    return role


@dataclass(frozen=True)
class Scope:
    """The candidates a user may see. ``shared_sql`` is the SELECT of the candidate ids
    shared with ``jobcenter`` (bound by :meth:`for_cache` to the tables the cache has)."""

    jobcenter: str | None = None
    role: str = "konsulent"
    shared_sql: str | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @property
    def restricts(self) -> bool:
        """Whether candidates are limited to a jobcenter (else: the whole cache)."""
        return bool(self.jobcenter)

    @property
    def rows_allowed(self) -> bool:
        """Whether the role may read person rows (details, table rows, exports)."""
        return self.role != "teamleder"

    def candidate_sql(self, alias: str = "t") -> tuple[str, list[str]]:
        """A condition over ``candidates AS alias`` (or any rows with the candidate's
        ``jobcenter`` and ``candidate_id``, such as ``pool_members``) and its parameters:
        ``("TRUE", [])`` when the scope is the whole cache."""
        if not self.restricts:
            return "TRUE", []
        if self.shared_sql is None:
            return f"{alias}.jobcenter = ?", [str(self.jobcenter)]
        return (
            f"({alias}.jobcenter = ? OR ({alias}.jobcenter, {alias}.candidate_id) IN "
            f"({self.shared_sql}))",
            [str(self.jobcenter), str(self.jobcenter)],
        )

    def require_rows(self, what: str = "person rows") -> None:
        """Raise :class:`ScopeError` when the role sees aggregates only."""
        if not self.rows_allowed:
            raise ScopeError(f"the role {self.role} sees aggregates only: no {what}")

    def for_cache(self, con: duckdb.DuckDBPyConnection) -> Scope:
        """This scope with the shared-candidates SELECT for the share kinds whose member
        tables exist in ``con``'s cache."""
        if not self.restricts:
            return self
        sources = [
            f"SELECT '{kind}' AS kind, m.ref, m.jobcenter, m.candidate_id FROM ({select}) AS m"
            for kind, (table, select) in SHARE_MEMBERS.items()
            if _has_column(con, table, "jobcenter") and _has_table(con, "shares")
        ]
        if not sources:
            return Scope(self.jobcenter, self.role, None)
        members = " UNION ALL ".join(sources)
        sql = (
            f"SELECT sm.jobcenter, sm.candidate_id FROM ({members}) AS sm JOIN shares AS sh "
            "ON sh.kind = sm.kind AND sh.ref = sm.ref WHERE sh.jobcenter = ?"
        )
        return Scope(self.jobcenter, self.role, sql)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchone()
    return bool(row and row[0])
