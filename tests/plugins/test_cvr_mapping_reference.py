"""The fast CVR mapping gives exactly what the mapping before issue #17 gave.

The oracle is ``cvr_mapping_reference.py`` (the old ``plugins/cvr/mapping.py``, unchanged).
Documents: the real fixtures, the synthetic benchmark stream, hand-made awkward cases and a
seeded fuzz of the fixtures (values replaced by wrong types, bad dates, empty texts, extra
open periods, non-Danish addresses, keys dropped). Compared per document (row, P numbers,
history, or the same reject reason) and end to end: the cached tables of a full refresh over
HTTP with the new mapping equal those with the reference mapping.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.plugins import cvr_mapping_reference as reference
from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from tests.plugins.test_cvr import PASSWORD, USER, make_host, rows, unit_doc
from workbench.plugins.cvr import documents, mapping, page_mapping, typed_mapping

# Values a field may carry in a bad document: wrong types, bad and odd dates, padded text.
AWKWARD_VALUES: list[Any] = [
    None,
    "",
    "  ",
    " Nørregade ",
    0,
    -3,
    7,
    101,
    "0101",
    " 851 ",
    1.5,
    True,
    False,
    "true",
    12345678901,
    "2020-13-45",
    "2021-02-29",
    "not a date",
    "2025-03-01",
    "2019-10-10T00:00:00.000+02:00",
    "2024-06-01T08:00:00",
    "82.91.00",
    "DB25",
    "ANTAL_5_9",
    "ANTAL_1000_999999",
    "ANTAL_X",
    "DE",
    [],
    {},
    ["x"],
]


def _outcome(fn: Callable[[Any], Any], doc: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(doc)
    except mapping.MappingError as exc:  # the reference raises the same class name
        return "reject", (type(exc).__name__, str(exc))
    except reference.MappingError as exc:
        return "reject", (type(exc).__name__, str(exc))
    except Exception as exc:  # a crash must at least be the same crash
        return "crash", type(exc).__name__


def _assert_same(doc: Any) -> str:
    kind = "VrproduktionsEnhed" if isinstance(doc, dict) and "VrproduktionsEnhed" in doc else ""
    new_fn = mapping.map_unit if kind else mapping.map_company
    old_fn = reference.map_unit if kind else reference.map_company
    new, old = _outcome(new_fn, copy.deepcopy(doc)), _outcome(old_fn, copy.deepcopy(doc))
    assert new == old, json.dumps(doc, ensure_ascii=False, default=str)[:3000]
    return new[0]


def _mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with some leaves replaced, list entries duplicated or reopened,
    keys dropped."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.03:
                continue  # key dropped
            if roll < 0.09:
                out[key] = rng.choice(AWKWARD_VALUES)
            else:
                out[key] = _mutate(rng, item, depth + 1)
        if "periode" in out and rng.random() < 0.2:
            out["periode"] = {"gyldigFra": rng.choice(AWKWARD_VALUES[14:20]), "gyldigTil": None}
        return out
    if isinstance(value, list):
        items = [_mutate(rng, item, depth + 1) for item in value]
        if items and rng.random() < 0.25:
            items.append(copy.deepcopy(rng.choice(items)))  # a second (maybe open) period
        if rng.random() < 0.05:
            items.append(rng.choice(AWKWARD_VALUES))  # an entry that is no object
        rng.shuffle(items) if rng.random() < 0.2 else None
        return items
    if rng.random() < 0.04:
        return rng.choice(AWKWARD_VALUES)
    return value


def _mutate_in_type(rng: random.Random, value: Any) -> Any:
    """Like :func:`_mutate`, but a replaced leaf keeps its JSON type (text for text, a number
    for a number): documents that still decode typed, with awkward values."""
    if isinstance(value, dict):
        out = {k: _mutate_in_type(rng, v) for k, v in value.items() if rng.random() > 0.03}
        if "periode" in out and rng.random() < 0.2:
            out["periode"] = {"gyldigFra": rng.choice(AWKWARD_VALUES[15:20]), "gyldigTil": None}
        return out
    if isinstance(value, list):
        items = [_mutate_in_type(rng, item) for item in value]
        if items and rng.random() < 0.25:
            items.append(copy.deepcopy(rng.choice(items)))
        rng.shuffle(items) if rng.random() < 0.2 else None
        return items
    if rng.random() < 0.1:
        if isinstance(value, str):
            return rng.choice([v for v in AWKWARD_VALUES if isinstance(v, str)])
        if type(value) is int:
            return rng.choice([v for v in AWKWARD_VALUES if type(v) is int])
    return value


def _fixture_sources(shared_fixtures: Path) -> list[dict[str, Any]]:
    out = []
    for name in ("es_search_one_company.json", "es_scroll_first_page.json"):
        data = json.loads((shared_fixtures / "cvr" / name).read_text("utf-8"))
        out.extend(h["_source"] for h in data["hits"]["hits"])
    return out


def _hand_made(base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Named awkward cases on top of a real company document."""

    def variant(**changes: Any) -> dict[str, Any]:
        doc = copy.deepcopy(base)
        doc["Vrvirksomhed"].update(changes)
        return doc

    v = base["Vrvirksomhed"]
    open_ = {"gyldigFra": "2020-01-01", "gyldigTil": None}
    yield variant(navne=[])  # no name: virksomhedMetadata.nyesteNavn
    yield variant(navne=None, virksomhedMetadata={})
    yield variant(  # several open periods, equal gyldigFra: the first wins
        navne=[
            {"navn": "A", "periode": open_},
            {"navn": "B", "periode": open_},
            {"navn": "C", "periode": {"gyldigFra": None, "gyldigTil": None}},
        ]
    )
    yield variant(  # no open period: the latest closed one
        navne=[
            {"navn": "Old", "periode": {"gyldigFra": "2001-01-01", "gyldigTil": "2005-01-01"}},
            {"navn": "Newer", "periode": {"gyldigFra": "2005-01-02", "gyldigTil": "2009-01-01"}},
        ]
    )
    foreign = {
        "vejnavn": None,
        "fritekst": " 10 Downing Street ",
        "postboks": 12,
        "bynavn": "London",
        "postnummer": None,
        "postdistrikt": None,
        "landekode": "GB",
        "kommune": None,
        "periode": open_,
    }
    yield variant(beliggenhedsadresse=[foreign])
    yield variant(
        beliggenhedsadresse=[
            {
                **v["beliggenhedsadresse"][-1],
                "husnummerTil": 14,
                "bogstavTil": "B",
                "etage": "st",
                "sidedoer": " tv ",
                "periode": open_,
            }
        ]
    )
    yield variant(beliggenhedsadresse=[{**foreign, "kommune": {"kommuneKode": "abc"}}])
    yield variant(beliggenhedsadresse=[{**foreign, "kommune": {"kommuneKode": 1000}}])
    yield variant(beliggenhedsadresse=[{**foreign, "postnummer": "DK-8000"}])
    for postnr, district in (("", None), ("", "Aarhus C"), (0, None), (8000, " ")):
        # An old address: only the history formats it (the row would reject its postnummer).
        old = {**foreign, "postnummer": postnr, "postdistrikt": district}
        old["periode"] = {"gyldigFra": "2001-01-01", "gyldigTil": "2002-01-01"}
        yield variant(beliggenhedsadresse=[old, foreign])
    yield variant(beliggenhedsadresse=[{**foreign, "etage": 2, "sidedoer": None}])
    yield variant(beliggenhedsadresse=[{**foreign, "vejnavn": "Vej", "sidedoer": "th"}])
    yield variant(beliggenhedsadresse="Vesterbrogade 1")  # not a list: rejected
    yield variant(  # bad dates everywhere
        livsforloeb=[{"periode": {"gyldigFra": "2020-99-01", "gyldigTil": "nope"}}],
        virksomhedMetadata={"stiftelsesDato": "31-12-1999"},
        sidstOpdateret="yesterday",
    )
    yield variant(sidstOpdateret="2024-06-01T08:00:00")  # no time zone
    yield variant(
        hovedbranche=[
            {"branchekode": "62.01.00", "branchetekst": "IT", "periode": open_},
            {"branchekode": "620100", "branchetekst": None, "periode": {"gyldigFra": "2025-01-01"}},
        ]
    )
    yield variant(
        hovedbranche=[{"branchekode": 620100, "branchekodeversion": "DB25", "periode": open_}]
    )
    yield variant(
        maanedsbeskaeftigelse=[{"aar": "2024", "maaned": "x", "antalAnsatte": 3}],
        erstMaanedsbeskaeftigelse=[{"aar": 2024, "maaned": 12, "antalAnsatte": "4.0"}],
        kvartalsbeskaeftigelse=[{"aar": 2024, "kvartal": 4, "antalAnsatte": 9}],
        aarsbeskaeftigelse=[
            {"aar": y, "intervalKodeAntalAnsatte": "ANTAL_20_49"} for y in range(2015, 2025)
        ],
    )
    yield variant(cvrNummer="12 34"), variant(cvrNummer=True), variant(cvrNummer=None)
    yield variant(cvrNummer=" 10000001 "), variant(cvrNummer=0)
    yield variant(reklamebeskyttet="TRUE"), variant(reklamebeskyttet="ja")
    yield variant(penheder=[{"pNummer": "x", "periode": open_}])
    yield variant(virksomhedMetadata=[])


def _sources_under_test(shared_fixtures: Path) -> list[Any]:
    fixtures = _fixture_sources(shared_fixtures)
    docs: list[Any] = list(fixtures)
    docs += [json.loads(text) for text in synthetic_stream(200)]
    for base in fixtures:
        for doc in _hand_made(base):
            docs.extend(doc if isinstance(doc, tuple) else (doc,))
    units = [
        unit_doc(1_000_000_001, 10_000_001),
        unit_doc(1_000_000_002, 10_000_001, ended="2022-01-01", employees=None),
        unit_doc(1_000_000_003, 10_000_002, kommune=0),
    ]
    docs += units
    rng = random.Random(17)
    for i in range(1500):
        docs.append(_mutate(rng, (fixtures + units)[i % (len(fixtures) + len(units))]))
    docs += [None, {}, {"Vrvirksomhed": []}, {"VrproduktionsEnhed": {"pNummer": 1}}]
    return docs


def test_fast_mapping_equals_reference_per_document(shared_fixtures: Path) -> None:
    outcomes = [_assert_same(doc) for doc in _sources_under_test(shared_fixtures)]
    # The corpus exercises both paths: usable documents and rejected ones.
    assert outcomes.count("ok") > 500
    assert outcomes.count("reject") > 100


def _typed_outcome(doc: Any) -> tuple[str, Any]:
    """The typed path's outcome for one document as it would arrive on a page: "untyped"
    (the page would be read as dicts), "fallback" (the typed mapping hands it to the dict
    mapping) or ("ok", row as a dict, history)."""
    page = orjson.dumps({"_scroll_id": "s", "hits": {"total": 1, "hits": [{"_source": doc}]}})
    answer = documents.decode_answer(page)
    if answer is None:
        return "untyped", None
    source = answer.hits.hits[0]._source  # type: ignore[union-attr]
    unit = isinstance(doc, dict) and "VrproduktionsEnhed" in doc
    try:
        if unit:
            row, history = typed_mapping.unit(source.VrproduktionsEnhed if source else None)
        else:
            row, history = typed_mapping.company(source.Vrvirksomhed if source else None)
    except Exception:
        return "fallback", None
    return "ok", (dict(zip(mapping.COMPANY_COLUMNS, row, strict=True)), history)


def test_typed_mapping_equals_reference_per_document(shared_fixtures: Path) -> None:
    """Every document the typed path maps gives the reference's row and history; the usual
    documents (fixtures, synthetic stream, units) all take it."""
    fixtures = _fixture_sources(shared_fixtures)
    usual = len(fixtures) + 200  # the fixtures, then the synthetic stream
    docs = _sources_under_test(shared_fixtures)[:usual]
    rng = random.Random(23)
    docs += [_mutate_in_type(rng, fixtures[i % len(fixtures)]) for i in range(600)]
    docs += _sources_under_test(shared_fixtures)[usual:]
    counts = {"ok": 0, "fallback": 0, "untyped": 0}
    for i, doc in enumerate(docs):
        kind, typed = _typed_outcome(copy.deepcopy(doc))
        counts[kind] += 1
        if i < usual:
            assert kind == "ok", json.dumps(doc, ensure_ascii=False)[:2000]
        if kind != "ok":
            continue
        unit = isinstance(doc, dict) and "VrproduktionsEnhed" in doc
        if unit:
            row, history = reference.map_unit(copy.deepcopy(doc))
        else:
            row, _pnrs, history = reference.map_company(copy.deepcopy(doc))
        assert typed == (row, history), json.dumps(doc, ensure_ascii=False, default=str)[:3000]
    # The fuzzed documents exercise all three: mapped typed, handed on, and pages as dicts.
    assert counts["ok"] > 600 and counts["fallback"] > 100 and counts["untyped"] > 200, counts


def _cache_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "companies": rows(
            path,
            "SELECT * EXCLUDE (rid, refreshed_at) FROM companies ORDER BY ALL",
        ),
        "company_history": rows(path, "SELECT * FROM company_history ORDER BY ALL"),
        "companies_rejects": rows(
            path,
            "SELECT row_number, field, value, reason, raw FROM companies_rejects ORDER BY ALL",
        ),
    }


@pytest.mark.parametrize("page_size", [9, 1000])
def test_full_refresh_tables_equal_reference(
    tmp_path: Path,
    shared_fixtures: Path,
    monkeypatch: pytest.MonkeyPatch,
    page_size: int,
) -> None:
    # Documents the old mapping crashed on (a TypeError stops any refresh) are left out; a
    # plain document after each other one keeps every page below the run's reject ratio.
    # Every fourth document of the corpus keeps the test quick; the per-document test above
    # covers all of them.
    odd = [d for d in _sources_under_test(shared_fixtures)[::4] if _assert_same(d) != "crash"]
    plain = iter(json.loads(text) for text in synthetic_stream(2 * len(odd), start=5000))
    pnrs = iter(range(1_100_000_000, 1_200_000_000))

    def two_plain(doc: Any) -> list[Any]:
        if isinstance(doc, dict) and "VrproduktionsEnhed" in doc:
            return [unit_doc(next(pnrs), 10_005_000 + i) for i in range(2)]
        return [next(plain), next(plain)]

    docs = [d for doc in odd for d in (doc, *two_plain(doc))]
    companies = [d for d in docs if not (isinstance(d, dict) and "VrproduktionsEnhed" in d)]
    units = [d for d in docs if isinstance(d, dict) and "VrproduktionsEnhed" in d]
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    fake.set_index("virksomhed", companies)
    fake.set_index("produktionsenhed", units)
    tables = {}
    with FakeElasticsearchServer(fake) as server:
        # The typed mapping in a worker process (as shipped) and in this one; the dict and
        # reference mappings in this one (monkeypatched here, which a worker would not see).
        for name, module, typed, workers in (
            ("typed", mapping, typed_mapping, 1),
            ("typed_here", mapping, typed_mapping, 0),
            ("dicts", mapping, _NeverTyped, 0),
            ("reference", reference, _NeverTyped, 0),
        ):
            monkeypatch.setattr(page_mapping, "mapping", module)
            monkeypatch.setattr(page_mapping, "typed_mapping", typed)
            path = tmp_path / f"{name}.duckdb"
            with make_host(
                path,
                server.url,
                page_size=page_size,
                batch_rows=50,
                max_rejects=100_000,
                map_workers=workers,
            ) as host:
                result = host.run("cvr")
            assert result.ok, result.message
            tables[name] = _cache_tables(path)
    assert len(tables["typed"]["companies"]) > 300
    assert len(tables["typed"]["companies_rejects"]) > 100
    for table in ("companies", "company_history", "companies_rejects"):
        assert tables["typed"][table] == tables["reference"][table], table
        assert tables["typed_here"][table] == tables["reference"][table], table
        assert tables["dicts"][table] == tables["reference"][table], table


class _NeverTyped:
    """Stands in for ``typed_mapping``: every document goes to the dict mapping."""

    @staticmethod
    def company(_doc: Any) -> Any:
        raise typed_mapping.NotTyped("dict path under test")

    unit = company
