"""Creating and ranking a campaign over the 1M-company national demo (issue #16).

Builds the national demo cache when ``--cache`` does not exist (the same cache as
bench_map.py), copies it (campaigns are written into the copy), then times per run:

- ``all``: a campaign over every production unit (1M targets): select, facts, supply,
  shortage, score and the insert of targets and their first history rows;
- ``filtered``: a campaign over a typical team-lead filter (one municipality, 5+ employees);
- ``show``: reading the 1M targets back in score order.

Run: ``.venv/bin/python benchmarks/bench_campaign.py [--cache /tmp/national.duckdb]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_map import ensure_cache  # noqa: E402
from workbench.core import campaigns as camp  # noqa: E402
from workbench.core.campaigns.ranking import RankOptions, load_candidates, rank  # noqa: E402
from workbench.core.campaigns.records import target_rids  # noqa: E402
from workbench.core.filters import Filter, Range  # noqa: E402
from workbench.core.store import Store  # noqa: E402

TODAY = date(2026, 11, 1)


def timed(label: str, fn, results: dict[str, list[float]]):
    t0 = time.perf_counter()
    out = fn()
    results.setdefault(label, []).append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/national.duckdb"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    ensure_cache(args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        shutil.copy(args.cache, path)
        store = Store.open(path)
        results: dict[str, list[float]] = {}
        n_all = 0
        for run in range(args.runs):
            cur = store.cursor()
            rids = timed("stage: select targets", lambda: target_rids(store, Filter()), results)
            cand = timed("stage: load candidates", lambda: load_candidates(cur, None), results)
            ranked = timed(
                "stage: rank (facts, supply, shortage, score)",
                lambda: rank(cur, rids, RankOptions(TODAY), cand),
                results,
            )
            n_all = ranked.num_rows
            created = timed(
                "all: create + rank + store",
                lambda: camp.create_campaign(store, f"all{run}", today=TODAY),
                results,
            )
            assert created.targets == n_all
            flt = Filter(municipalities=("0101",), employees=Range(5, None))
            timed(
                "filtered: create (Kbh, 5+ employees)",
                lambda: camp.create_campaign(store, f"kbh{run}", flt=flt, today=TODAY),
                results,
            )
            timed("show: 1M targets by score", lambda: camp.targets(store, f"all{run}"), results)
            timed("show: top 100", lambda: camp.targets(store, f"all{run}", limit=100), results)
            camp.delete_campaign(store, f"all{run}")
        store.close()
    print(f"national demo: {n_all:,} targets in the 'all' campaign, {args.runs} runs")
    for label, values in results.items():
        print(f"  {label:<48} median {statistics.median(values):6.2f} s  max {max(values):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
