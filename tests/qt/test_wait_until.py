"""``wait_until`` (screenshots, the bench) holds out for a predicate that stays true: events
handled after the loop's quit (a table paint that starts a page read) can undo it."""

from __future__ import annotations

from workbench.qt.screenshot import wait_until


def test_wait_until_runs_again_when_the_predicate_flips_back(qtbot):
    answers = iter([False, True, False])  # true once, false again when the loop returns
    calls = []

    def predicate() -> bool:
        calls.append(1)
        return next(answers, True)

    assert wait_until(predicate, 10_000)
    assert len(calls) > 3  # it ran the loop again instead of reporting the stale False


def test_wait_until_gives_up_at_the_deadline(qtbot):
    assert not wait_until(lambda: False, 50)
