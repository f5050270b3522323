"""The cvr plugin's staging writer thread: order, errors, drain and close."""

from __future__ import annotations

import threading

import pytest

from workbench.plugins.cvr.writer import StagingWriter


def test_jobs_run_in_order_on_one_thread_and_drain_waits_for_them() -> None:
    writer = StagingWriter(depth=1)
    seen: list[tuple[int, str]] = []
    try:
        for i in range(20):
            writer.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
        writer.drain()
        assert [i for i, _ in seen] == list(range(20))
        assert {name for _, name in seen} == {"cvr-staging"}
    finally:
        writer.close()


def test_the_first_error_reaches_the_caller_and_later_jobs_are_skipped() -> None:
    writer = StagingWriter()
    ran: list[int] = []

    def fail() -> None:
        raise RuntimeError("disk full")

    try:
        writer.submit(fail)
        writer.submit(lambda: ran.append(1))
        with pytest.raises(RuntimeError, match="disk full"):
            writer.drain()  # returns (never hangs) and raises
        with pytest.raises(RuntimeError, match="disk full"):
            writer.submit(lambda: ran.append(2))
    finally:
        writer.close()
    assert ran == []


def test_close_runs_what_is_queued() -> None:
    writer = StagingWriter(depth=5)
    gate = threading.Event()
    ran: list[int] = []
    writer.submit(gate.wait)  # the thread is busy while the caller queues more
    writer.submit(lambda: ran.append(1))
    writer.submit(lambda: ran.append(2))
    gate.set()
    writer.close()
    assert ran == [1, 2]
