"""``workbench bench`` (issue #17): the JSON contract, --save, bad input, and the region
variant as a smoke test in a subprocess (no timing assertions: CI machines vary)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.bench import peers, suite

REPO = Path(__file__).resolve().parents[2]
MEASURED = {"median", "p95", "n"}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", "bench", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        timeout=600,
    )


def check_contract(result: dict) -> None:
    """Every key of the issue, each a {median, p95, n} of numbers or null with a reason."""
    for key in suite.MEASURE_KEYS:
        assert key in result, key
        value = result[key]
        if value is None:
            continue
        assert set(value) == MEASURED, key
        assert isinstance(value["median"], int | float) and value["median"] >= 0, key
        assert isinstance(value["p95"], int | float) and value["p95"] >= value["median"], key
    for key in suite.RATIO_KEYS:
        assert key in result and (result[key] is None or result[key] > 0), key
    for name in ("qgis", "geopandas"):
        peer = result["peers"][name]
        assert peer["status"] in ("measured", "skipped", "failed")
        if peer["status"] != "measured":
            assert peer["reason"]  # a peer that is not there says why, never faked
    if result["peers"]["qgis"]["status"] == "measured":
        assert result["qgis_candidates_filter_to_image_ms"]["n"] == result["repeat"]
        assert result["qgis_companies_ratio"] is not None
    else:
        assert result["qgis_companies_filter_to_image_ms"] is None
        assert result["qgis_companies_ratio"] is None
    for goal in result["goals"].values():
        assert goal["met"] in (True, False, None)


@pytest.mark.slow
def test_region_smoke_json_and_save(tmp_path: Path) -> None:
    """The CI smoke test: the quick variant end to end, JSON on stdout and in the file."""
    cache = tmp_path / "region.duckdb"
    results = tmp_path / "results"
    done = run_cli(
        "--scale",
        "region",
        "--format",
        "json",
        "--repeat",
        "2",
        "--cache",
        str(cache),
        "--save",
        env={"WORKBENCH_BENCH_RESULTS_DIR": str(results)},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    check_contract(result)
    assert result["scale"] == "region" and result["repeat"] == 2
    assert result["rows"] == {"candidates": 50_000, "companies": 200_000}
    # the window's measures, start-up and the ingest are always ours to measure
    for key in (
        "candidates_filter_to_paint_ms",
        "companies_filter_to_paint_ms",
        "pan_zoom_repaint_ms",
        "search_ms",
        "startup_ms",
        "table_open_ms",
        "ingest_docs_per_s",
        "ingest_peak_rss_mb",
        "window_peak_rss_mb",
    ):
        assert result[key] is not None, key
    assert result["candidates_filter_to_paint_ms"]["n"] == 2
    assert result["pan_zoom_repaint_ms"]["n"] == 4  # to the municipality and back, twice
    assert set(result["cpu_ms"]) == {
        "candidates_filter_to_paint_ms",
        "companies_filter_to_paint_ms",
        "pan_zoom_repaint_ms",
        "table_open_ms",
        "startup_ms",
    }
    if not (REPO / "benchmarks" / "bench_match.py").exists():
        assert result["match_ms"] is None and "match_ms" in result["skipped"]
    saved = results / f"{result['date']}.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == result


def test_text_format_names_every_measure_and_goal() -> None:
    result = sample_result()
    text = suite.text_report(result)
    for key in (*suite.MEASURE_KEYS, *suite.RATIO_KEYS):
        assert key in text
    assert "MISSED" in text and "met" in text
    assert "matching is not in this build" in text


def sample_result() -> dict:
    """A result as run_suite assembles it, from made-up lists of ms (no window needed)."""
    result = {k: None for k in (*suite.MEASURE_KEYS, *suite.RATIO_KEYS)}
    result["candidates_filter_to_paint_ms"] = suite.summary([40, 45, 120])
    result["companies_filter_to_paint_ms"] = suite.summary([30, 30, 31])
    result["qgis_companies_filter_to_image_ms"] = suite.summary([700, 800, 900])
    result["qgis_candidates_filter_to_image_ms"] = suite.summary([200, 210, 220])
    result["qgis_companies_ratio"] = suite.ratio(
        result["qgis_companies_filter_to_image_ms"], result["companies_filter_to_paint_ms"]
    )
    result["ingest_docs_per_s"] = suite.once(25_000.0)
    return {
        "scale": "region",
        "cache": "/tmp/x.duckdb",
        "repeat": 3,
        "date": "2026-12-01",
        "rows": {"candidates": 1, "companies": 2},
        "machine": {"cpus": 2, "load_before": [1.0, 1, 1], "load_after": [2.0, 1, 1]},
        **result,
        "peers": {
            "qgis": {"status": "measured"},
            "geopandas": {"status": "skipped", "reason": "not installed"},
        },
        "goals": suite.evaluate_goals(result),
        "skipped": {"match_ms": "matching is not in this build (benchmarks/bench_match.py)"},
    }


def test_goals_ratios_and_shapes() -> None:
    result = sample_result()
    check_contract(result)
    assert result["candidates_filter_to_paint_ms"] == {"median": 45.0, "p95": 120.0, "n": 3}
    assert result["qgis_companies_ratio"] == round(800 / 30, 1)
    goals = result["goals"]
    assert goals["candidates_filter_to_paint_ms.median"]["met"] is True
    assert goals["candidates_filter_to_paint_ms.p95"] == {
        "goal": "<= 100",
        "value": 120.0,
        "met": False,
    }
    assert goals["qgis_companies_ratio"]["met"] is True  # 26.7x >= 10x
    assert goals["ingest_docs_per_s.median"]["met"] is True
    assert goals["match_ms.median"]["met"] is None  # not measured: neither met nor missed
    assert suite.ratio(None, result["companies_filter_to_paint_ms"]) is None


def test_save_writes_the_dated_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = sample_result()
    out = suite.save_result(result, tmp_path / "results")
    assert out == tmp_path / "results" / "2026-12-01.json"
    assert json.loads(out.read_text(encoding="utf-8")) == result
    # the folder can be moved (tests); a second run on the same day replaces the file
    monkeypatch.setenv("WORKBENCH_BENCH_RESULTS_DIR", str(tmp_path / "elsewhere"))
    result["repeat"] = 5
    again = suite.save_result(result)
    assert again == tmp_path / "elsewhere" / "2026-12-01.json"
    assert json.loads(again.read_text(encoding="utf-8"))["repeat"] == 5
    assert not list((tmp_path / "elsewhere").glob("*.tmp"))


def test_match_summary_accepts_raw_or_summarised() -> None:
    assert suite.match_summary({"ms": [100, 120, 140]}) == {"median": 120.0, "p95": 140.0, "n": 3}
    assert suite.match_summary({"median_ms": 90.0, "p95_ms": 130.0, "n": 10}) == {
        "median": 90.0,
        "p95": 130.0,
        "n": 10,
    }
    assert suite.match_summary({}) is None


def test_missing_peer_is_skipped_with_reason(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(peers, "SYSTEM_PYTHON", str(tmp_path / "no-python"))
    out = peers.run_qgis({}, {})
    assert out["status"] == "skipped"
    assert "QGIS" in out["reason"] and "no-python" in out["reason"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--scale", "world"], "invalid choice"),
        (["--repeat", "0"], "--repeat"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_in_one_line(args: list[str], expected: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
