"""The refresh dialog and the import wizard follow the UI language (Danish by default).

Texts that come from plugins or the import core (field labels, reject reasons) stay as
those write them; only the widgets' own texts are translated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, write_csv
from tests.qt.test_refresh_dialog import _manifest, _settings
from workbench.core.plugins.api import RefreshContext
from workbench.core.plugins.host import PluginInfo, plugin_from_function

pytest.importorskip("PySide6")


@pytest.fixture
def english():
    """Switch the UI to English; conftest's autouse fixture switches back to Danish."""
    from workbench.qt import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("da")


def _fill(ctx: RefreshContext) -> None:
    ctx.staging.insert("municipalities", [{"kode": "0101", "navn": "København"}])


def _fail(ctx: RefreshContext) -> None:
    raise RuntimeError("kilden svarede ikke")


def _broken() -> PluginInfo:
    return PluginInfo(
        id="x", package="acme_x", manifest=None, status="broken", error="no manifest.toml"
    )


# -- refresh dialog


def test_refresh_dialog_in_english(qtbot, english, tmp_path: Path) -> None:
    from workbench.qt.refresh_dialog import RefreshDialog

    plugins = [
        plugin_from_function(_manifest("a", "Source A"), _fill),
        plugin_from_function(_manifest("b", "Source B"), _fail),
        plugin_from_function(_manifest("c", "Source C"), _fill),  # not configured
        _broken(),
    ]
    dialog = RefreshDialog(
        tmp_path / "cache.duckdb", _settings(a={"x": 1}, b={"x": 1}), plugins=plugins
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Refresh data from the sources"
    assert [dialog.start_button.text(), dialog.cancel_button.text()] == ["Refresh", "Cancel"]
    assert dialog.close_button.text() == "Close"
    labels = [label.text() for label in dialog.findChildren(type(dialog.status_label))]
    assert "<b>Source</b>" in labels and "<b>Last result</b>" in labels
    assert any(text.startswith("Choose the sources to refresh.") for text in labels)
    assert dialog.rows["a"]["result"].text() == "Never refreshed"
    assert dialog.rows["c"]["bar"].format() == "Not configured"
    assert dialog.rows["x"]["result"].text() == "Broken: no manifest.toml"

    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a"])
    assert dialog.rows["a"]["bar"].format() == "OK"
    assert dialog.rows["a"]["result"].text().startswith("OK 20")  # ISO date in English
    assert dialog.status_label.text() == "All selected sources are refreshed."

    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a", "b"])
    assert dialog.rows["b"]["bar"].format() == "Failed"
    assert dialog.rows["b"]["result"].text().startswith("Failed ")
    assert dialog.status_label.text() == "1 of 2 sources failed; their existing data is kept."

    for row in dialog.rows.values():
        row["check"].setChecked(False)
    dialog.start()
    assert dialog.status_label.text() == "Select at least one source."


def test_refresh_dialog_crash_message_stays_in_english(qtbot, english, tmp_path: Path) -> None:
    """The cache cannot be opened: the dialog says so and the end of the run keeps it."""
    from workbench.qt.refresh_dialog import RefreshDialog

    not_a_cache = tmp_path / "folder"
    not_a_cache.mkdir()
    plugins = [plugin_from_function(_manifest("a", "Source A"), _fill)]
    dialog = RefreshDialog(not_a_cache, _settings(a={"x": 1}), plugins=plugins)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a"])
    assert dialog.status_label.text().startswith("Cannot refresh: ")
    assert dialog.start_button.isEnabled()


def test_refresh_dialog_is_danish_by_default(qtbot, tmp_path: Path) -> None:
    from workbench.qt import i18n
    from workbench.qt.refresh_dialog import RefreshDialog

    assert i18n.language() == "da"
    plugins = [plugin_from_function(_manifest("a", "Kilde A"), _fill), _broken()]
    dialog = RefreshDialog(tmp_path / "cache.duckdb", _settings(a={"x": 1}), plugins=plugins)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Opdatér data fra kilderne"
    assert [b.text() for b in (dialog.start_button, dialog.cancel_button, dialog.close_button)] == [
        "Opdatér",
        "Annullér",
        "Luk",
    ]
    assert dialog.rows["x"]["result"].text() == "Defekt: no manifest.toml"
    with qtbot.waitSignal(dialog.runFinished, timeout=30_000):
        dialog.start(["a"])
    assert dialog.rows["a"]["result"].text().startswith("OK ")
    assert dialog.rows["a"]["result"].text()[3:5].isdigit()  # dd-mm-åååå
    assert dialog.rows["a"]["result"].text()[5] == "-"
    assert dialog.status_label.text() == "Alle valgte kilder er opdateret."


# -- import wizard


def _open_wizard(qtbot, cache_path: Path):
    from workbench.qt.import_wizard import ImportWizard

    wizard = ImportWizard(cache_path)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_import_wizard_in_english(qtbot, english, cache_path: Path, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWizard

    wizard = _open_wizard(qtbot, cache_path)
    try:
        assert wizard.windowTitle() == "Import candidates or collaborations"
        assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Next >"
        page = wizard.file_page
        assert page.title() == "Choose file"
        assert page.kind_buttons["candidates"].text() == "Candidates (citizens)"
        assert page.kind_buttons["collaborations"].text() == "Company collaborations"
        assert page.profile_combo.itemText(0) == "(no profile)"

        rows = [candidate("A1", occupations="Kok"), candidate("A2", since="bad")]
        f = write_csv(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows)
        page.path_edit.setText(str(f))
        wizard.next()
        assert wizard.preview_page.title() == "Preview"
        info = wizard.preview_page.info.text()
        assert info.startswith("ledige.csv: CSV, encoding ")
        assert info.endswith(", delimiter semicolon. The first 2 rows:")
        wizard.next()
        assert wizard.mapping_page.title() == "Columns"
        assert wizard.mapping_page.combos["adresse"].currentText() == "(not in the file)"
        wizard.next()
        assert wizard.confirm_page.title() == "Confirm the import"
        assert wizard.confirm_page.replace_label.text().startswith("No existing rows are replaced")
        with qtbot.waitSignal(wizard.importFinished, timeout=30_000):
            wizard.next()
        qtbot.waitUntil(wizard.run_page.isComplete, timeout=5_000)
        assert wizard.run_page.status.text() == "Done."
        wizard.next()
        summary = wizard.summary_page
        assert summary.title() == "Result"
        assert "1 candidates imported for 0101; 1 rows rejected." in summary.counts.text()
        assert "Rejected rows are kept encrypted in" in summary.counts.text()
        headers = [summary.rejects.horizontalHeaderItem(c).text() for c in range(4)]
        assert headers == ["Row", "Column", "Value", "Reason"]
        # The reason is the import core's text and stays as the core writes it.
        assert summary.rejects.item(0, 3).text() == "ikke en dato (dd-mm-åååå eller åååå-mm-dd)"
    finally:
        wizard.done(0)


def test_import_wizard_is_danish_by_default(qtbot, cache_path: Path, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWizard

    wizard = _open_wizard(qtbot, cache_path)
    try:
        assert wizard.windowTitle() == "Importér ledige eller samarbejder"
        assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Næste >"
        assert wizard.file_page.title() == "Vælg fil"
        assert wizard.file_page.kind_buttons["candidates"].text() == "Ledige (borgere)"
        f = write_csv(tmp_path / "ledige.csv", CANDIDATE_HEADER, [candidate("A1")])
        wizard.file_page.path_edit.setText(str(f))
        wizard.next()
        assert wizard.preview_page.title() == "Forhåndsvisning"
        assert "De første 1 rækker:" in wizard.preview_page.info.text()
        wizard.next()
        assert wizard.mapping_page.combos["adresse"].currentText() == "(ikke i filen)"
        wizard.next()
        assert wizard.confirm_page.title() == "Bekræft indlæsningen"
        with qtbot.waitSignal(wizard.importFinished, timeout=30_000):
            wizard.next()
        qtbot.waitUntil(wizard.run_page.isComplete, timeout=5_000)
        assert wizard.run_page.status.text() == "Færdig."
        wizard.next()
        summary = wizard.summary_page
        headers = [summary.rejects.horizontalHeaderItem(c).text() for c in range(4)]
        assert headers == ["Række", "Kolonne", "Værdi", "Årsag"]
        assert "1 ledige indlæst for 0101; 0 rækker afvist." in summary.counts.text()
    finally:
        wizard.done(0)


def test_refresh_dialog_status_bars_fit_their_danish_text(qtbot, tmp_path: Path) -> None:
    """ "Ikke konfigureret" is the longest state a bar shows on its own: it must not be cut."""
    from workbench.qt.refresh_dialog import RefreshDialog

    plugins = [
        plugin_from_function(_manifest("a", "Kilde A"), _fill),
        plugin_from_function(_manifest("c", "Kilde C"), _fill),  # not configured
    ]
    dialog = RefreshDialog(tmp_path / "cache.duckdb", _settings(a={"x": 1}), plugins=plugins)
    qtbot.addWidget(dialog)
    dialog.resize(720, 300)  # the dialog's smallest width
    dialog.show()
    qtbot.waitExposed(dialog)
    bar = dialog.rows["c"]["bar"]
    assert bar.format() == "Ikke konfigureret"
    assert bar.width() >= bar.fontMetrics().horizontalAdvance("Ikke konfigureret") + 16
