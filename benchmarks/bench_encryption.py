"""The cost of encrypting the cache (issue #15): the national demo build and bench_map's
filter → paint, plain against encrypted, alternating to spread the machine's noise.

Run by hand (not part of pytest)::

    python benchmarks/bench_encryption.py [--dir /tmp/bench-enc] [--rounds 2] [--runs 15]

Builds the national demo (250k candidates, 1M companies) once plain and once encrypted
through the core API (the same code as ``workbench demo``), then runs ``bench_map.py`` on
each ``--rounds`` times. The key is ``WORKBENCH_CACHE_KEY`` (set to a fixed benchmark key
when unset).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BOUNDARIES = REPO.parent / "shared" / "fixtures" / "boundaries" / "kommuner.geojson"
LINE = re.compile(r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$")


def build(path: Path, *, encrypted: bool) -> float:
    from workbench.core import cache
    from workbench.core.demo import build_demo

    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)
    t0 = time.perf_counter()
    con = cache.connect(path, _unencrypted=not encrypted)
    build_demo(con, scale="national", seed=1, boundaries=BOUNDARIES, today=date(2026, 11, 1))
    cache.checkpoint(con)
    con.close()
    return time.perf_counter() - t0


def bench_map(path: Path, *, encrypted: bool, runs: int) -> dict[str, float]:
    cmd = [sys.executable, str(REPO / "benchmarks" / "bench_map.py"), "--cache", str(path)]
    cmd += ["--runs", str(runs)] + ([] if encrypted else ["--unencrypted"])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    medians = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            medians[m.group(1)] = float(m.group(2))
    return medians


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench-enc"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    os.environ.setdefault("WORKBENCH_CACHE_KEY", "benchmark-key-not-secret")
    args.dir.mkdir(parents=True, exist_ok=True)
    paths = {True: args.dir / "encrypted.duckdb", False: args.dir / "plain.duckdb"}
    builds: dict[bool, float] = {}
    for encrypted in (False, True):
        builds[encrypted] = build(paths[encrypted], encrypted=encrypted)
        print(
            f"national demo build, {'encrypted' if encrypted else 'plain'}: "
            f"{builds[encrypted]:.1f} s",
            flush=True,
        )
    maps: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for _ in range(args.rounds):
        for encrypted in (False, True):
            maps[encrypted].append(bench_map(paths[encrypted], encrypted=encrypted, runs=args.runs))
            print(
                f"bench_map {'encrypted' if encrypted else 'plain'}: {maps[encrypted][-1]}",
                flush=True,
            )
    print(f"\n{'measure':32} {'plain':>10} {'encrypted':>10} {'cost':>8}")
    plain_b, enc_b = builds[False], builds[True]
    print(
        f"{'national_demo_build_s':32} {plain_b:10.1f} {enc_b:10.1f} "
        f"{(enc_b / plain_b - 1) * 100:7.1f}%"
    )
    for name in maps[False][0]:
        p = statistics.median(r[name] for r in maps[False])
        e = statistics.median(r[name] for r in maps[True])
        print(f"{name + '_median_ms':32} {p:10.1f} {e:10.1f} {(e / p - 1) * 100:7.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
