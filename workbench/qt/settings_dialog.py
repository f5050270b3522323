"""File > Settings (issue #18): the settings a user may see and change, grouped, each with its
effective value and the layer it comes from. Keys IT locked are read-only with a padlock.
Saving writes only changed, unlocked keys into the user's file (core/config_write.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.core import paths
from workbench.core.config import (
    InvalidSetting,
    Settings,
    env_name,
    is_reference,
    is_secret,
)
from workbench.core.config_write import (
    LockedSettingError,
    SaveResult,
    parse_value,
    save_user_settings,
)
from workbench.core.errors import ConfigError
from workbench.qt.i18n import TEXTS, tr

# (group, keys) in the order shown; "sources" and "store" are filled from the settings.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("user", ("user.name", "user.jobcenter", "user.role")),
    ("view", ("ui.language",)),
    ("map", ("basemap.token",)),
    ("network", ("http.proxy", "http.timeout_s")),
    ("data", ("cache.path", "privacy.retention_days", "cache.refresh_memory_mb")),
    ("sources", ()),
    ("store", ()),
)
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "ui.language": (("da", "Dansk"), ("en", "English")),
    "user.role": tuple((r, f"prefs.role.{r}") for r in ("konsulent", "teamleder", "administrator")),
}
CACHE_PATH_KEY = "cache.path"  # not a setting: the cache file this window has open


def source_url_keys(settings: Settings) -> list[str]:
    """Every plugin's endpoint URLs (``[plugins.<id>] ...url``) and the routing server."""
    keys = [
        f"plugins.{pid}.{key}"
        for pid, section in settings.section("plugins").items()
        if isinstance(section, dict)
        for key, value in section.items()
        if key.endswith("url") and isinstance(value, str)
    ]
    return [*keys, "routing.base_url"]


def store_keys(settings: Settings) -> tuple[str, ...]:
    """The team store's connection (``[store] shared``, ``user``, ``password``) where this
    installation has the keys."""
    return tuple(
        key
        for key in ("store.shared", "store.user", "store.password")
        if settings.get(key) is not None
    )


def lock_pixmap(size: int = 14) -> QPixmap:
    """A small padlock (drawn: no icon font or theme is needed on a locked-down desktop)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor("#8a5a00")
    painter.setPen(QPen(colour, 1.6))
    s = float(size)
    painter.drawArc(QRectF(s * 0.28, s * 0.06, s * 0.44, s * 0.6), 0, 180 * 16)
    painter.drawLine(int(s * 0.28), int(s * 0.36), int(s * 0.28), int(s * 0.5))
    painter.drawLine(int(s * 0.72), int(s * 0.36), int(s * 0.72), int(s * 0.5))
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(s * 0.14, s * 0.46, s * 0.72, s * 0.5), 2, 2)
    painter.end()
    return pixmap


@dataclass
class _Row:
    key: str
    label: str
    editor: QWidget
    kind: str  # text, choice, bool, secret, readonly
    edited: bool = False  # secrets: only a typed value is saved


class SettingsDialog(QDialog):
    """Emits ``saved(SaveResult)`` after the user's file was written; stays open with one
    clear line when a value is not valid."""

    saved = Signal(object)

    def __init__(self, settings: Settings, cache_path: Path | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(tr("prefs.title"))
        self.settings = settings
        self.cache_path = cache_path
        self.rows: dict[str, _Row] = {}
        self.result_: SaveResult | None = None

        intro = QLabel(tr("prefs.intro", path=str(paths.user_config_file())), self)
        intro.setWordWrap(True)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        self._grids: list[QGridLayout] = []
        for group, keys in GROUPS:
            if group == "sources":
                keys = tuple(source_url_keys(settings))
            elif group == "store":
                keys = store_keys(settings)
            if keys:
                body_layout.addWidget(self._group(group, keys))
        body_layout.addStretch(1)
        self._align_columns()
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(860, 700)

    # ---- building -------------------------------------------------------------------------
    def _group(self, group: str, keys: tuple[str, ...]) -> QGroupBox:
        box = QGroupBox(tr(f"prefs.group.{group}"))
        box.setObjectName(f"group:{group}")
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        self._grids.append(grid)
        line = 0
        for key in keys:
            label = self._label(key)
            row = self._row(key, label)
            self.rows[key] = row
            grid.addWidget(QLabel(label), line, 0)
            grid.addWidget(row.editor, line, 1)
            grid.addWidget(self._origin(key, row), line, 2)
            line += 1
            reference = self.settings.reference(key) if key != CACHE_PATH_KEY else None
            if reference:
                hint = QLabel(tr("prefs.reference", ref=reference))
                hint.setObjectName(f"reference:{key}")
                hint.setStyleSheet("color: palette(mid);")
                hint.setWordWrap(True)
                grid.addWidget(hint, line, 1, 1, 2)
                line += 1
        return box

    def _align_columns(self) -> None:
        """One width for the labels and one for the origins in every group, so the fields
        line up down the dialog."""
        for column in (0, 2):
            cells = [
                grid.itemAtPosition(r, column)
                for grid in self._grids
                for r in range(grid.rowCount())
            ]
            width = max((c.widget().sizeHint().width() for c in cells if c is not None), default=0)
            for grid in self._grids:
                grid.setColumnMinimumWidth(column, width)

    def _label(self, key: str) -> str:
        if f"prefs.key.{key}" in TEXTS["da"]:
            return tr(f"prefs.key.{key}")
        if key.startswith("plugins."):  # technical names: the same in both languages
            _, plugin, name = key.split(".", 2)
            return f"{plugin} · {name}"
        return key

    def _row(self, key: str, label: str) -> _Row:
        if key == CACHE_PATH_KEY:
            edit = QLineEdit(str(self.cache_path or paths.default_cache_path()))
            edit.setReadOnly(True)
            edit.setCursorPosition(0)
            edit.setToolTip(tr("prefs.cache_tip"))
            return _Row(key, label, edit, "readonly")
        value = self.settings.get(key)
        if key in CHOICES:
            combo = QComboBox()
            options = list(CHOICES[key])
            if value not in [v for v, _ in options]:
                options.append((str(value), str(value)))  # e.g. the older "consultant"
            for code, text in options:
                combo.addItem(tr(text), code)
            combo.setCurrentIndex(combo.findData(value))
            row = _Row(key, label, combo, "choice")
        elif isinstance(value, bool):
            box = QCheckBox()
            box.setChecked(value)
            row = _Row(key, label, box, "bool")
        elif is_secret(key, value):
            row = self._secret_row(key, label)
        elif isinstance(value, dict | list):  # not editable here: shown as written
            edit = QLineEdit(str(value))
            edit.setReadOnly(True)
            row = _Row(key, label, edit, "readonly")
        else:
            row = _Row(key, label, QLineEdit("" if value is None else str(value)), "text")
        if isinstance(row.editor, QLineEdit):
            row.editor.setCursorPosition(0)  # a long URL shows its host, not its tail
        row.editor.setObjectName(f"setting:{key}")
        origin = self.settings.origin(key)
        if self.settings.locked(key):
            row.editor.setEnabled(False)
            row.editor.setToolTip(tr("prefs.locked_tip", path=self.settings.origin_path(key)))
        elif origin == "environment":  # a change in the user's file would have no effect
            row.editor.setEnabled(False)
            row.editor.setToolTip(tr("prefs.env_tip", name=env_name(key)))
        return row

    def _secret_row(self, key: str, label: str) -> _Row:
        """A secret is never put into the widget: a reference is shown, a value is not."""
        edit = QLineEdit()
        reference = self.settings.reference(key)
        if reference:
            edit.setText(reference)
        else:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            set_ = bool(self.settings.get(key))
            edit.setPlaceholderText(tr("prefs.secret_set" if set_ else "prefs.secret_empty"))
        row = _Row(key, label, edit, "secret")

        def typed(text: str) -> None:
            row.edited = True
            mode = QLineEdit.EchoMode.Normal if is_reference(text) else QLineEdit.EchoMode.Password
            edit.setEchoMode(mode)

        edit.textEdited.connect(typed)
        return row

    def _origin(self, key: str, row: _Row) -> QWidget:
        origin = "cache" if key == CACHE_PATH_KEY else self.settings.origin(key)
        box = QWidget()
        box.setObjectName(f"origin:{key}")
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        locked = key != CACHE_PATH_KEY and self.settings.locked(key)
        if locked:
            icon = QLabel()
            icon.setObjectName("lock")
            icon.setPixmap(lock_pixmap())
            layout.addWidget(icon)
        text = QLabel(
            tr(f"prefs.origin.{origin}") + (f" · {tr('settings.locked')}" if locked else "")
        )
        text.setStyleSheet("color: palette(dark);")
        layout.addWidget(text)
        layout.addStretch(1)
        path = self.settings.origin_path(key) if key != CACHE_PATH_KEY else ""
        if locked:
            box.setToolTip(tr("prefs.locked_tip", path=path))
        elif origin == "environment":
            box.setToolTip(tr("prefs.env_tip", name=env_name(key)))
        elif path:
            box.setToolTip(tr("prefs.origin_tip", path=path))
        return box

    # ---- saving ---------------------------------------------------------------------------
    def changes(self) -> dict[str, Any]:
        """Changed values of the editable rows, typed as the settings hold them. Raises
        ``InvalidSetting`` for text that is no number where a number belongs."""
        out: dict[str, Any] = {}
        for key, row in self.rows.items():
            if row.kind == "readonly" or not row.editor.isEnabled() or self.settings.locked(key):
                continue
            current = self.settings.get(key)
            if row.kind == "choice":
                value: Any = row.editor.currentData()
            elif row.kind == "bool":
                value = row.editor.isChecked()
            elif row.kind == "secret":
                if not row.edited:
                    continue
                value = row.editor.text().strip()  # a reference is written as the reference
                if value == (self.settings.reference(key) or current):
                    continue
                out[key] = value
                continue
            else:
                value = parse_value(key, row.editor.text(), current)
            if value != current:
                out[key] = value
        return out

    def show_error(self, text: str, key: str | None = None) -> None:
        self.error.setText(text)
        self.error.show()
        row = self.rows.get(key or "")
        if row is not None:
            row.editor.setFocus()

    def save(self) -> None:
        self.error.hide()
        try:
            changes = self.changes()
            if not changes:
                self.accept()
                return
            result = save_user_settings(changes, config_file=self.settings.config_file)
        except InvalidSetting as exc:
            self.show_error(self._invalid_text(exc), exc.key)
            return
        except LockedSettingError as exc:
            field = self.rows[exc.key].label if exc.key in self.rows else exc.key
            self.show_error(tr("prefs.locked_now", field=field), exc.key)
            return
        except ConfigError as exc:
            self.show_error(tr("prefs.failed", reason=str(exc)))
            return
        self.result_ = result
        self.saved.emit(result)
        self.accept()

    def _invalid_text(self, exc: InvalidSetting) -> str:
        row = self.rows.get(exc.key)
        field = row.label if row is not None else self._label(exc.key)
        allowed = " / ".join(exc.allowed)
        expected = tr(f"prefs.expected.{exc.kind}", allowed=allowed)
        return tr("prefs.invalid", field=field, value=exc.value, expected=expected)

    @staticmethod
    def message(result: SaveResult) -> str:
        """What the window's status bar says after a save."""
        msg_id = "prefs.saved_restart" if result.restart_needed else "prefs.saved"
        return tr(msg_id, path=str(result.path))
