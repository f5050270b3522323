"""Workstations for the team store tests: a private copy of the demo cache and a
configuration file pointing at the test server."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from workbench.core.config import Settings, load_settings
from workbench.core.store import Store
from workbench.core.teamstore import team_store
from workbench.core.teamstore.sync import SyncResult, sync

from .conftest import PgServer


@dataclass
class Workstation:
    cache: Path
    config: Path
    jobcenter: str

    def settings(self) -> Settings:
        return load_settings(self.config)

    def open(self) -> Store:
        return Store.open(self.cache)

    def sync(self) -> SyncResult:
        settings = self.settings()
        with self.open() as store:
            return sync(store, team_store(settings), settings.get("user.jobcenter"))


def workstation(
    tmp_path: Path, master: Path, name: str, pg: PgServer, jobcenter: str, *, url: str = ""
) -> Workstation:
    folder = tmp_path / name
    folder.mkdir()
    cache = folder / "cache.duckdb"
    shutil.copy(master, cache)
    config = folder / "workbench.toml"
    config.write_text(
        f'[user]\njobcenter = "{jobcenter}"\nname = "{name}"\n\n'
        f'[store]\nshared = "{url or pg.url}"\nuser = "{pg.user}"\n'
        'password = "env:JOBKORT_TEST_TEAMSTORE_PW"\n',
        encoding="utf-8",
    )
    return Workstation(cache, config, jobcenter)
