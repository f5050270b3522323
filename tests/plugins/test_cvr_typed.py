"""The typed fast path of the cvr plugin (``documents.py`` + ``typed_mapping.py``) in a
real refresh over HTTP: usual pages are decoded and mapped typed, a document the typed
mapping cannot use is handed to the dict mapping (its reject keeps reason, row number and
raw document), and a page with a value of another shape is read as dicts."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from tests.plugins.test_cvr import PASSWORD, USER, company_variant, make_host, rows
from workbench.plugins.cvr import documents, mappers, page_mapping, typed_mapping


@pytest.fixture
def es() -> Iterator[tuple[FakeElasticsearch, str]]:
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    with FakeElasticsearchServer(fake) as server:
        yield fake, server.url


@pytest.fixture(scope="module")
def visma(shared_fixtures: Path) -> dict[str, Any]:
    path = shared_fixtures / "cvr" / "es_search_one_company.json"
    return json.loads(path.read_text("utf-8"))["hits"]["hits"][0]["_source"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of documents mapped typed and pages decoded typed or as dicts."""
    counts = {"typed": 0, "typed_pages": 0, "dict_pages": 0}

    class Counting:
        NotTyped = typed_mapping.NotTyped

        @staticmethod
        def company(doc: Any) -> Any:
            out = typed_mapping.company(doc)
            counts["typed"] += 1
            return out

        @staticmethod
        def unit(doc: Any) -> Any:
            out = typed_mapping.unit(doc)
            counts["typed"] += 1
            return out

    map_page = mappers.map_page

    def counting_map_page(kind: str, raw: bytes) -> Any:
        mapped = map_page(kind, raw)
        if mapped.hits:
            counts["typed_pages" if mapped.typed else "dict_pages"] += 1
        return mapped

    # in this process (``map_workers = 0``): a worker process would not see these patches
    monkeypatch.setattr(page_mapping, "typed_mapping", Counting)
    monkeypatch.setattr(mappers, "map_page", counting_map_page)
    return counts


def _synthetic(n: int) -> list[dict[str, Any]]:
    return [json.loads(text) for text in synthetic_stream(n)]


def test_usual_pages_are_mapped_typed_and_a_bad_document_keeps_its_reject(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], counted: dict[str, int]
) -> None:
    fake, url = es
    docs = _synthetic(12)
    docs[4]["Vrvirksomhed"]["cvrNummer"] = "12 34"  # text: decodes typed, is no CVR number
    fake.set_index("virksomhed", docs)
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url, page_size=5, batch_rows=4, map_workers=0) as host:
        result = host.run("cvr")
    assert result.ok, result.message
    assert counted == {"typed": 11, "typed_pages": 3, "dict_pages": 0}
    assert rows(path, "SELECT count(*) FROM companies") == [(11,)]
    [(row_number, value, reason, raw)] = rows(
        path, "SELECT row_number, value, reason, raw FROM companies_rejects"
    )
    assert row_number == 5 and value is None  # the stand-in's hits carry no _id
    assert reason == "virksomhed: cvrNummer: not a number: '12 34'"
    assert json.loads(raw)["_source"]["Vrvirksomhed"]["cvrNummer"] == "12 34"


def test_a_page_with_an_odd_shape_is_read_as_dicts(
    tmp_path: Path,
    es: tuple[FakeElasticsearch, str],
    counted: dict[str, int],
    visma: dict[str, Any],
) -> None:
    fake, url = es
    docs = _synthetic(6)
    odd = company_variant(visma, 30000001, "Skæv")
    odd["Vrvirksomhed"]["navne"] = "Skæv ApS"  # a text where CVR has a list
    docs.insert(2, odd)
    fake.set_index("virksomhed", docs)
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url, page_size=4, map_workers=0) as host:
        result = host.run("cvr")
    assert result.ok, result.message
    # The first page (with the odd document) as dicts, the second typed.
    assert counted == {"typed": 3, "typed_pages": 1, "dict_pages": 1}
    assert rows(path, "SELECT count(*) FROM companies") == [(6,)]
    assert rows(path, "SELECT row_number, reason FROM companies_rejects") == [
        (3, "virksomhed: navne: expected a list, got str")
    ]


def test_typed_pages_give_the_same_cache_as_dict_pages(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict[str, Any]
) -> None:
    """Real fixture documents and synthetic ones, mapped typed and (with the typed path
    off) as dicts: identical tables."""
    fake, url = es
    docs = [visma, *_synthetic(30)]
    docs += [company_variant(visma, 30000000 + i, f"Variant {i}") for i in range(5)]
    fake.set_index("virksomhed", copy.deepcopy(docs))
    fake.set_index("produktionsenhed", [])
    tables = []
    for typed in (True, False):
        path = tmp_path / f"{typed}.duckdb"
        with pytest.MonkeyPatch.context() as mp:
            if not typed:  # in this process: a worker would not see the patch
                mp.setattr(documents, "decode_answer", lambda _content: None)
            with make_host(path, url, page_size=7, map_workers=0 if not typed else 1) as host:
                assert host.run("cvr").ok
        tables.append(
            (
                rows(path, "SELECT * EXCLUDE (rid, refreshed_at) FROM companies ORDER BY ALL"),
                rows(path, "SELECT * FROM company_history ORDER BY ALL"),
            )
        )
    assert len(tables[0][0]) == 36
    assert tables[0] == tables[1]


def test_incremental_change_scan_reads_typed_pages(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], counted: dict[str, int]
) -> None:
    fake, url = es
    docs = _synthetic(8)
    fake.set_index("virksomhed", docs)
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url, page_size=3, map_workers=0) as host:
        assert host.run("cvr").ok
    changed = copy.deepcopy(docs)
    changed[3]["Vrvirksomhed"]["sidstOpdateret"] = "2030-01-02T00:00:00.000+01:00"
    changed[3]["Vrvirksomhed"]["navne"][0]["navn"] = "Omdøbt ApS"
    changed[5]["Vrvirksomhed"]["sidstOpdateret"] = "2030-01-02T00:00:00.000+01:00"
    changed[5]["Vrvirksomhed"]["cvrNummer"] = "12 34"  # changed, and no CVR number: skipped
    fake.set_index("virksomhed", changed)
    for key in counted:
        counted[key] = 0
    with make_host(path, url, page_size=3, mode="auto", map_workers=0) as host:
        result = host.run("cvr")
    assert result.ok, result.message
    # All typed. The change scan finds 3, 5 and 7 (the newest before, within the 24 hours'
    # overlap); 5 has no CVR number and is skipped. The reload maps 3 and 7: 2 + 2 typed.
    assert counted["dict_pages"] == 0 and counted["typed_pages"] >= 2
    assert counted["typed"] == 4
    cvr = str(docs[3]["Vrvirksomhed"]["cvrNummer"])
    assert rows(path, "SELECT name FROM companies WHERE cvr = ?", [cvr]) == [("Omdøbt ApS",)]
    assert rows(path, "SELECT count(*) FROM companies") == [(8,)]
