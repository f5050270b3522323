"""The window with ``[user] jobcenter = "0101"`` on a real (not demo) cache (issue #15):
the candidates table holds only 0101's candidates, a candidate's details ask for a purpose
once per task and are written to the audit log, an export of candidates carries user,
purpose and date and is audited; a team lead gets no rows and no export."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox

from workbench.core import audit
from workbench.core import cache as wb_cache
from workbench.qt.purpose import PurposeDialog

OWN = "0101"


def _user(text: str) -> None:
    Path(os.environ["WORKBENCH_USER_CONFIG"]).write_text(text, encoding="utf-8")


@pytest.fixture
def real_cache(small_demo_cache: Path) -> Path:
    con = wb_cache.connect(small_demo_cache)
    con.execute("DELETE FROM cache_meta WHERE key = 'dataset'")
    own = con.execute("SELECT count(*) FROM candidates WHERE jobcenter = ?", [OWN]).fetchone()[0]
    con.close()
    assert own
    return small_demo_cache


def _answer(window, text: str | None, seen: list[str]) -> None:
    """Answer the purpose dialog the window is about to open (None: cancel it)."""

    def fill() -> None:
        dialog = window.findChild(PurposeDialog)
        seen.append(dialog.edit.text())
        if text is None:
            dialog.reject()
            return
        dialog.edit.setText(text)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)


def _entries(window) -> list[dict]:
    return list(audit.entries(window.gui_cursor()))


def test_only_own_candidates_and_details_need_a_purpose_once(open_window, real_cache) -> None:
    _user(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')
    window = open_window(real_cache)
    model = window.models["candidates"]
    own = window.con.execute(
        "SELECT count(*) FROM candidates WHERE jobcenter = ?", [OWN]
    ).fetchone()[0]
    assert model.rowCount() == own
    assert {model.row_dict(r)["jobcenter"] for r in range(model.rowCount())} == {OWN}

    seen: list[str] = []
    _answer(window, None, seen)  # cancelled: no details, nothing logged
    window.select_row("candidates", 0)
    assert seen == [""] and _entries(window) == []
    assert "formål" in window.detail.toPlainText()

    _answer(window, "Jobordre 17: lager", seen)
    window.select_row("candidates", 1)
    first = model.row_dict(1)["candidate_id"]
    assert first in window.detail.toPlainText()
    window.select_row("candidates", 2)  # the same task: no second question
    assert len(seen) == 2
    entries = _entries(window)
    assert [(e["action"], e["subject_ids"], e["purpose"], e["user"]) for e in entries] == [
        ("view_details", [f"{OWN}:{first}"], "Jobordre 17: lager", "kons1"),
        (
            "view_details",
            [f"{OWN}:{model.row_dict(2)['candidate_id']}"],
            "Jobordre 17: lager",
            "kons1",
        ),
    ]
    assert audit.verify(window.gui_cursor()) == []


def test_an_export_of_candidates_carries_its_metadata_and_is_audited(
    qtbot, open_window, real_cache, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    _user(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')
    window = open_window(real_cache)
    n = window.models["candidates"].rowCount()
    seen: list[str] = []
    _answer(window, "Kampagne lager", seen)
    out = tmp_path / "ledige.xlsx"
    with qtbot.waitSignal(window.results.exported, timeout=30_000) as blocker:
        window.results.export("candidates", out)
    assert blocker.args == [(out, n), None]
    props = load_workbook(out, read_only=True).properties
    assert (props.creator, props.subject) == ("kons1", "Kampagne lager")
    assert "kons1" in props.description and props.created is not None
    csv_out = tmp_path / "ledige.csv"
    with qtbot.waitSignal(window.results.exported, timeout=30_000):
        window.results.export("candidates", csv_out)  # the task's purpose: not asked again
    assert len(seen) == 1
    meta = json.loads((tmp_path / "ledige.csv.meta.json").read_text("utf-8"))
    assert (meta["user"], meta["purpose"], meta["rows"]) == ("kons1", "Kampagne lager", n)
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh, delimiter=";"))) == n + 1  # no note in the data
    exports = [e for e in _entries(window) if e["action"] == "export"]
    assert len(exports) == 2 and all(len(e["subject_ids"]) == n for e in exports)


def test_a_team_lead_sees_counts_but_no_rows_and_cannot_export(
    qtbot, open_window, real_cache, tmp_path: Path
) -> None:
    _user(f'[user]\njobcenter = "{OWN}"\nrole = "teamleder"\n')
    window = open_window(real_cache)
    model = window.models["candidates"]
    assert model.rowCount() > 0 and model.row_dict(0) is None  # counted, not shown
    # 550 candidates are far below the density threshold, and still no single points
    qtbot.waitUntil(lambda: window.map.items["candidates"].detail == "density", timeout=10_000)
    window.select_row("candidates", 0)
    assert "teamleder" in window.detail.toPlainText()
    with qtbot.waitSignal(window.results.exported, timeout=5_000) as blocker:
        window.results.export("candidates", tmp_path / "x.csv")
    assert blocker.args[0] is None and "teamleder" in blocker.args[1]
    assert not (tmp_path / "x.csv").exists() and _entries(window) == []


def test_a_map_print_with_candidates_is_audited(open_window, real_cache, tmp_path: Path) -> None:
    _user(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')
    window = open_window(real_cache)
    n = window.models["candidates"].rowCount()
    seen: list[str] = []
    _answer(window, None, seen)  # no purpose: nothing written
    assert window.map_view.export_map(tmp_path / "kort.png") is None
    assert not (tmp_path / "kort.png").exists() and _entries(window) == []
    _answer(window, "Kampagne lager", seen)
    assert window.map_view.export_map(tmp_path / "kort.pdf").exists()
    (entry,) = _entries(window)
    assert entry["action"] == "print" and entry["purpose"] == "Kampagne lager"
    assert len(entry["subject_ids"]) == n


def test_the_purpose_is_prefilled_from_the_open_job_order(open_window, real_cache) -> None:

    _user(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')
    window = open_window(real_cache)
    from workbench.core.matching.order import JobOrder

    window.workspace.set_job_order(
        JobOrder(occupation_codes=["9333"], id="17", title="Lagermedarbejder")
    )
    seen: list[str] = []
    _answer(window, "Jobordre 17: Lagermedarbejder", seen)
    window.select_row("candidates", 0)
    assert seen == ["Jobordre 17: Lagermedarbejder"]
    (entry,) = _entries(window)
    assert entry["job_order_id"] == "17" and entry["purpose"] == seen[0]


def test_copying_candidates_is_an_audited_export(open_window, real_cache) -> None:
    from PySide6.QtGui import QGuiApplication

    _user(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')
    window = open_window(real_cache)
    view = window.tables["candidates"]
    model = window.models["candidates"]
    QGuiApplication.clipboard().setText("before")
    seen: list[str] = []
    _answer(window, "Detaljer", seen)  # selecting the row opens its details
    view.selectRow(3)
    window.workspace.set_purpose(None)  # a new task: the copy asks again
    _answer(window, None, seen)
    assert view.copy_selection() == 0 and QGuiApplication.clipboard().text() == "before"
    _answer(window, "Jobordre 17", seen)
    assert view.copy_selection() == 1
    assert model.row_dict(3)["candidate_id"] in QGuiApplication.clipboard().text()
    assert len(seen) == 3
    exports = [e for e in _entries(window) if e["action"] == "export"]
    assert [(e["subject_ids"], e["purpose"]) for e in exports] == [
        ([f"{OWN}:{model.row_dict(3)['candidate_id']}"], "Jobordre 17")
    ]
