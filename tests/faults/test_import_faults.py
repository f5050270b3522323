"""The import fault suite: bad files driven through the real import into a real cache.

Every case either is refused with the data tables' row hashes unchanged, or loads exactly
the good rows of the file (the bad ones rejected with a reason), with nothing garbled and no
CPR number anywhere in the cache. Bookkeeping (``refresh_log``, rejects) may only grow.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.imports.conftest import seed_taxonomy
from tests.core.imports.import_filegen import (
    CANDIDATE_HEADER,
    COLLAB_HEADER,
    candidates,
    write_csv,
    write_xlsx,
)
from tests.faults.import_helpers import compare, table_hashes
from workbench.core import cache
from workbench.core.imports import ImportRefused, import_file
from workbench.core.imports.cpr import looks_like_cpr

EDU = CANDIDATE_HEADER.index("uddannelse")
SINCE = CANDIDATE_HEADER.index("ledig_siden")
NEW = 40  # rows of a candidates fault file (ids N000000..)


def _new_ids(skip: set[int] = frozenset()) -> set[str]:
    return {f"N{i:06d}" for i in range(NEW) if i not in skip}


def _verbatim(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    end: str = "\r\n",
    encoding: str = "utf-8-sig",
) -> Path:
    """Rows joined as they are: no quoting, so a stray quote stays unclosed."""
    text = "\r\n".join(";".join(r) for r in [header, *rows]) + end
    path.write_bytes(text.encode(encoding))
    return path


def _collab_rows(n: int) -> list[list[str]]:
    return [
        [str(12345600 + i), "", "101", "Mentor", "", "", "aktiv", f"note {i}"] for i in range(n)
    ]


# -- the bad files ------------------------------------------------------------------------------


def unclosed_quote(tmp: Path) -> Path:
    rows = candidates(500, prefix="N")
    rows[48][EDU] = '"Smed og svejser'
    return _verbatim(tmp / "ledige.csv", CANDIDATE_HEADER, rows)


def unclosed_quote_in_last_column(tmp: Path) -> Path:
    rows = _collab_rows(30)
    rows[4][7] = '"Ring til Jens'
    return _verbatim(tmp / "samarbejder.csv", COLLAB_HEADER, rows)


def cut_mid_row(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[-1] = rows[-1][:5]
    return _verbatim(tmp / "ledige.csv", CANDIDATE_HEADER, rows, end="")


def cut_inside_a_quote(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[-1] = [*rows[-1][:EDU], '"Erhvervsudd']
    return _verbatim(tmp / "ledige.csv", CANDIDATE_HEADER, rows, end="")


def cut_xlsx(tmp: Path) -> Path:
    f = write_xlsx(tmp / "ledige.xlsx", CANDIDATE_HEADER, candidates(NEW, prefix="N"))
    f.write_bytes(f.read_bytes()[: f.stat().st_size * 2 // 3])
    return f


def xlsx_error_cells(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[3][EDU] = "#REF!"
    rows[7][SINCE] = "#VALUE!"
    return write_xlsx(tmp / "ledige.xlsx", CANDIDATE_HEADER, rows)


def _rewrite_sheet(f: Path, change: Callable[[bytes], bytes]) -> Path:
    src = zipfile.ZipFile(f)
    items = [(i, src.read(i.filename)) for i in src.infolist()]
    src.close()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info, change(data) if info.filename.endswith("sheet1.xml") else data)
    return f


def xlsx_damaged_sheet(tmp: Path) -> Path:
    f = write_xlsx(tmp / "ledige.xlsx", CANDIDATE_HEADER, candidates(NEW, prefix="N"))
    return _rewrite_sheet(f, lambda xml: xml[: len(xml) // 2])


def xlsx_number_cell_with_text(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[5][CANDIDATE_HEADER.index("erfaring_aar")] = 777
    f = write_xlsx(tmp / "ledige.xlsx", CANDIDATE_HEADER, rows)
    return _rewrite_sheet(f, lambda xml: xml.replace(b"<v>777</v>", b"<v>syv</v>"))


def empty(tmp: Path) -> Path:
    (tmp / "ledige.csv").write_bytes(b"")
    return tmp / "ledige.csv"


def bom_only(tmp: Path) -> Path:
    (tmp / "ledige.csv").write_bytes(codecs.BOM_UTF8 + b"\r\n")
    return tmp / "ledige.csv"


def header_only(tmp: Path) -> Path:
    return write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, [])


def header_and_blank_lines(tmp: Path) -> Path:
    f = write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, [])
    f.write_bytes(f.read_bytes() + b";;;\r\n\r\n\r\n")
    return f


def utf16_without_bom(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[0][EDU] = "Pædagog på Ærø"
    text = "\r\n".join("\t".join(r) for r in [CANDIDATE_HEADER, *rows]) + "\r\n"
    (tmp / "ledige.txt").write_bytes(text.encode("utf-16-le"))
    return tmp / "ledige.txt"


def utf8_with_a_cp1252_byte(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[0][EDU] = "Pædagog"
    rows[9][EDU] = "Smed@"
    f = write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows, encoding="utf-8")
    f.write_bytes(f.read_bytes().replace(b"Smed@", "Smedeværksted".encode("cp1252")))
    return f


def cp1252_with_utf8_text(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    for r in rows[:10]:
        r[EDU] = "Pædagog"
    rows[12][EDU] = "Smed@"
    f = write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows, encoding="cp1252")
    f.write_bytes(f.read_bytes().replace(b"Smed@", "Kørelærer".encode()))
    return f


def cp1252_undefined_byte(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[0][EDU] = "Pædagog"
    rows[2][EDU] = "Smed@"
    f = write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows, encoding="cp1252")
    f.write_bytes(f.read_bytes().replace(b"Smed@", b"Smed\x81"))
    return f


def duplicated_header(tmp: Path) -> Path:
    return write_csv(
        tmp / "ledige.csv",
        [*CANDIDATE_HEADER, "Uddannelse"],
        [[*r, "x"] for r in candidates(NEW, prefix="N")],
    )


def many_rejects(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    for r in rows[::3]:
        r[SINCE] = "31-02-2025"
    return write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows)


def shifted_columns(tmp: Path) -> Path:
    """An export with one column too many in every row after the tenth."""
    rows = candidates(NEW, prefix="N")
    for r in rows[10:]:
        r.insert(3, "ekstra")
    return _verbatim(tmp / "ledige.csv", CANDIDATE_HEADER, rows)


def all_rows_bad(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    for r in rows:
        r[1] = "jobcenter?"
    return write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows)


def cpr_in_the_file_name(tmp: Path) -> Path:
    return write_csv(tmp / "ledige_0107996674.csv", CANDIDATE_HEADER, candidates(NEW, prefix="N"))


def cpr_forms_in_values(tmp: Path) -> Path:
    rows = candidates(NEW, prefix="N")
    rows[1][EDU] = "Smed 130387\u20134563"
    rows[30][EDU] = "ref 1\uff14\uff10\uff14\uff18\uff18 5674"
    return write_csv(tmp / "ledige.csv", CANDIDATE_HEADER, rows)


def a_pdf(tmp: Path) -> Path:
    (tmp / "ledige.csv").write_bytes(b"%PDF-1.7\n\x00\x01\x02 binary \xff\xfe")
    return tmp / "ledige.csv"


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], Path]
    kind: str = "candidates"
    # None: refused, nothing changes; a set: exactly these ids replace jobcenter 0101.
    loads: frozenset[str] | None = None


CASES = [
    Case(unclosed_quote),
    Case(unclosed_quote_in_last_column, "collaborations"),
    Case(cut_mid_row),
    Case(cut_inside_a_quote),
    Case(cut_xlsx),
    Case(xlsx_error_cells, loads=frozenset(_new_ids({3, 7}))),
    Case(xlsx_damaged_sheet),
    Case(xlsx_number_cell_with_text),
    Case(empty),
    Case(bom_only),
    Case(header_only),
    Case(header_and_blank_lines),
    Case(utf16_without_bom, loads=frozenset(_new_ids())),
    Case(utf8_with_a_cp1252_byte, loads=frozenset(_new_ids({9}))),
    Case(cp1252_with_utf8_text, loads=frozenset(_new_ids({12}))),
    Case(cp1252_undefined_byte, loads=frozenset(_new_ids({2}))),
    Case(duplicated_header),
    Case(many_rejects),
    Case(shifted_columns),
    Case(all_rows_bad),
    Case(cpr_in_the_file_name, loads=frozenset(_new_ids())),
    Case(cpr_forms_in_values, loads=frozenset(_new_ids({1, 30}))),
    Case(a_pdf),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with 550 candidates and 30 collaborations of jobcenter 0101."""
    tmp = tmp_path_factory.mktemp("seed")
    path = tmp / "cache.duckdb"
    con = cache.connect(path)
    try:
        seed_taxonomy(con)
        import_file(con, write_csv(tmp / "c.csv", CANDIDATE_HEADER, candidates(550)), "candidates")
        import_file(
            con, write_csv(tmp / "s.csv", COLLAB_HEADER, _collab_rows(30)), "collaborations"
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def _text_of(con) -> str:
    rows = []
    for table, (_n, _h) in table_hashes(con).items():
        rows.extend(repr(r) for r in con.execute(f'SELECT * FROM "{table}"').fetchall())
    return "\n".join(rows)


@pytest.mark.parametrize("case", CASES, ids=[c.build.__name__ for c in CASES])
def test_a_bad_file_loses_nothing_silently(case: Case, seeded: Path, tmp_path: Path) -> None:
    path = tmp_path / "cache.duckdb"
    path.write_bytes(seeded.read_bytes())
    f = case.build(tmp_path)
    con = cache.connect(path)
    try:
        before = table_hashes(con)
        if case.loads is None:
            with pytest.raises(ImportRefused) as info:
                import_file(con, f, case.kind)
            assert info.value.message and "\n" not in info.value.message
            change = compare(before, table_hashes(con))
            assert change.data_unchanged, change
        else:
            s = import_file(con, f, case.kind)
            ids = {r[0] for r in con.execute("SELECT candidate_id FROM candidates").fetchall()}
            assert ids == case.loads
            assert s.rejected == NEW - len(case.loads)
            change = compare(before, table_hashes(con))
            # candidates and the indexes derived from them (candidate_occupations, ...)
            assert "candidates" in change.changed and not change.bookkeeping_shrunk
            assert all(t.startswith("candidate") for t in change.changed), change
        text = _text_of(con)
    finally:
        con.close()
    assert "Ã" not in text  # never mojibake
    assert not any(looks_like_cpr(line) for line in text.splitlines())
