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
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def timed(label: str, results: dict[str, list[float]]) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    took = time.perf_counter() - t0
    results.setdefault(label, []).append(took)
    print(f"    {label}: {took:.2f} s", flush=True)


def one_run(store: Store, run: int, results: dict[str, list[float]]) -> int:
    """One round of every measurement; returns the size of the 'all' campaign."""
    cur = store.cursor()
    with timed("stage: select targets", results):
        rids = target_rids(store, Filter())
    with timed("stage: load candidates", results):
        cand = load_candidates(cur, None)
    with timed("stage: rank (facts, supply, shortage, score)", results):
        ranked = rank(cur, rids, RankOptions(TODAY), cand)
    with timed("all: create + rank + store", results):
        created = camp.create_campaign(store, f"all{run}", today=TODAY)
    assert created.targets == ranked.num_rows
    flt = Filter(municipalities=("0101",), employees=Range(5, None))
    with timed("filtered: create (Kbh, 5+ employees)", results):
        camp.create_campaign(store, f"kbh{run}", flt=flt, today=TODAY)
    with timed("show: 1M targets by score", results):
        camp.targets(store, f"all{run}")
    with timed("show: top 100", results):
        camp.targets(store, f"all{run}", limit=100)
    camp.delete_campaign(store, f"all{run}")
    cur.close()
    return created.targets


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
            n_all = one_run(store, run, results)
        store.close()
    print(f"national demo: {n_all:,} targets in the 'all' campaign, {args.runs} runs")
    for label, values in results.items():
        print(f"  {label:<48} median {statistics.median(values):6.2f} s  max {max(values):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
