"""The window's status bar: result counts, what runs now (with a cancel button) and the
demo badge."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from workbench.qt.i18n import fmt_int, tr


class StatusLine:
    """The widgets of ``bar``; the window sets their texts through the methods below."""

    def __init__(self, bar: QStatusBar, *, demo: bool) -> None:
        self.count_label = QLabel(bar)
        self.count_label.setObjectName("countLabel")
        self.busy_bar = QProgressBar(bar)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setVisible(False)
        self.busy_label = QLabel(tr("status.ready"), bar)
        self.cancel_button = QToolButton(bar)
        self.cancel_button.setText(tr("demo.cancel"))
        self.cancel_button.setVisible(False)
        bar.addWidget(self.count_label, 1)
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy_bar)
        bar.addPermanentWidget(self.cancel_button)
        self.demo_badge = QLabel(tr("app.demo_badge"), bar)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip(tr("app.demo_tooltip"))
        self.demo_badge.setStyleSheet(
            "QLabel#demoBadge { background: #c62828; color: white; font-weight: bold;"
            " padding: 2px 10px; border-radius: 3px; }"
        )
        self.demo_badge.setVisible(demo)
        bar.addPermanentWidget(self.demo_badge)

    def set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.busy_label.setText(tr("status.searching"))
        elif self.busy_label.text() == tr("status.searching"):
            self.busy_label.setText(tr("status.ready"))

    def show_counts(self, candidates: int, companies: int, *, empty_cache: Path | None) -> None:
        """The counts, or (``empty_cache``: the cache's path) how to fill an empty cache."""
        text = tr("status.counts", candidates=fmt_int(candidates), companies=fmt_int(companies))
        if empty_cache is not None:
            text = f"{tr('status.empty_cache')}: {tr('status.empty_hint', path=str(empty_cache))}"
        self.count_label.setText(text)
