"""Import rules: rejects per row and field, CPR numbers, snapshots, duplicates, title
resolution, collaborations, profiles and cancelling."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.core.imports.import_filegen import (
    CANDIDATE_HEADER,
    COLLAB_HEADER,
    candidate,
    candidates,
    write_csv,
)
from tests.core.imports.stored_rejects import stored_rejects, stored_text
from workbench.core import cache
from workbench.core.errors import FilterError
from workbench.core.filters import Filter
from workbench.core.imports import (
    ImportCancelled,
    ImportRefused,
    ProfileError,
    import_file,
    list_profiles,
    load_profile,
    save_profile,
)
from workbench.core.plugins.host import ensure_rejects_table
from workbench.core.query import count

CPR_DASH = "010190-1234"
CPR_PLAIN = "2802851234"
CPR_SPACE = "311299 4321"


def _rejects(con, table: str = "candidates") -> list[tuple]:
    ensure_rejects_table(con, table)
    return con.execute(
        f"SELECT row_number, field, value, reason, raw FROM {table}_rejects ORDER BY row_number, field"
    ).fetchall()


def _ids(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT candidate_id FROM candidates ORDER BY 1").fetchall()]


# -- rejects ------------------------------------------------------------------------------------


def test_bad_values_are_rejected_per_row_and_field_and_good_rows_load(con, tmp_path: Path) -> None:
    rows = [
        candidate("OK1"),
        candidate("R3", since="31-02-2025"),
        candidate("R4", kommune="12345"),
        candidate("R5", x="12,5683", y="55,6761"),  # longitude/latitude
        candidate("R6", x="720000", y=""),
        candidate("R7", searchable="måske"),
        candidate("R8", years="2,5"),
        candidate("R9", licences="B|Q"),
        candidate("R10", updated="2026-13-01"),
        candidate("R11", kommune="999"),  # not a municipality in the cache
        candidate("", since="bad"),  # missing id and a bad date: two problems, one row
        candidate("OK2", since="2025-03-04", years="7,0", searchable="NEJ", licences="b, ce"),
    ]
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows)
    s = import_file(con, f, "candidates", accept_rejects=True)
    assert (s.accepted, s.rejected) == (2, 10)
    assert _ids(con) == ["OK1", "OK2"]
    assert con.execute(
        "SELECT unemployed_since, experience_years, cv_searchable, driving_licences FROM candidates WHERE candidate_id = 'OK2'"
    ).fetchone() == (
        date(2025, 3, 4),
        7,
        False,
        ["B", "CE"],
    )
    got = [(r[0], r[1], r[2]) for r in _rejects(con)]
    assert got == [
        (3, "ledig_siden", "31-02-2025"),
        (4, "kommunekode", "12345"),
        (5, "x", "12,5683"),
        (5, "y", "55,6761"),
        (6, "x", "720000"),
        (7, "cv_soegbar", "måske"),
        (8, "erfaring_aar", "2,5"),
        (9, "koerekort", "B|Q"),
        (10, "cv_opdateret", "2026-13-01"),
        (11, "kommunekode", "999"),
        (12, "borger_id", None),
        (12, "ledig_siden", "bad"),
    ]
    reasons = {r[0]: r[3] for r in _rejects(con)}
    assert "not a date" in reasons[3]
    assert "outside Denmark" in reasons[5]
    assert "unknown driving licence class(es) Q" in reasons[9]
    assert "unknown municipality code 0999" in reasons[11]
    raw = json.loads(_rejects(con)[0][4])
    assert raw["borger_id"] == "R3" and raw["jobcenter"] == "101"
    # The encrypted rejects: row, column, value, reason and the row's other values.
    lines = stored_rejects(con, s.run_id)
    assert lines[0] == ["row", "column", "value", "reason", *CANDIDATE_HEADER]
    assert lines[1][:3] == ["3", "ledig_siden", "31-02-2025"] and lines[1][4] == "R3"
    assert len(lines) == 13
    log = con.execute("SELECT status, rows_written, rows_rejected FROM refresh_log").fetchall()
    assert log == [("ok", 2, 12)]


def test_danish_reasons_for_the_wizard(con, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, [candidate("A"), candidate("B", since="x")])
    s = import_file(con, f, "candidates", lang="da")
    assert s.rejects[0]["reason"] == "ikke en dato (dd-mm-åååå eller åååå-mm-dd)"
    assert stored_text(con, s.run_id, "da").startswith("række;kolonne;værdi;årsag;borger_id")
    # The rejects table stays in English, whatever the UI language.
    assert _rejects(con)[0][3] == "not a date (dd-mm-yyyy or yyyy-mm-dd)"


def test_every_row_rejected_refuses_the_file_and_keeps_the_previous_data(
    con, tmp_path: Path
) -> None:
    import_file(con, write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, candidates(3)), "candidates")
    bad = write_csv(
        tmp_path / "b.csv", CANDIDATE_HEADER, [candidate(f"X{i}", since="bad") for i in range(3)]
    )
    with pytest.raises(ImportRefused, match=r"no row of b\.csv could be imported"):
        import_file(con, bad, "candidates")
    assert _ids(con) == ["B000000", "B000001", "B000002"]
    assert len(_rejects(con)) == 3  # kept for the consultant to see


# -- dates ----------------------------------------------------------------------------------------


def _serial(day: date) -> str:
    """The Excel (1900 date system) serial of ``day``."""
    return str((day - date(1899, 12, 30)).days)


def test_excel_date_serials_are_dates_and_other_numbers_are_rejected(con, tmp_path: Path) -> None:
    from openpyxl.utils.datetime import from_excel

    today = date(2026, 11, 22)
    rows = [
        candidate("S1", since="45123", updated="45658"),
        candidate("S2", since="45123,0"),
        candidate("S3", since="45123.00"),
        candidate("N1", since="123"),  # 1900: not a plausible date
        candidate("N2", since="18263"),  # 31-12-1949: before 1950
        candidate("N3", since="45123,5"),  # a time of day: not a date serial
        candidate("N4", since="4512"),
        candidate("N5", since="-45123"),
        candidate("N6", updated="45.123"),
        candidate("N7", updated=_serial(date(2027, 11, 23))),  # more than a year ahead
    ]
    s = import_file(
        con,
        write_csv(tmp_path / "s.csv", CANDIDATE_HEADER, rows),
        "candidates",
        today=today,
        accept_rejects=True,
    )
    assert (s.accepted, s.rejected) == (3, 7)
    got = con.execute(
        "SELECT candidate_id, unemployed_since, cv_updated FROM candidates ORDER BY 1"
    ).fetchall()
    # openpyxl's own conversion as an independent check: 45123 is 16-07-2023.
    since = from_excel(45123).date()
    assert since == date(2023, 7, 16)
    assert got == [
        ("S1", since, date(2025, 1, 1)),
        ("S2", since, date(2026, 1, 5)),
        ("S3", since, date(2026, 1, 5)),
    ]
    assert [(r["row"], r["column"], r["value"], r["code"]) for r in s.rejects] == [
        (5, "ledig_siden", "123", "date"),
        (6, "ledig_siden", "18263", "date"),
        (7, "ledig_siden", "45123,5", "date"),
        (8, "ledig_siden", "4512", "date"),
        (9, "ledig_siden", "-45123", "date"),
        (10, "cv_opdateret", "45.123", "date"),
        (11, "cv_opdateret", _serial(date(2027, 11, 23)), "date"),
    ]
    assert {r["reason"] for r in s.rejects} == {"not a date (dd-mm-yyyy or yyyy-mm-dd)"}


def test_excel_date_serials_in_collaborations_up_to_a_year_ahead(con, tmp_path: Path) -> None:
    today = date(2026, 11, 22)
    rows = [
        ["12345678", "", "0001", "praktik", "45658", _serial(date(2027, 11, 22)), "", ""],
        ["12345679", "", "0001", "praktik", "45658", _serial(date(2027, 11, 23)), "", ""],
    ]
    s = import_file(
        con,
        write_csv(tmp_path / "s.csv", COLLAB_HEADER, rows),
        "collaborations",
        today=today,
    )
    assert (s.accepted, s.rejected) == (1, 1)
    assert con.execute("SELECT cvr, started, ended FROM collaborations").fetchall() == [
        ("12345678", date(2025, 1, 1), date(2027, 11, 22))
    ]
    assert [(r["row"], r["column"], r["code"]) for r in s.rejects] == [(3, "slut", "date")]


def test_unemployed_since_or_cv_updated_in_the_future_is_rejected(con, tmp_path: Path) -> None:
    today = date(2026, 3, 1)
    rows = [
        candidate("T0", since="01-03-2026", updated="2026-03-01"),  # today is fine
        candidate("T1", since="02-03-2026"),
        candidate("T2", since="2027-01-01"),
        candidate("T3", since=_serial(date(2026, 6, 1))),  # reported as the date it stands for
        candidate("U1", updated="02.03.2026"),
    ]
    s = import_file(
        con,
        write_csv(tmp_path / "f.csv", CANDIDATE_HEADER, rows),
        "candidates",
        lang="da",
        today=today,
        accept_rejects=True,
    )
    assert (s.accepted, s.rejected) == (1, 4) and _ids(con) == ["T0"]
    assert [(r["row"], r["column"], r["value"], r["code"], r["reason"]) for r in s.rejects] == [
        (
            3,
            "ledig_siden",
            "02-03-2026",
            "future_since",
            "ledig siden 02-03-2026, en dato i fremtiden; "
            "ledighed kan ikke begynde senere end i dag",
        ),
        (
            4,
            "ledig_siden",
            "2027-01-01",
            "future_since",
            "ledig siden 01-01-2027, en dato i fremtiden; "
            "ledighed kan ikke begynde senere end i dag",
        ),
        (
            5,
            "ledig_siden",
            "46174",
            "future_since",
            "ledig siden 01-06-2026, en dato i fremtiden; "
            "ledighed kan ikke begynde senere end i dag",
        ),
        (
            6,
            "cv_opdateret",
            "02.03.2026",
            "future_updated",
            "CV opdateret 02-03-2026, en dato i fremtiden; "
            "et CV kan ikke opdateres senere end i dag",
        ),
    ]
    # The rejects table stays in English.
    assert _rejects(con)[0][1:4] == (
        "ledig_siden",
        "02-03-2026",
        "unemployed since 02-03-2026, a date in the future; unemployment cannot start after today",
    )
    lines = stored_rejects(con, s.run_id, "da")
    assert lines[1][:4] == [
        "3",
        "ledig_siden",
        "02-03-2026",
        "ledig siden 02-03-2026, en dato i fremtiden; ledighed kan ikke begynde senere end i dag",
    ]


def test_collaborations_may_start_and_end_in_the_future(con, tmp_path: Path) -> None:
    rows = [["12345678", "", "0001", "praktik", "01-04-2026", "2026-06-30", "planlagt", ""]]
    s = import_file(
        con,
        write_csv(tmp_path / "p.csv", COLLAB_HEADER, rows),
        "collaborations",
        today=date(2026, 3, 1),
    )
    assert (s.accepted, s.rejected) == (1, 0)


def test_future_dates_are_judged_against_the_real_date_by_default(con, tmp_path: Path) -> None:
    today = date.today()
    rows = [
        candidate("PAST", since=(today - timedelta(days=1)).strftime("%d-%m-%Y"), updated=""),
        # Two days ahead: still in the future if midnight passes during the test.
        candidate("AHEAD", since=(today + timedelta(days=2)).strftime("%d-%m-%Y"), updated=""),
    ]
    s = import_file(con, write_csv(tmp_path / "d.csv", CANDIDATE_HEADER, rows), "candidates")
    assert _ids(con) == ["PAST"]
    assert [(r["row"], r["code"]) for r in s.rejects] == [(3, "future_since")]


# -- CPR ------------------------------------------------------------------------------------------


def test_cpr_numbers_never_reach_the_cache_logs_or_rejects(
    cache_file: Path, tmp_path: Path
) -> None:
    from workbench.core import cache

    header = [*CANDIDATE_HEADER, "note", "ekstra"]
    rows = [
        [*candidate("OK1"), "ring 12345678", "3213901234"],  # not a date: not a CPR
        [*candidate(CPR_DASH), "", ""],  # in the id column
        [*candidate("C3"), f"borger {CPR_PLAIN} ringede", ""],  # inside a note
        [*candidate("C4"), "", CPR_SPACE],  # an unmapped column
        [*candidate("C5", education=f"cpr:{CPR_DASH};"), "", ""],
        [*candidate("OK2"), "tlf 20 30 40 50", "12345678901"],  # 11 digits: not a CPR
    ]
    f = write_csv(tmp_path / "c.csv", header, rows)
    con = cache.connect(cache_file)
    try:
        s = import_file(con, f, "candidates", accept_rejects=True)
        assert (s.accepted, s.rejected) == (2, 4)
        assert _ids(con) == ["OK1", "OK2"]
        rej = _rejects(con)
        assert [(r[0], r[1], r[2]) for r in rej] == [
            (3, "borger_id", "[CPR fjernet]"),
            (4, "note", "[CPR fjernet]"),
            (5, "ekstra", "[CPR fjernet]"),
            (6, "uddannelse", "[CPR fjernet]"),
        ]
        assert all("looks like a CPR number" in r[3] for r in rej)
        assert json.loads(rej[1][4])["note"] == "borger [CPR fjernet] ringede"
        dump = json.dumps(
            [
                con.execute(f"SELECT * FROM {t}").fetchall()
                for t in ("candidates", "candidates_rejects", "refresh_log")
            ],
            default=str,
        )
        rejects_text = stored_text(con, s.run_id)
        assert "[CPR fjernet]" in rejects_text
        con.execute("CHECKPOINT")
    finally:
        con.close()
    raw_bytes = cache_file.read_bytes()
    for cpr in (CPR_DASH, CPR_PLAIN, CPR_SPACE, "0101901234", "2802851234"):
        assert cpr not in dump
        assert cpr not in rejects_text
        assert cpr.encode() not in raw_bytes


def test_pnr_column_is_not_mistaken_for_a_cpr_number(con, tmp_path: Path) -> None:
    rows = [
        ["12345678", "1003388394", "1", "Virksomhedspraktik", "01-02-2025", "", "aktiv", ""],
        ["12345678", "100338-8394", "0001", "Mentor", "", "", "", ""],  # the dashed form is a CPR
    ]
    s = import_file(con, write_csv(tmp_path / "s.csv", COLLAB_HEADER, rows), "collaborations")
    assert (s.accepted, s.rejected) == (1, 1)
    assert con.execute("SELECT pnr FROM collaborations").fetchall() == [("1003388394",)]
    assert _rejects(con, "collaborations")[0][:3] == (3, "pnr", "[CPR fjernet]")


# -- snapshots ----------------------------------------------------------------------------------


def test_reimport_replaces_the_jobcenters_candidates_atomically(con, tmp_path: Path) -> None:
    first = candidates(10, "0001") + candidates(4, "0002", prefix="K")
    import_file(con, write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, first), "candidates")
    assert count(con, "candidates", Filter(occupations=("2512",))) == 4 + 1
    # 0001's new snapshot: 3 of the old candidates are gone, one is new.
    second = [*candidates(7, "0001"), candidate("NEW", "0001", occupations="Programmør")]
    s = import_file(con, write_csv(tmp_path / "b.csv", CANDIDATE_HEADER, second), "candidates")
    assert s.jobcenters == ["0001"]
    by_jc = dict(con.execute("SELECT jobcenter, count(*) FROM candidates GROUP BY 1").fetchall())
    assert by_jc == {"0001": 8, "0002": 4}
    assert "B000009" not in _ids(con) and "NEW" in _ids(con)
    # Search sees the new snapshot at once (the side tables were rebuilt in the swap).
    assert count(con, "candidates", Filter(occupations=("2512",))) == 2 + 1 + 1
    stale = con.execute(
        "SELECT count(*) FROM candidate_occupations o WHERE o.rid NOT IN (SELECT rid FROM candidates)"
    ).fetchone()[0]
    assert stale == 0
    rids = [r[0] for r in con.execute("SELECT rid FROM candidates").fetchall()]
    assert len(set(rids)) == len(rids)


def test_file_with_several_jobcenters_replaces_each_and_jobcenter_option_overrides(
    con, tmp_path: Path
) -> None:
    import_file(
        con,
        write_csv(
            tmp_path / "a.csv",
            CANDIDATE_HEADER,
            candidates(2, "0001")
            + candidates(2, "0002", prefix="K")
            + candidates(2, "0003", prefix="M"),
        ),
        "candidates",
    )
    s = import_file(
        con,
        write_csv(
            tmp_path / "b.csv", CANDIDATE_HEADER, [candidate("N1", "0001"), candidate("N2", "0002")]
        ),
        "candidates",
    )
    assert s.jobcenters == ["0001", "0002"]
    assert _ids(con) == ["M000000", "M000001", "N1", "N2"]
    # --jobcenter fills a file without the column, and overrides one with it.
    no_jc = write_csv(
        tmp_path / "c.csv", ["borger_id", "kommunekode"], [["P1", "101"], ["P2", "147"]]
    )
    with pytest.raises(ImportRefused, match="jobcenter"):
        import_file(con, no_jc, "candidates")
    s = import_file(con, no_jc, "candidates", jobcenter="0003")
    assert s.jobcenters == ["0003"] and s.unplaced == 2
    s = import_file(
        con,
        write_csv(tmp_path / "d.csv", CANDIDATE_HEADER, [candidate("Q1", "0009")]),
        "candidates",
        jobcenter="0001",
    )
    assert con.execute(
        "SELECT candidate_id FROM candidates WHERE jobcenter = '0001'"
    ).fetchall() == [("Q1",)]
    assert (
        con.execute("SELECT count(*) FROM candidates WHERE jobcenter = '0009'").fetchone()[0] == 0
    )


def test_duplicate_ids_first_row_wins(con, tmp_path: Path) -> None:
    rows = [
        candidate("A"),
        candidate("B", since="bad"),
        candidate("A", years="9"),
        candidate("B"),
        candidate("A", "0002"),
    ]
    s = import_file(
        con,
        write_csv(tmp_path / "d.csv", CANDIDATE_HEADER, rows),
        "candidates",
        accept_rejects=True,
    )
    assert (s.accepted, s.rejected) == (3, 2)
    rej = [(r["row"], r["column"], r["value"], r["reason"]) for r in s.rejects]
    assert rej[0][:3] == (3, "ledig_siden", "bad")
    assert rej[1] == (
        4,
        "borger_id",
        "A",
        "duplicate borger_id in the same jobcenter (first in row 2; that row is kept)",
    )
    # The second B is kept: its first occurrence was rejected for another reason.
    assert con.execute(
        "SELECT candidate_id, jobcenter, experience_years FROM candidates ORDER BY 1, 2"
    ).fetchall() == [
        ("A", "0002", 3),
        ("A", "0101", 3),
        ("B", "0101", 3),
    ]


# -- occupations ----------------------------------------------------------------------------------


def test_titles_and_aliases_resolve_to_codes_and_unresolved_are_reported(
    con, tmp_path: Path
) -> None:
    rows = [
        candidate("A", occupations="kok|TJENER| servitrice |2512"),
        candidate("B", occupations="Kagebager|9999|Kok"),
        candidate("C", occupations="kagebager"),
        candidate("D", occupations=""),
    ]
    s = import_file(con, write_csv(tmp_path / "o.csv", CANDIDATE_HEADER, rows), "candidates")
    assert s.accepted == 4
    codes = dict(con.execute("SELECT candidate_id, occupation_codes FROM candidates").fetchall())
    assert codes == {"A": ["5120", "5131", "2512"], "B": ["5120"], "C": [], "D": []}
    assert s.unresolved == {"stillingsbetegnelser": {"9999": 1, "Kagebager": 1, "kagebager": 1}}


def test_without_taxonomy_codes_pass_and_titles_are_unresolved(con, tmp_path: Path) -> None:
    con.execute("DELETE FROM occupations")
    rows = [candidate("A", occupations="5120|Kok|251201")]
    s = import_file(con, write_csv(tmp_path / "o.csv", CANDIDATE_HEADER, rows), "candidates")
    assert con.execute("SELECT occupation_codes FROM candidates").fetchone()[0] == [
        "5120",
        "251201",
    ]
    assert s.unresolved == {"stillingsbetegnelser": {"Kok": 1}}


# -- collaborations ------------------------------------------------------------------------------


def test_collaborations_kinds_dates_and_snapshot(con, tmp_path: Path) -> None:
    rows = [
        [
            "DK 1234 5678",
            "",
            "0001",
            "Virksomhedspraktik",
            "01-02-2025",
            "30-04-2025",
            "Afsluttet",
            'god; "stabil"',
        ],
        ["12345678", "1000000001", "0001", "loentilskud", "2025-05-01", "", "aktiv", ""],
        ["87654321", "", "0001", "LØNTILSKUD", "", "", "", ""],
        ["87654321", "", "0001", "Ordinaer ansaettelse", "", "", "", ""],
        ["87654321", "", "0001", "flexjob", "", "", "", ""],
        ["11112222", "", "0001", "Kaffeaftale", "", "", "", ""],
        ["1234567", "", "0001", "Mentor", "", "", "", ""],
        ["12345678", "", "0001", "Mentor", "01-05-2025", "01-04-2025", "", ""],
        ["12345678", "12", "0001", "Mentor", "", "", "", ""],
        [
            "12345678",
            "1000000001",
            "0001",
            "Løntilskud",
            "01-05-2025",
            "",
            "",
            "",
        ],  # duplicate of row 3
        ["22223333", "", "0002", "Partnerskabsaftale", "", "", "", ""],
    ]
    s = import_file(
        con,
        write_csv(tmp_path / "s.csv", COLLAB_HEADER, rows),
        "collaborations",
        accept_rejects=True,
    )
    assert (s.accepted, s.rejected) == (6, 5)
    got = con.execute(
        "SELECT cvr, pnr, jobcenter, kind, started, ended, status, note, source FROM collaborations ORDER BY cvr, kind"
    ).fetchall()
    assert got == [
        (
            "12345678",
            "1000000001",
            "0001",
            "løntilskud",
            date(2025, 5, 1),
            None,
            "aktiv",
            None,
            "import",
        ),
        (
            "12345678",
            None,
            "0001",
            "virksomhedspraktik",
            date(2025, 2, 1),
            date(2025, 4, 30),
            "Afsluttet",
            'god; "stabil"',
            "import",
        ),
        ("22223333", None, "0002", "partnerskab", None, None, None, None, "import"),
        ("87654321", None, "0001", "fleksjob", None, None, None, None, "import"),
        ("87654321", None, "0001", "løntilskud", None, None, None, None, "import"),
        ("87654321", None, "0001", "ordinær ansættelse", None, None, None, None, "import"),
    ]
    rej = {r["row"]: r for r in s.rejects}
    assert (
        rej[7]["column"] == "type" and "valid: virksomhedspraktik, løntilskud" in rej[7]["reason"]
    )
    assert rej[8]["column"] == "cvr" and "8 digits" in rej[8]["reason"]
    assert rej[9]["column"] == "slut" and "01-05-2025 > 01-04-2025" in rej[9]["reason"]
    assert rej[10]["column"] == "pnr"
    assert rej[11]["code"] == "duplicate_collab" and "row 3" in rej[11]["reason"]
    # A new CRM export for 0001 replaces 0001's collaborations only.
    s = import_file(
        con,
        write_csv(
            tmp_path / "t.csv",
            COLLAB_HEADER,
            [["99998888", "", "0001", "jobrotation", "", "", "", ""]],
        ),
        "collaborations",
        accept_rejects=True,
    )
    assert con.execute("SELECT jobcenter, cvr, kind FROM collaborations ORDER BY 1").fetchall() == [
        ("0001", "99998888", "jobrotation"),
        ("0002", "22223333", "partnerskab"),
    ]


def test_collaboration_required_columns(con, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "s.csv", ["cvr", "jobcenter"], [["12345678", "0001"]])
    with pytest.raises(ImportRefused, match=r"lacks required column\(s\) type"):
        import_file(con, f, "collaborations")
    assert con.execute("SELECT count(*) FROM collaborations").fetchone()[0] == 0


# -- profiles -------------------------------------------------------------------------------------


def test_profiles_map_other_column_names(con, tmp_path: Path) -> None:
    header = ["Borger-ref", "JC", "Ønsket job", "Ledig fra", "Kommune nr"]
    f = write_csv(tmp_path / "m.csv", header, [["A1", "0001", "Kok", "01-01-2025", "751"]])
    with pytest.raises(ImportRefused, match="borger_id"):
        import_file(con, f, "candidates")
    mapping = {
        "borger_id": "Borger-ref",
        "jobcenter": "JC",
        "stillingsbetegnelser": "Ønsket job",
        "ledig_siden": "Ledig fra",
    }
    save_profile(con, "Momentum", "candidates", mapping)
    assert load_profile(con, "Momentum").mapping == mapping
    assert [p.name for p in list_profiles(con, "candidates")] == ["Momentum"]
    s = import_file(con, f, "candidates", profile="Momentum")
    assert s.accepted == 1
    # 'Kommune nr' matched automatically (kommune_nr is not an alias) -> stays unmapped.
    assert con.execute(
        "SELECT candidate_id, occupation_codes, unemployed_since, kommune_kode FROM candidates"
    ).fetchone() == (
        "A1",
        ["5120"],
        date(2025, 1, 1),
        None,
    )
    with pytest.raises(ProfileError, match="no import profile named 'Opera'"):
        import_file(con, f, "candidates", profile="Opera")
    with pytest.raises(ProfileError, match="is for candidates"):
        import_file(con, f, "collaborations", profile="Momentum")
    save_profile(con, "Momentum", "candidates", {**mapping, "kommunekode": "Kommunenummer"})
    with pytest.raises(ImportRefused, match=r"no column.*'Kommunenummer'"):
        import_file(con, f, "candidates", profile="Momentum")
    with pytest.raises(ProfileError):
        save_profile(con, "X", "candidates", {"nonsense": "A"})


# -- cancelling -----------------------------------------------------------------------------------


def test_cancel_leaves_the_cache_unchanged(con, tmp_path: Path) -> None:
    import_file(con, write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, candidates(3)), "candidates")
    big = write_csv(tmp_path / "b.csv", CANDIDATE_HEADER, candidates(60_000, prefix="Z"))
    cancel = threading.Event()
    seen: list[float | None] = []

    def progress(fraction: float | None, message: str) -> None:
        seen.append(fraction)
        if fraction is not None and 0 < fraction < 0.6:
            cancel.set()  # after the first chunk has been read

    with pytest.raises(ImportCancelled):
        import_file(con, big, "candidates", progress=progress, cancel=cancel)
    assert _ids(con) == ["B000000", "B000001", "B000002"]
    assert con.execute(
        "SELECT status FROM refresh_log ORDER BY started DESC LIMIT 1"
    ).fetchone() == ("cancelled",)


def test_file_without_header_row_holding_a_cpr_number_is_refused_without_echoing_it(
    con, tmp_path: Path
) -> None:
    f = tmp_path / "noheader.csv"
    f.write_text(f"{CPR_DASH};0001;101\r\nA;0001;101\r\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as err:
        import_file(con, f, "candidates")
    assert "holds a CPR number" in str(err.value) and CPR_DASH not in str(err.value)
    assert CPR_DASH not in err.value.message_da
    messages = " ".join(
        r[0] or "" for r in con.execute("SELECT message FROM refresh_log").fetchall()
    )
    assert "holds a CPR number" in messages and CPR_DASH not in messages


def test_rejects_are_written_in_batches(con, tmp_path: Path, monkeypatch) -> None:
    from workbench.core.imports import runner
    from workbench.core.imports.validate import Validator

    real = Validator.iter_rejects
    monkeypatch.setattr(
        Validator, "iter_rejects", lambda self, lang="en", batch=0: real(self, lang, 2)
    )
    monkeypatch.setattr(runner, "SUMMARY_REJECTS", 3)
    rows = [candidate("OK"), *(candidate(f"R{i}", since=f"bad{i}") for i in range(7))]
    s = import_file(
        con,
        write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows),
        "candidates",
        accept_rejects=True,
    )
    assert (s.accepted, s.rejected) == (1, 7)
    assert [r["value"] for r in s.rejects] == ["bad0", "bad1", "bad2"]
    assert [r[2] for r in _rejects(con)] == [f"bad{i}" for i in range(7)]
    lines = stored_text(con, s.run_id).splitlines()
    assert len(lines) == 8 and lines[-1].startswith("9;ledig_siden;bad6;")
    assert con.execute("SELECT rows_rejected FROM refresh_log").fetchone() == (7,)


def test_jobcenter_codes_are_normalised_like_municipality_codes(tmp_path, cache_file):
    con = cache.connect(cache_file)
    try:
        # Excel drops the leading zero: 101 and 0101 are the same jobcenter.
        rows = [candidate("A", "101"), candidate("B", "0101"), candidate("C", "JC7")]
        s = import_file(con, write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, rows), "candidates")
        assert s.jobcenters == ["0101"] and (s.accepted, s.rejected) == (2, 1)
        assert s.rejects[0]["column"] == "jobcenter" and "1-4 digits" in s.rejects[0]["reason"]
        # Next week's export with the other spelling replaces the same snapshot.
        rows = [candidate("D", "0101")]
        import_file(con, write_csv(tmp_path / "b.csv", CANDIDATE_HEADER, rows), "candidates")
        assert con.execute("SELECT candidate_id, jobcenter FROM candidates").fetchall() == [
            ("D", "0101")
        ]
        with pytest.raises(FilterError, match="--jobcenter"):
            import_file(con, tmp_path / "b.csv", "candidates", jobcenter="abcd")
    finally:
        con.close()


def test_a_jobcenter_whose_rows_are_all_rejected_keeps_its_previous_candidates(
    tmp_path, cache_file
):
    con = cache.connect(cache_file)
    try:
        first = [candidate("A", "0101"), candidate("B", "0101"), candidate("K", "0751")]
        import_file(con, write_csv(tmp_path / "a.csv", CANDIDATE_HEADER, first), "candidates")
        # 0101's rows are all bad this time; 0751 has a good one.
        second = [candidate("A", "0101", since="bad"), candidate("N", "0751")]
        s = import_file(con, write_csv(tmp_path / "b.csv", CANDIDATE_HEADER, second), "candidates")
        assert s.jobcenters == ["0751"] and s.jobcenters_unchanged == ["0101"]
        assert s.to_json()["jobcenters_unchanged"] == ["0101"]
        by_jc = dict(
            con.execute(
                "SELECT jobcenter, list_sort(list(candidate_id)) FROM candidates GROUP BY 1"
            ).fetchall()
        )
        assert by_jc == {"0101": ["A", "B"], "0751": ["N"]}
    finally:
        con.close()
