"""The "Emnebanker" dock: candidate pools, their members (note and status per member) and
who joined or left at the latest refresh or import, and why. A thin view over
:mod:`workbench.core.pools`; adding many members runs off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import pools as core
from workbench.core.filters import Filter
from workbench.qt.i18n import tr

RunInBackground = Callable[[Callable[[Any], Any], Callable[[Any], None]], None]
_REASON_KEYS = {text: key for key, text in core.REASONS.items()} | {core.REMOVED: "removed"}


def reason_text(reason: str | None) -> str:
    """A stored (Danish) leaving reason in the UI's language."""
    key = _REASON_KEYS.get(reason or "")
    return tr(f"pools.reason.{key}") if key else (reason or "")


class PoolsDock(QDockWidget):
    """``refresh()`` re-reads the pools (after new data); ``add_rids(pool, rids)`` adds the
    candidates of a table or map selection. ``candidateChosen(rid)``: a member was clicked
    (-1 when the candidate is no longer in the cache)."""

    candidateChosen = Signal(int)
    message = Signal(str)
    changed = Signal()  # members or pools changed (after a background add too)

    COLUMNS = ("col_candidate", "col_status", "col_note", "col_added")

    def __init__(
        self,
        cursor: Callable[[], Any],
        run_in_background: RunInBackground,
        *,
        owner: str,
        current_filter: Callable[[], Filter] | None = None,
        jobcenter: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("pools.title"), parent)
        self.setObjectName("poolsDock")
        self.cursor = cursor
        self.run_in_background = run_in_background
        self.owner = owner
        self.jobcenter = jobcenter
        self.current_filter = current_filter
        self._members: list[dict[str, Any]] = []
        self._loading = False
        self._pending = 0  # background adds not yet back

        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        self.pool_list = QListWidget(body)
        self.pool_list.setObjectName("poolList")
        self.pool_list.setMaximumHeight(72)
        self.pool_list.currentItemChanged.connect(lambda *_: self._show_pool())
        self.empty_label = QLabel(tr("pools.none"), body)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color:#556")
        buttons = QHBoxLayout()
        # Tool buttons: the dock shares the right column with the details (no wider).
        self.new_button = QToolButton(body)
        self.new_button.setText(tr("pools.new"))
        self.new_button.setToolTip(tr("pools.new_tip"))
        self.new_button.clicked.connect(self.ask_new_pool)
        self.new_from_filter_button = QToolButton(body)
        self.new_from_filter_button.setText(tr("pools.new_from_filter"))
        self.new_from_filter_button.setToolTip(tr("pools.new_from_filter_tip"))
        self.new_from_filter_button.clicked.connect(lambda: self.ask_new_pool(from_filter=True))
        self.new_from_filter_button.setVisible(current_filter is not None)
        self.delete_button = QToolButton(body)
        self.delete_button.setText(tr("pools.delete"))
        self.delete_button.clicked.connect(self.ask_delete_pool)
        self.share_button = QToolButton(body)
        self.share_button.setText(tr("pools.share"))
        self.share_button.setToolTip(tr("pools.share_tip"))
        self.share_button.clicked.connect(self.ask_share_pool)
        for b in (
            self.new_button,
            self.new_from_filter_button,
            self.delete_button,
            self.share_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.members_label = QLabel(body)
        self.table = QTableWidget(0, len(self.COLUMNS), body)
        self.table.setObjectName("poolMembers")
        self.table.setMinimumHeight(90)
        self.table.setHorizontalHeaderLabels([tr(f"pools.{c}") for c in self.COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for col in (0, 1, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.currentCellChanged.connect(lambda row, *_: self._on_member_clicked(row))
        self.remove_button = QToolButton(body)
        self.remove_button.setText(tr("pools.remove_member"))
        self.remove_button.setToolTip(tr("pools.remove_member_tip"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.changes_label = QLabel(body)
        self.changes_label.setObjectName("poolChanges")
        self.changes_label.setWordWrap(True)
        self.changes_label.setTextFormat(Qt.TextFormat.RichText)
        self.changes_label.setAlignment(Qt.AlignmentFlag.AlignTop)

        lay.addWidget(self.pool_list)
        lay.addWidget(self.empty_label)
        lay.addLayout(buttons)
        lay.addWidget(self.members_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.changes_label)
        # Scrolled: the dock shares the right column with the details and must not make
        # the window taller than a small screen.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def pool_names(self) -> list[str]:
        return [
            self.pool_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.pool_list.count())
        ]

    def current_pool(self) -> str | None:
        item = self.pool_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def refresh(self, select: str | None = None) -> None:
        """Re-read the pools (new data, a change elsewhere); keeps the chosen pool."""
        keep = select or self.current_pool()
        rows = core.list_pools(self.cursor())
        self.pool_list.blockSignals(True)
        self.pool_list.clear()
        for p in rows:
            text = f"{p['name']} ({p['members']})"
            if p["joined"] or p["left"]:
                text += f"  +{p['joined']} −{p['left']}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p["name"])
            item.setToolTip(p["note"] or p["name"])
            self.pool_list.addItem(item)
            if p["name"] == keep:
                self.pool_list.setCurrentItem(item)
        if self.pool_list.currentItem() is None and rows:
            self.pool_list.setCurrentRow(0)
        self.pool_list.blockSignals(False)
        self.empty_label.setVisible(not rows)
        self.delete_button.setEnabled(bool(rows))
        self._show_pool()

    def _show_pool(self) -> None:
        name = self.current_pool()
        self._loading = True
        try:
            self._members = core.members(self.cursor(), name) if name else []
            self.table.setRowCount(len(self._members))
            for row, m in enumerate(self._members):
                self._fill_row(row, m)
        finally:
            self._loading = False
        self.members_label.setText(tr("pools.members", n=len(self._members)))
        self.remove_button.setEnabled(bool(self._members))
        self.changes_label.setText(self._changes_html(name) if name else "")

    def _fill_row(self, row: int, m: dict[str, Any]) -> None:
        cid = QTableWidgetItem(m["candidate_id"])
        cid.setFlags(cid.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, 0, cid)
        combo = QComboBox(self.table)
        for status in core.STATUSES:
            combo.addItem(tr(f"pools.status.{status}"), status)
        combo.setCurrentIndex(max(0, combo.findData(m["status"])))
        combo.currentIndexChanged.connect(
            lambda _i, c=combo, member=m["candidate_id"]: self.set_status(member, c.currentData())
        )
        self.table.setCellWidget(row, 1, combo)
        self.table.setItem(row, 2, QTableWidgetItem(m["note"]))
        added = QTableWidgetItem((m["added"] or "")[:10])
        added.setFlags(added.flags() & ~Qt.ItemFlag.ItemIsEditable)
        added.setToolTip(m["added_by"] or "")
        self.table.setItem(row, 3, added)

    def _changes_html(self, name: str) -> str:
        import html

        ch = core.latest_changes(self.cursor(), name)
        if ch["run_id"] is None:
            return f"<span style='color:#556'>{html.escape(tr('pools.no_changes'))}</span>"
        parts = [f"<b>{html.escape(tr('pools.changes', at=ch['at'][:16].replace('T', ' ')))}</b>"]
        joined = ", ".join(html.escape(c) for c in ch["joined"])
        parts.append(f"{html.escape(tr('pools.joined', n=len(ch['joined'])))}: {joined}")
        left = ", ".join(
            f"{html.escape(r['candidate_id'])} ({html.escape(reason_text(r['reason']))})"
            for r in ch["left"]
        )
        parts.append(f"{html.escape(tr('pools.left', n=len(ch['left'])))}: {left}")
        return "<br>".join(parts)

    def member_ids(self) -> list[str]:
        return [m["candidate_id"] for m in self._members]

    # -- editing ---------------------------------------------------------------------------
    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except core.PoolError as exc:
            self.message.emit(tr("pools.error", message=str(exc)))
            return None

    def create_pool(self, name: str, criteria: Filter | None = None) -> None:
        """A new pool (with criteria: filled with the matches, off the GUI thread)."""

        def work(cur: Any) -> Any:
            return core.create_pool(
                cur, name, owner=self.owner, jobcenter=self.jobcenter, criteria=criteria
            )

        self._in_background(work, select=name.strip())

    def ask_share_pool(self) -> None:
        """Share the current pool with another jobcenter: its code, then the purpose (both
        asked; the share and its members are written to the audit log)."""
        from PySide6.QtWidgets import QInputDialog

        from workbench.qt.purpose import ask_purpose

        pool = self.current_pool()
        if not pool:
            return
        code, ok = QInputDialog.getText(
            self, tr("pools.share_title"), tr("pools.share_prompt", pool=pool)
        )
        if not ok or not code.strip():
            return
        purpose = ask_purpose(self, tr("pools.share_purpose", pool=pool))
        if purpose:
            self.share_pool(pool, code.strip(), purpose)

    def share_pool(self, name: str, jobcenter: str, purpose: str) -> None:
        try:
            done = core.share_pool(
                self.cursor(),
                name,
                jobcenter,
                purpose=purpose,
                user=self.owner,
                own_jobcenter=self.jobcenter,
            )
        except (core.PoolError, ValueError) as exc:
            self.message.emit(tr("pools.error", message=str(exc)))
            return
        self.message.emit(
            tr("pools.shared", pool=name, jobcenter=done["shared_with"], n=done["members"])
        )

    def delete_pool(self, name: str) -> None:
        self._guard(lambda: core.delete_pool(self.cursor(), name))
        self.refresh()
        self.changed.emit()

    def set_status(self, candidate_id: str, status: str) -> None:
        pool = self.current_pool()
        if pool and not self._loading:
            self._guard(lambda: core.set_member(self.cursor(), pool, candidate_id, status=status))
            self.changed.emit()

    def set_note(self, candidate_id: str, note: str) -> None:
        pool = self.current_pool()
        if pool and not self._loading:
            self._guard(lambda: core.set_member(self.cursor(), pool, candidate_id, note=note))
            self.changed.emit()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 2 and 0 <= item.row() < len(self._members):
            self.set_note(self._members[item.row()]["candidate_id"], item.text())

    def _on_member_clicked(self, row: int) -> None:
        if 0 <= row < len(self._members):
            rid = self._members[row]["rid"]
            self.candidateChosen.emit(-1 if rid is None else int(rid))

    def remove_selected(self) -> None:
        pool = self.current_pool()
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        ids = [self._members[r]["candidate_id"] for r in rows if r < len(self._members)]
        if pool and ids:
            self._guard(lambda: core.remove_members(self.cursor(), pool, ids))
            self.refresh()
            self.changed.emit()

    def add_rids(self, pool: str, rids: np.ndarray | list[int]) -> None:
        """Add the candidates with these row ids to ``pool``, off the GUI thread."""
        rid_array = np.asarray(rids, dtype=np.int64)
        if not len(rid_array):
            self.message.emit(tr("pools.nothing_selected"))
            return

        def work(cur: Any) -> Any:
            n = core.add_members_by_rid(cur, pool, rid_array, added_by=self.owner)
            return tr("pools.added", n=n, pool=pool)

        self._in_background(work, select=pool)

    def _in_background(self, work: Callable[[Any], Any], *, select: str | None) -> None:
        self._pending += 1

        def done(result: Any) -> None:
            self._pending -= 1
            if isinstance(result, core.PoolError):
                self.message.emit(tr("pools.error", message=str(result)))
            elif isinstance(result, BaseException):
                self.message.emit(tr("pools.error", message=str(result).splitlines()[0]))
            elif isinstance(result, str):
                self.message.emit(result)
            self.refresh(select=select)
            self.changed.emit()

        self.run_in_background(work, done)

    def is_idle(self) -> bool:
        return self._pending == 0

    # -- dialogs ---------------------------------------------------------------------------
    def ask_new_pool(self, from_filter: bool = False) -> None:  # pragma: no cover - modal
        name, ok = QInputDialog.getText(self, tr("pools.new_title"), tr("pools.new_name"))
        if ok and name.strip():
            criteria = self.current_filter() if from_filter and self.current_filter else None
            self.create_pool(name, criteria)

    def ask_delete_pool(self) -> None:  # pragma: no cover - modal
        name = self.current_pool()
        if name and (
            QMessageBox.question(self, tr("pools.title"), tr("pools.delete_confirm", name=name))
            == QMessageBox.StandardButton.Yes
        ):
            self.delete_pool(name)

    def ask_add(self, rids: np.ndarray | list[int]) -> None:  # pragma: no cover - modal
        if not len(rids):
            self.message.emit(tr("pools.nothing_selected"))
            return
        names = self.pool_names()
        if not names:
            name, ok = QInputDialog.getText(self, tr("pools.new_title"), tr("pools.new_name"))
            if not (ok and name.strip()):
                return
            self._guard(
                lambda: core.create_pool(
                    self.cursor(), name, owner=self.owner, jobcenter=self.jobcenter
                )
            )
            names = [name.strip()]
        current = self.current_pool()
        index = names.index(current) if current in names else 0
        name, ok = QInputDialog.getItem(
            self, tr("pools.add"), tr("pools.add_choose"), names, index, False
        )
        if ok and name:
            self.add_rids(name, rids)
