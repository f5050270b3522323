"""Import benchmark: time and peak memory of importing a large candidate export.

Run by hand (not part of pytest)::

    python benchmarks/bench_import.py [--rows 500000] [--keep DIR]

Writes a cp1252 ``;`` CSV like Danish Excel (1 % of rows with a bad date, 0.1 % with a CPR
number in a note), imports it into a fresh cache in a child process and prints the wall time
of the import and the child's peak resident memory (ru_maxrss), plus the same for a second
import of the same file (the snapshot replace path).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _child(file: Path, cache_path: Path) -> None:
    from workbench.core import cache
    from workbench.core.imports import import_file

    con = cache.connect(cache_path)
    con.execute(
        "INSERT INTO occupations (code, title, aliases, level) VALUES "
        "('5120', 'Kok', ['Kokkeelev', 'Køkkenchef'], 4), ('5131', 'Tjener', ['Servitrice'], 4), "
        "('2512', 'Softwareudvikler', ['Programmør'], 4)"
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        s = import_file(con, file, "candidates")
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        runs.append(
            {
                "seconds": round(time.perf_counter() - t0, 2),
                "cpu_seconds": round(cpu, 2),
                "accepted": s.accepted,
                "rejected": s.rejected,
            }
        )
    con.close()
    print(
        json.dumps(
            {
                "runs": runs,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rss_before_import_mb": round(rss_before / 1024, 1),
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=500_000)
    p.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="folder for the file and cache (default: a temp dir)",
    )
    p.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(*args.child)
        return
    from tests.core.imports.import_filegen import write_big_candidates

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_import_"))
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"candidates_{args.rows}.csv"
    t0 = time.perf_counter()
    expected = write_big_candidates(file, args.rows)
    print(
        f"generated {file} ({file.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s: {expected}"
    )
    cache_path = folder / "bench.duckdb"
    cache_path.unlink(missing_ok=True)
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(folder / "data")}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(file), str(cache_path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    first, second = result["runs"]
    print(
        f"import of {args.rows} rows: {first['seconds']} s wall, {first['cpu_seconds']} s CPU "
        f"(accepted {first['accepted']}, rejected {first['rejected']})"
    )
    print(
        f"re-import (snapshot replace): {second['seconds']} s wall, {second['cpu_seconds']} s CPU"
    )
    print(
        f"peak RSS of the importing process: {result['peak_rss_mb']} MB (before the import: {result['rss_before_import_mb']} MB)"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cpus: {os.cpu_count()}, load average at the end: {load:.1f}")


if __name__ == "__main__":
    main()
