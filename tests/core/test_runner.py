"""The latest-wins runner: newest result delivered, older ones interrupted and dropped."""

from __future__ import annotations

import threading

import duckdb
import pytest

from workbench.core.runner import LatestRunner

SLOW_SQL = "SELECT count(*) FROM range(100000000000) a"  # never finishes unless interrupted


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


class Collector:
    def __init__(self) -> None:
        self.results: list[tuple[int, object]] = []
        self.errors: list[tuple[int, BaseException]] = []
        self.done = threading.Event()

    def result(self, ticket: int, value: object) -> None:
        self.results.append((ticket, value))
        self.done.set()

    def error(self, ticket: int, exc: BaseException) -> None:
        self.errors.append((ticket, exc))
        self.done.set()


def test_result_is_delivered_with_its_ticket(con):
    got = Collector()
    runner = LatestRunner(con, got.result, got.error)
    try:
        ticket = runner.submit(lambda cur: cur.execute("SELECT 41 + 1").fetchone()[0])
        assert got.done.wait(10)
        assert got.results == [(ticket, 42)]
        assert runner.is_current(ticket)
    finally:
        runner.close()


def test_newer_submit_interrupts_running_query_and_drops_it(con):
    got = Collector()
    started = threading.Event()
    runner = LatestRunner(con, got.result, got.error)

    def slow(cur):
        started.set()
        return cur.execute(SLOW_SQL).fetchone()[0]

    try:
        old = runner.submit(slow)
        assert started.wait(10)
        new = runner.submit(lambda cur: cur.execute("SELECT 'new'").fetchone()[0])
        assert got.done.wait(30)
        assert runner.wait_idle(30)
        assert got.results == [(new, "new")]
        assert got.errors == []
        assert runner.interrupts >= 1
        assert runner.dropped == 1
        assert old != new
    finally:
        runner.close()


def test_waiting_jobs_are_replaced_not_queued(con):
    got = Collector()
    release = threading.Event()
    started = threading.Event()
    ran: list[str] = []
    runner = LatestRunner(con, got.result, got.error)

    def blocker(cur):
        started.set()
        release.wait(10)
        ran.append("blocker")
        return "blocker"

    def job(name):
        def fn(cur):
            ran.append(name)
            return name

        return fn

    try:
        runner.submit(blocker)
        assert started.wait(10)
        runner.submit(job("a"))
        runner.submit(job("b"))
        last = runner.submit(job("c"))
        release.set()
        assert runner.wait_idle(10)
        assert ran == ["blocker", "c"]
        assert got.results == [(last, "c")]
    finally:
        runner.close()


def test_stale_job_stops_at_its_next_statement(con):
    got = Collector()
    first_done = threading.Event()
    go_on = threading.Event()
    statements: list[str] = []
    runner = LatestRunner(con, got.result, got.error)

    def two_queries(cur):
        cur.execute("SELECT 1").fetchall()
        statements.append("first")
        first_done.set()
        go_on.wait(10)
        cur.execute("SELECT 2").fetchall()
        statements.append("second")
        return "old"

    try:
        runner.submit(two_queries)
        assert first_done.wait(10)
        new = runner.submit(lambda cur: "new")
        go_on.set()
        assert runner.wait_idle(10)
        assert statements == ["first"]
        assert got.results == [(new, "new")]
    finally:
        runner.close()


def test_errors_of_current_job_are_reported(con):
    got = Collector()
    runner = LatestRunner(con, got.result, got.error)
    try:
        ticket = runner.submit(lambda cur: cur.execute("SELECT * FROM no_such_table"))
        assert got.done.wait(10)
        assert got.results == []
        assert got.errors[0][0] == ticket
        assert isinstance(got.errors[0][1], duckdb.CatalogException)
    finally:
        runner.close()


def test_runner_uses_its_own_cursor_and_survives_interrupts(con):
    con.execute("CREATE TABLE t AS SELECT range AS v FROM range(10)")
    got = Collector()
    started = threading.Event()
    runner = LatestRunner(con, got.result, got.error)

    def slow(cur):
        started.set()
        return cur.execute(SLOW_SQL).fetchone()[0]

    try:
        runner.submit(slow)
        assert started.wait(10)
        # the main connection stays usable while the worker runs
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 10
        last = runner.submit(lambda cur: cur.execute("SELECT sum(v) FROM t").fetchone()[0])
        assert runner.wait_idle(30)
        assert got.results == [(last, 45)]
    finally:
        runner.close()


def test_close_interrupts_and_rejects_new_work(con):
    got = Collector()
    started = threading.Event()
    runner = LatestRunner(con, got.result, got.error)

    def slow(cur):
        started.set()
        return cur.execute(SLOW_SQL).fetchone()[0]

    runner.submit(slow)
    assert started.wait(10)
    runner.close()
    assert got.results == [] and got.errors == []
    with pytest.raises(RuntimeError):
        runner.submit(lambda cur: 1)


def test_interrupt_that_lands_before_the_statement_starts_is_repeated(con):
    """A submit between a job's staleness check and the start of its query: the query
    would miss a single interrupt, so the runner keeps interrupting the stale job."""
    got = Collector()
    checked = threading.Event()
    go_on = threading.Event()
    runner = LatestRunner(con, got.result, got.error)

    def racy(cur):
        raw = cur._cursor  # past the staleness check, as if the submit came just after it
        checked.set()
        go_on.wait(10)
        return raw.execute(SLOW_SQL).fetchone()[0]

    try:
        runner.submit(racy)
        assert checked.wait(10)
        new = runner.submit(lambda cur: "new")
        go_on.set()
        assert runner.wait_idle(30)
        assert got.results == [(new, "new")]
        assert runner.dropped == 1
    finally:
        runner.close()
