"""The cvr refresh collects garbage rarely and hands the GIL over quickly while it maps,
and restores both settings."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from tests.plugins.test_cvr import PASSWORD, USER, make_host
from workbench.plugins.cvr.interpreter import (
    FEW_COLLECTIONS_THRESHOLD,
    QUICK_SWITCH_S,
    fewer_collections,
    quick_switches,
)


@pytest.fixture
def threshold() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_threshold_raised_inside_and_restored_after(threshold: tuple[int, int, int]) -> None:
    with fewer_collections():
        assert gc.get_threshold() == (FEW_COLLECTIONS_THRESHOLD, 10, 10)
    assert gc.get_threshold() == threshold


def test_overlapping_refreshes_restore_the_first_setting(
    threshold: tuple[int, int, int],
) -> None:
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends while the second still maps
    assert gc.get_threshold()[0] == FEW_COLLECTIONS_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == threshold


def test_restored_when_the_refresh_fails(threshold: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("scroll expired")
    assert gc.get_threshold() == threshold


def test_a_cvr_refresh_maps_with_few_collections_and_quick_switches(
    tmp_path: Path, threshold: tuple[int, int, int], switch_interval: float
) -> None:
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    fake.set_index("virksomhed", lambda: synthetic_stream(30))
    fake.set_index("produktionsenhed", [])
    during: list[tuple[int, float]] = []
    with (
        FakeElasticsearchServer(fake) as server,
        make_host(tmp_path / "cache.duckdb", server.url, page_size=10) as host,
    ):
        result = host.run(
            "cvr",
            on_progress=lambda _p, _f, _m: during.append(
                (gc.get_threshold()[0], sys.getswitchinterval())
            ),
        )
    assert result.ok, result.message
    # while the pages were mapped
    assert (FEW_COLLECTIONS_THRESHOLD, QUICK_SWITCH_S) in during
    assert gc.get_threshold() == threshold
    assert sys.getswitchinterval() == switch_interval


@pytest.fixture
def switch_interval() -> Iterator[float]:
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield 0.005
    sys.setswitchinterval(saved)


def test_quick_switches_nest_and_restore_the_first_setting(switch_interval: float) -> None:
    first, second = quick_switches(), quick_switches()
    first.__enter__()
    second.__enter__()
    assert sys.getswitchinterval() == QUICK_SWITCH_S
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == QUICK_SWITCH_S  # the second still maps
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == switch_interval
    with pytest.raises(RuntimeError), quick_switches():
        raise RuntimeError("scroll expired")
    assert sys.getswitchinterval() == switch_interval
