"""QGIS peer: filter (subset string) + render 1600x1000, per filter. Run by the SYSTEM python
(Debian's python3-qgis), never imported by the workbench.

    /usr/bin/python3 peer_qgis.py < job.json   # prints one JSON line

job.json: {"layers": {entity: gpkg}, "expressions": {entity: [subset, ...]},
"width": 1600, "height": 1000, "job": "parallel" | "sequential"}.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    job = json.load(sys.stdin)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsMapRendererParallelJob,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsMarkerSymbol,
        QgsSingleSymbolRenderer,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize

    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    render_job = QgsMapRendererParallelJob
    if job.get("job") == "sequential":
        render_job = QgsMapRendererSequentialJob
    out: dict = {"version": Qgis.version(), "job": render_job.__name__, "ms": {}, "counts": {}}
    size = QSize(int(job.get("width", 1600)), int(job.get("height", 1000)))
    for entity, path in job["layers"].items():
        layer = QgsVectorLayer(f"{path}|layername={entity}", entity, "ogr")
        if not layer.isValid():
            print(json.dumps({"error": f"QGIS cannot open {path}"}))
            return 1
        layer.setRenderer(
            QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple({"name": "circle", "size": "1"}))
        )
        extent = layer.extent()  # all of the points: the national view
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(layer.crs())
        settings.setOutputSize(size)
        settings.setExtent(extent)

        def render(subset: str, layer=layer, settings=settings) -> int:
            layer.setSubsetString(subset)
            r = render_job(settings)
            r.start()
            r.waitForFinished()
            image = r.renderedImage()
            if image.width() != size.width():
                raise RuntimeError("QGIS rendered no image")
            return layer.featureCount()

        render(job["expressions"][entity][0])  # warm the provider and the caches
        times, counts = [], []
        for subset in job["expressions"][entity]:
            t0 = time.perf_counter()
            counts.append(render(subset))
            times.append((time.perf_counter() - t0) * 1e3)
        out["ms"][entity] = times
        out["counts"][entity] = counts
    print(json.dumps(out), flush=True)
    # QGIS 3.22's exitQgis() segfaults in a standalone script: the answer is out, leave.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
