"""Export the current map view to PNG or PDF with legend, scale bar, attribution and date.

The sheet is the map as the user sees it (basemap, layers, selection, the legend and scale
bar overlays) under a title line, with a footer naming the date, the statistic and the map
attribution. PNG at the widget's size times ``scale``; PDF as one A4 landscape page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from workbench.core.errors import WorkbenchError
from workbench.qt.i18n import tr

from .canvas import MapWidget


def render_sheet(map_widget: MapWidget, *, title: str, when: date, scale: float = 1.0) -> QImage:
    map_widget.refresh_layers()
    grab = map_widget.grab()
    img = grab.toImage()
    if scale != 1.0:
        img = img.scaled(
            int(img.width() * scale),
            int(img.height() * scale),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    head, foot = 40, 30
    sheet = QImage(img.width(), img.height() + head + foot, QImage.Format.Format_ARGB32)
    sheet.fill(QColor(255, 255, 255))
    p = QPainter(sheet)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    f = QFont(map_widget.font())
    f.setPointSizeF(13)
    f.setBold(True)
    p.setFont(f)
    p.setPen(QColor(25, 35, 50))
    p.drawText(QRectF(10, 0, img.width() - 20, head), Qt.AlignmentFlag.AlignVCenter, title)
    p.drawImage(0, head, img)
    f.setPointSizeF(8.5)
    f.setBold(False)
    p.setFont(f)
    p.setPen(QColor(60, 60, 70))
    bits = [tr("export.date", date=f"{when:%d-%m-%Y}"), "EPSG:25832"]
    if map_widget.scale_bar.length_m:
        bits.append(tr("export.scale", length=map_widget.scale_bar.text()))
    if map_widget.choropleth is not None:
        bits.append(map_widget.choropleth.title)
    if map_widget.tile_service is not None:
        bits.append(map_widget.tile_service.attribution)
    p.drawText(
        QRectF(10, head + img.height(), img.width() - 20, foot),
        Qt.AlignmentFlag.AlignVCenter,
        "  ·  ".join(bits),
    )
    p.end()
    return sheet


def export_map(
    map_widget: MapWidget, path: Path | str, *, title: str | None = None, when: date | None = None
) -> Path:
    """Write the current view to ``path`` (.png or .pdf)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise WorkbenchError(f"export to PNG or PDF, not {path.suffix or 'no extension'}")
    when = when or date.today()
    title = title or tr("export.title")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        sheet = render_sheet(map_widget, title=title, when=when, scale=1.0)
        if not sheet.save(str(path), "PNG"):
            raise WorkbenchError(f"cannot write {path}")
        return path
    sheet = render_sheet(map_widget, title=title, when=when, scale=2.0)
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
    s = min(page.width() / sheet.width(), page.height() / sheet.height())
    target = QRectF(0, 0, sheet.width() * s, sheet.height() * s)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.drawImage(target, sheet)
    p.end()
    return path
