"""The :class:`Store`: the cache's connection, cursors, transactions and row reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from .. import cache
from ..errors import CacheError
from .rows import person_rows
from .scope import Scope

if TYPE_CHECKING:  # the session imports the store: no import at run time
    from ..session.workspace import UserContext


class Store:
    """An open cache. Create it with :meth:`Store.open` (or :meth:`Store.wrap` around a
    connection opened elsewhere); everything that reads or writes the cache goes through
    it, so access rules have one place to live."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        path: Path | None = None,
        read_only: bool = False,
        user: UserContext | None = None,
    ) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._closed = False
        self.user = user
        self._scope: Scope | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        read_only: bool = False,
        create: bool = True,
        spatial: bool = False,
        user: UserContext | None = None,
    ) -> Store:
        """Open the cache at ``path`` (``cache.connect``: path checks, the lock handshake,
        migrations, extensions). ``create=False`` refuses a path with no cache yet.
        ``user`` decides which candidates the reads return (None: the whole cache)."""
        path = Path(path)
        if not create and not (path.is_file() and path.stat().st_size > 0):
            raise CacheError(
                f"cache {path} does not exist (build it with 'workbench demo' or "
                "'workbench refresh')"
            )
        con = cache.connect(path, read_only=read_only, spatial=spatial)
        return cls(con, path=path, read_only=read_only, user=user)

    @classmethod
    def wrap(cls, con: duckdb.DuckDBPyConnection | Store, *, path: Path | None = None) -> Store:
        """A Store around a connection (or cursor) opened elsewhere; a Store passes
        through. Closing the wrapper does not close ``con``'s owner's connection."""
        if isinstance(con, Store):
            return con
        store = cls(con, path=path)
        store._owned = False
        return store

    # -- connection ---------------------------------------------------------------------

    _owned = True

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection, for code not yet moved behind the Store."""
        if self._closed:
            raise CacheError("the cache is closed")
        return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the connection (one per worker thread: a DuckDB connection
        must not be used from two threads at once)."""
        return self.con.cursor()

    @contextmanager
    def transaction(
        self, cursor: duckdb.DuckDBPyConnection | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN ... COMMIT on ``cursor`` (default: the connection); ROLLBACK on any
        exception, which propagates. A read-only store refuses to start one."""
        if self.read_only:
            raise CacheError(f"the cache {self.path or ''} is open read-only: no writes".strip())
        with cache.transaction(cursor if cursor is not None else self.con) as con:
            yield con

    def close(self) -> None:
        if not self._closed and self._owned:
            self._con.close()
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the user's scope ---------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        """The candidates :attr:`user` may see (the whole cache without a user or with no
        jobcenter), bound to this cache's share tables."""
        if self._scope is None:
            base = self.user.scope() if self.user is not None else Scope.everything()
            self._scope = base.for_cache(self.con)
        return self._scope

    def set_user(self, user: UserContext | None) -> None:
        """Read for ``user`` from now on (the scope is recomputed)."""
        self.user = user
        self._scope = None

    def candidate_scope(self, alias: str = "t") -> tuple[str, list[str]]:
        """The scope as a condition over ``candidates AS alias`` and its parameters."""
        return self.scope.candidate_sql(alias)

    # -- reads --------------------------------------------------------------------------

    def person_rows(
        self,
        entity: str,
        rids: Sequence[int] | np.ndarray,
        columns: Sequence[str] | None = None,
        *,
        cursor: duckdb.DuckDBPyConnection | None = None,
    ) -> list[dict[str, Any]]:
        """The rows of ``entity`` (candidates, companies, postings) with these keys in the
        order given: THE read for table pages, tooltips, details, CLI output and exports,
        within the user's :attr:`scope`. Pass the thread's ``cursor`` when not on the
        thread that owns the connection."""
        con = cursor if cursor is not None else self.con
        return person_rows(con, entity, rids, columns, scope=self.scope)

    def reference_date(self) -> date:
        """The date durations are counted to: a demo cache's own date (its durations stay
        as built), else today."""
        return reference_date(self.con)

    def is_demo(self) -> bool:
        return cache.is_demo(self.con)

    def is_empty(self) -> bool:
        return cache.is_empty(self.con)


def reference_date(con: duckdb.DuckDBPyConnection) -> date:
    """See :meth:`Store.reference_date` (for code that holds a cursor)."""
    try:
        if not cache.is_demo(con):
            return date.today()
        value = cache.get_meta(con, "demo_today")
        return date.fromisoformat(value) if value else date.today()
    except (duckdb.Error, ValueError):
        return date.today()
