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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import PeakSampler, rss_mb  # benchmarks/memory.py, beside this script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--cache", type=Path, default=None, help="cache file (default: temp)")
    args = parser.parse_args(argv)

    from workbench.core.config import Settings
    from workbench.core.plugins.host import PluginHost, discover

    # The fake server lives with the tests; run it from the repository root.
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.plugins.fake_es", "--synthetic", str(args.documents)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        url = server.stdout.readline().strip()
        tmp = tempfile.TemporaryDirectory()
        path = args.cache or Path(tmp.name) / "bench.duckdb"
        settings = Settings(
            {
                "plugins": {
                    "cvr": {
                        "base_url": url,
                        "username": "bench",
                        "password": "bench",
                        "page_size": args.page_size,
                        "batch_rows": args.batch_rows,
                        "mode": "full",
                    }
                }
            },
            ["bench"],
        )
        samples: list[tuple[float, float]] = []
        last = [0.0]

        def on_progress(plugin: str, fraction: float | None, message: str) -> None:
            if fraction is not None and fraction - last[0] >= 0.05:
                last[0] = fraction
                samples.append((fraction, rss_mb()))

        with (
            PeakSampler() as memory,
            PluginHost(path, settings, plugins=[p for p in discover() if p.id == "cvr"]) as host,
        ):
            t0 = time.perf_counter()
            result = host.run("cvr", on_progress=on_progress)
            elapsed = time.perf_counter() - t0
            rows = host.con.execute("SELECT count(*) FROM companies").fetchone()[0]
        print(f"status              {result.status} {result.message}")
        print(f"documents           {args.documents:,}")
        print(f"rows in companies   {rows:,}")
        print(f"elapsed             {elapsed:,.1f} s")
        print(f"ingest rate         {args.documents / elapsed:,.0f} documents/s")
        print(memory.report())
        print("RSS during the run  " + ", ".join(f"{f:.0%}: {m:,.0f} MB" for f, m in samples))
        tmp.cleanup()
        return 0 if result.ok else 1
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
