"""The import wizard: candidates or collaborations from a case-system or CRM export.

Pages: choose the file (and what it holds, the jobcenter, a saved profile) -> preview of the
first rows -> column mapping with a combo box per field (can be saved as a named profile)
-> confirmation (how many existing rows are replaced; a demo cache: start a real one) -> the import on a worker thread with progress and cancel -> summary with the rejected
rows (row, column, value, reason). The wizard's own texts follow the UI language
(:mod:`workbench.qt.i18n`); messages, field labels and reject reasons from the import core
are Danish as the core writes them. The core does the work
(:func:`workbench.core.imports.import_file`); the worker thread has its own cache
connection and reports through queued signals, so the window never blocks.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.import_target import (
    jobcenters_in_file,
    real_cache_path,
    rows_to_replace,
    start_real_cache,
)
from workbench.core.imports import (
    FIELDS,
    ImportCancelled,
    ImportRefused,
    ImportSummary,
    ProfileError,
    TableFile,
    TooManyRejects,
    auto_mapping,
    import_file,
    list_profiles,
    preview,
    rejects_store,
    resolve_mapping,
    save_profile,
)
from workbench.core.imports.cpr import mask_cpr_in
from workbench.core.imports.runner import SUMMARY_REJECTS
from workbench.core.store import Store
from workbench.core.tasks import Task
from workbench.qt.i18n import tr
from workbench.qt.qt_translations import documents_dir

# The import core writes the reasons the wizard shows in Danish (also in an English window).
REASONS_LANG = "da"
# What the file holds -> message id of its radio button.
KIND_IDS = {"candidates": "import.kind_candidates", "collaborations": "import.kind_collaborations"}


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.setObjectName("error")
    return label


class _FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.file_title"))
        self.setSubTitle(tr("import.file_subtitle"))
        layout = QVBoxLayout(self)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for kind, msg_id in KIND_IDS.items():
            button = QRadioButton(tr(msg_id))
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            layout.addWidget(button)
        self.kind_buttons["candidates"].setChecked(True)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(tr("import.file_ph"))
        browse = QPushButton(tr("import.browse"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        form = QFormLayout()
        self.jobcenter_edit = QLineEdit()
        self.jobcenter_edit.setPlaceholderText(tr("import.jobcenter_ph"))
        form.addRow(tr("import.jobcenter"), self.jobcenter_edit)
        self.profile_combo = QComboBox()
        form.addRow(tr("import.profile"), self.profile_combo)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.path_edit.textChanged.connect(self.completeChanged)
        for button in self.kind_buttons.values():
            button.toggled.connect(self._fill_profiles)
        self._fill_profiles()

    def kind(self) -> str:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def _fill_profiles(self) -> None:
        self.profile_combo.clear()
        self.profile_combo.addItem(tr("import.no_profile"), None)
        for p in self.w.profiles(self.kind()):
            self.profile_combo.addItem(p.name, p.mapping)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("import.browse_title"), documents_dir(), tr("import.file_filter")
        )
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path_edit.text().strip())
        try:
            tf, rows = preview(path)
        except ImportRefused as exc:
            self.error.setText(exc.message_da)
            return False
        self.error.clear()
        self.w.table_file, self.w.preview_rows = tf, rows
        self.w.kind = self.kind()
        self.w.jobcenter = self.jobcenter_edit.text().strip() or None
        self.w.profile_mapping = self.profile_combo.currentData() or {}
        self.w.profile_name = self.profile_combo.currentText() if self.w.profile_mapping else ""
        return True


class _PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.preview_title"))
        layout = QVBoxLayout(self)
        self.info = QLabel()
        layout.addWidget(self.info)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        tf = self.w.table_file
        assert tf is not None
        rows = self.w.preview_rows
        fmt = (
            "XLSX"
            if tf.format == "xlsx"
            else tr("import.preview_csv", encoding=tf.encoding, delimiter=_sep(tf.delimiter))
        )
        self.info.setText(tr("import.preview_info", name=tf.path.name, format=fmt, n=len(rows)))
        self.table.setColumnCount(len(tf.headers))
        self.table.setHorizontalHeaderLabels(tf.headers)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row[: len(tf.headers)]):
                self.table.setItem(r, c, QTableWidgetItem(value))
        # Spreadsheet row numbers: the header is row 1.
        self.table.setVerticalHeaderLabels([str(i + 2) for i in range(len(rows))])


def _sep(delimiter: str | None) -> str:
    msg_id = {";": "import.sep_semicolon", "\t": "import.sep_tab", ",": "import.sep_comma"}.get(
        delimiter or ""
    )
    return tr(msg_id) if msg_id else repr(delimiter)


class _MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.mapping_title"))
        self.setSubTitle(tr("import.mapping_subtitle"))
        layout = QVBoxLayout(self)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        layout.addWidget(self.form_host)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("import.save_profile")))
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText(tr("import.profile_ph"))
        row.addWidget(self.profile_name, 1)
        layout.addLayout(row)
        self.error = _error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:
        tf = self.w.table_file
        assert tf is not None
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos.clear()
        mapping = auto_mapping(self.w.kind, tf.headers)  # type: ignore[arg-type]
        for field, header in self.w.profile_mapping.items():
            if header:
                mapping[field] = header
            else:
                mapping.pop(field, None)
        for spec in FIELDS[self.w.kind]:
            combo = QComboBox()
            combo.addItem(tr("import.not_mapped"), "")
            for h in tf.headers:
                combo.addItem(h, h)
            wanted = mapping.get(spec.name)
            if wanted is not None:
                i = combo.findData(wanted)
                combo.setCurrentIndex(max(i, 0))
            combo.setObjectName(f"map_{spec.name}")
            self.combos[spec.name] = combo
            self.form.addRow(spec.label_da + (" *" if spec.required else ""), combo)
        self.profile_name.setText(self.w.profile_name)

    def mapping(self) -> dict[str, str]:
        return {name: combo.currentData() or "" for name, combo in self.combos.items()}

    def validatePage(self) -> bool:
        tf = self.w.table_file
        assert tf is not None
        mapping = self.mapping()
        try:
            resolve_mapping(
                self.w.kind, tf.headers, mapping, jobcenter_given=bool(self.w.jobcenter)
            )  # type: ignore[arg-type]
        except ImportRefused as exc:
            self.error.setText(exc.message_da)
            return False
        name = self.profile_name.text().strip()
        if name:
            try:
                self.w.save_profile(name, mapping)
            except ProfileError as exc:
                self.error.setText(tr("import.profile_failed", message=exc))
                return False
        self.error.clear()
        self.w.mapping = mapping
        return True


class _ConfirmPage(QWizardPage):
    """Before anything is replaced: how many existing rows of which jobcenters the import
    replaces; into a demo cache, the offer to start a real cache beside it (issue #10)."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.confirm_title"))
        layout = QVBoxLayout(self)
        self.demo_label = QLabel()
        self.demo_label.setWordWrap(True)
        layout.addWidget(self.demo_label)
        self.replace_label = QLabel()
        self.replace_label.setObjectName("replace")
        self.replace_label.setWordWrap(True)
        layout.addWidget(self.replace_label)
        self.new_cache_box = QCheckBox(tr("import.demo_new_cache"))
        self.new_cache_box.setObjectName("new_cache")
        self.new_cache_box.toggled.connect(self.completeChanged)
        layout.addWidget(self.new_cache_box)
        self.demo = False
        layout.addStretch(1)

    def initializePage(self) -> None:
        tf = self.w.table_file
        assert tf is not None
        jobcenters = jobcenters_in_file(tf, self.w.mapping.get("jobcenter"), self.w.jobcenter)
        demo = self.demo = self.w.cache_is_demo()
        # A real cache started for the import holds no rows to replace.
        counts = {} if demo else self.w.rows_to_replace(jobcenters)
        total = sum(counts.values())
        what = tr(f"import.rows_{self.w.kind}")
        if demo:
            text = tr("import.confirm_new_cache", jobcenters=", ".join(jobcenters) or "–")
        elif total:
            listed = ", ".join(f"{jc}: {n}" for jc, n in sorted(counts.items()))
            text = tr("import.confirm_replace", n=total, what=what, listed=listed)
        else:
            text = tr("import.confirm_nothing", jobcenters=", ".join(jobcenters) or "–")
        self.replace_label.setText(text)
        self.demo_label.setVisible(demo)
        self.new_cache_box.setVisible(demo)
        self.new_cache_box.setChecked(False)
        if demo:
            path = real_cache_path(self.w.cache_path)
            self.demo_label.setText(tr("import.demo_notice", path=str(path)))

    def isComplete(self) -> bool:
        return not self.demo or self.new_cache_box.isChecked()

    def validatePage(self) -> bool:
        self.w.use_new_cache = self.demo and self.new_cache_box.isChecked()
        return self.isComplete()


class _RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.run_title"))
        layout = QVBoxLayout(self)
        self.status = QLabel(tr("import.starting"))
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        layout.addWidget(self.bar)
        self.cancel_button = QPushButton(tr("import.cancel_run"))
        self.cancel_button.clicked.connect(self.w.cancel_import)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = _error_label()
        layout.addWidget(self.error)
        # Asked only when the core refused the file for too many rejected rows.
        self.ask = QLabel(tr("import.ask_accept"))
        self.ask.setWordWrap(True)
        self.ask.hide()
        layout.addWidget(self.ask)
        self.accept_button = QPushButton(tr("import.accept_rejects"))
        self.accept_button.setObjectName("accept_rejects")
        self.accept_button.clicked.connect(self.w.accept_rejects_and_rerun)
        self.accept_button.hide()
        layout.addWidget(self.accept_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.done = False

    def initializePage(self) -> None:
        self.w.accept_rejects = False
        self.restart()

    def restart(self) -> None:
        self.done = False
        self.ask.hide()
        self.accept_button.hide()
        self.error.clear()
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.w.start_import()

    def on_progress(self, fraction: float, message: str) -> None:
        if fraction >= 0:
            self.bar.setValue(int(fraction * 1000))
        if message:
            self.status.setText(message)

    def on_finished(self, error: str | None) -> None:
        self.done = error is None
        self.cancel_button.setEnabled(False)
        if error is None:
            self.bar.setValue(1000)
            self.status.setText(tr("import.done"))
        else:
            self.status.setText(tr("import.not_completed"))
            self.error.setText(error)
        self.completeChanged.emit()

    def ask_accept(self) -> None:
        self.ask.show()
        self.accept_button.show()

    def isComplete(self) -> bool:
        return self.done


def read_rejects(summary: ImportSummary) -> list[dict]:
    """The run's first rejected rows, read back from the encrypted rejects file beside the
    cache (what the user sees is what was kept)."""
    if summary.rejects_location is None:
        return []
    found = rejects_store.read_run(
        summary.rejects_location, summary.run_id, lang=REASONS_LANG, limit=SUMMARY_REJECTS
    )
    return found[1] if found is not None else []


class _SummaryPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(tr("import.summary_title"))
        layout = QVBoxLayout(self)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts)
        self.rejects = QTableWidget(0, 4)
        self.rejects.setHorizontalHeaderLabels(
            [
                tr(msg_id)
                for msg_id in (
                    "import.col_row",
                    "import.col_column",
                    "import.col_value",
                    "import.col_reason",
                )
            ]
        )
        self.rejects.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rejects.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.rejects, 1)
        self.unresolved = QLabel()
        self.unresolved.setWordWrap(True)
        layout.addWidget(self.unresolved)

    def initializePage(self) -> None:
        s = self.w.summary
        assert s is not None
        counts_id = (
            "import.summary_candidates"
            if s.kind == "candidates"
            else "import.summary_collaborations"
        )
        lines = [
            tr(
                counts_id,
                accepted=s.accepted,
                jobcenters=", ".join(s.jobcenters),
                rejected=s.rejected,
            ),
        ]
        if s.kind == "candidates" and s.unplaced:
            lines.append(tr("import.summary_unplaced", n=s.unplaced))
        if s.rejects_file:
            lines.append(tr("import.summary_rejects_file", path=s.rejects_file, run=s.run_id))
        self.counts.setText("\n".join(lines))
        shown = read_rejects(s)
        self.rejects.setRowCount(len(shown))
        for i, r in enumerate(shown):
            for c, value in enumerate((str(r["row"]), r["column"], r["value"] or "", r["reason"])):
                self.rejects.setItem(i, c, QTableWidgetItem(value))
        parts = []
        for name, values in s.unresolved.items():
            shown = ", ".join(f"{v} ({n})" for v, n in list(values.items())[:20])
            parts.append(tr("import.summary_unknown", name=name, values=shown))
        self.unresolved.setText("\n".join(parts))


class ImportWizard(QWizard):
    """``ImportWizard(cache_path, settings=None, parent=None)``.

    ``importFinished(summary_or_None, error_or_None)`` is emitted when a run ends (the
    summary is an :class:`~workbench.core.imports.ImportSummary`).
    """

    importFinished = Signal(object, object)
    _progress = Signal(float, str)
    _finished = Signal(object, object)

    def __init__(
        self,
        cache_path: str | Path,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("import.title"))
        for button, msg_id in (
            (QWizard.WizardButton.BackButton, "import.back"),
            (QWizard.WizardButton.NextButton, "import.next"),
            (QWizard.WizardButton.FinishButton, "import.finish"),
            (QWizard.WizardButton.CancelButton, "import.cancel"),
        ):
            self.setButtonText(button, tr(msg_id))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.cache_path = Path(cache_path)
        self.settings = settings
        self.kind = "candidates"
        self.table_file: TableFile | None = None
        self.preview_rows: list[list[str]] = []
        self.jobcenter: str | None = None
        self.profile_mapping: dict[str, str] = {}
        self.profile_name = ""
        self.mapping: dict[str, str] = {}
        self.summary: ImportSummary | None = None
        # Into a demo cache: the user agreed to start a real cache; it is ``new_cache``.
        self.use_new_cache = False
        self.new_cache: Path | None = None
        self._demo_path = self.cache_path
        self.accept_rejects = False  # the user confirmed an implausible share of rejects
        self._cancel = threading.Event()
        self._thread: Task[None] | None = None  # core.tasks: the import's worker
        self.file_page = _FilePage(self)
        self.preview_page = _PreviewPage(self)
        self.mapping_page = _MappingPage(self)
        self.confirm_page = _ConfirmPage(self)
        self.run_page = _RunPage(self)
        self.summary_page = _SummaryPage(self)
        for page in (
            self.file_page,
            self.preview_page,
            self.mapping_page,
            self.confirm_page,
            self.run_page,
            self.summary_page,
        ):
            self.addPage(page)
        self._progress.connect(self.run_page.on_progress)
        self._finished.connect(self._on_finished)
        self.resize(760, 560)

    # -- cache access for profiles (short-lived connections in the GUI thread)

    def profiles(self, kind: str) -> list[Any]:
        if not self.cache_path.exists():
            return []
        con = Store.open(self.cache_path).con
        try:
            return list_profiles(con, kind)
        finally:
            con.close()

    def save_profile(self, name: str, mapping: dict[str, str]) -> None:
        con = Store.open(self.cache_path).con
        try:
            save_profile(con, name, self.kind, mapping)
        finally:
            con.close()

    def cache_is_demo(self) -> bool:
        if not self.cache_path.exists():
            return False
        con = Store.open(self.cache_path).con
        try:
            return cache.is_demo(con)
        finally:
            con.close()

    def rows_to_replace(self, jobcenters: list[str]) -> dict[str, int]:
        if not self.cache_path.exists():
            return {}
        con = Store.open(self.cache_path).con
        try:
            return rows_to_replace(con, self.kind, jobcenters)
        finally:
            con.close()

    # -- the run

    def start_import(self) -> None:
        tf = self.table_file
        assert tf is not None
        self.summary = None
        if self.use_new_cache and self.new_cache is None:
            # The window switches to this cache after the wizard closes.
            self._demo_path = self.cache_path
            self.new_cache = start_real_cache(self.cache_path)
            self.cache_path = self.new_cache
        args = (self.cache_path, tf.path, self.kind, dict(self.mapping), self.jobcenter)
        accept = self.accept_rejects
        task: Task[None] = Task(
            lambda feedback: self._work(*args, feedback.cancel_event, accept), name="import"
        )
        self._cancel = task.feedback.cancel_event
        self._thread = task.start()

    def _work(
        self,
        cache_path: Path,
        path: Path,
        kind: str,
        mapping: dict[str, str],
        jobcenter: str | None,
        cancel: threading.Event,
        accept_rejects: bool = False,
    ) -> None:
        try:
            summary = import_file(
                cache_path,
                path,
                kind,
                mapping=mapping,
                jobcenter=jobcenter,
                lang=REASONS_LANG,
                progress=lambda f, m: self._progress.emit(-1.0 if f is None else float(f), m),
                cancel=cancel,
                settings=self.settings,
                accept_rejects=accept_rejects,
            )
        except TooManyRejects as exc:
            self._finished.emit(None, exc)
        except ImportRefused as exc:
            self._finished.emit(None, exc.message_da)
        except ImportCancelled:
            self._finished.emit(None, tr("import.cancelled"))
        except Exception as exc:  # shown to the user; the cache is unchanged
            self._finished.emit(None, tr("import.failed", message=mask_cpr_in(exc)))
        else:
            self._finished.emit(summary, None)

    def _on_finished(
        self, summary: ImportSummary | None, error: str | TooManyRejects | None
    ) -> None:
        self.summary = summary
        ask = isinstance(error, TooManyRejects)
        if isinstance(error, TooManyRejects):
            error = error.message_da
        if summary is None and self.new_cache is not None and not ask:
            self._drop_new_cache()  # nothing was imported: no half-started real cache is left
        self.run_page.on_finished(error)
        if ask:
            self.run_page.ask_accept()
        self.importFinished.emit(summary, error)

    def accept_rejects_and_rerun(self) -> None:
        """The user confirmed: import again, keeping the good rows of the file."""
        if self.is_running():
            return
        self.accept_rejects = True
        self.run_page.restart()

    def cancel_import(self) -> None:
        self._cancel.set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_running()

    def _drop_new_cache(self) -> None:
        assert self.new_cache is not None
        self.new_cache.unlink(missing_ok=True)
        self.cache_path, self.new_cache = self._demo_path, None

    def done(self, result: int) -> None:
        if self.is_running():
            self._cancel.set()
            assert self._thread is not None
            self._thread.wait(timeout=60)
        if self.summary is None and self.new_cache is not None:
            self._drop_new_cache()  # left after "too many rejects" without importing anyway
        super().done(result)
