"""Every plugin (but Jobnet) against its local server with faults injected on its main route:
HTTP 500/502/429, timeouts, dropped connections, bodies cut mid-way, wrong shapes, non-JSON,
empty answers. A run either recovers (status ok, the cache exactly what a clean run gives) or
refuses (not ok, one-line message, the cache exactly as before). Anything else is data lost
or changed silently.

Set ``FAULT_REPORT=path.json`` to write each case's outcome (recovered / refused / lost).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.hashes import table_hashes
from tests.faults.scenarios import FAULTS, SCENARIOS, Scenario, inject
from tests.plugins.fixture_server import FixtureServer
from workbench.core import cache

OUTCOMES: dict[str, str] = {}


@dataclass
class Template:
    """A cache after one clean run (``clean``), then one row dropped (``previous``)."""

    path: Path
    clean: dict[str, tuple[int, str | None]]
    previous: dict[str, tuple[int, str | None]]


def _drop_first_row(path: Path, table: str) -> None:
    con = cache.connect(path)
    try:
        con.execute(f"DELETE FROM {table} WHERE rowid = (SELECT min(rowid) FROM {table})")
        con.execute("CHECKPOINT")
    finally:
        con.close()


@pytest.fixture(scope="module")
def templates(
    tmp_path_factory: pytest.TempPathFactory, shared_fixtures: Path
) -> Iterator[dict[str, Template]]:
    made: dict[str, Template] = {}
    for name, scenario in SCENARIOS.items():
        tmp = tmp_path_factory.mktemp(f"template-{name}")
        path = tmp / "cache.duckdb"
        if scenario.seed is not None:
            scenario.seed(path)
        with FixtureServer() as server:
            scenario.serve(server, shared_fixtures)
            with scenario.host(tmp, server, shared_fixtures, path) as host:
                for pid in (*scenario.before, scenario.plugin):
                    result = host.run(pid)
                    assert result.ok, f"{pid}: {result.message}"
                host.con.execute("CHECKPOINT")
        clean = table_hashes(path)
        assert clean[scenario.mutate][0] > 0, f"{name} wrote no {scenario.mutate}"
        _drop_first_row(path, scenario.mutate)
        made[name] = Template(path, clean, table_hashes(path))
    yield made
    report = os.environ.get("FAULT_REPORT")
    if report:
        Path(report).write_text(json.dumps(OUTCOMES, indent=1, sort_keys=True), "utf-8")


CASES = [(plugin, fault) for plugin in SCENARIOS for fault in FAULTS]


@pytest.mark.parametrize(("plugin", "fault"), CASES, ids=[f"{p}-{f}" for p, f in CASES])
def test_fault_loses_nothing(
    plugin: str,
    fault: str,
    templates: dict[str, Template],
    tmp_path: Path,
    shared_fixtures: Path,
) -> None:
    case = f"{plugin}/{fault}"
    scenario: Scenario = SCENARIOS[plugin]
    template = templates[plugin]
    plugin = scenario.plugin  # "taxonomies-esco" is the taxonomies plugin
    path = tmp_path / "cache.duckdb"
    shutil.copy(template.path, path)
    with FixtureServer() as server:
        scenario.serve(server, shared_fixtures)
        inject(server, scenario.target, fault)
        with scenario.host(tmp_path, server, shared_fixtures, path) as host:
            result = host.run(plugin)
            after = table_hashes(host.con)
        server.release()
    if result.ok and after == template.clean:
        outcome = "recovered"
    elif not result.ok and after == template.previous:
        outcome = "refused"
    else:
        outcome = "lost"
    OUTCOMES[case] = f"{outcome}: {result.status}: {result.message}"
    assert outcome != "lost", f"{result.status}: {result.message}"
    assert "\n" not in result.message and "Traceback" not in result.message
    if not result.ok:
        assert result.message.strip()
