"""The Workspace: what the user is doing, without Qt (napari's ViewerModel, glue's Session).

It owns the filter, the one selection, the layer list, the user context and the latest
result, and runs the query pipeline (``core.search``) on the latest-wins runner. Views
change it through its methods and observe it through its events; the Qt adapter
(``workbench.qt.workspace``) re-emits the events on the GUI thread. Headless code (tests,
the CLI, benchmarks) uses it as it is and waits with :meth:`wait_idle`.

New data (refresh, import, sync, another cache file) is a :meth:`reload`: the cached ranks
are dropped and the same filter and selection run again on the new rows.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb

from workbench.core import cache
from workbench.core.filters import Filter, normalise_kommune_kode
from workbench.core.runner import LatestRunner
from workbench.core.search.pipeline import DisplayRanks, QueryResult, reference_date, run_filter
from workbench.core.selections import SavedSelection, load_selection, save_selection
from workbench.core.session.events import Event
from workbench.core.session.layers import LayerList
from workbench.core.store import Store
from workbench.core.store.scope import Scope, normalise_role

# A step a view adds to every job, run on the worker after the pipeline (the tables sort
# their rows there). The factory is called at submit time, in the submitting thread.
JobStep = Callable[[Any, QueryResult], QueryResult]
JobStepFactory = Callable[[], JobStep]


@dataclass(frozen=True)
class UserContext:
    """Who works and as of when: durations count to ``reference_date`` (None: today).

    ``jobcenter`` and ``role`` (konsulent, teamleder, administrator) decide which
    candidates the user sees (:meth:`scope`); ``user`` is the name in the audit log."""

    user: str | None = None
    jobcenter: str | None = None
    role: str = "konsulent"
    reference_date: date | None = None

    def today(self) -> date:
        return self.reference_date or date.today()

    def scope(self) -> Scope:
        """The candidates this user may see (not yet bound to a cache's share tables:
        ``Scope.for_cache``)."""
        return Scope(self.jobcenter or None, normalise_role(self.role))

    @classmethod
    def for_cache(
        cls,
        con: duckdb.DuckDBPyConnection,
        *,
        jobcenter: str | None = None,
        user: str | None = None,
        role: str = "konsulent",
    ) -> UserContext:
        """The context of a session on ``con``: a demo cache keeps its own reference date."""
        demo = cache.is_demo(con)
        code = normalise_kommune_kode(jobcenter) if jobcenter else None
        return cls(
            user or os_user(),
            code,
            normalise_role(role),
            reference_date(con) if demo else None,
        )

    @classmethod
    def from_settings(cls, settings: Any, con: duckdb.DuckDBPyConnection) -> UserContext:
        """The context from ``[user] name/jobcenter/role`` (``[ui] jobcenter`` is the
        older name of the jobcenter; the config layer keeps them equal)."""
        return cls.for_cache(
            con,
            jobcenter=str(settings.get("user.jobcenter") or "") or None,
            user=str(settings.get("user.name") or "") or None,
            role=str(settings.get("user.role") or "konsulent"),
        )


def os_user() -> str | None:
    """The OS login (None in a stripped-down environment without one)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


class Workspace:
    """The session model. All methods are called from one (the GUI or the main) thread;
    the result events fire on the query worker."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        context: UserContext | None = None,
        flt: Filter | None = None,
        ranks: DisplayRanks | None = None,
    ) -> None:
        self.con = con
        self.context = context or UserContext.for_cache(con)
        self._scope: tuple[Any, Scope] | None = None
        # The purpose of the task at hand, asked once before candidates' details or exports.
        self.purpose: str | None = None
        self.layers = LayerList()
        # ``ranks``: sorts started before the Workspace (start-up: qt.app.EarlySort)
        self.ranks = ranks if ranks is not None else DisplayRanks()
        self._filter = flt or Filter()
        self._selection: Any = None  # layers.selection.Selection
        self.result: QueryResult | None = None
        self.last_error: str | None = None
        self._job_order: Any = None  # core.matching.JobOrder: the order the consultant works on
        self._steps: list[JobStepFactory] = []
        self._lock = threading.Lock()
        self._busy = False
        self._ticket = 0
        self._suspended = False
        # events
        self.filter_changed = Event("filter_changed")  # Filter
        self.selection_changed = Event("selection_changed")  # Selection | None
        self.context_changed = Event("context_changed")  # UserContext
        self.points_ready = Event("points_ready")  # ticket, unordered QueryResult (worker)
        self.result_ready = Event("result_ready")  # ticket, QueryResult (worker)
        self.query_failed = Event("query_failed")  # ticket, one-line message (worker)
        self.busy_changed = Event("busy_changed")  # bool
        self.reloaded = Event("reloaded")  # the data changed; the same filter runs again
        self.job_order_changed = Event("job_order_changed")  # JobOrder | None
        self._base = 0  # tickets of earlier runners (a reopened cache gets a new one)
        self._runner = self._make_runner()
        # warm_up's thread, its cursor and its stop flag
        self._warming: tuple[threading.Thread, Any, threading.Event] | None = None
        # set once a first result is out: the warm-up then builds the filter caches
        self._first_result = threading.Event()
        # set once the window shows it (``result_shown``): ``warm_up(until_shown=True)``
        self._shown = threading.Event()

    # -- state -------------------------------------------------------------------------
    @property
    def filter(self) -> Filter:
        """The filter the user set (the map's selection is kept apart: :attr:`selection`)."""
        return self._filter

    @property
    def selection(self) -> Any:
        return self._selection

    @property
    def ticket(self) -> int:
        """The newest submitted job."""
        return self._ticket

    def effective_filter(self) -> Filter:
        """The filter the queries run: the user's filter restricted to the selection and
        to the candidates the user may see (:meth:`scope`)."""
        scope = self.scope()
        # the whole cache with rows: no scope at all (the filter stays the user's own)
        flt = self._filter.with_(scope=scope) if scope != Scope.everything() else self._filter
        if self._selection is None:
            return flt
        return flt.with_selection(self._selection)

    def store(self, cursor: duckdb.DuckDBPyConnection | None = None) -> Store:
        """A Store on this cache (or the thread's ``cursor``) that reads as the Workspace's
        user: hand it to code that takes a Store (matching, exports) so the scope holds."""
        store = Store.wrap(cursor if cursor is not None else self.con)
        store.set_user(self.context)
        return store

    def scope(self) -> Scope:
        """The user's candidate scope on this cache (see ``core.store.scope``)."""
        key = (self.context, id(self.con))
        if self._scope is None or self._scope[0] != key:
            self._scope = (key, self.context.scope().for_cache(self.con))
        return self._scope[1]

    def set_filter(self, flt: Filter, *, submit: bool = True) -> int:
        """Make ``flt`` the filter and run it; returns the job's ticket (the newest wins).

        The one selection (:meth:`set_selection`) replaces a selection inside ``flt``; one
        given with a filter from code (scripts, the benchmark) applies while there is none.
        """
        changed = flt != self._filter
        self._filter = flt
        ticket = self.submit() if submit else self._ticket
        if changed:  # after the submit: the query runs while views follow
            self.filter_changed.emit(flt)
        return ticket

    def set_selection(self, selection: Any, *, submit: bool = True) -> int:
        """The one selection (a ``Selection`` or None); it filters every entity."""
        changed = selection != self._selection
        self._selection = selection
        ticket = self.submit() if submit else self._ticket
        if changed:
            self.selection_changed.emit(selection)
        return ticket

    @property
    def job_order(self) -> Any:
        """The open job order (``core.matching.JobOrder``), None when none is open."""
        return self._job_order

    def set_job_order(self, order: Any) -> None:
        """Open ``order`` (None closes it); views follow through ``job_order_changed``."""
        if order != self._job_order:
            self._job_order = order
            self.job_order_changed.emit(order)

    def set_context(self, context: UserContext) -> None:
        if context != self.context:
            if (context.user, context.jobcenter) != (self.context.user, self.context.jobcenter):
                self.purpose = None  # another person or office: another task
            self.context = context
            self.context_changed.emit(context)

    # -- the purpose of the task (audit log, issue #15) ------------------------------------
    def open_task(self) -> tuple[str, str | None, str] | None:
        """``(kind, id, title)`` of the open job order or campaign (``job_order`` /
        ``campaign``, set by their docks), to prefill the purpose; None without one."""
        for kind in ("job_order", "campaign"):
            item = getattr(self, kind, None)
            if item is None:
                continue
            title = next((str(v) for k in ("title", "name") if (v := getattr(item, k, None))), "")
            ident = getattr(item, "id", None) or getattr(item, f"{kind}_id", None)
            return kind, None if ident is None else str(ident), title
        return None

    def task_ids(self) -> tuple[str | None, str | None]:
        """``(job_order_id, campaign_id)`` of the open job order or campaign (audit log)."""
        ids: list[str | None] = []
        for attr in ("job_order", "campaign"):
            item = getattr(self, attr, None)
            ident = getattr(item, "id", None) or getattr(item, f"{attr}_id", None)
            ids.append(None if ident is None else str(ident))
        return ids[0], ids[1]

    def set_purpose(self, purpose: str | None) -> None:
        """The purpose the user gave for the task at hand; None asks again next time."""
        self.purpose = (purpose or "").strip() or None

    # -- saved searches ------------------------------------------------------------------
    def save_search(self, name: str, counts: dict[str, int] | None = None) -> SavedSelection:
        """Save the selection together with the filter behind it."""
        if self._selection is None:
            raise ValueError("nothing is selected")
        return save_selection(
            self.con, name, self._selection, flt=self._filter, counts=counts, replace=True
        )

    def load_search(self, name: str) -> int:
        """Restore a saved selection and the filter saved with it (a selection saved
        without one keeps the current filter); one job runs both."""
        saved = load_selection(self.con, name)
        if saved.filter is not None:
            self.set_filter(saved.filter, submit=False)
        return self.set_selection(saved.as_filter().spatial_selection())

    # -- jobs ----------------------------------------------------------------------------
    def add_job_step(self, factory: JobStepFactory) -> None:
        self._steps.append(factory)

    def remove_job_step(self, factory: JobStepFactory) -> None:
        if factory in self._steps:
            self._steps.remove(factory)

    def submit(self) -> int:
        """Run the current filter and selection; a newer submit supersedes this one."""
        flt = self.effective_filter()
        ranks = self.ranks
        postings = self.layers["postings"].visible
        steps = [factory() for factory in self._steps]
        points_ready = self.points_ready
        base = self._base

        def job(cur: Any) -> QueryResult:
            result = run_filter(
                cur,
                flt,
                ranks,
                postings=postings,
                on_points=lambda partial: points_ready.emit(base + cur.ticket, partial),
            )
            for step in steps:
                result = step(cur, result)
            return result

        if self._suspended:  # the cache is lent to a command: reload() runs it after
            return self._ticket
        self._set_busy(True)
        self._ticket = base + self._runner.submit(job)
        return self._ticket

    def is_current(self, ticket: int) -> bool:
        return ticket > self._base and self._runner.is_current(ticket - self._base)

    def busy(self) -> bool:
        return self._busy

    def cancel(self) -> None:
        """Drop whatever runs or waits (the user's cancel button)."""
        self._runner.cancel()
        self._set_busy(False)
        self._first_result.set()  # no result to wait for: the warm-up goes on
        self._shown.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits (headless callers; the GUI waits on events)."""
        return self._runner.wait_idle(timeout)

    def warm_up(self, *, until_shown: bool = False) -> None:
        """Start sorting every row in display order (what the first query needs, ~0.5 s for
        1M companies) on a thread of its own with its own cursor: at start-up the sorts run
        in DuckDB, without the GIL, while the window is built (issue #17). The first query
        waits for a sort in progress instead of starting it again (``DisplayRanks``).

        The filter caches follow after the first result, or with ``until_shown`` once the
        window has shown it (:meth:`result_shown`): built earlier they competed with the
        first map's frames and paint (issue #17, third round)."""
        if self._warming is not None or self._suspended:
            return
        cur = self.con.cursor()
        # The date the window's filters will carry (a demo cache's own reference date), not
        # the empty start filter's: values computed for another day are recomputed by the
        # first filter (issue #17: that made the first filter after a start the slowest).
        today = self._filter.today or self.context.today()
        ranks = self.ranks
        stop = threading.Event()
        self._first_result = first_result = threading.Event()
        self._shown = shown = threading.Event()
        gate = shown if until_shown else first_result

        def run() -> None:
            try:
                ranks.warm(cur, today, stop, gate)
            except Exception as exc:  # interrupted, closed: the queries compute it then
                logging.getLogger(__name__).debug("warm-up stopped: %s", exc)

        thread = threading.Thread(target=run, name="workspace-warm-up", daemon=True)
        self._warming = (thread, cur, stop)
        thread.start()

    def result_shown(self) -> None:
        """The window shows its first result (the map is painted): a warm-up started with
        ``until_shown`` goes on with the filter caches."""
        self._shown.set()

    def warming_up(self) -> bool:
        """The start-up warm-up is still computing (benchmarks wait for it, as a user
        looking at the first map does before choosing a filter)."""
        return self._warming is not None and self._warming[0].is_alive()

    def _stop_warm_up(self) -> None:
        """Interrupt and join the warm-up (before the connection is lent or closed)."""
        if self._warming is None:
            return
        thread, cur, stop = self._warming
        self._warming = None
        stop.set()  # between steps
        self._first_result.set()  # waiting for the first result: wakes up, stops
        self._shown.set()
        if thread.is_alive():  # inside a query
            with contextlib.suppress(duckdb.Error):
                cur.interrupt()
        thread.join()
        with contextlib.suppress(duckdb.Error):
            cur.close()

    def suspend(self) -> None:
        """Stop using the connection (it is about to close); :meth:`reload` resumes."""
        self._stop_warm_up()
        self._suspended = True
        self._runner.close()
        self._set_busy(False)

    def reload(self, con: duckdb.DuckDBPyConnection | None = None) -> int:
        """The data changed (or ``con`` is a new connection, e.g. the cache was reopened):
        forget what was computed from the old rows and run the same filter again."""
        self._stop_warm_up()  # it computes from the old rows
        if self._suspended or (con is not None and con is not self.con):
            self._runner.close()
            self._suspended = False
            con = con if con is not None else self.con
            self.con = con
            self._runner = self._make_runner()
        else:
            self._runner.cancel()
        self.ranks.reset()
        self._scope = None  # an import may have added the share tables
        demo_date = reference_date(self.con) if cache.is_demo(self.con) else None
        self.set_context(replace(self.context, reference_date=demo_date))
        self.reloaded.emit()
        return self.submit()

    def close(self) -> None:
        self._stop_warm_up()
        self._runner.close()
        self._set_busy(False)

    # -- worker callbacks ----------------------------------------------------------------
    def _make_runner(self) -> LatestRunner:
        """A runner on ``self.con`` whose tickets continue after the previous runner's."""
        base = self._base = self._ticket
        return LatestRunner(
            self.con,
            lambda t, result: self._on_result(base + t, result),
            lambda t, exc: self._on_error(base + t, exc),
            name="workspace",
        )

    def _set_busy(self, busy: bool) -> None:
        with self._lock:
            changed = busy != self._busy
            self._busy = busy
        if changed:
            self.busy_changed.emit(busy)

    def _on_result(self, ticket: int, result: QueryResult) -> None:
        if not self.is_current(ticket):
            return
        self.result = result
        self.last_error = None
        self._set_busy(False)
        self.result_ready.emit(ticket, result)
        self._first_result.set()

    def _on_error(self, ticket: int, exc: BaseException) -> None:
        if not self.is_current(ticket):
            return
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self.last_error = message
        self._set_busy(False)
        self.query_failed.emit(ticket, message)
        self._first_result.set()
        self._shown.set()  # no result to show: the warm-up goes on
