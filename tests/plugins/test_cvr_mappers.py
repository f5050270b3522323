"""Pages mapped in worker processes (``mappers.py``, ``map_worker.py``): the same tables and
rejects as in this process, in order; a worker that stops or cannot start hands its pages
back to this process (nothing lost, the run's summary says so); errors keep their message;
no worker outlives its run."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from tests.plugins.test_cvr import PASSWORD, USER, make_host, rows
from workbench.core.plugins.api import PluginError
from workbench.plugins.cvr import mappers
from workbench.plugins.cvr.page_mapping import COMPANY_INDEX, UNIT_INDEX, map_page


def _answer(sources: list[Any]) -> bytes:
    hits = [{"_id": str(i), "_source": s} for i, s in enumerate(sources)]
    return json.dumps({"_scroll_id": "s", "hits": {"total": 99, "hits": hits}}).encode()


def _unit(pnr: int, cvr: int) -> dict[str, Any]:
    return {
        "VrproduktionsEnhed": {
            "pNummer": pnr,
            "virksomhedsrelation": [{"cvrNummer": cvr, "periode": {"gyldigFra": "2001-01-01"}}],
            "navne": [{"navn": f"Enhed {pnr}", "periode": {"gyldigFra": "2001-01-01"}}],
        }
    }


def _pages() -> list[tuple[str, bytes, int]]:
    """Company pages (one with an unusable document), a unit page and a page of dicts."""
    docs = [json.loads(t) for t in synthetic_stream(40)]
    docs[7]["Vrvirksomhed"]["cvrNummer"] = "12 34"  # rejected with its reason
    odd = [json.loads(t) for t in synthetic_stream(3, start=100)]
    odd[1]["Vrvirksomhed"]["navne"] = "Skæv ApS"  # the page decodes as dicts
    pages = [(COMPANY_INDEX, _answer(docs[i : i + 10]), i) for i in range(0, 40, 10)]
    pages.append(
        (UNIT_INDEX, _answer([_unit(1_000_000_000 + i, 10_000_000) for i in range(5)]), 40)
    )
    pages.append((COMPANY_INDEX, _answer(odd), 50))
    return pages


def _plain(mapped: Any) -> tuple[Any, ...]:
    rejects = [(r.index, r.reason, r.value) for r in mapped.rejects]
    return (mapped.companies.to_pylist(), mapped.history.to_pylist(), rejects, mapped.hits)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[mappers._Worker]:
    """The workers started in the test (each must have ended when its mapper closed)."""
    workers: list[mappers._Worker] = []
    init = mappers._Worker.__init__

    def recording(self: mappers._Worker) -> None:
        init(self)
        workers.append(self)

    monkeypatch.setattr(mappers._Worker, "__init__", recording)
    return workers


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_map_pages_as_this_process_does_in_order(
    workers: int, started: list[mappers._Worker]
) -> None:
    pages = _pages()
    notes: list[str] = []
    with mappers.PageMapper(workers, notes.append) as mapper:
        out = list(mapper.map(pages))
    assert [tag for tag, _ in out] == [tag for *_, tag in pages]
    assert [_plain(m) for _, m in out] == [_plain(map_page(k, raw)) for k, raw, _ in pages]
    assert out[0][1].rejects[0].reason == "virksomhed: cvrNummer: not a number: '12 34'"
    assert [m.typed for _, m in out] == [True] * 5 + [False]
    assert not notes and len(started) == workers
    assert all(w.proc.poll() == 0 for w in started)  # ended once idle


def test_a_worker_killed_mid_run_hands_its_pages_back(started: list[mappers._Worker]) -> None:
    pages = _pages()
    notes: list[str] = []
    out = []
    with mappers.PageMapper(1, notes.append) as mapper:
        for tag, mapped in mapper.map(pages):
            out.append((tag, _plain(mapped)))
            if len(out) == 1:
                os.kill(started[0].proc.pid, signal.SIGKILL)
    assert out == [(tag, _plain(map_page(k, raw))) for k, raw, tag in pages]
    assert mapper.fell_back
    [note] = notes
    assert "arbejdsprocessen til kortlægning stoppede" in note and "intet er tabt" in note


def test_a_worker_that_cannot_start_leaves_the_mapping_here(
    monkeypatch: pytest.MonkeyPatch, started: list[mappers._Worker]
) -> None:
    monkeypatch.setattr(mappers, "WORKER_MODULE", "workbench.plugins.cvr.no_such_module")
    notes: list[str] = []
    pages = _pages()[:2]
    with mappers.PageMapper(1, notes.append) as mapper:
        out = [_plain(m) for _, m in mapper.map(pages)]
    assert out == [_plain(map_page(k, raw)) for k, raw, _ in pages]
    [note] = notes
    assert "No module named" in note  # the worker's own last words, for the log
    assert started[0].proc.poll() not in (None, 0)


@pytest.mark.parametrize("workers", [0, 1])
def test_an_error_in_the_mapping_keeps_its_message(workers: int) -> None:
    with (
        mappers.PageMapper(workers) as mapper,
        pytest.raises(PluginError, match="CVR: svaret på siden er ikke JSON"),
    ):
        list(mapper.map([(COMPANY_INDEX, b"<html>502</html>", 0)]))


@pytest.fixture
def es() -> Iterator[str]:
    """A stand-in serving 40 synthetic companies and no units."""
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    fake.set_index("virksomhed", [json.loads(t) for t in synthetic_stream(40)])
    fake.set_index("produktionsenhed", [])
    with FakeElasticsearchServer(fake) as server:
        yield server.url


def test_a_refresh_whose_worker_dies_completes_and_says_so(
    tmp_path: Path, es: str, monkeypatch: pytest.MonkeyPatch, started: list[mappers._Worker]
) -> None:
    receive = mappers._Worker.receive
    calls = [0]

    def dying(self: mappers._Worker, check: Any = None) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        return receive(self, check)

    monkeypatch.setattr(mappers._Worker, "receive", dying)
    path = tmp_path / "cache.duckdb"
    with make_host(path, es, page_size=4, batch_rows=7) as host:
        result = host.run("cvr")
    assert result.ok, result.message
    assert rows(path, "SELECT count(*) FROM companies") == [(40,)]
    assert "arbejdsprocessen til kortlægning stoppede" in result.message
    assert started and all(w.proc.poll() is not None for w in started)


def test_a_cancelled_refresh_leaves_no_worker_behind(
    tmp_path: Path, es: str, started: list[mappers._Worker]
) -> None:
    path = tmp_path / "cache.duckdb"
    cancel = threading.Event()

    def on_progress(_plugin: str, fraction: float | None, _message: str) -> None:
        if fraction and fraction > 0.1:
            cancel.set()

    with make_host(path, es, page_size=4, batch_rows=7) as host:
        result = host.run("cvr", on_progress=on_progress, cancel=cancel)
    assert result.status == "cancelled", result.message
    assert started and all(w.proc.poll() is not None for w in started)


def test_a_change_scan_that_finds_nothing_starts_no_worker(
    tmp_path: Path, started: list[mappers._Worker]
) -> None:
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    fake.set_index("virksomhed", [json.loads(t) for t in synthetic_stream(10)])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with FakeElasticsearchServer(fake) as server:
        with make_host(path, server.url, page_size=8) as host:
            assert host.run("cvr").ok
        assert len(started) == 2  # the full load: the default two, started with the load
        started.clear()
        fake.set_index("virksomhed", [])  # nothing changed since (nor at all)
        with make_host(path, server.url, page_size=8, mode="auto") as host:
            result = host.run("cvr")
    assert result.ok, result.message
    assert started == []  # the change scan's pages were empty: nothing to map


@pytest.mark.parametrize("workers", [0, 2])
def test_a_caller_that_stops_early_closes_the_pages_cleanly(
    workers: int, started: list[mappers._Worker]
) -> None:
    """A refresh that fails on a page (too many rejects) leaves the loop with pages still
    at the workers: closing the stream must not map them (nor raise)."""
    with mappers.PageMapper(workers) as mapper:
        pages = mapper.map(_pages())
        next(pages)
        pages.close()
    assert all(w.proc.poll() is not None for w in started)


def test_pages_before_a_failing_page_still_come_first() -> None:
    def failing() -> Iterator[tuple[str, bytes, int]]:
        yield from _pages()[:3]
        raise PluginError("CVR: scroll i virksomhed gentager samme side")

    got = []
    with mappers.PageMapper(1) as mapper, pytest.raises(PluginError, match="gentager"):
        for tag, _mapped in mapper.map(failing()):
            got.append(tag)
    assert got == [0, 10, 20]


def test_a_page_that_cannot_be_mapped_stops_the_pages_after_it() -> None:
    """The failing page's error is raised at once: the pages behind it at the workers are
    neither staged nor counted (their rejects would be kept with wrong row numbers)."""
    pages = _pages()
    pages.insert(1, (COMPANY_INDEX, b"<html>502</html>", 5))
    got = []
    with mappers.PageMapper(1) as mapper, pytest.raises(PluginError, match="ikke JSON"):
        for tag, _mapped in mapper.map(pages):
            got.append(tag)
    assert got == [0]


def test_a_silent_worker_is_given_up_and_its_pages_mapped_here(
    monkeypatch: pytest.MonkeyPatch, started: list[mappers._Worker]
) -> None:
    monkeypatch.setattr(mappers, "ANSWER_TIMEOUT_S", 1.0)
    notes: list[str] = []
    pages = _pages()
    with mappers.PageMapper(1, notes.append) as mapper:
        mapper.start()
        os.kill(started[0].proc.pid, signal.SIGSTOP)  # alive, never answering
        out = [_plain(m) for _, m in mapper.map(pages)]
    assert out == [_plain(map_page(k, raw)) for k, raw, _ in pages]
    [note] = notes
    assert "intet svar i 1 s" in note
    assert started[0].proc.poll() is not None  # killed, not left stopped


def test_the_cancel_is_seen_while_a_worker_is_waited_for(
    started: list[mappers._Worker],
) -> None:
    class Stop(Exception):
        pass

    calls = [0]

    def check() -> None:
        calls[0] += 1
        raise Stop

    with pytest.raises(Stop), mappers.PageMapper(1, check=check) as mapper:
        mapper.start()
        os.kill(started[0].proc.pid, signal.SIGSTOP)
        list(mapper.map(_pages()))
    assert calls == [1]
    assert started[0].proc.poll() is not None


def test_the_worker_does_not_import_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "msgspec.py").write_text("import os\nos._exit(3)\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    notes: list[str] = []
    pages = _pages()[:2]
    with mappers.PageMapper(1, notes.append) as mapper:
        out = [_plain(m) for _, m in mapper.map(pages)]
    assert out == [_plain(map_page(k, raw)) for k, raw, _ in pages]
    assert notes == []  # mapped by the worker, not handed back


def test_map_workers_must_be_a_whole_number(tmp_path: Path, es: str) -> None:
    path = tmp_path / "cache.duckdb"
    with make_host(path, es, map_workers="to") as host:
        result = host.run("cvr")
    assert result.status == "failed"
    assert "map_workers skal være et helt tal, 0 eller flere (er 'to')" in result.message
    with make_host(path, es, map_workers="0") as host:  # text, as from an environment variable
        assert host.run("cvr").ok
