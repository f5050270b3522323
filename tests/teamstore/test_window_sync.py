""" "Synkronisér med team" in the real window: only with a team store configured; the sync
runs as a background task, its outcome is in the status line and the campaigns dock shows
what the team planned; an unreachable server is said there and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from workbench.core import cache
from workbench.core import campaigns as camp
from workbench.core.filters import Filter, Range

from .conftest import PgServer
from .helpers import Workstation, workstation

FLT = Filter(municipalities=("0101",), employees=Range(20, None))


@pytest.fixture
def open_window(qtbot):
    opened = []

    def _open(ws: Workstation, lang: str = "da"):
        from workbench.qt.app import create_main_window, ensure_app

        ensure_app()
        con = cache.connect(ws.cache)
        window = create_main_window(con, cache_path=ws.cache, settings=ws.settings(), lang=lang)
        qtbot.addWidget(window)
        opened.append((window, con))
        window.show()
        qtbot.waitUntil(window.is_idle, timeout=30_000)
        return window

    yield _open
    from workbench.qt import i18n

    for window, con in opened:
        window.shutdown()
        window.close()
        con.close()
    i18n.set_language("da")


@pytest.fixture
def team(pg_empty: PgServer, _small_demo_master: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("JOBKORT_TEST_TEAMSTORE_PW", pg_empty.password)
    lead = workstation(tmp_path, _small_demo_master, "lead", pg_empty, "0101")
    anna = workstation(tmp_path, _small_demo_master, "anna", pg_empty, "0101")
    return lead, anna


def test_the_dock_syncs_in_the_background_and_reports_in_the_status_line(team, open_window, qtbot):
    lead, anna = team
    with lead.open() as store:
        camp.create_campaign(store, "Efterår", flt=FLT, created_by="lead", today=DEMO_TODAY)
    lead.sync()
    window = open_window(anna)
    control = window.team_sync
    assert control is not None and window.campaign_dock.isAncestorOf(control)
    assert control.button.text() == "Synkronisér med team"
    assert window.campaign_dock.campaigns.count() == 0
    with qtbot.waitSignal(control.ended, timeout=30_000) as ended:
        control.button.click()
    assert ended.args[0].startswith("Synkroniseret med team: 0 ændringer sendt")
    assert window.statusBar().currentMessage() == ended.args[0]
    assert window.campaign_dock.campaign_name() == "Efterår"
    assert window.campaign_dock.table.rowCount() > 0
    assert control.button.isEnabled() and not control.cancel_button.isVisible()


def test_an_unreachable_team_store_is_said_and_nothing_changes(
    _small_demo_master, tmp_path, open_window, qtbot, monkeypatch
):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = PgServer("127.0.0.1", port, "jobkort", "jobkort_team", "x", tmp_path)
    ws = workstation(tmp_path, _small_demo_master, "anna", server, "0101")
    with ws.open() as store:
        camp.create_campaign(store, "Lokal", flt=FLT, today=DEMO_TODAY)
    window = open_window(ws, lang="en")
    control = window.team_sync
    assert control.button.text() == "Sync with team"
    with qtbot.waitSignal(control.ended, timeout=30_000) as ended:
        control.button.click()
    assert ended.args[0].startswith("Sync with team failed: team store 127.0.0.1:")
    assert "unreachable" in ended.args[0] and "local work is unchanged" in ended.args[0]
    assert window.statusBar().currentMessage() == ended.args[0]
    assert camp.list_campaigns(window.campaign_dock.store()) == ["Lokal"]


def test_no_team_store_no_button(small_demo_cache, tmp_path, open_window):
    config = tmp_path / "c.toml"
    config.write_text('[user]\njobcenter = "0101"\n', encoding="utf-8")
    ws = Workstation(small_demo_cache, config, "0101")
    window = open_window(ws)
    assert window.team_sync is None
    assert window.campaign_dock.findChild(object, "teamSync") is None
