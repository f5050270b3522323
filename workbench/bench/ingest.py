"""``ingest_docs_per_s`` / ``ingest_peak_rss_mb``: a full ``cvr`` refresh into a fresh
cache from a locally served synthetic CVR stream (``tests.plugins.fake_es``, served from
another process so its memory and CPU are not counted here). Run as a subprocess so the
peak RSS is the ingest's own::

    python -m workbench.bench.ingest --documents N   # prints one JSON line
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.bench.memory import PeakSampler, children_rss_mb, rss_mb

REPO = Path(__file__).resolve().parents[2]  # the checkout: the stream server lives in tests/
FAKE_ES = REPO / "tests" / "plugins" / "fake_es.py"


def unavailable_reason() -> str | None:
    if not FAKE_ES.exists():
        return f"the CVR stream server ({FAKE_ES}) is not in this installation (a checkout has it)"
    return None


def workers_mb() -> float:
    """The cvr plugin's mapping workers (the stand-in server is not ours)."""
    return children_rss_mb("cvr.map_worker")


def measure_ingest(
    documents: int,
    *,
    page_size: int = 1000,
    batch_rows: int = 50_000,  # the plugin's default
    cache: Path | None = None,
    on_sample: Callable[[float, float], None] | None = None,
    map_workers: int | None = None,  # None: the plugin's default
) -> dict[str, Any]:
    """Rate (documents/s), peak RSS (MB, with the plugin's mapping workers) and rows written
    of one full ``cvr`` refresh."""
    from workbench.core.config import Settings
    from workbench.core.plugins.host import PluginHost, discover

    server = subprocess.Popen(
        [sys.executable, "-m", "tests.plugins.fake_es", "--synthetic", str(documents)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            path = cache or Path(tmp) / "ingest.duckdb"
            settings = Settings(
                {
                    "plugins": {
                        "cvr": {
                            "base_url": url,
                            "username": "bench",
                            "password": "bench",
                            "page_size": page_size,
                            "batch_rows": batch_rows,
                            "mode": "full",
                            **({} if map_workers is None else {"map_workers": map_workers}),
                        }
                    }
                },
                ["bench"],
            )
            last = [0.0]

            def on_progress(_plugin: str, fraction: float | None, _message: str) -> None:
                if on_sample and fraction is not None and fraction - last[0] >= 0.05:
                    last[0] = fraction
                    on_sample(fraction, rss_mb() + workers_mb())

            with (
                PeakSampler(interval_s=0.2, extra=workers_mb) as memory,
                PluginHost(
                    path, settings, plugins=[p for p in discover() if p.id == "cvr"]
                ) as host,
            ):
                t0 = time.perf_counter()
                result = host.run("cvr", on_progress=on_progress)
                elapsed = time.perf_counter() - t0
                rows = host.con.execute("SELECT count(*) FROM companies").fetchone()[0]
        if not result.ok:
            raise RuntimeError(f"cvr refresh {result.status}: {result.message}")
        return {
            "documents": documents,
            "rows": int(rows),
            "seconds": elapsed,
            "docs_per_s": documents / elapsed,
            "peak_rss_mb": memory.max_rss_mb,
            "start_rss_mb": memory.start_mb,
            "status": result.status,
            "message": result.message,  # e.g. a mapping worker that stopped (mapped here)
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CVR ingest measure of workbench bench")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--map-workers", type=int, default=None, help="the plugin's default")
    args = parser.parse_args(argv)
    print(json.dumps(measure_ingest(args.documents, map_workers=args.map_workers)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
