"""What the About dialog and "Kopiér diagnose" show: version, data sources with their
licence, attribution and last refresh, and (for support) the machine, configuration layers
and log tail. Nothing personal: no candidate rows, no secrets (settings are redacted, the
log is scrubbed), only counts of the reference tables.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from workbench import __version__

from . import logs
from .config import Settings, redact, secret_values
from .plugins.host import PluginInfo, discover, last_runs, plugin_status
from .store.tables import REFERENCE_TABLES


@dataclass(frozen=True)
class SourceInfo:
    plugin: str
    name: str
    source: str
    licence: str
    attribution: str
    status: str  # ok | not_configured | disabled | broken
    last_refresh: str | None  # ISO time of the last successful run, None when never
    last_status: str | None


def sources(
    settings: Settings,
    con: duckdb.DuckDBPyConnection | None = None,
    plugins: list[PluginInfo] | None = None,
) -> list[SourceInfo]:
    """Each plugin's source with licence, attribution and the date of its last refresh."""
    runs: Mapping[str, Mapping[str, Any]] = {}
    if con is not None:
        try:
            runs = last_runs(con)
        except duckdb.Error:
            runs = {}
    out = []
    for info in sorted(plugins if plugins is not None else discover(), key=lambda p: p.id):
        m = info.manifest
        run = runs.get(info.id, {})
        last_ok = run.get("last_ok")
        out.append(
            SourceInfo(
                plugin=info.id,
                name=m.name if m else info.id,
                source=m.source if m else "",
                licence=m.licence if m else "",
                attribution=m.attribution if m else "",
                status=plugin_status(info, settings),
                last_refresh=_minutes(last_ok),
                last_status=run.get("status"),
            )
        )
    return out


def _minutes(value: Any) -> str | None:
    if not value:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes")
    return str(value)[:16].replace(" ", "T")


def reference_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the reference tables that exist (never of person tables)."""
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return {
        t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
        for t in sorted(REFERENCE_TABLES & names)
    }


def diagnose(
    settings: Settings,
    con: duckdb.DuckDBPyConnection | None = None,
    cache_path: Path | None = None,
    *,
    log_lines: int = 40,
) -> str:
    """A plain-text report for support: safe to paste into an e-mail."""
    lines = [
        f"Jobkort workbench {__version__}",
        f"Python {sys.version.split()[0]} on {platform.platform()}",
        f"DuckDB {duckdb.__version__}",
        f"Frozen bundle: {'yes' if getattr(sys, 'frozen', False) else 'no'}",
        f"Configuration layers: {', '.join(settings.sources)}",
        f"Log file: {logs.log_file()}",
    ]
    if cache_path is not None:
        size = cache_path.stat().st_size if cache_path.is_file() else 0
        lines.append(f"Cache: {cache_path} ({size / 1e6:.1f} MB)")
    lines += ["", "Sources:"]
    for s in sources(settings, con):
        lines.append(
            f"  {s.plugin}: {s.status}; last refresh {s.last_refresh or 'never'}"
            f" ({s.last_status or '-'})"
        )
    from .teamstore import check, describe

    lines += ["", f"Team store: {describe(check(settings))}"]
    if con is not None:
        try:
            counts = reference_counts(con)
        except duckdb.Error:
            counts = {}
        if counts:
            lines += ["", "Reference tables:"]
            lines += [f"  {t}: {n}" for t, n in counts.items()]
    lines += ["", "Settings (secrets removed):"]
    lines += _flatten(redact(_without_user(settings.data)))
    tail = logs.tail(log_lines)
    if tail:
        lines += ["", f"Log (last {len(tail)} lines):", *("  " + t for t in tail)]
    return logs.scrub("\n".join(lines), secret_values(settings.data)) + "\n"


def _without_user(data: Mapping[str, Any]) -> dict[str, Any]:
    # the user's name is personal data of the consultant: support needs the role only
    out = dict(data)
    if isinstance(out.get("user"), Mapping):
        out["user"] = {k: v for k, v in out["user"].items() if k != "name"}
    return out


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += _flatten(value, name + ".")
        else:
            out.append(f"  {name} = {value!r}")
    return out
