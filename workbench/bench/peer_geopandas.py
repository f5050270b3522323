"""geopandas peer: with the companies loaded, filter + plot + save a 1600x1000 PNG, per
filter; the read time is reported apart. Run as a script by a Python that has geopandas and
matplotlib (never imported by the workbench).

    python peer_geopandas.py < job.json   # prints one JSON line

job.json: {"path": gpkg, "layer": "companies", "filters": [company_spec, ...], "png": path}.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    job = json.load(sys.stdin)
    import geopandas
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    gdf = geopandas.read_file(job["path"], layer=job["layer"])
    read_ms = (time.perf_counter() - t0) * 1e3

    def run(spec: dict) -> int:
        mask = None

        def both(m):
            return m if mask is None else mask & m

        for prefix in spec["industries"]:
            mask = both(gdf["industry_code"].str.startswith(prefix, na=False))
        lo, hi = spec["employees"]
        if lo is not None:
            mask = both(gdf["employees"] >= lo)
        if hi is not None:
            mask = both(gdf["employees"] <= hi)
        for state in spec["collaboration"]:
            wanted = ["active", "former"] if state == "any" else [state]
            mask = both(gdf["collaboration"].isin(wanted))
        sub = gdf if mask is None else gdf[mask]
        fig, ax = plt.subplots(figsize=(16, 10), dpi=100)
        sub.plot(ax=ax, markersize=1)
        ax.set_axis_off()
        fig.savefig(job["png"], dpi=100)
        plt.close(fig)
        return len(sub)

    run(job["filters"][0])  # warm-up (imports of the plotting backends)
    times, counts = [], []
    for spec in job["filters"]:
        t = time.perf_counter()
        counts.append(run(spec))
        times.append((time.perf_counter() - t) * 1e3)
    versions = {"geopandas": geopandas.__version__, "matplotlib": matplotlib.__version__}
    print(json.dumps({"read_ms": read_ms, "ms": times, "counts": counts, "versions": versions}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
