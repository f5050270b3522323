"""Load rate and peak memory of the addresses plugin on a synthetic DAR file download.

    /work/venv/bin/python benchmarks/bench_dar_register.py --house-numbers 1000000 [--zip]

Writes a DAR "Fildownload" JSON (``tests.plugins.dar_files``: house numbers, 1.5 unit
addresses each, access points, roads, postcodes, 2% older versions; about 3 KB per house
number) to a temp folder, optionally zipped, then runs the real plugin host's ``addresses``
refresh on a fresh DuckDB file with ``register_url`` pointing at it. Prints entries and MB
per second, time per phase and this process's peak RSS, with RSS samples during the run
(flat while reading = streaming works). Denmark has about 2.5M house numbers and 3.9M unit
addresses.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from memory import PeakSampler, rss_mb  # benchmarks/memory.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.plugins.dar_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--house-numbers", type=int, default=1_000_000)
    parser.add_argument("--zip", action="store_true", help="serve the file zipped")
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument(
        "--memory-mb", type=int, default=1024, help="[cache] refresh_memory_mb (0 = DuckDB's)"
    )
    parser.add_argument(
        "--place-companies",
        type=int,
        default=0,
        help="then place N companies without coordinates against the loaded register",
    )
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep files in")
    args = parser.parse_args(argv)

    from tests.plugins.dar_files import dar_zip, synthetic_lists, write_dar_json
    from workbench.core import cache
    from workbench.core.config import Settings
    from workbench.core.plugins.host import PluginHost, discover

    tmp = tempfile.TemporaryDirectory()
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"dar_{args.house_numbers}.json"
    zipped = source.with_suffix(".zip")
    if not source.exists() and not (args.zip and zipped.exists()):
        t0 = time.perf_counter()
        with source.open("w", encoding="utf-8") as fh:
            entries = write_dar_json(fh, synthetic_lists(args.house_numbers))
        print(f"wrote {entries:,} entries in {time.perf_counter() - t0:,.0f} s")
    if args.zip:
        source = zipped if zipped.exists() else dar_zip(source, zipped)
    size_mb = source.stat().st_size / 1e6
    json_mb = size_mb
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            json_mb = sum(m.file_size for m in zf.infolist()) / 1e6

    path = folder / "bench.duckdb"
    path.unlink(missing_ok=True)
    cache.connect(path).close()
    settings = Settings(
        {
            "cache": {"refresh_memory_mb": args.memory_mb},
            "plugins": {"addresses": {"register_url": str(source), "batch_rows": args.batch_rows}},
        },
        ["bench"],
    )
    phases: list[tuple[float, str]] = []
    samples: list[tuple[str, float]] = []
    last = [-1.0]

    def on_progress(plugin: str, fraction: float | None, message: str) -> None:
        now = time.perf_counter()
        if not phases or phases[-1][1].split(":")[0:2] != message.split(":")[0:2]:
            phases.append((now, message))
        if fraction is not None and fraction - last[0] >= 0.025:
            last[0] = fraction
            samples.append((f"{fraction:.0%}", rss_mb()))

    with (
        PeakSampler() as memory,
        PluginHost(path, settings, plugins=[p for p in discover() if p.id == "addresses"]) as host,
    ):
        t0 = time.perf_counter()
        result = host.run("addresses", on_progress=on_progress)
        elapsed = time.perf_counter() - t0
        rows = host.con.execute("SELECT count(*) FROM addresses").fetchone()[0]
    entries = args.house_numbers * 3.66  # synthetic_lists: 1.5 units, 1 point, 1.02 versions, roads
    print(f"status              {result.status} {result.message}")
    print(f"file                {source.name} {size_mb:,.0f} MB ({json_mb:,.0f} MB of JSON)")
    print(f"rows in addresses   {rows:,}")
    print(f"elapsed             {elapsed:,.1f} s")
    print(
        f"rate                {entries / elapsed:,.0f} entries/s, {json_mb / elapsed:,.1f} MB/s of JSON"
    )
    print(f"memory limit        {args.memory_mb or 'DuckDB default'} MB")
    print(memory.report())
    print("phases              " + "; ".join(f"{t - t0:,.1f} s {m}" for t, m in phases[::4]))
    print("RSS during the run  " + ", ".join(f"{f}: {m:,.0f} MB" for f, m in samples))
    if args.place_companies and result.ok:
        place(path, settings, args.place_companies)
    tmp.cleanup()
    return 0 if result.ok else 1


def place(path: Path, settings: object, n: int) -> None:
    """Companies without x/y whose addresses are register addresses (9 in 10, upper-cased so
    the normalisation must work) or unknown (1 in 10), placed by a second run of the plugin
    on the stored register (no register_url, no Adressevælger)."""
    from workbench.core import cache
    from workbench.core.config import Settings
    from workbench.core.plugins.host import PluginHost, discover

    con = cache.connect(path)  # encrypted: the key from WORKBENCH_CACHE_KEY or the keyring
    con.execute("DELETE FROM companies")
    con.execute(
        """
        INSERT INTO companies (rid, cvr, name, address, street, house_no, postnr, source)
        WITH reg AS (SELECT row_number() OVER () AS k, street, house_no, postnr FROM addresses),
        size AS (SELECT count(*) AS m FROM reg)
        SELECT i, CAST(10000000 + i AS VARCHAR), 'Firma ' || i,
               r.street || ' ' || r.house_no || ', ' || r.postnr,
               CASE WHEN i % 10 = 0 THEN r.street || ' Ukendt' ELSE upper(r.street) END,
               r.house_no, r.postnr, 'cvr'
        FROM range(1, ? + 1) AS t(i), size
        JOIN reg r ON r.k = 1 + (hash(i) % size.m)
        """,
        [n],
    )
    con.close()
    data = {**settings.data, "plugins": {"addresses": {"register_url": ""}}}  # type: ignore[attr-defined]
    with PluginHost(
        path, Settings(data, ["bench"]), plugins=[p for p in discover() if p.id == "addresses"]
    ) as host:
        t0 = time.perf_counter()
        result = host.run("addresses")
        elapsed = time.perf_counter() - t0
        placed, total = host.con.execute("SELECT count(x), count(*) FROM companies").fetchone()
    print(
        f"placement           {result.status}: {placed:,} of {total:,} companies placed in "
        f"{elapsed:,.1f} s ({total / elapsed:,.0f} companies/s)"
    )


if __name__ == "__main__":
    sys.exit(main())
