"""Where an import lands and what it replaces (issue #10).

An import is a snapshot of the jobcenters in the file: it replaces their rows. Before it runs
the user is told how many existing rows that is. Real data never goes into a demo cache
(the demo marks would stay and demo rows of other jobcenters would mix with real ones):
the CLI refuses, the window starts a real cache beside the demo one and imports there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import cache
from .imports.reader import TableFile, iter_rows
from .imports.spec import TARGET_TABLE, check_kind
from .store import Store

# Reference data a new real cache takes over from the demo cache: not demo rows, and the
# import needs them (occupation titles, municipalities) to resolve and place its rows.
REFERENCE_TABLES = (
    "regions",
    "municipalities",
    "occupations",
    "qualifications",
    "industries",
    "industries_db25",
    "import_profiles",
)


def real_cache_path(demo_path: Path) -> Path:
    """A new cache file beside ``demo_path``: ``<stem>-data.duckdb`` (``-data-2`` ... when taken)."""
    demo_path = Path(demo_path)
    for n in range(1, 1000):
        suffix = "-data" if n == 1 else f"-data-{n}"
        candidate = demo_path.with_name(f"{demo_path.stem}{suffix}{cache.CACHE_SUFFIX}")
        if not candidate.exists():
            return candidate
    raise cache.CacheError(f"no free file name beside {demo_path}")


def demo_refusal(path: Path) -> str:
    """The CLI's one line for an import into a demo cache."""
    return (
        f"the cache {path} holds demo data; real data is not imported into it. Start a real "
        f"cache with a new file, e.g. --cache {real_cache_path(path)}"
    )


def start_real_cache(demo_path: Path) -> Path:
    """Create a new cache beside the demo cache with its reference data (no demo rows)."""
    target = real_cache_path(demo_path)
    Store.open(target).close()  # schema and migrations
    con = Store.open(demo_path).con
    try:
        cache.attach(con, target, "real_cache")  # encrypted with the user's key
        try:
            with cache.transaction(con):
                for table in REFERENCE_TABLES:
                    con.execute(f"INSERT INTO real_cache.main.{table} SELECT * FROM main.{table}")
        finally:
            con.execute("DETACH real_cache")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    return target


def _jobcenter_code(value: str) -> str | None:
    text = value.strip()
    return text.zfill(4) if text.isdigit() and len(text) <= 4 else None


def jobcenters_in_file(tf: TableFile, column: str | None, jobcenter: str | None) -> list[str]:
    """The jobcenter codes the import will replace: the given one, else the file's column."""
    if jobcenter:
        code = _jobcenter_code(jobcenter)
        return [code] if code else []
    if not column or column not in tf.headers:
        return []
    index = tf.headers.index(column)
    found = {
        code
        for _row, values in iter_rows(tf)
        if index < len(values) and (code := _jobcenter_code(values[index] or ""))
    }
    return sorted(found)


def rows_to_replace(
    con: duckdb.DuckDBPyConnection, kind: str, jobcenters: list[str]
) -> dict[str, int]:
    """Existing rows per jobcenter that the import of ``kind`` will replace."""
    if not jobcenters:
        return {}
    table = TARGET_TABLE[check_kind(kind)]
    marks = ", ".join("?" for _ in jobcenters)
    rows = con.execute(
        f"SELECT jobcenter, count(*) FROM {table} WHERE jobcenter IN ({marks}) GROUP BY ALL",
        jobcenters,
    ).fetchall()
    return {jc: int(n) for jc, n in rows}
