"""The management view ("Ledelsesoverblik"): a window tab with four pyqtgraph charts for an
area (the jobcenter's municipality, all municipalities, or one): unemployment over time
(statistics), candidates by duration and target group, candidates against postings per
occupation, and campaign results. A thin view: every number comes from
``workbench.core.management`` (computed on a worker with its own cursor, small counts
already suppressed); each chart saves as PNG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from workbench.core import management as mgmt
from workbench.layers.styling import DURATION, OTHER_COLOR, STYLES, TARGET_GROUP
from workbench.qt.i18n import language, tr

CHARTS = ("over_time", "duration", "supply", "campaigns")
SUPPLY_COLOR = (31, 119, 180, 230)
DEMAND_COLOR = (255, 127, 14, 230)
BAR_COLOR = (90, 120, 200, 230)
TITLE_CHARS = 22  # occupation titles on the supply chart's axis


def _small_font() -> QFont:
    """Made when asked: a QFont needs the application."""
    font = QFont()
    font.setPointSize(8)
    return font


@dataclass
class Figures:
    """Everything the tab draws for one area (computed off the GUI thread)."""

    series: mgmt.Series | None
    duration: mgmt.DurationTable
    supply: mgmt.SupplyDemand
    campaigns: dict[str, int | None] | None


def compute(cur: Any, area: mgmt.Area, measure: str | None, today: date) -> Figures:
    return Figures(
        mgmt.unemployment_series(cur, area, measure),
        mgmt.candidates_by_duration(cur, area, today),
        mgmt.supply_and_demand(cur, area),
        mgmt.campaign_results(cur, area),
    )


def _vals(values: list[int | None] | list[float | None]) -> np.ndarray:
    """Suppressed (None) as NaN for lines, as 0 for bars (a bar is not drawn)."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _short(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


class ChartPanel(QFrame):
    """One chart: a pyqtgraph plot (its title inside, so the PNG has it), or an empty-state
    text in its place; a PNG button."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.key = key
        self.title = title
        self.setObjectName(f"chart_{key}")
        self.plot = pg.PlotWidget(parent=self, background="w")
        self.plot.setObjectName(f"plot_{key}")
        self.plot.plotItem.setTitle(title, color="#222", size="10pt")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setObjectName(f"empty_{key}")
        self.export_button = QPushButton(tr("shortage.export"), self)
        self.export_button.setObjectName(f"export_{key}")
        holder = QWidget(self)
        self.stack = QStackedLayout(holder)
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.empty)
        lay = QVBoxLayout(self)
        lay.addWidget(holder, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        lay.addLayout(row)

    def clear(self) -> pg.PlotItem:
        item = self.plot.plotItem
        item.clear()  # also takes the items' entries out of the legend
        for axis in ("bottom", "left"):
            item.getAxis(axis).setTicks(None)
        self.stack.setCurrentWidget(self.plot)
        self.export_button.setEnabled(True)
        return item

    def show_empty(self, text: str) -> None:
        self.plot.plotItem.clear()
        self.empty.setText(f"<b>{self.title}</b><br><br>{text}")
        self.stack.setCurrentWidget(self.empty)
        self.export_button.setEnabled(False)

    @property
    def showing_chart(self) -> bool:
        return self.stack.currentWidget() is self.plot

    def save_png(self, path: str | Path) -> Path:
        """The chart (title, axes, legend) as a PNG file."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.plot.grab().save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        return path


class ManagementTab(QWidget):
    """The "Ledelsesoverblik" tab. ``updated`` fires when the charts show a new area's
    numbers (or the computation failed: ``error`` holds why)."""

    updated = Signal()
    message = Signal(str)

    def __init__(
        self,
        cursor: Callable[[], Any],
        run_in_background: Callable[[Callable[[Any], Any], Callable[[Any], None]], None],
        *,
        jobcenter: str | None = None,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("managementTab")
        self._cursor = cursor
        self._run = run_in_background
        self._jobcenter = jobcenter
        self._today = today or date.today()
        self._ticket = 0
        self._stale = True
        self.figures: Figures | None = None
        self.error: str | None = None
        self.areas: list[mgmt.Area] = []

        self.area_combo = QComboBox(self)
        self.area_combo.setObjectName("managementArea")
        self.area_combo.setMinimumContentsLength(14)
        self.area_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.measure_combo = QComboBox(self)
        self.measure_combo.setObjectName("managementMeasure")
        self.measure_combo.setMinimumContentsLength(14)
        self.measure_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.status = QLabel(tr("shortage.suppressed_note"), self)
        self.status.setWordWrap(True)  # the tab must not widen the window
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("shortage.area"), self))
        top.addWidget(self.area_combo)
        top.addWidget(QLabel(tr("shortage.measure"), self))
        top.addWidget(self.measure_combo, 1)
        top.addWidget(self.status)

        titles = {
            "over_time": tr("shortage.chart_over_time"),
            "duration": tr("shortage.chart_duration"),
            "supply": tr("shortage.chart_supply"),
            "campaigns": tr("shortage.chart_campaigns"),
        }
        self.charts: dict[str, ChartPanel] = {k: ChartPanel(k, titles[k], self) for k in CHARTS}
        # two rows; the supply chart gets more width (occupation titles on its axis)
        rows = (QHBoxLayout(), QHBoxLayout())
        for key, row, stretch in (
            ("over_time", 0, 1),
            ("duration", 0, 1),
            ("supply", 1, 3),
            ("campaigns", 1, 2),
        ):
            rows[row].addWidget(self.charts[key], stretch)
            self.charts[key].export_button.clicked.connect(
                lambda _=False, k=key: self.ask_export(k)
            )
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(rows[0], 1)
        lay.addLayout(rows[1], 1)
        self.area_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.measure_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    # -- data ------------------------------------------------------------------------------
    def load_choices(self) -> None:
        """The areas and statistics of the cache (small look-ups, on the GUI cursor)."""
        cur = self._cursor()
        self.areas = mgmt.areas(cur, self._jobcenter)
        measures = mgmt.unemployment_measures(cur)
        for combo in (self.area_combo, self.measure_combo):
            combo.blockSignals(True)
        try:
            key = self.area_combo.currentData()
            self.area_combo.clear()
            for area in self.areas:
                self.area_combo.addItem(self._area_label(area), area.key)
            self.area_combo.setCurrentIndex(max(0, self.area_combo.findData(key)))
            chosen = self.measure_combo.currentData()
            self.measure_combo.clear()
            for m in measures:
                self.measure_combo.addItem(m, m)
            self.measure_combo.setCurrentIndex(max(0, self.measure_combo.findData(chosen)))
            self.measure_combo.setEnabled(bool(measures))
        finally:
            for combo in (self.area_combo, self.measure_combo):
                combo.blockSignals(False)

    @staticmethod
    def _area_label(area: mgmt.Area) -> str:
        if area.key == "all":
            return tr("shortage.area_all")
        if area.key == "jobcenter":
            return tr("shortage.area_jobcenter", name=area.name)
        return area.name

    def current_area(self) -> mgmt.Area | None:
        key = self.area_combo.currentData()
        return next((a for a in self.areas if a.key == key), None)

    def set_area(self, key: str) -> None:
        """Show ``key`` (``jobcenter``, ``all`` or a municipality code); recomputes."""
        self.area_combo.setCurrentIndex(self.area_combo.findData(key))

    def reload(self) -> None:
        """The cache changed: recompute now when shown, else when next shown."""
        self._stale = True
        if self.isVisible():
            self.load_choices()
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.load_choices()
            self.refresh()

    def refresh(self) -> None:
        area = self.current_area()
        if area is None:
            return
        self._stale = False
        self._ticket += 1
        ticket = self._ticket
        measure = self.measure_combo.currentData()
        today = self._today
        self.status.setText(tr("shortage.loading"))
        self._run(
            lambda cur: compute(cur, area, measure, today),
            lambda result: self._show(ticket, result),
        )

    def _show(self, ticket: int, result: Any) -> None:
        if ticket != self._ticket:  # a newer area was asked for: latest wins
            return
        if not isinstance(result, Figures):
            self.error = str(result).splitlines()[0] if str(result) else type(result).__name__
            self.status.setText(tr("shortage.failed", error=self.error))
            self.updated.emit()
            return
        self.error = None
        self.figures = result
        self.status.setText(tr("shortage.suppressed_note"))
        self._draw_over_time(result.series)
        self._draw_duration(result.duration)
        self._draw_supply(result.supply)
        self._draw_campaigns(result.campaigns)
        self.updated.emit()

    # -- charts ------------------------------------------------------------------------------
    def _draw_over_time(self, series: mgmt.Series | None) -> None:
        panel = self.charts["over_time"]
        if series is None or all(v is None for v in series.values):
            panel.show_empty(tr("shortage.no_stats"))
            return
        item = panel.clear()
        x = np.arange(len(series.periods), dtype=np.float64)
        y = _vals(series.values)
        item.plot(x, y, pen=pg.mkPen((31, 119, 180), width=2), symbol="o", symbolSize=6,
                  connect="finite")  # fmt: skip
        step = max(1, -(-len(series.periods) // 5))  # at most 5 labels: they must not overlap
        ticks = [(float(i), p) for i, p in enumerate(series.periods) if i % step == 0]
        item.getAxis("bottom").setTicks([ticks])
        label = (
            tr("shortage.series_avg", measure=series.measure) if series.averaged else series.measure
        )
        item.setLabel("left", series.unit or tr("shortage.count"))
        item.setTitle(
            f"{tr('shortage.chart_over_time')}: {_short(label)}", color="#222", size="10pt"
        )

    def _draw_duration(self, table: mgmt.DurationTable) -> None:
        panel = self.charts["duration"]
        if not table.groups or all(v in (None, 0) for row in table.counts for v in row):
            panel.show_empty(tr("shortage.no_candidates"))
            return
        item = panel.clear()
        legend = item.addLegend(offset=(-5, 5), labelTextSize="8pt")
        colours = {c.key: c for c in TARGET_GROUP.classes}
        x = np.arange(len(table.bands), dtype=np.float64)
        bottom = np.zeros(len(table.bands))
        for group, row in zip(table.groups, table.counts, strict=True):
            h = np.nan_to_num(_vals(row))
            style = colours.get(group)
            colour = style.color if style else OTHER_COLOR
            name = (style.label_da if language() == "da" else style.label_en) if style else group
            bars = pg.BarGraphItem(x=x, y0=bottom.copy(), height=h, width=0.7, brush=colour[:3],
                                   pen=pg.mkPen("w"))  # fmt: skip
            item.addItem(bars)
            legend.addItem(bars, name)
            bottom += h
        # the bands' keys (months) fit under the bars in both languages; the axis says months
        labels = [c.key for c in DURATION.classes]
        axis = item.getAxis("bottom")
        axis.setTicks([list(enumerate(labels))])
        axis.setStyle(tickFont=_small_font())
        item.setLabel("bottom", tr("shortage.duration_months"))
        # headroom for the legend (top right) above the bars
        item.setXRange(-0.6, len(labels) - 0.4, padding=0)
        item.setYRange(0, float(bottom.max()) * 1.6, padding=0)
        item.setLabel("left", tr("shortage.candidates"))

    def _draw_supply(self, sd: mgmt.SupplyDemand) -> None:
        panel = self.charts["supply"]
        if not sd.codes:
            panel.show_empty(tr("shortage.no_supply"))
            return
        item = panel.clear()
        legend = item.addLegend(offset=(-5, -5), labelTextSize="8pt")  # bottom right
        n = len(sd.codes)
        y = np.arange(n, dtype=np.float64)[::-1]  # the largest at the top
        for values, offset, colour, name in (
            (sd.candidates, 0.2, SUPPLY_COLOR, tr("shortage.candidates")),
            (sd.postings, -0.2, DEMAND_COLOR, tr("shortage.postings")),
        ):
            bars = pg.BarGraphItem(x0=0, y=y + offset, height=0.38,
                                   width=np.nan_to_num(_vals(values)), brush=colour[:3])  # fmt: skip
            item.addItem(bars)
            legend.addItem(bars, name)
        classes = {c.key: c for c in STYLES["companies"]["shortage"].classes}
        ticks = []
        for yi, title, cat in zip(y, sd.titles, sd.shortage, strict=True):
            text = _short(title)
            if cat is not None:
                text += f" ({tr(f'shortage.short_{cat}')})"
            ticks.append((float(yi), text))
            if cat is not None:  # a mark in the category's colour beside the bars
                mark = pg.ScatterPlotItem(
                    [0], [yi], symbol="s", size=7, brush=classes[cat].color[:3]
                )
                item.addItem(mark)
        axis = item.getAxis("left")
        axis.setTicks([ticks])
        axis.setStyle(tickFont=_small_font())  # the titles take the width from the bars
        widest = np.nan_to_num(_vals([*sd.candidates, *sd.postings])).max(initial=0)
        item.setXRange(0, max(float(widest), 1.0) * 1.05, padding=0)
        item.setYRange(-0.6, n - 0.4, padding=0)
        item.setLabel("bottom", tr("shortage.count"))

    def _draw_campaigns(self, results: dict[str, int | None] | None) -> None:
        panel = self.charts["campaigns"]
        if results is None:
            panel.show_empty(tr("shortage.no_campaigns"))
            return
        if not results or all(v in (None, 0) for v in results.values()):
            panel.show_empty(tr("shortage.no_campaign_targets"))
            return
        item = panel.clear()
        # horizontal bars: the status names fit on the left axis
        y = np.arange(len(results), dtype=np.float64)[::-1]
        w = np.nan_to_num(_vals(list(results.values())))
        item.addItem(pg.BarGraphItem(x0=0, y=y, height=0.6, width=w, brush=BAR_COLOR[:3]))
        axis = item.getAxis("left")
        labels = [_status_label(s) for s in results]
        axis.setTicks([list(zip(y.tolist(), labels, strict=True))])
        axis.setStyle(tickFont=_small_font())
        item.setXRange(0, max(float(w.max(initial=0)), 1.0) * 1.05, padding=0)
        item.setYRange(-0.6, len(results) - 0.4, padding=0)
        item.setLabel("bottom", tr("shortage.count"))

    # -- export ------------------------------------------------------------------------------
    def export_png(self, key: str, path: str | Path) -> Path:
        return self.charts[key].save_png(path)

    def ask_export(self, key: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("shortage.export_title"), f"{key}.png", "PNG (*.png)"
        )
        if not path:
            return
        try:
            saved = self.export_png(key, path)
        except OSError as exc:
            self.message.emit(tr("shortage.export_failed", error=exc))
            return
        self.message.emit(tr("shortage.exported", path=saved))


def _status_label(status: str) -> str:
    """A campaign status key in the UI language (an unknown one as it is stored)."""
    key = f"campaign.status.{status}"
    text = tr(key)
    return status if text == key else text
