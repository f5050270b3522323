"""``workbench campaign``: JSON output, exports read back, and one-line errors (exit 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import DEMO_TODAY
from workbench.cli import main


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def created(small_demo_cache, capsys):
    rc, out, err = run(
        capsys, "campaign", "create", "--name", "Byggeri", "--cache", str(small_demo_cache),
        "--municipality", "0101", "--industry", "41", "--today", DEMO_TODAY.isoformat(),
        "--format", "json",
    )  # fmt: skip
    assert rc == 0, err
    return json.loads(out)


def test_create_show_set_status_json(small_demo_cache, capsys, created):
    cache = str(small_demo_cache)
    rc, out, _ = run(
        capsys, "search", "companies", "--cache", cache, "--municipality", "0101",
        "--industry", "41", "--format", "json",
    )  # fmt: skip
    found = {(i["cvr"], i["pnr"]) for i in json.loads(out)["items"]}
    assert created["name"] == "Byggeri" and created["targets"] == len(found) > 0

    rc, out, _ = run(capsys, "campaign", "show", "Byggeri", "--cache", cache, "--format", "json")
    data = json.loads(out)
    assert rc == 0 and data["name"] == "Byggeri"
    items = data["targets"]
    assert {(t["cvr"], t["pnr"]) for t in items} == found
    assert all({"cvr", "pnr", "name", "score", "status", "assigned_to"} <= set(t) for t in items)
    assert [t["score"] for t in items] == sorted((t["score"] for t in items), reverse=True)
    assert {t["status"] for t in items} == {"planlagt"}

    first = items[0]
    argv = ["campaign", "set-status", "Byggeri", "--cache", cache, "--cvr", first["cvr"]]
    argv += ["--pnr", first["pnr"], "--status", "moede_booket", "--note", "tirsdag"]
    assert run(capsys, *argv)[0] == 0
    rc, out, _ = run(capsys, "campaign", "show", "Byggeri", "--cache", cache, "--format", "json")
    now = {(t["cvr"], t["pnr"]): t for t in json.loads(out)["targets"]}
    assert now[(first["cvr"], first["pnr"])]["status"] == "moede_booket"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "Nope"], "no campaign named 'Nope'"),
        (["set-status", "Byggeri", "--cvr", "{cvr}", "--status", "ringet"], "unknown status"),
        (["set-status", "Nope", "--cvr", "{cvr}", "--status", "aftale"], "no campaign named"),
        (
            ["create", "--name", "Tom", "--cvr", "00000001"],
            "the filter matches no company",
        ),
        (["create", "--name", "Byggeri", "--municipality", "0101"], "exists already"),
        (["create", "--name", "K", "--unemployed-days", "1:"], "does not apply to companies"),
        (["export", "Byggeri", "-o", "x.pdf"], "must end in .csv, .xlsx or .gpkg"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_demo_cache, capsys, created, argv, needle):
    rc, out, _ = run(
        capsys, "campaign", "show", "Byggeri", "--cache", str(small_demo_cache), "--format", "json"
    )
    cvr = json.loads(out)["targets"][0]["cvr"]
    argv = [a.replace("{cvr}", cvr) for a in argv]
    rc, out, err = run(capsys, "campaign", *argv, "--cache", str(small_demo_cache))
    assert rc == 2, err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_assign_route_and_exports_read_back(small_demo_cache, capsys, created, tmp_path):
    import geopandas as gpd
    from icalendar import Calendar
    from openpyxl import load_workbook

    cache = str(small_demo_cache)
    rc, out, err = run(
        capsys, "campaign", "assign", "Byggeri", "--cache", cache, "--to", "anne", "--top", "6",
        "--format", "json",
    )  # fmt: skip
    assert rc == 0 and json.loads(out)["changed"] == 6
    ics = tmp_path / "dag.ics"
    rc, out, err = run(
        capsys, "campaign", "route", "Byggeri", "--cache", cache, "--consultant", "anne",
        "--count", "6", "--ical", str(ics), "--day", "2026-11-03", "--format", "json",
    )  # fmt: skip
    assert rc == 0, err
    day = json.loads(out)
    assert len(day["visits"]) == 6 and day["length"] <= day["input_length"]
    cal = Calendar.from_ical(ics.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [
        f"Virksomhedsbesøg: {v['name']}" for v in day["visits"]
    ]
    starts = [e.decoded("dtstart") for e in events]
    assert starts == sorted(starts) and starts[0].date() == date(2026, 11, 3)
    assert starts[0].hour == 9 and str(starts[0].tzinfo) == "Europe/Copenhagen"

    rc, out, err = run(
        capsys, "campaign", "progress", "Byggeri", "--cache", cache, "--format", "json"
    )
    prog = json.loads(out)
    assert prog["total"]["targets"] == created["targets"]
    assert [p["targets"] for p in prog["by_consultant"] if p["assigned_to"] == "anne"] == [6]

    gpkg = tmp_path / "targets.gpkg"
    assert run(capsys, "campaign", "export", "Byggeri", "--cache", cache, "-o", str(gpkg))[0] == 0
    frame = gpd.read_file(gpkg, layer="campaign_targets")
    assert frame.crs.to_epsg() == 25832
    assert len(frame) == created["targets"]  # demo units are all placed
    assert frame.iloc[0]["score"] >= frame.iloc[-1]["score"]
    assert set(frame["status"]) == {"planlagt"}

    xlsx = tmp_path / "ringeliste.xlsx"
    argv = ["campaign", "export", "Byggeri", "--cache", cache, "-o", str(xlsx)]
    assert run(capsys, *argv, "--assigned-to", "anne")[0] == 0
    sheet = load_workbook(xlsx, read_only=True)["ringeliste"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("rank", "cvr", "pnr", "name") and len(rows) == 7

    csv_path = tmp_path / "ringeliste.csv"
    assert (
        run(capsys, "campaign", "export", "Byggeri", "--cache", cache, "-o", str(csv_path))[0] == 0
    )
    text = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("rank;cvr;pnr;name") and len(text) == created["targets"] + 1
