"""Map benchmark at national scale: filter change → painted map, and pan/zoom → repaint.

Run by hand (not part of pytest)::

    python benchmarks/bench_map.py [--cache /tmp/national.duckdb] [--runs 30]

Builds the national demo cache (250k candidates, 1M companies) when it does not exist, opens
the real main window offscreen (1600x1000) and measures:

- filter → paint: from submitting a filter (bypassing the panel's 250 ms typing debounce)
  to the map's frames for it applied and the map widget repainted (synchronous repaint), over
  ~30 varied filters (occupations, municipalities, durations, company size, industries,
  collaborations, spatial selections). The map gets the matches before the tables are
  ordered and the histogram computed; "filter → all applied" waits for those too (the
  window idle: tables, counts, histogram and map).
- pan/zoom → repaint: from a view change to the new frames applied and repainted, including
  the map's 30 ms settle debounce; and the immediate repaint of the moved old frame (what
  the user sees while dragging).

Prints a table and writes ``benchmarks/results/bench_map-<time>.json``. Set
``WORKBENCH_PROFILE=1`` to log per-stage timings (query, order, render, apply).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
BOUNDARIES = REPO.parent / "shared" / "fixtures" / "boundaries" / "kommuner.geojson"


def ensure_cache(path: Path) -> None:
    if path.exists():
        return
    print(f"building the national demo cache at {path} (~20 s)", flush=True)
    exe = Path(sys.executable).with_name("workbench")
    subprocess.run(
        [
            str(exe),
            "demo",
            "--cache",
            str(path),
            "--scale",
            "national",
            "--seed",
            "1",
            "--boundaries",
            str(BOUNDARIES),
            "--today",
            "2026-11-01",
        ],
        check=True,
    )


def main() -> int:
    if os.environ.get("WORKBENCH_PROFILE"):
        import logging

        logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/national.duckdb"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "--unencrypted",
        action="store_true",
        help="open a plain cache (built by bench_encryption.py) to measure encryption's cost",
    )
    args = ap.parse_args()
    if not args.unencrypted:
        ensure_cache(args.cache)

    from PySide6.QtCore import QEventLoop, QTimer

    from workbench.bench.stats import percentile as pct
    from workbench.core import cache
    from workbench.core.config import load_settings
    from workbench.core.filters import Filter, Range
    from workbench.layers.selection import Selection
    from workbench.qt.app import create_main_window, ensure_app
    from workbench.qt.screenshot import wait_until

    ensure_app()
    con = cache.connect(args.cache, _unencrypted=args.unencrypted)
    t_open = time.perf_counter()
    window = create_main_window(con, cache_path=args.cache, settings=load_settings(), lang="da")
    window.resize(1600, 1000)
    window.show()
    if not wait_until(window.is_idle, 120_000):
        print("window did not become idle", file=sys.stderr)
        return 1
    open_s = time.perf_counter() - t_open
    m = window.map

    def wait_for(done) -> None:
        loop = QEventLoop()
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(loop.quit)

        def check(*_args) -> None:
            if done():
                loop.quit()

        m.layersRefreshed.connect(check)
        window.resultsApplied.connect(check)
        guard.start(60_000)
        if not done():
            loop.exec()
        m.layersRefreshed.disconnect(check)
        window.resultsApplied.disconnect(check)

    def wait_painted() -> None:
        wait_for(window.is_idle)
        m.viewport().repaint()  # synchronous paint of the scene

    today = window.today
    occ = [
        r[0]
        for r in con.execute(
            "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 8"
        ).fetchall()
    ]
    munis = [r[0] for r in con.execute("SELECT kode FROM municipalities ORDER BY kode").fetchall()]
    cx, cy = 575_000.0, 6_220_000.0
    filters: list[Filter] = []
    for i in range(args.runs):
        k = i % 10
        f = Filter(today=today)
        if k == 0:
            f = f.with_(occupations=(occ[i % len(occ)],))
        elif k == 1:
            f = f.with_(municipalities=tuple(munis[i % 90 : i % 90 + 5]))
        elif k == 2:
            f = f.with_(unemployed_days=Range(90 + i * 10, None))
        elif k == 3:
            f = f.with_(employees=Range(5 + i, None))
        elif k == 4:
            f = f.with_(industries=(("47", "56", "62", "86")[i % 4],))
        elif k == 5:
            f = f.with_(collaboration=("none",))
        elif k == 6:
            f = f.with_selection(Selection.radius(cx + i * 1000, cy, 30_000 + i * 500))
        elif k == 7:
            f = f.with_selection(
                Selection.polygon(
                    [(cx - 80_000, cy - 60_000), (cx + 90_000, cy - 50_000), (cx, cy + 70_000 + i)]
                )
            )
        elif k == 8:
            f = f.with_(unemployed_days=Range(None, 180 + i), occupations=(occ[0],))
        else:
            f = Filter(today=today, collaboration=("any",))
        filters.append(f)

    filter_ms: list[float] = []
    filter_all_ms: list[float] = []
    for f in filters:
        t0 = time.perf_counter()
        window.apply_filter(f)
        wait_for(window.map_is_current)  # this filter's frames are applied to the map
        m.viewport().repaint()  # synchronous paint of the scene
        filter_ms.append((time.perf_counter() - t0) * 1e3)
        wait_painted()  # tables, counts and histogram too, before the next filter
        filter_all_ms.append((time.perf_counter() - t0) * 1e3)
    # back to everything (1.25M points on the map) for the pan/zoom runs
    window.apply_filter(Filter(today=today))
    wait_painted()

    views = []
    for i in range(args.runs):
        w = (460_000, 200_000, 60_000, 15_000, 3_000)[i % 5]
        x = 480_000 + (i * 37_000) % 380_000
        y = 6_080_000 + (i * 23_000) % 300_000
        views.append((x - w / 2, y - w * 0.35, x + w / 2, y + w * 0.35))
    pan_ms: list[float] = []
    move_ms: list[float] = []
    for v in views:
        t0 = time.perf_counter()
        m.set_extent(v)
        m.viewport().repaint()  # the old frame moves with the view at once
        move_ms.append((time.perf_counter() - t0) * 1e3)
        wait_painted()
        pan_ms.append((time.perf_counter() - t0) * 1e3)

    rows = {
        "filter_to_paint": filter_ms,
        "filter_to_all_applied": filter_all_ms,
        "pan_zoom_to_repaint": pan_ms,
        "pan_zoom_immediate_repaint": move_ms,
    }
    print(
        f"cache {args.cache}: {len(m.layers['candidates']):,} candidates, "
        f"{len(m.layers['companies']):,} companies; window opened in {open_s:.1f} s"
    )
    print(f"{'measure':32} {'median ms':>10} {'p95 ms':>10} {'max ms':>10} {'n':>4}")
    summary = {}
    for name, vals in rows.items():
        med, p95 = statistics.median(vals), pct(vals, 95)
        summary[name] = {"median_ms": med, "p95_ms": p95, "max_ms": max(vals), "n": len(vals)}
        print(f"{name:32} {med:10.1f} {p95:10.1f} {max(vals):10.1f} {len(vals):4d}")
    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"bench_map-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "cache": str(args.cache),
                "cpus": os.cpu_count(),
                "window_open_s": open_s,
                "summary": summary,
                "raw_ms": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")
    window.shutdown()
    window.close()
    con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
