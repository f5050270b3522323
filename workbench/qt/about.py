"""Help menu: "Om Jobkort" (version, data sources with licence, attribution and the date of
each source's last refresh) and "Kopiér diagnose" (a support report on the clipboard)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from workbench import __version__
from workbench.core.diagnostics import diagnose, sources
from workbench.qt.i18n import tr

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


# The settings a user asks about (and IT may lock), shown with their values.
SHOWN_SETTINGS = (
    "user.name",
    "user.jobcenter",
    "user.role",
    "ui.language",
    "privacy.retention_days",
    "http.proxy",
    "routing.base_url",
    "store.shared",  # the team store (its URL holds no password: config.py refuses one)
    "store.user",
)


def settings_rows(settings: Any) -> list[tuple[str, str, bool]]:
    """``(key, value, locked)`` of the shown settings (values of secrets are never shown)."""
    rows = []
    for key in SHOWN_SETTINGS:
        value = settings.get(key, "")
        rows.append((key, "" if value is None else str(value), settings.locked(key)))
    return rows


class AboutDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(tr("about.title"))
        self.resize(620, 520)
        cursor = window.con.cursor()
        try:
            found = sources(window.settings, cursor)
        finally:
            cursor.close()
        parts = [
            f"<h2>Jobkort workbench {html.escape(__version__)}</h2>",
            f"<p>{html.escape(tr('about.intro'))}</p>",
            f"<h3>{html.escape(tr('about.sources'))}</h3>",
        ]
        parts.append(f"<h3>{html.escape(tr('settings.title'))}</h3><table>")
        for key, value, locked in settings_rows(window.settings):
            mark = f" <b>({html.escape(tr('settings.locked'))})</b>" if locked else ""
            parts.append(
                f"<tr><td><code>{html.escape(key)}</code></td>"
                f"<td>{html.escape(value)}{mark}</td></tr>"
            )
        parts.append("</table>")
        for s in found:
            when = s.last_refresh.replace("T", " ") if s.last_refresh else tr("about.never")
            parts.append(
                f"<p><b>{html.escape(s.name)}</b><br>"
                f"{html.escape(tr('about.source'))}: {html.escape(s.source)}<br>"
                f"{html.escape(tr('about.licence'))}: {html.escape(s.licence)}<br>"
                f"<i>{html.escape(s.attribution)}</i><br>"
                f"{html.escape(tr('about.last_refresh'))}: {html.escape(when)}</p>"
            )
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setHtml("".join(parts))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.sources = found


def diagnose_text(window: MainWindow) -> str:
    cursor = window.con.cursor()
    try:
        return diagnose(window.settings, cursor, window.cache_path)
    finally:
        cursor.close()


def copy_diagnose(window: MainWindow) -> None:
    """Put the support report on the clipboard and say so in the status bar. Collected off
    the GUI thread: checking a team store that does not answer takes seconds."""
    settings, path = window.settings, window.cache_path
    window.statusBar().showMessage(tr("about.diagnose_collecting"))

    def done(result: object) -> None:
        if isinstance(result, BaseException):
            window.statusBar().showMessage(
                tr("about.diagnose_failed", message=str(result).splitlines()[0]), 8000
            )
            return
        QApplication.clipboard().setText(str(result))
        window.statusBar().showMessage(tr("about.diagnose_copied"), 5000)

    window.background.run(lambda cur: diagnose(settings, cur, path), done)
