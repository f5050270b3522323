"""Workspace files (.jobkort): filter, selection, layers, view and open job order round
trip; never personal data; a foreign or newer file is refused in one line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from workbench.core.filters import Filter, Range
from workbench.core.matching.order import JobOrder
from workbench.core.session import workspace_file as wf
from workbench.core.session.workspace import Workspace
from workbench.layers.selection import Selection


def test_round_trip_through_a_real_workspace(small_demo_con, tmp_path: Path) -> None:
    ws = Workspace(small_demo_con)
    try:
        flt = Filter(
            occupations=("5120",), unemployed_days=Range(90, 400), municipalities=("0851",)
        )
        ws.layers.set_visible("postings", True)
        ws.layers.set_opacity("municipalities", 0.4)
        ws.layers.set_order(["candidates", "companies"])
        ws.set_selection(Selection.radius(552_000, 6_320_000, 5_000), submit=False)
        ws.set_filter(flt, submit=False)
        ws.set_job_order(JobOrder(occupation_codes=["5120"], id="JO-17", title="Kok"))
        path = wf.save(
            wf.WorkspaceFile.of(ws, view=(500_000, 6_200_000, 600_000, 6_300_000)),
            tmp_path / "aalborg",
        )
        assert path.name == "aalborg.jobkort"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        ws.close()

    loaded = wf.load(path)
    assert loaded.job_order_id == "JO-17" and loaded.view == (
        500_000,
        6_200_000,
        600_000,
        6_300_000,
    )
    other = Workspace(small_demo_con)
    try:
        loaded.apply(other)
        assert other.filter == flt
        assert other.selection == Selection.radius(552_000, 6_320_000, 5_000)
        assert other.layers["postings"].visible and other.layers["municipalities"].opacity == 0.4
        assert other.layers.order[:2] == ["candidates", "companies"]
        assert other.wait_idle(30)
    finally:
        other.close()


def test_the_file_holds_codes_and_ids_never_person_data(small_demo_con, tmp_path: Path) -> None:
    ws = Workspace(small_demo_con)
    try:
        ws.set_filter(Filter(occupations=("5120",)), submit=False)
        path = wf.save(wf.WorkspaceFile.of(ws), tmp_path / "a.jobkort")
    finally:
        ws.close()
    text = path.read_text("utf-8")
    ids = [r[0] for r in small_demo_con.execute("SELECT candidate_id FROM candidates").fetchall()]
    assert not any(i in text for i in ids)
    assert set(json.loads(text)) <= wf._KEYS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"format": "jobkort-workspace", "version": 1, "candidates": ["K-1"]},
            "unknown fields: candidates",
        ),
        ({"format": "jobkort-workspace", "version": 9}, "newer Jobkort"),
        ({"format": "qgis"}, "not a Jobkort workspace file"),
        (
            {"format": "jobkort-workspace", "version": 1, "filter": {"occupations": ["x'; DROP"]}},
            "filter",
        ),
        ({"format": "jobkort-workspace", "version": 1, "layers": [{"name": "persons"}]}, "layers"),
    ],
)
def test_foreign_or_tampered_files_are_refused(tmp_path: Path, content: dict, message: str) -> None:
    path = tmp_path / "x.jobkort"
    path.write_text(json.dumps(content), "utf-8")
    with pytest.raises(wf.WorkspaceFileError, match=message):
        wf.load(path)


def test_recent_files_newest_first_and_only_existing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jobkort", tmp_path / "b.jobkort"
    for p in (a, b):
        wf.save(wf.WorkspaceFile(), p)
        wf.remember(p)
    wf.remember(a)
    assert wf.recent_files() == [a.resolve(), b.resolve()]
    b.unlink()
    assert wf.recent_files() == [a.resolve()]


def test_a_double_clicked_file_opens_the_window_with_it() -> None:
    from workbench.cli import build_parser

    args = build_parser().parse_args(["gui", "C:/Users/k/Aalborg.jobkort"])
    assert args.command == "gui" and args.workspace == Path("C:/Users/k/Aalborg.jobkort")
