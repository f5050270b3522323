"""Generate ``resources/boundaries/kommuner.geojson``: the 99 municipality outlines shipped
with the workbench, so the demo shows real areas offline.

Input: a DAGI municipality GeoJSON in WGS84 with the properties ``kode`` and ``navn``
(default: the project's fixture ``../shared/fixtures/boundaries/kommuner.geojson``).
Output: EPSG:25832, simplified (topology kept per municipality), coordinates rounded to
whole metres, with ``region_kode`` from ``resources/demo/municipalities.csv``.

    python tools/make_boundaries.py [INPUT] [--tolerance 60]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import shapely

from workbench.core import geo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "fixtures" / "boundaries" / "kommuner.geojson"
OUTPUT = ROOT / "resources" / "boundaries" / "kommuner.geojson"
REFERENCE = ROOT / "resources" / "demo" / "municipalities.csv"


def region_codes() -> dict[str, str]:
    lines = [ln for ln in REFERENCE.read_text("utf-8").splitlines() if ln and ln[0] != "#"]
    return {r["kode"]: r["region_kode"] for r in csv.DictReader(lines, delimiter=";")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, nargs="?", default=DEFAULT_INPUT)
    parser.add_argument("--tolerance", type=float, default=60.0, help="metres (default 60)")
    args = parser.parse_args()
    regions = region_codes()
    features = []
    for area in geo.read_areas_geojson(args.input):
        geom = shapely.simplify(area.geom, args.tolerance, preserve_topology=True)
        geom = geo.polygonal(shapely.make_valid(shapely.set_precision(geom, 1.0)))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kode": area.kode,
                    "navn": area.navn,
                    "region_kode": regions[area.kode],
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "attribution": "Indeholder data fra Klimadatastyrelsen, DAGI",
        "features": features,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = re.sub(r"(\d)\.0(?=[,\]])", r"\1", text)  # whole metres: 512345.0 -> 512345
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    print(f"{len(features)} municipalities, {len(text) / 1024:.0f} KB -> {OUTPUT}")


if __name__ == "__main__":
    main()
