"""Generators for import test files: CSV as Danish Excel writes it, TSV, XLSX, and big files."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

CANDIDATE_HEADER = [
    "borger_id",
    "jobcenter",
    "kommunekode",
    "x",
    "y",
    "stillingsbetegnelser",
    "kvalifikationer",
    "koerekort",
    "sprog",
    "uddannelse",
    "erfaring_aar",
    "ledig_siden",
    "maalgruppe",
    "cv_soegbar",
    "cv_opdateret",
]

COLLAB_HEADER = ["cvr", "pnr", "jobcenter", "type", "start", "slut", "status", "note"]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ";",
    lineterminator: str = "\r\n",
) -> Path:
    """Quote like Excel: only fields holding the separator, a quote or a line break."""
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(
            fh, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
        )
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def candidate(
    cid: str,
    jobcenter: str = "101",
    *,
    kommune: str = "101",
    x: str = "720000,5",
    y: str = "6170000,25",
    occupations: str = "5120",
    qualifications: str = "",
    licences: str = "B",
    languages: str = "dansk|engelsk",
    education: str = "Erhvervsuddannelse",
    years: str = "3",
    since: str = "01-02-2025",
    target: str = "2.1",
    searchable: str = "ja",
    updated: str = "2026-01-05",
) -> list[str]:
    return [
        cid, jobcenter, kommune, x, y, occupations, qualifications, licences, languages,
        education, years, since, target, searchable, updated,
    ]  # fmt: skip


def candidates(n: int, jobcenter: str = "101", prefix: str = "B") -> list[list[str]]:
    occ = ["5120", "Tjener", "kokkeelev", "2512|Programmør", "Softwareudvikler"]
    return [
        candidate(
            f"{prefix}{i:06d}",
            jobcenter,
            x=f"{700000 + i},5",
            y=f"{6100000 + i}",
            occupations=occ[i % len(occ)],
            years=str(i % 40),
            since=f"{1 + i % 28:02d}-{1 + i % 12:02d}-2025",
        )
        for i in range(n)
    ]


def write_big_candidates(
    path: Path, n: int, *, bad_every: int = 100, cpr_every: int = 1000
) -> dict[str, int]:
    """A cp1252 ';' file of ``n`` rows; every ``bad_every``-th row has a bad date, every
    ``cpr_every``-th a CPR number in the note column. Returns the expected counts."""
    header = [
        *CANDIDATE_HEADER[:9],
        "Målgruppe",
        "erfaring_aar",
        "ledig_siden",
        "uddannelse",
        "cv_soegbar",
        "cv_opdateret",
        "note",
    ]
    titles = [
        "5120",
        "Tjener",
        "Køkkenchef",
        "2512|Programmør",
        "Softwareudvikler|9999",
        "Kagebager",
    ]
    bad = cpr = 0
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write(";".join(header) + "\r\n")
        for i in range(n):
            since = f"{1 + i % 28:02d}-{1 + i % 12:02d}-2025"
            note = ""
            if cpr_every and i % cpr_every == 7:
                note = "borger 010190-1234"
                cpr += 1
            elif bad_every and i % bad_every == 3:
                since = "31-02-2025"
                bad += 1
            fh.write(
                f"B{i:07d};{101 + i % 3};{101 + (i % 2) * 46};{700000 + i % 100000},5;{6100000 + i % 200000};"
                f"{titles[i % len(titles)]};;B|C;dansk|engelsk;Ledig;{i % 40};{since};Erhvervsuddannelse;"
                f"{'ja' if i % 2 else 'nej'};2026-01-0{1 + i % 9};{note}\r\n"
            )
    return {"rows": n, "bad": bad, "cpr": cpr, "accepted": n - bad - cpr}
