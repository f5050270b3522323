"""Two workstations of one jobcenter (and one of another) syncing through a real
PostgreSQL server: campaigns with assignments and status history, job orders, the
conflict rules, the jobcenter boundary, idempotence."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from workbench.core import campaigns as camp
from workbench.core.filters import Filter, Range

from .conftest import PgServer
from .helpers import Workstation, workstation

FLT = Filter(municipalities=("0101",), employees=Range(20, None))


def _later(hours: float) -> datetime:
    """A time after the campaign was planned (it is planned now)."""
    return datetime.now().replace(microsecond=0) + timedelta(hours=hours)


@pytest.fixture
def team(
    pg_empty: PgServer, _small_demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Workstation, Workstation, Workstation]:
    monkeypatch.setenv("JOBKORT_TEST_TEAMSTORE_PW", pg_empty.password)
    a = workstation(tmp_path, _small_demo_master, "lead", pg_empty, "0101")
    b = workstation(tmp_path, _small_demo_master, "anna", pg_empty, "0101")
    c = workstation(tmp_path, _small_demo_master, "other", pg_empty, "0851")
    return a, b, c


def _plan(ws: Workstation, name: str = "Efterår") -> list[tuple[str, str | None]]:
    """The team lead plans a campaign and assigns its three best targets to anna."""
    with ws.open() as store:
        camp.create_campaign(store, name, flt=FLT, created_by="lead", today=DEMO_TODAY)
        camp.assign(store, name, "anna", top=3)
        return [(t["cvr"], t["pnr"]) for t in camp.targets(store, name, assigned_to="anna")]


def _state(ws: Workstation, name: str) -> list[tuple]:
    with ws.open() as store:
        return store.con.execute(
            "SELECT cvr, pnr, score, status, assigned_to, status_at, note FROM campaign_targets "
            "WHERE campaign = ? ORDER BY cvr, pnr",
            [name],
        ).fetchall()


def test_a_planned_campaign_reaches_b_with_its_assignments(team):
    a, b, _ = team
    mine = _plan(a)
    pushed = a.sync()
    assert pushed.pushed["campaigns"] == 1 and pushed.pushed["targets"] == len(_state(a, "Efterår"))
    pulled = b.sync()
    assert pulled.pulled["campaigns"] == 1
    assert _state(b, "Efterår") == _state(a, "Efterår")
    with b.open() as store:
        got = [(t["cvr"], t["pnr"]) for t in camp.targets(store, "Efterår", assigned_to="anna")]
        assert got == mine and len(got) == 3
        assert camp.load_campaign(store, "Efterår").created_by == "lead"
        first = camp.history(store, "Efterår", *mine[0])
        assert [(h["status"], h["by"]) for h in first] == [("planlagt", "lead")]


def test_b_status_change_reaches_a_with_history_and_a_second_sync_changes_nothing(team):
    a, b, _ = team
    (cvr, pnr), *_ = _plan(a)
    a.sync()
    b.sync()
    when = _later(1)
    with b.open() as store:
        camp.set_status(
            store,
            "Efterår",
            cvr,
            "kontaktet",
            pnr=pnr,
            by="anna",
            note="ringer igen fredag",
            at=when,
        )
    assert b.sync().pushed["history"] == 1
    result = a.sync()
    assert result.pulled["history"] == 1
    with a.open() as store:
        hist = camp.history(store, "Efterår", cvr, pnr)
        row = next(t for t in camp.targets(store, "Efterår") if (t["cvr"], t["pnr"]) == (cvr, pnr))
    assert [(h["status"], h["by"]) for h in hist] == [("planlagt", "lead"), ("kontaktet", "anna")]
    assert (row["status"], row["note"]) == ("kontaktet", "ringer igen fredag")
    assert row["status_at"] == when
    # idempotent: nothing moves either way, and the caches agree
    before = (_state(a, "Efterår"), _state(b, "Efterår"))
    for ws in (a, b, a):
        again = ws.sync()
        assert sum(again.pushed.values()) == 0 and sum(again.pulled.values()) == 0
    assert (_state(a, "Efterår"), _state(b, "Efterår")) == before
    assert before[0] == before[1]


def test_concurrent_edits_follow_the_rules(team):
    a, b, _ = team
    (cvr, pnr), *_ = _plan(a)
    a.sync()
    b.sync()
    # Both change the same target offline: statuses (history is merged, the latest wins)
    # and the assignment (the later assignment wins, whichever syncs last).
    with a.open() as store:
        camp.set_status(store, "Efterår", cvr, "aftale", pnr=pnr, by="lead", at=_later(3))
        camp.assign(store, "Efterår", "bo", cvrs=[(cvr, pnr)])
        store.con.execute(
            "UPDATE campaign_targets SET assigned_at = ? WHERE campaign = 'Efterår' AND cvr = ?",
            [_later(6), cvr],
        )
    with b.open() as store:
        camp.set_status(store, "Efterår", cvr, "kontaktet", pnr=pnr, by="anna", at=_later(2))
        camp.assign(store, "Efterår", "carl", cvrs=[(cvr, pnr)])
        store.con.execute(
            "UPDATE campaign_targets SET assigned_at = ? WHERE campaign = 'Efterår' AND cvr = ?",
            [_later(5), cvr],
        )
    a.sync()  # the later assignment reaches the store first
    b.sync()  # an earlier one must not overwrite it
    a.sync()
    for ws in (a, b):
        with ws.open() as store:
            hist = camp.history(store, "Efterår", cvr, pnr)
            row = next(
                t for t in camp.targets(store, "Efterår") if (t["cvr"], t["pnr"]) == (cvr, pnr)
            )
        assert [h["status"] for h in hist] == ["planlagt", "kontaktet", "aftale"]
        assert (row["status"], row["assigned_to"]) == ("aftale", "bo")
    assert _state(a, "Efterår") == _state(b, "Efterår")


def test_another_jobcenters_campaign_is_not_pulled_unless_shared(team, pg_empty):
    a, _, c = team
    _plan(a, "Kbh")
    with c.open() as store:
        camp.create_campaign(store, "Aalborg", flt=FLT, created_by="other", today=DEMO_TODAY)
        camp.create_campaign(store, "Fælles", flt=FLT, created_by="other", today=DEMO_TODAY)
    c.sync()
    a.sync()
    c.sync()
    with c.open() as store:
        assert camp.list_campaigns(store) == ["Aalborg", "Fælles"]
    with a.open() as store:
        assert camp.list_campaigns(store) == ["Kbh"]
    with pg_empty.admin() as con:  # the other jobcenter shares one campaign with 0101
        con.execute(
            "INSERT INTO shares (kind, ref, jobcenter) VALUES ('campaign', 'Fælles', '0101')"
        )
    assert a.sync().pulled["campaigns"] == 1
    with a.open() as store:
        assert sorted(camp.list_campaigns(store)) == ["Fælles", "Kbh"]


def test_a_name_another_jobcenter_owns_is_skipped_not_overwritten(team):
    a, _, c = team
    with c.open() as store:
        camp.create_campaign(store, "Efterår", flt=FLT, note="Aalborgs", today=DEMO_TODAY)
    c.sync()
    _plan(a)  # the same name, later: a newer updated_at must not take the other's campaign
    result = a.sync()
    assert result.skipped == ["campaign 'Efterår'"]
    assert result.pushed["campaigns"] == 0 and result.pushed["history"] == 0
    c.sync()
    with c.open() as store:
        assert camp.load_campaign(store, "Efterår").note == "Aalborgs"


def test_job_orders_are_shared_within_the_jobcenter_last_writer_wins(team):
    from workbench.core.matching.order import JobOrder
    from workbench.core.matching.orders import list_job_orders, load_job_order, save_job_order

    a, b, c = team
    with a.open() as store:
        order_id = save_job_order(
            store,
            JobOrder(occupation_codes=["5120"], title="Kok", received_at=datetime(2026, 11, 1)),
        )
    a.sync()
    assert b.sync().pulled["job_orders"] == 1
    c.sync()
    with c.open() as store:
        assert list_job_orders(store) == []
    with b.open() as store:
        order = load_job_order(store, order_id)
        assert order.title == "Kok"
        store.con.execute(
            "UPDATE job_orders SET updated = updated + INTERVAL 1 HOUR, "
            "title = 'Kok (aften)' WHERE id = ?",
            [order_id],
        )
    b.sync()
    assert a.sync().pulled["job_orders"] == 1
    with a.open() as store:
        assert [o["title"] for o in list_job_orders(store)] == ["Kok (aften)"]


def test_a_cancelled_sync_changes_neither_side(team, pg_empty):
    from workbench.core.tasks import Feedback, TaskCancelled
    from workbench.core.teamstore import team_store
    from workbench.core.teamstore.sync import PLUGIN_ID, sync

    a, _, _ = team
    _plan(a)

    # cancelled once the push ran inside the team store's transaction, before its commit
    def cancel_after_push(fraction: float | None, _message: str) -> None:
        if fraction is not None and fraction >= 0.55:
            feedback.cancel()

    feedback = Feedback(cancel_after_push)
    settings = a.settings()
    with a.open() as store, pytest.raises(TaskCancelled):
        sync(store, team_store(settings), "0101", feedback=feedback)
    with pg_empty.admin() as con:
        # not even the tables: the migration was part of the rolled-back transaction
        assert con.execute("SELECT to_regclass('campaigns')").fetchone()[0] is None
    with a.open() as store:
        runs = store.con.execute(
            "SELECT status FROM refresh_log WHERE plugin = ?", [PLUGIN_ID]
        ).fetchall()
    assert runs == [("cancelled",)]
    assert a.sync().pushed["campaigns"] == 1  # and a later sync does the work
