"""Helpers for host tests: in-code plugins on a real DuckDB cache file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.core.config import Settings
from workbench.core.plugins.api import Manifest, RefreshContext
from workbench.core.plugins.host import PluginHost, plugin_from_function

TABLES = ["municipalities", "regions", "companies", "unemployment_stats"]
# What the workbench's own writers (the case-system import) may declare besides.
CORE_TABLES = [*TABLES, "candidates"]


def manifest(plugin_id: str = "t", tables: list[str] | None = None, **extra: Any) -> Manifest:
    return Manifest.from_dict(
        {
            "id": plugin_id,
            "name": "Test",
            "source": "test",
            "licence": "test",
            "tables": tables or TABLES,
            "refresh": "unused:refresh",
            "api_version": 1,
            **extra,
        }
    )


def settings(**plugins: dict[str, Any]) -> Settings:
    data = {"http": {"retries": 0, "backoff_s": 0, "timeout_s": 2}, "plugins": plugins}
    return Settings(data, ["test"])


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache.duckdb"


@pytest.fixture
def make_host(cache_file: Path) -> Iterator[Callable[..., PluginHost]]:
    """``make_host({"id": refresh_fn, ...}, settings=...)`` -> a PluginHost with code plugins."""
    hosts: list[PluginHost] = []

    def make(
        plugins: dict[str, Callable[[RefreshContext], None]],
        cfg: Settings | None = None,
        *,
        core: bool = False,
        **kw: Any,
    ) -> PluginHost:
        tables = CORE_TABLES if core else TABLES
        infos = [
            plugin_from_function(manifest(pid, tables), fn, core=core)
            for pid, fn in plugins.items()
        ]
        host = PluginHost(
            cache_file, cfg or settings(**{pid: {"x": 1} for pid in plugins}), plugins=infos, **kw
        )
        hosts.append(host)
        return host

    yield make
    for h in hosts:
        h.close()
