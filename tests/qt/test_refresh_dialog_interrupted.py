"""A refresh killed mid-way is shown as interrupted ("Afbrudt") when the dialog next opens,
before any new refresh runs (issue #12)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.qt.test_refresh_dialog import _manifest, _settings
from workbench.core import cache
from workbench.core.plugins.host import plugin_from_function


def test_a_killed_run_shows_as_interrupted_at_the_next_start(qtbot, tmp_path: Path):
    from workbench.qt.refresh_dialog import RefreshDialog

    path = tmp_path / "cache.duckdb"
    con = cache.connect(path)
    con.execute(  # what a process killed during its refresh leaves behind
        "INSERT INTO refresh_log (run_id, plugin, started, status, rows_written, rows_rejected) "
        "VALUES ('dead', 'a', ?, 'running', 0, 0)",
        [datetime(2026, 12, 1, 9, 30)],
    )
    con.close()
    plugin = plugin_from_function(_manifest("a", "Kilde A"), lambda ctx: None)
    dialog = RefreshDialog(path, _settings(a={"x": 1}), plugins=[plugin])
    qtbot.addWidget(dialog)
    text = dialog.rows["a"]["result"].text()
    assert text.startswith("Afbrudt") and "processen stoppede" in text
