"""Fixtures for the import tests: a fresh cache file with a small occupation taxonomy."""

from __future__ import annotations

from pathlib import Path

import pytest

OCCUPATIONS = [
    ("5120", "Kok", ["Kokkeelev", "Køkkenchef"]),
    ("5131", "Tjener", ["Servitrice"]),
    ("2512", "Softwareudvikler", ["Programmør"]),
]
MUNICIPALITIES = ["0101", "0147", "0751"]


def seed_taxonomy(con) -> None:
    for code, title, aliases in OCCUPATIONS:
        con.execute(
            "INSERT INTO occupations (code, title, aliases, level) VALUES (?, ?, ?, 4)",
            [code, title, aliases],
        )
    for kode in MUNICIPALITIES:
        con.execute(
            "INSERT INTO municipalities (kode, navn) VALUES (?, ?)", [kode, f"Kommune {kode}"]
        )


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    from workbench.core import cache

    path = tmp_path / "cache.duckdb"
    con = cache.connect(path)
    seed_taxonomy(con)
    con.close()
    return path


@pytest.fixture
def con(cache_file: Path):
    from workbench.core import cache

    c = cache.connect(cache_file)
    yield c
    c.close()
