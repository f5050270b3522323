"""``workbench search`` exports: every row unless --limit (0 = all), a cut said on stderr,
Danish Excel CSV by default (--csv-dialect rfc4180 for programs), the demo marker on every
row, and imported text that looks like a formula neutralised (#10, #12)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.raw_cache import raw_connect
from workbench.cli import main

AALBORG = ["--municipality", "0851"]  # 737 companies in the small demo: more than 100


def _search(capsys, cache: Path, *options: str) -> tuple[int, str, str]:
    rc = main(["search", "companies", "--cache", str(cache), *AALBORG, *options])
    out, err = capsys.readouterr()
    return rc, out, err


def _total(cache: Path) -> int:
    con = raw_connect(cache, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM companies WHERE kommune_kode = '0851'").fetchone()[
            0
        ]
    finally:
        con.close()


def test_csv_writes_every_row_as_danish_excel_with_the_demo_marker(
    _small_demo_master: Path, capsys
) -> None:
    total = _total(_small_demo_master)
    assert total > 100
    rc, out, err = _search(capsys, _small_demo_master, "--format", "csv")
    assert rc == 0 and out.startswith("\ufeffcvr;pnr;name;")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == total
    assert header[-1] == "dataset" and {r[-1] for r in body} == {"demo"}
    x = [r[header.index("x")] for r in body if r[header.index("x")]]
    assert x and all("," in v and "." not in v for v in x)  # decimal comma
    assert "wrote" not in err  # nothing was cut


def test_limit_cuts_and_says_so_and_limit_0_means_all(_small_demo_master: Path, capsys) -> None:
    total = _total(_small_demo_master)
    rc, out, err = _search(capsys, _small_demo_master, "--format", "csv", "--limit", "100")
    assert rc == 0 and len(out.splitlines()) == 101
    assert f"wrote 100 of {total} companies" in err and "--limit 0" in err
    rc, out, err = _search(capsys, _small_demo_master, "--format", "csv", "--limit", "0")
    assert rc == 0 and len(out.splitlines()) == total + 1 and "wrote" not in err


def test_text_lists_what_it_counts(_small_demo_master: Path, capsys) -> None:
    total = _total(_small_demo_master)
    rc, out, err = _search(capsys, _small_demo_master, "--format", "text")
    lines = out.splitlines()
    assert rc == 0 and lines[0] == f"{total} companies (DEMODATA)" and len(lines) == total + 1
    rc, out, err = _search(capsys, _small_demo_master, "--format", "text", "--limit", "5")
    assert len(out.splitlines()) == 6 and f"wrote 5 of {total} companies" in err


def test_json_keeps_total_and_items_and_adds_truncated(_small_demo_master: Path, capsys) -> None:
    total = _total(_small_demo_master)
    rc, out, _ = _search(capsys, _small_demo_master, "--format", "json")
    data = json.loads(out)
    assert rc == 0 and data["total"] == total == len(data["items"])
    assert data["truncated"] is False and data["dataset"] == "demo"
    rc, out, _ = _search(capsys, _small_demo_master, "--format", "json", "--limit", "3")
    data = json.loads(out)
    assert len(data["items"]) == 3 and data["truncated"] is True
    assert list(data) == ["total", "items", "truncated", "dataset"]


def test_rfc4180_dialect_through_the_real_stdout(_small_demo_master: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "search", "companies", "--cache",
         str(_small_demo_master), "--limit", "2", "--format", "csv", "--csv-dialect", "rfc4180"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0
    assert out.stdout.startswith(b"cvr,pnr,name,") and out.stdout.count(b"\r\n") == 3
    da = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "search", "companies", "--cache",
         str(_small_demo_master), "--limit", "2", "--format", "csv"],
        capture_output=True, check=False, env={**os.environ, "PYTHONIOENCODING": "latin-1"},
    )  # fmt: skip
    assert da.returncode == 0 and da.stdout.startswith(b"\xef\xbb\xbfcvr;pnr;name;")


def test_formula_cells_from_the_sources_are_neutralised(small_demo_cache: Path, capsys) -> None:
    attacks = ['=HYPERLINK("http://evil.example","klik")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    con = raw_connect(small_demo_cache)
    cvrs = [r[0] for r in con.execute("SELECT cvr FROM companies ORDER BY rid LIMIT 3").fetchall()]
    for cvr, text in zip(cvrs, attacks, strict=True):
        con.execute("UPDATE companies SET name = ?, address = ? WHERE cvr = ?", [text, text, cvr])
    con.close()
    for cvr, text in zip(cvrs, attacks, strict=True):
        rc = main(["search", "companies", "--cache", str(small_demo_cache), "--cvr", cvr,
                   "--format", "csv"])  # fmt: skip
        out = capsys.readouterr().out.lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(out, newline=""), delimiter=";"))
        assert rc == 0 and len(rows) >= 2
        for row in rows[1:]:
            assert row[rows[0].index("name")] == "'" + text
            assert row[rows[0].index("address")] == "'" + text
            assert not any(cell.startswith(("=", "+", "@")) for cell in row)
