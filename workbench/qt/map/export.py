"""Export the current map view to PNG or PDF, with the legend and the active filters below it.

The sheet is the map as the user sees it (basemap, layers, selection, scale bar) under a
title line, rendered afresh at the export's width (at least :data:`MIN_WIDTH` pixels: symbols,
lines and text are drawn at that resolution, not an enlarged screen grab). Below the map, not
over it, a caption block holds the legend and the active filters, then a footer naming the
date, the statistic and the map attribution. PDF: one A4 landscape page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
    QRegion,
)
from PySide6.QtWidgets import QWidget

from workbench.core.errors import WorkbenchError
from workbench.qt.i18n import tr

from .canvas import MapWidget

MIN_WIDTH = 1600  # pixels of an exported PNG unless a width is asked for
PDF_WIDTH = 2200  # the sheet drawn on an A4 landscape page at 200 dpi
WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


@dataclass
class Sheet:
    """An export sheet and where its parts are (pixels in ``image``)."""

    image: QImage
    map_rect: QRect
    legend_rect: QRect
    filters_rect: QRect


def render_map(map_widget: MapWidget, width: int) -> QImage:
    """The map view ``width`` pixels wide: the scene drawn afresh at that size, then the
    overlays (scale bar, coordinates, attribution, badge) scaled alike. Not the on-screen
    legend (the sheet lists it below the map) nor the missing-basemap note."""
    s = width / max(1, map_widget.width())
    height = max(1, round(map_widget.height() * s))
    overlays = (
        map_widget.scale_bar,
        map_widget.coords,
        map_widget.attribution,
        map_widget.demo_label,
    )
    map_widget.refresh_layers(scale=s)  # the point layers at the export's resolution
    try:
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(map_widget.backgroundBrush().color())
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        # The scene, not the widget: QGraphicsView.render under a scaled painter scales twice.
        source = map_widget.mapToScene(map_widget.viewport().rect()).boundingRect()
        map_widget.scene().render(p, QRectF(0, 0, width, height), source)
        for w in overlays:
            if w.isHidden():
                continue
            p.save()
            p.scale(s, s)
            w.render(p, w.pos(), QRegion(), QWidget.RenderFlag.DrawChildren)
            p.restore()
        p.end()
    finally:
        map_widget.refresh_layers()  # back to the screen's frames
    return image


def _font(base: QFont, px: float, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPixelSize(max(6, round(px)))
    f.setBold(bold)
    return f


def _symbol(p: QPainter, box: QRectF, color: tuple[int, ...], symbol: str) -> None:
    c = QColor(*color[:3])
    p.setPen(QPen(QColor(120, 120, 120), max(1.0, box.width() / 12)))
    p.setBrush(c)
    if symbol == "o":
        p.setPen(QPen(QColor(255, 255, 255), max(1.0, box.width() / 10)))
        p.drawEllipse(box)
    elif symbol == "t":
        p.setPen(QPen(QColor(255, 255, 255), max(1.0, box.width() / 10)))
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(box.center().x(), box.top()),
                    box.bottomRight(),
                    box.bottomLeft(),
                ]
            )
        )
    elif symbol == "outline":
        p.setPen(QPen(c, max(1.5, box.width() / 6)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)
    else:  # 's' and 'area'
        p.drawRect(box)


def _text_height(fm: QFontMetrics, width: int, text: str) -> int:
    return fm.boundingRect(QRect(0, 0, width, 10_000), int(WRAP), text).height()


def render_sheet(
    map_widget: MapWidget,
    *,
    title: str,
    when: date,
    width: int | None = None,
    filters: list[str] | None = None,
) -> Sheet:
    """The map ``width`` pixels wide (default: :data:`MIN_WIDTH` or the widget's width, if
    larger) with the title above and legend, active filters and footer below."""
    width = int(width or max(MIN_WIDTH, map_widget.width()))
    if width < 200:
        raise WorkbenchError(f"export width {width} is too small (at least 200 pixels)")
    img = render_map(map_widget, width)
    u = width / 1600  # text and symbols scale with the sheet
    pad = round(16 * u)
    base = map_widget.font()
    f_title, f_head = _font(base, 26 * u, True), _font(base, 17 * u, True)
    f_text, f_bold = _font(base, 15 * u), _font(base, 15 * u, True)
    fm_head, fm_text, fm_bold = QFontMetrics(f_head), QFontMetrics(f_text), QFontMetrics(f_bold)
    line = fm_text.height() + round(4 * u)
    sym = round(fm_text.height() * 0.7)

    rows = map_widget.legend_rows()
    filters = filters if filters is not None else [tr("caption.no_filters")]
    col_w = (width - 3 * pad) // 2
    text_w = col_w - sym - round(8 * u)
    legend_h = fm_head.height() + sum(
        (_text_height(fm_text, text_w, t) if c is not None else _text_height(fm_bold, col_w, t))
        + round(4 * u)
        for c, _, t in rows
    )
    filters_h = fm_head.height() + sum(
        _text_height(fm_text, col_w, t) + round(4 * u) for t in filters
    )
    head = round(56 * u)
    foot = line + pad
    caption_h = max(legend_h, filters_h) + 2 * pad
    map_top = head
    caption_top = map_top + img.height()
    sheet = QImage(width, caption_top + caption_h + foot, QImage.Format.Format_ARGB32)
    sheet.fill(QColor(255, 255, 255))
    legend_rect = QRect(pad, caption_top + pad, col_w, legend_h)
    filters_rect = QRect(2 * pad + col_w, caption_top + pad, col_w, filters_h)

    p = QPainter(sheet)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    ink = QColor(25, 35, 50)
    p.setFont(f_title)
    p.setPen(ink)
    p.drawText(QRectF(pad, 0, width - 2 * pad, head), Qt.AlignmentFlag.AlignVCenter, title)
    p.drawImage(0, map_top, img)
    p.setPen(QPen(QColor(184, 194, 204), max(1.0, u)))
    p.drawLine(0, caption_top, width, caption_top)

    # legend (left column) ------------------------------------------------------------------
    y = legend_rect.top()
    p.setFont(f_head)
    p.setPen(ink)
    p.drawText(QRect(pad, y, col_w, fm_head.height()), int(WRAP), tr("export.legend"))
    y += fm_head.height()
    for color, symbol, text in rows:
        if color is None:  # a heading: the statistic, or the field points are coloured by
            p.setFont(f_bold)
            h = _text_height(fm_bold, col_w, text)
            p.setPen(ink)
            p.drawText(QRect(pad, y, col_w, h + 2), int(WRAP), text)
        else:
            h = _text_height(fm_text, text_w, text)
            box = QRectF(pad, y + (fm_text.height() - sym) / 2, sym, sym)
            _symbol(p, box, color, symbol)
            p.setFont(f_text)
            p.setPen(ink)
            p.drawText(QRect(pad + sym + round(8 * u), y, text_w, h + 2), int(WRAP), text)
        y += h + round(4 * u)

    # active filters (right column) -----------------------------------------------------------
    y = filters_rect.top()
    x = filters_rect.left()
    p.setFont(f_head)
    p.drawText(QRect(x, y, col_w, fm_head.height()), int(WRAP), tr("export.filters"))
    y += fm_head.height()
    p.setFont(f_text)
    for text in filters:
        h = _text_height(fm_text, col_w, text)
        p.drawText(QRect(x, y, col_w, h + 2), int(WRAP), text)
        y += h + round(4 * u)

    # footer ------------------------------------------------------------------------------
    p.setFont(_font(base, 13 * u))
    p.setPen(QColor(60, 60, 70))
    bits = [tr("export.date", date=f"{when:%d-%m-%Y}"), "EPSG:25832"]
    if map_widget.scale_bar.length_m:
        bits.append(tr("export.scale", length=map_widget.scale_bar.text()))
    if map_widget.choropleth is not None:
        bits.append(map_widget.choropleth.title)
    if map_widget.tile_service is not None:
        bits.append(map_widget.tile_service.attribution)
    p.drawText(
        QRectF(pad, caption_top + caption_h, width - 2 * pad, foot),
        Qt.AlignmentFlag.AlignVCenter,
        "  ·  ".join(bits),
    )
    p.end()
    return Sheet(sheet, QRect(0, map_top, width, img.height()), legend_rect, filters_rect)


def export_map(
    map_widget: MapWidget,
    path: Path | str,
    *,
    title: str | None = None,
    when: date | None = None,
    width: int | None = None,
    filters: list[str] | None = None,
) -> Path:
    """Write the current view to ``path`` (.png or .pdf); ``width`` in pixels (PNG default:
    at least :data:`MIN_WIDTH`), ``filters`` the caption's lines for the active filters."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise WorkbenchError(f"export to PNG or PDF, not {path.suffix or 'no extension'}")
    when = when or date.today()
    title = title or tr("export.title")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        sheet = render_sheet(map_widget, title=title, when=when, width=width, filters=filters)
        if not sheet.image.save(str(path), "PNG"):
            raise WorkbenchError(f"cannot write {path}")
        return path
    image = render_sheet(
        map_widget, title=title, when=when, width=width or PDF_WIDTH, filters=filters
    ).image
    writer = QPdfWriter(str(path))
    writer.setResolution(200)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(10, 10, 10, 10),
        )
    )
    writer.setTitle(title)
    writer.setCreator("Jobkort")
    p = QPainter(writer)
    if not p.isActive():
        raise WorkbenchError(f"cannot write {path}")
    page = QRectF(0, 0, writer.width(), writer.height())
    s = min(page.width() / image.width(), page.height() / image.height())
    target = QRectF(0, 0, image.width() * s, image.height() * s)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.drawImage(target, image)
    p.end()
    return path
