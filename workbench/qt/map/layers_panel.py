"""The layers panel: visibility, opacity, order and legend per layer, point styling by a
field, and the municipality choropleth (statistic and classification)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.layers.choropleth import METHODS
from workbench.layers.styling import STYLES
from workbench.qt.i18n import language, tr

from .canvas import LAYER_TITLES, MapWidget


class LayerRow(QFrame):
    def __init__(self, panel: LayersPanel, name: str) -> None:
        super().__init__(panel)
        self.name = name
        self.setObjectName(f"layerRow_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(3)
        top = QHBoxLayout()
        self.visible = QCheckBox(tr(LAYER_TITLES[name]), self)
        self.visible.setChecked(panel.map.layer_visible.get(name, True))
        self.visible.toggled.connect(lambda on: panel.map.set_layer_visible(name, on))
        top.addWidget(self.visible, 1)
        self.up = QToolButton(self)
        self.up.setText("▲")
        self.up.setToolTip(tr("layers.up"))
        self.up.clicked.connect(lambda: panel.move(name, -1))
        self.down = QToolButton(self)
        self.down.setText("▼")
        self.down.setToolTip(tr("layers.down"))
        self.down.clicked.connect(lambda: panel.move(name, +1))
        fixed = name in ("basemap", "selection")
        self.up.setVisible(not fixed)
        self.down.setVisible(not fixed)
        top.addWidget(self.up)
        top.addWidget(self.down)
        lay.addLayout(top)
        op = QHBoxLayout()
        op.addWidget(QLabel(tr("layers.opacity"), self))
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(round(panel.map.layer_opacity.get(name, 1.0) * 100))
        self.opacity.valueChanged.connect(lambda v: panel.map.set_layer_opacity(name, v / 100))
        op.addWidget(self.opacity, 1)
        lay.addLayout(op)
        self.style_combo: QComboBox | None = None
        self.stat_combo: QComboBox | None = None
        self.method_combo: QComboBox | None = None
        if STYLES.get(name):
            self.style_combo = QComboBox(self)
            self.style_combo.setObjectName(f"style_{name}")
            self.style_combo.addItem(tr("layers.style_plain"), None)
            for key, style in STYLES[name].items():
                self.style_combo.addItem(tr("layers.style_by", field=style.label(language())), key)
            self.style_combo.currentIndexChanged.connect(
                lambda _i: panel.styleRequested.emit(name, self.style_combo.currentData())
            )
            lay.addWidget(self.style_combo)
        if name == "municipalities":
            self.stat_combo = QComboBox(self)
            self.stat_combo.setObjectName("choroplethStatistic")
            for key in ("none", "auto", "long_term_share", "candidates_count"):
                self.stat_combo.addItem(tr(f"choropleth.{key}"), key)
            self.method_combo = QComboBox(self)
            self.method_combo.setObjectName("choroplethMethod")
            for m in METHODS:
                self.method_combo.addItem(tr(f"choropleth.method_{m}"), m)
            self.stat_combo.currentIndexChanged.connect(panel._choropleth_changed)
            self.method_combo.currentIndexChanged.connect(panel._choropleth_changed)
            lay.addWidget(self.stat_combo)
            lay.addWidget(self.method_combo)
        self.legend = QLabel(self)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        lay.addWidget(self.legend)


class LayersPanel(QWidget):
    """Rows top to bottom in drawing order (top row drawn on top)."""

    styleRequested = Signal(str, object)  # entity, style key or None
    choroplethRequested = Signal(str, str)  # statistic key ("none" = off), method

    def __init__(self, map_widget: MapWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layersPanel")
        self.map = map_widget
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(4)
        self.rows: dict[str, LayerRow] = {}
        for name in ("selection", *map_widget.layer_order, "basemap"):
            row = LayerRow(self, name)
            self.rows[name] = row
        self._relayout()
        self._layout.addStretch(1)
        map_widget.layersChanged.connect(self.update_legends)
        map_widget.layersRefreshed.connect(self.update_legends)
        self.update_legends()

    def order(self) -> list[str]:
        return list(self.map.layer_order)

    def move(self, name: str, step: int) -> None:
        order = self.order()
        i = order.index(name)
        j = max(0, min(len(order) - 1, i + step))
        if i == j:
            return
        order[i], order[j] = order[j], order[i]
        self.map.set_layer_order(order)
        self._relayout()

    def _relayout(self) -> None:
        names = ["selection", *self.map.layer_order, "basemap"]
        for row in self.rows.values():
            self._layout.removeWidget(row)
        for i, name in enumerate(names):
            self._layout.insertWidget(i, self.rows[name])
        order = self.map.layer_order
        for name in order:
            self.rows[name].up.setEnabled(order.index(name) > 0)
            self.rows[name].down.setEnabled(order.index(name) < len(order) - 1)

    def _choropleth_changed(self, *_args) -> None:
        row = self.rows["municipalities"]
        assert row.stat_combo is not None and row.method_combo is not None
        self.choroplethRequested.emit(row.stat_combo.currentData(), row.method_combo.currentData())

    def set_choropleth(self, statistic: str, method: str = "quantile") -> None:
        row = self.rows["municipalities"]
        assert row.stat_combo is not None and row.method_combo is not None
        row.method_combo.blockSignals(True)
        row.method_combo.setCurrentIndex(max(0, row.method_combo.findData(method)))
        row.method_combo.blockSignals(False)
        idx = row.stat_combo.findData(statistic)
        if idx == row.stat_combo.currentIndex():
            self._choropleth_changed()
        else:
            row.stat_combo.setCurrentIndex(max(0, idx))

    def update_legends(self) -> None:
        for name, row in self.rows.items():
            if name == "selection":
                sel = self.map.spatial_selection
                row.legend.setText(
                    ""
                    if sel is None
                    else tr("map.selection_inverted" if sel.inverted else "map.selection")
                )
                continue
            if name == "basemap":
                svc = self.map.tile_service
                problem = self.map.basemap_problem
                text = tr("layers.no_basemap") if svc is None else problem or svc.attribution
                row.legend.setText(text)
                row.visible.setEnabled(svc is not None)
                continue
            lines = []
            if name == "municipalities" and self.map.choropleth is not None:
                lines.append(f"<i>{self.map.choropleth.title}</i>")
            for color, symbol, label in self.map.legend_entries(name):
                r, g, b = color[:3]
                shape = {"o": "&#9679;", "s": "&#9632;", "t": "&#9650;"}.get(symbol, "&#9632;")
                lines.append(f"<span style='color: rgb({r},{g},{b})'>{shape}</span> {label}")
            row.legend.setText("<br>".join(lines))
            row.legend.setVisible(bool(lines))
