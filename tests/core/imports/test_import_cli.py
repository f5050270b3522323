"""``workbench import``: JSON summary and exit codes (0 done, 1 refused, 2 bad usage)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.core.imports.import_filegen import (
    CANDIDATE_HEADER,
    COLLAB_HEADER,
    candidate,
    candidates,
    write_csv,
)
from workbench.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_import_candidates_prints_the_json_summary(
    cache_file: Path, tmp_path: Path, capsys
) -> None:
    rows = [
        *candidates(4),
        candidate("BAD", since="32-01-2025"),
        candidate("U", occupations="Kagebager"),
    ]
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows)
    rc, out, err = _run(
        capsys, "import", "candidates", str(f), "--cache", str(cache_file), "--format", "json"
    )
    assert rc == 0, err
    data = json.loads(out)
    assert data["accepted"] == 5 and data["rejected"] == 1
    assert data["unresolved"] == {"stillingsbetegnelser": {"Kagebager": 1}}
    assert data["jobcenters"] == ["0101"] and data["unplaced"] == 0
    # Kept encrypted beside the cache, read back with 'workbench rejects show RUN'.
    rejects = Path(data["rejects_file"])
    assert rejects == cache_file.with_name(cache_file.name + ".rejects.duckdb")
    assert b"32-01-2025" not in rejects.read_bytes()
    rc, out, err = _run(
        capsys, "rejects", "show", data["run_id"], "--cache", str(cache_file), "--format", "json"
    )
    assert rc == 0, err
    (row,) = json.loads(out)["rows"]
    assert (row["row"], row["column"], row["value"]) == (6, "ledig_siden", "32-01-2025")
    assert row["values"]["borger_id"] == "BAD"


def test_jobcenter_option_map_and_saved_profile(cache_file: Path, tmp_path: Path, capsys) -> None:
    f = write_csv(tmp_path / "c.csv", ["Ref", "Kommune"], [["A1", "101"], ["A2", "147"]])
    rc, out, _ = _run(
        capsys,
        "import", "candidates", str(f), "--cache", str(cache_file), "--jobcenter", "7",
        "--map", "borger_id=Ref", "--map", "kommunekode=Kommune", "--save-profile", "crm1",
        "--format", "json", "--rejects", str(tmp_path / "r.csv"),
    )  # fmt: skip
    assert rc == 0
    assert json.loads(out)["accepted"] == 2 and json.loads(out)["rejects_file"] is None
    rc, out, _ = _run(
        capsys,
        "import",
        "candidates",
        str(f),
        "--cache",
        str(cache_file),
        "--jobcenter",
        "8",
        "--profile",
        "crm1",
    )
    assert rc == 0 and out.startswith("2 candidates imported for 0008")


def test_collaborations_command(cache_file: Path, tmp_path: Path, capsys) -> None:
    f = write_csv(
        tmp_path / "s.csv", COLLAB_HEADER, [["12345678", "", "1", "Mentor", "", "", "", ""]]
    )
    rc, out, _ = _run(
        capsys, "import", "collaborations", str(f), "--cache", str(cache_file), "--format", "json"
    )
    assert rc == 0 and json.loads(out)["accepted"] == 1


def test_refused_file_exits_1_with_one_line(cache_file: Path, tmp_path: Path, capsys) -> None:
    f = write_csv(tmp_path / "c.csv", ["navn", "adresse"], [["x", "y"]])
    rc, out, err = _run(
        capsys, "import", "candidates", str(f), "--cache", str(cache_file), "--format", "json"
    )
    assert rc == 1 and out == ""
    assert (
        len(err.strip().splitlines()) == 1
        and "lacks required column(s) borger_id, jobcenter" in err
    )


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--profile", "nope"], "no import profile named 'nope'"),
        (["--map", "borger_id"], "--map needs FIELD=COLUMN"),
        (["--map", "shoe_size=A"], "unknown field(s) for candidates: shoe_size"),
        (["--jobcenter", " "], "--jobcenter needs a code"),
    ],
)
def test_bad_usage_exits_2(
    cache_file: Path, tmp_path: Path, capsys, extra: list[str], needle: str
) -> None:
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, candidates(1))
    rc, _, err = _run(capsys, "import", "candidates", str(f), "--cache", str(cache_file), *extra)
    assert rc == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_unknown_kind_is_usage_error(cache_file: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import", "companies", "x.csv", "--cache", str(cache_file)])
    assert exc.value.code == 2


def test_profile_is_saved_only_when_the_import_worked(
    cache_file: Path, tmp_path: Path, capsys
) -> None:
    from workbench.core import cache
    from workbench.core.imports import list_profiles

    f = write_csv(tmp_path / "c.csv", ["Ref", "Kommune"], [["A1", "101"]])
    rc, _, err = _run(
        capsys,
        "import",
        "candidates",
        str(f),
        "--cache",
        str(cache_file),
        "--map",
        "borger_id=Nope",
        "--save-profile",
        "bad",
    )
    assert rc == 1 and "no column(s) 'Nope'" in err
    con = cache.connect(cache_file)
    try:
        assert list_profiles(con) == []
    finally:
        con.close()


def test_rejects_file_neutralises_formula_cells(cache_file: Path, tmp_path: Path, capsys) -> None:
    """Imported text such as =HYPERLINK(...) must not become a live formula in Excel."""
    attacks = ['=HYPERLINK("http://evil.example","klik")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    rows = [
        *candidates(2),
        *(candidate(f"X{i}", since="32-01-2025", education=a) for i, a in enumerate(attacks)),
    ]
    rows.append(candidate("Y", since="-1"))  # a bad date that is just a number stays as is
    f = write_csv(tmp_path / "c.csv", [*CANDIDATE_HEADER[:-1], "=cmd|header"], rows)
    rejects = tmp_path / "rejects.csv"
    rc, _out, err = _run(
        capsys, "import", "candidates", str(f), "--cache", str(cache_file),
        "--rejects", str(rejects), "--format", "json", "--accept-rejects",
    )  # fmt: skip
    assert rc == 0, err
    lines = list(csv.reader(rejects.read_text("utf-8-sig").splitlines(), delimiter=";"))
    assert lines[0][-1] == "'=cmd|header"
    education = lines[0].index("uddannelse")
    cells = [line[education] for line in lines[1:4]]
    assert cells == ["'" + a for a in attacks]
    assert lines[4][2] == "-1"
    assert not any(c.startswith(("=", "+", "@")) for line in lines for c in line)


def test_import_into_a_demo_cache_is_refused(small_demo_cache: Path, tmp_path: Path, capsys):
    # Issue #10: the import replaced the demo rows of the jobcenter and kept the demo marks.
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, candidates(2, jobcenter="851"))
    rc, out, err = _run(capsys, "import", "candidates", str(f), "--cache", str(small_demo_cache))
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "holds demo data" in err and "cache-data.duckdb" in err
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    try:
        assert cache.is_demo(con)
        assert con.execute("SELECT count(*) FROM candidates WHERE source <> 'demo'").fetchone() == (
            0,
        )
    finally:
        con.close()
