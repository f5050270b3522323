"""Ingest rate and peak memory of the cvr plugin on a synthetic CVR stream (run by hand).

    /work/venv/bin/python benchmarks/bench_cvr_ingest.py --documents 2000000

A fake Elasticsearch (``tests.plugins.fake_es``) serves N synthetic company
documents from a separate process on 127.0.0.1 (so its memory and CPU are not counted in
this process); the real plugin host runs a full ``cvr`` refresh into a fresh DuckDB file.
Prints documents per second and this process's peak RSS, plus RSS samples during the run
(flat = streaming works).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.bench.ingest import measure_ingest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument("--cache", type=Path, default=None, help="cache file (default: temp)")
    args = parser.parse_args(argv)
    samples: list[tuple[float, float]] = []
    r = measure_ingest(
        args.documents,
        page_size=args.page_size,
        batch_rows=args.batch_rows,
        cache=args.cache,
        on_sample=lambda f, mb: samples.append((f, mb)),
    )
    print(f"status              {r['status']}")
    print(f"documents           {args.documents:,}")
    print(f"rows in companies   {r['rows']:,}")
    print(f"elapsed             {r['seconds']:,.1f} s")
    print(f"ingest rate         {r['docs_per_s']:,.0f} documents/s")
    print(f"RSS at start        {r['start_rss_mb']:,.0f} MB")
    print(f"peak RSS            {r['peak_rss_mb']:,.0f} MB")
    print("RSS during the run  " + ", ".join(f"{f:.0%}: {m:,.0f} MB" for f, m in samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
