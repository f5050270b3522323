"""Every export of persons neutralises spreadsheet formulas (issue #15): cells starting
with ``=``, ``+``, ``-``, ``@`` get a leading ``'`` in the search command's CSV, the
person export's CSV and XLSX, and the audit log's CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.core.privacy.conftest import OWN
from workbench.cli import main
from workbench.core import cache as wb_cache
from workbench.core.export.persons import ExportMeta, write_file
from workbench.core.filters import Filter
from workbench.core.query import iter_rows
from workbench.core.store import Store

FORMULAS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)"]


def _plant(cache: Path) -> list[str]:
    """Four candidates of 0101 whose education is a formula; returns their ids."""
    con = wb_cache.connect(cache)
    try:
        ids = [
            r[0]
            for r in con.execute(
                "SELECT candidate_id FROM candidates WHERE jobcenter = ? ORDER BY rid LIMIT 4",
                [OWN],
            ).fetchall()
        ]
        for cid, formula in zip(ids, FORMULAS, strict=True):
            con.execute(
                "UPDATE candidates SET education = ? WHERE candidate_id = ? AND jobcenter = ?",
                [formula, cid, OWN],
            )
    finally:
        con.close()
    return ids


def _neutralised(values: list[str]) -> None:
    for formula in FORMULAS:
        assert "'" + formula in values and formula not in values


def test_search_csv_neutralises(real_cache: Path, consultant_0101: Path, capsys) -> None:
    _plant(real_cache)
    assert main(["search", "candidates", "--cache", str(real_cache), "--format", "csv"]) == 0
    rows = list(
        csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), delimiter=";")
    )
    _neutralised([r["education"] for r in rows])


def test_person_export_files_neutralise(
    real_cache: Path, consultant_0101: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    _plant(real_cache)
    meta = ExportMeta("kons1", OWN, "=cmd purpose")
    with Store.open(real_cache) as store:
        flt = Filter().with_(scope=store.scope)
        for name in ("x.csv", "x.xlsx"):
            columns, rows = iter_rows(store.con, "candidates", flt)
            write_file(tmp_path / name, columns, rows, meta)
    with (tmp_path / "x.csv").open(encoding="utf-8-sig", newline="") as fh:
        _neutralised([r["education"] for r in csv.DictReader(fh, delimiter=";")])
    book = load_workbook(tmp_path / "x.xlsx", read_only=True)
    sheet = list(book["candidates"].iter_rows(values_only=True))
    col = sheet[0].index("education")
    _neutralised([r[col] for r in sheet[1:]])
    meta_rows = dict(book["metadata"].iter_rows(values_only=True))
    assert meta_rows["purpose"] == "'=cmd purpose"  # metadata cells too


def test_audit_csv_neutralises(real_cache: Path, consultant_0101: Path, capsys) -> None:
    ids = _plant(real_cache)
    for formula in FORMULAS:
        args = ["show", "candidate", ids[0], "--purpose", formula, "--cache", str(real_cache)]
        assert main(args) == 0
    capsys.readouterr()
    assert main(["audit", "--cache", str(real_cache), "--format", "csv"]) == 0
    rows = list(
        csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), delimiter=";")
    )
    _neutralised([r["purpose"] for r in rows])
