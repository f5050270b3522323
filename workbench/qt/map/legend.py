"""The legend drawn over the map: a compact box anchored in the bottom-left corner.

A header button collapses and expands it. The map gives it a bounding box (a share of the
map, clear of the scale bar, attribution and coordinates); the entries wrap to its width
and scroll within its height. While the user has not chosen, the legend collapses to its
header by itself when the expanded entries would not fit that box (a small map), and
expands again when they do.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.i18n import tr

# The share of the map the legend may take: width, height, and (expanded by itself) area.
# Width x height bounds even a legend the user opened to 12% of the map (it scrolls
# beyond); at 45% x 50% it covered a quarter of the map at the default window size.
MAX_WIDTH_SHARE = 0.3
MAX_HEIGHT_SHARE = 0.4
MAX_AREA_SHARE = 0.12
MARGIN = 10  # from the map's edges
GAP = 6  # from other overlays
MIN_BODY_WIDTH = 90  # narrower than this the entries are not worth showing


class MapLegend(QFrame):
    """Collapsible legend over the map. ``setText(html)`` sets the entries (rich text, rows
    separated by ``<br>``); ``place(...)`` sizes and moves it within what the map allows."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.setStyleSheet(
            "QFrame#mapLegend { background: rgba(255,255,255,228); border: 1px solid #b8c2cc;"
            " border-radius: 4px; }"
            " QToolButton#mapLegendToggle { border: none; background: transparent;"
            " color: #1d2733; padding: 0px 2px; text-align: left; }"
            " QToolButton#mapLegendToggle:hover { color: #0b5cad; }"
            " QLabel#mapLegendBody { color: #1d2733; background: transparent; }"
            " QScrollArea#mapLegendScroll, QWidget#mapLegendViewport"
            " { background: transparent; border: none; }"
        )
        small = QFont(self.font())
        small.setPointSizeF(8)
        self._html = ""
        self.user_expanded: bool | None = None  # None: automatic
        self.expanded = True
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("mapLegendToggle")
        bold = QFont(small)
        bold.setBold(True)
        self.toggle.setFont(bold)
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle.setAutoRaise(True)
        self.toggle.clicked.connect(self._on_toggle)
        self.body = QLabel()
        self.body.setObjectName("mapLegendBody")
        self.body.setFont(small)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.body.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("mapLegendScroll")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.viewport().setObjectName("mapLegendViewport")
        self.scroll.setWidget(self.body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(5, 2, 6, 4)
        lay.setSpacing(0)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.toggle)
        head.addStretch(1)
        lay.addLayout(head)
        lay.addWidget(self.scroll)
        self._bounds = QRect()
        self._map_area = 1
        self._update_toggle()

    # -- content -------------------------------------------------------------------------
    def setText(self, html: str) -> None:  # like QLabel
        self._html = html
        self.body.setText(html)

    def text(self) -> str:
        return self._html

    def set_expanded(self, expanded: bool) -> None:
        """The user's choice: expanded or collapsed whatever the map's size."""
        self.user_expanded = bool(expanded)
        self._fit()

    def _on_toggle(self) -> None:
        self.set_expanded(not self.expanded)

    def _update_toggle(self) -> None:
        arrow = "\u25be" if self.expanded else "\u25b8"
        self.toggle.setText(f"{arrow} {tr('map.legend')}")
        self.toggle.setToolTip(tr("map.legend_hide" if self.expanded else "map.legend_show"))
        self.toggle.adjustSize()

    # -- geometry ------------------------------------------------------------------------
    def _chrome(self) -> tuple[int, int]:
        """Width and height around the entries: margins, frame and the header row."""
        m = self.layout().contentsMargins()
        fw = 2 * self.frameWidth()  # the style sheet's border
        header = self.toggle.sizeHint().height()
        return m.left() + m.right() + fw, m.top() + m.bottom() + fw + header

    def header_width(self) -> int:
        """The width of the collapsed legend: the header must never be cut off."""
        return self.toggle.sizeHint().width() + self._chrome()[0]

    def _natural_body_width(self) -> int:
        self.body.setWordWrap(False)
        w = self.body.sizeHint().width()
        self.body.setWordWrap(True)
        return w

    def place(self, bounds: QRect, map_area: int) -> None:
        """Fit into ``bounds`` (the largest box the map leaves the legend, its bottom-left
        corner being the anchor) and keep to ``MAX_AREA_SHARE`` of ``map_area`` when
        expanded by itself."""
        self._bounds = QRect(bounds)
        self._map_area = max(1, int(map_area))
        self._fit()

    def _fit(self) -> None:
        bounds = self._bounds
        if not self._html or bounds.width() <= 0 or bounds.height() <= 0:
            self.setVisible(False)
            return
        self._update_toggle()
        cw, ch = self._chrome()
        head_w = self.toggle.sizeHint().width() + cw
        scroll_w = self.scroll.verticalScrollBar().sizeHint().width()
        body_w = min(self._natural_body_width() + 2, bounds.width() - cw)
        body_h = self.body.heightForWidth(body_w) + 2 if body_w > 0 else 0
        full = (max(head_w, body_w + cw), ch + body_h)
        fits = (
            body_w >= MIN_BODY_WIDTH
            and full[0] <= bounds.width()
            and full[1] <= bounds.height()
            and full[0] * full[1] <= MAX_AREA_SHARE * self._map_area
        )
        if self.user_expanded is None:
            self.expanded = fits
        else:
            self.expanded = self.user_expanded and body_w >= MIN_BODY_WIDTH // 2
        self._update_toggle()
        if self.expanded:
            w, h = full
            scrolls = h > bounds.height()
            if scrolls:  # room for the scroll bar; the entries rewrap
                body_w = max(1, min(body_w, bounds.width() - cw - scroll_w))
                w = max(head_w, body_w + scroll_w + cw)
                h = bounds.height()
            # decided here: left to itself the scroll area can keep a scroll bar it no
            # longer needs (the bar narrows the entries, which then need it)
            self.scroll.setVerticalScrollBarPolicy(
                Qt.ScrollBarPolicy.ScrollBarAlwaysOn
                if scrolls
                else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )
            self.scroll.setVisible(True)
        else:
            w, h = head_w, ch
            self.scroll.setVisible(False)
        w, h = min(w, bounds.width()), min(h, max(bounds.height(), ch))
        self.setGeometry(bounds.left(), bounds.bottom() + 1 - h, w, h)
        self.setVisible(True)
        self.raise_()
