"""``workbench bench``: build or reuse the demo cache of a scale, run every measure and the
peers, and assemble one JSON document (keys fixed by issue #17).

Every measure key holds ``{"median", "p95", "n"}`` (ms, documents/s or MB) or null when it
was not measured (the reason is under ``skipped``); ratios are the peer's median over ours
(how many times faster we are), null when either side is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from workbench.bench.stats import summary

SCALES = ("national", "region")
DEMO_SEED = 1
DEMO_TODAY = date(2026, 11, 1)  # fixed: the same durations, filters and counts every run
# A full CVR refresh of this many synthetic documents per scale: the rate and a flat RSS show
# at 250k already (benchmarks/bench_cvr_ingest.py runs the 2M of a national refresh).
INGEST_DOCUMENTS = {"national": 250_000, "region": 10_000}
MAX_STARTUP_RUNS = 5  # fresh processes of a few seconds each
REPO = Path(__file__).resolve().parents[2]
MATCH_BENCH = REPO / "benchmarks" / "bench_match.py"

MEASURE_KEYS = (
    "candidates_filter_to_paint_ms",
    "companies_filter_to_paint_ms",
    "pan_zoom_repaint_ms",
    "search_ms",
    "match_ms",
    "startup_ms",
    "table_open_ms",
    "ingest_docs_per_s",
    "ingest_peak_rss_mb",
    "window_peak_rss_mb",
    "qgis_candidates_filter_to_image_ms",
    "qgis_companies_filter_to_image_ms",
    "geopandas_companies_filter_to_png_ms",
    "geopandas_companies_read_ms",
)
RATIO_KEYS = ("qgis_candidates_ratio", "qgis_companies_ratio", "geopandas_companies_ratio")

# (key, statistic, comparison, limit): the goals of issue #17 on the 2-core machine.
GOALS: tuple[tuple[str, str, str, float], ...] = (
    ("candidates_filter_to_paint_ms", "median", "<=", 50),
    ("candidates_filter_to_paint_ms", "p95", "<=", 100),
    ("companies_filter_to_paint_ms", "median", "<=", 50),
    ("companies_filter_to_paint_ms", "p95", "<=", 100),
    ("pan_zoom_repaint_ms", "median", "<=", 50),
    ("match_ms", "median", "<=", 150),
    ("startup_ms", "median", "<=", 2500),
    ("table_open_ms", "median", "<=", 200),
    ("ingest_docs_per_s", "median", ">=", 20_000),
    ("ingest_peak_rss_mb", "median", "<=", 1024),
    ("qgis_companies_ratio", "value", ">=", 10),
    ("qgis_candidates_ratio", "value", ">=", 5),
    ("geopandas_companies_ratio", "value", ">=", 5),
)

Progress = Callable[[str], None]


def default_bench_cache(scale: str) -> Path:
    """A cache of the suite's own beside the user's (never the user's cache itself)."""
    from workbench.core import paths

    return paths.user_data_dir() / f"bench-{scale}.duckdb"


def ensure_demo_cache(path: Path, scale: str, progress: Progress) -> dict[str, int]:
    """Reuse ``path`` when it holds data, else build the demo of ``scale`` into it."""
    from workbench.core import cache
    from workbench.core.demo import build_demo
    from workbench.core.store import Store

    path.parent.mkdir(parents=True, exist_ok=True)
    con = Store.open(path).con
    try:
        if cache.is_empty(con):
            progress(f"bench: building the {scale} demo cache at {path}")
            build_demo(con, scale=scale, seed=DEMO_SEED, today=DEMO_TODAY)
            cache.checkpoint(con)
        return {
            t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("candidates", "companies")
        }
    finally:
        con.close()


def _run_json(module: str, args: list[str]) -> dict[str, Any]:
    """Run ``python -m module args`` and return the JSON line it prints."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise RuntimeError(f"{module}: {tail}")
    return json.loads(lines[-1])


def load_match_bench() -> Callable[[Path], dict[str, Any]] | None:
    """``measure_match`` from ``benchmarks/bench_match.py`` once the matching work landed."""
    if not MATCH_BENCH.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_match", MATCH_BENCH)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(MATCH_BENCH.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(MATCH_BENCH.parent))
    return getattr(module, "measure_match", None)


def match_summary(measured: dict[str, Any]) -> dict[str, Any] | None:
    """``measure_match``'s answer in the suite's shape: raw ms, or median/p95 given."""
    for key in ("ms", "samples_ms", "times_ms", "match_ms"):
        if isinstance(measured.get(key), list):
            return summary(measured[key])
    median = measured.get("median_ms", measured.get("median"))
    if median is None:
        return None
    p95 = measured.get("p95_ms", measured.get("p95", median))
    return {"median": round(float(median), 1), "p95": round(float(p95), 1), "n": measured.get("n")}


def once(value: float | None) -> dict[str, Any] | None:
    """A measure taken once (ingest, memory) in the shape of the repeated ones."""
    return None if value is None else {"median": round(value, 1), "p95": round(value, 1), "n": 1}


def ratio(peer: dict[str, Any] | None, ours: dict[str, Any] | None) -> float | None:
    if not peer or not ours or not ours["median"]:
        return None
    return round(peer["median"] / ours["median"], 1)


def evaluate_goals(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    goals: dict[str, dict[str, Any]] = {}
    for key, stat, op, limit in GOALS:
        value = result.get(key)
        if isinstance(value, dict):
            value = value.get(stat)
        met = None
        if value is not None:
            met = value <= limit if op == "<=" else value >= limit
        name = key if stat == "value" else f"{key}.{stat}"
        goals[name] = {"goal": f"{op} {limit:g}", "value": value, "met": met}
    return goals


def run_suite(
    scale: str,
    repeat: int,
    cache_path: Path | None = None,
    progress: Progress = lambda _m: None,
) -> dict[str, Any]:
    """Every measure and peer of issue #17; see the module docstring for the shape."""
    from workbench.bench import peers
    from workbench.bench.filters import bench_filters, company_spec
    from workbench.bench.ingest import unavailable_reason
    from workbench.bench.peer_data import peer_dir, write_peer_data
    from workbench.bench.startup import measure_startup
    from workbench.core.store import Store
    from workbench.core.store.gateway import reference_date

    path = Path(cache_path) if cache_path else default_bench_cache(scale)
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    rows = ensure_demo_cache(path, scale, progress)
    result: dict[str, Any] = {k: None for k in (*MEASURE_KEYS, *RATIO_KEYS)}
    skipped: dict[str, str] = {}

    progress("bench: writing the peers' GeoPackages (once per cache)")
    con = Store.open(path).con
    try:
        today = reference_date(con)
        filters = bench_filters(con, today, repeat)
        layers = write_peer_data(con, path, today)
    finally:
        con.close()

    progress(f"bench: window measures ({repeat} runs each)")
    window = _run_json("workbench.bench.window", ["--cache", str(path), "--repeat", str(repeat)])
    for key in (
        "search_ms",
        "candidates_filter_to_paint_ms",
        "companies_filter_to_paint_ms",
        "pan_zoom_repaint_ms",
        "table_open_ms",
    ):
        result[key] = summary(window[key])
    result["window_peak_rss_mb"] = once(window["window_peak_rss_mb"])
    cpu = {k: summary(v) for k, v in window.get("cpu_ms", {}).items()}

    progress("bench: start-up (fresh processes)")
    startup_cpu: list[float] = []
    runs = max(1, min(repeat, MAX_STARTUP_RUNS))
    result["startup_ms"] = summary(measure_startup(path, runs, startup_cpu))
    cpu["startup_ms"] = summary(startup_cpu)

    measure_match = load_match_bench()
    if measure_match is None:
        skipped["match_ms"] = "matching is not in this build (benchmarks/bench_match.py)"
    else:
        progress("bench: matching")
        result["match_ms"] = match_summary(measure_match(path))

    reason = unavailable_reason()
    if reason:
        skipped["ingest_docs_per_s"] = skipped["ingest_peak_rss_mb"] = reason
    else:
        documents = INGEST_DOCUMENTS[scale]
        progress(f"bench: CVR ingest of {documents:,} documents")
        ingest = _run_json("workbench.bench.ingest", ["--documents", str(documents)])
        result["ingest_docs_per_s"] = once(ingest["docs_per_s"])
        result["ingest_peak_rss_mb"] = once(ingest["peak_rss_mb"])

    progress("bench: QGIS")
    qgis = peers.run_qgis(layers, filters.peer_expressions())
    if qgis["status"] == "measured":
        for entity in ("candidates", "companies"):
            key = f"qgis_{entity}_filter_to_image_ms"
            result[key] = summary(qgis["ms"][entity])
            result[f"qgis_{entity}_ratio"] = ratio(
                result[key], result[f"{entity}_filter_to_paint_ms"]
            )
    else:
        for entity in ("candidates", "companies"):
            skipped[f"qgis_{entity}_filter_to_image_ms"] = qgis["reason"]

    progress("bench: geopandas")
    gpd = peers.run_geopandas(
        layers["companies"],
        [company_spec(f) for f in filters.companies],
        peer_dir(path) / "geopandas.png",
    )
    if gpd["status"] == "measured":
        result["geopandas_companies_filter_to_png_ms"] = summary(gpd["ms"])
        result["geopandas_companies_read_ms"] = once(gpd["read_ms"])
        result["geopandas_companies_ratio"] = ratio(
            result["geopandas_companies_filter_to_png_ms"], result["companies_filter_to_paint_ms"]
        )
    else:
        skipped["geopandas_companies_filter_to_png_ms"] = gpd["reason"]

    return {
        "scale": scale,
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "cache": str(path),
        "repeat": repeat,
        "rows": rows,
        "points": window.get("points"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(v, 2) for v in load_before],
            "load_after": [round(v, 2) for v in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **result,
        "peers": {
            "qgis": _peer_info(qgis, ("version", "job", "counts")),
            "geopandas": _peer_info(gpd, ("versions", "counts")),
        },
        "goals": evaluate_goals(result),
        "skipped": skipped,
        # the window measures' CPU ms (all threads): comparable between runs under load
        "cpu_ms": cpu,
    }


def _peer_info(peer: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    info = {"status": peer["status"]}
    if "reason" in peer:
        info["reason"] = peer["reason"]
    info.update({k: peer[k] for k in keys if k in peer})
    return info


def save_result(result: dict[str, Any], results_dir: Path | None = None) -> Path:
    """Write ``benchmarks/results/<date>.json`` (a second run on a day replaces the first;
    ``WORKBENCH_BENCH_RESULTS_DIR`` moves the folder, e.g. for tests)."""
    override = os.environ.get("WORKBENCH_BENCH_RESULTS_DIR")
    out_dir = results_dir or (Path(override) if override else REPO / "benchmarks" / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{result['date']}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def text_report(result: dict[str, Any]) -> str:
    """The result as a table for people."""
    m = result["machine"]
    lines = [
        f"workbench bench --scale {result['scale']}: {result['cache']} "
        f"({result['rows']['candidates']:,} candidates, {result['rows']['companies']:,} "
        f"companies), {result['repeat']} runs; {m['cpus']} cpus, "
        f"load {m['load_before'][0]:.2f} -> {m['load_after'][0]:.2f}",
        f"{'measure':40} {'median':>12} {'p95':>12} {'n':>4}",
    ]
    for key in MEASURE_KEYS:
        value = result[key]
        if value is None:
            why = result["skipped"].get(key, "not measured")
            lines.append(f"{key:40} {'-':>12} {'-':>12}      {why}")
        else:
            lines.append(f"{key:40} {value['median']:12,.1f} {value['p95']:12,.1f} {value['n']:4}")
    for key in RATIO_KEYS:
        value = result[key]
        lines.append(f"{key:40} {'-' if value is None else f'{value:.1f}x':>12}")
    for key, value in (result.get("cpu_ms") or {}).items():
        if value:
            lines.append(f"{'cpu ' + key:40} {value['median']:12,.1f} {value['p95']:12,.1f}")
    lines.append("goals:")
    for name, goal in result["goals"].items():
        mark = {True: "met", False: "MISSED", None: "not measured"}[goal["met"]]
        lines.append(f"  {name:44} {goal['goal']:>10}  {mark}")
    return "\n".join(lines)
