"""Issue #12 "Nothing lost silently", the import side: an import that cannot prove it read
everything replaces nothing and says so; no CPR number in any form reaches the cache, a
message, the summary, a rejects file or a log; mixed encodings never garble."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.core.imports.import_filegen import (
    CANDIDATE_HEADER,
    COLLAB_HEADER,
    candidate,
    candidates,
    write_csv,
)
from tests.core.imports.stored_rejects import stored_text
from workbench.cli import main
from workbench.core.imports import ImportRefused, TooManyRejects, import_file
from workbench.core.imports.cpr import looks_like_cpr, mask_cpr

EDUCATION = CANDIDATE_HEADER.index("uddannelse")


def _ids(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT candidate_id FROM candidates ORDER BY 1").fetchall()]


def _write_lines(path: Path, header: list[str], rows: list[list[str]], **kw) -> Path:
    """Rows written verbatim (no quoting): a stray quote stays unclosed, as in the bug."""
    enc = kw.get("encoding", "utf-8-sig")
    end = kw.get("end", "\r\n")
    text = "\r\n".join(";".join(r) for r in [header, *rows]) + end
    path.write_bytes(text.encode(enc))
    return path


# -- an unclosed quote -------------------------------------------------------------------------


def test_unclosed_quote_refuses_the_file_and_keeps_the_550(con, tmp_path: Path) -> None:
    import_file(
        con, write_csv(tmp_path / "old.csv", CANDIDATE_HEADER, candidates(550)), "candidates"
    )
    rows = candidates(500, prefix="N")
    rows[48][EDUCATION] = '"Smed og svejser'  # row 50 of the file
    f = _write_lines(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows)
    with pytest.raises(ImportRefused) as info:
        import_file(con, f, "candidates")
    assert "row 50" in info.value.message and "quote" in info.value.message
    assert "række 50" in info.value.message_da
    assert len(_ids(con)) == 550 and _ids(con)[0] == "B000000"


def test_unclosed_quote_in_the_last_column_is_caught_too(con, tmp_path: Path) -> None:
    """The swallowed rows land in a free-text column and the row has the right number of
    fields: it would be accepted with 20 rows as its note."""
    rows = [[str(12345600 + i), "", "101", "Mentor", "", "", "aktiv", f"n{i}"] for i in range(30)]
    rows[4][7] = '"Ring til Jens'
    f = _write_lines(tmp_path / "samarbejder.csv", COLLAB_HEADER, rows)
    with pytest.raises(ImportRefused, match="row 6 has a quote"):
        import_file(con, f, "collaborations")
    assert con.execute("SELECT count(*) FROM collaborations").fetchone()[0] == 0


def test_unclosed_quote_in_the_last_row_is_caught_too(con, tmp_path: Path) -> None:
    """Found in review: the last row's unclosed quote swallows only its own line break, so
    the multi-line check never saw it and the file loaded with one row rejected."""
    import_file(con, write_csv(tmp_path / "old.csv", CANDIDATE_HEADER, candidates(5)), "candidates")
    rows = candidates(50, prefix="N")
    rows[-1][EDUCATION] = '"Erhverv'
    f = _write_lines(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows, end="\r\n")
    with pytest.raises(ImportRefused, match="row 51 has a quote"):
        import_file(con, f, "candidates")
    assert len(_ids(con)) == 5


def test_a_lone_inch_mark_elsewhere_does_not_refuse_the_file(con, tmp_path: Path) -> None:
    rows = candidates(20, prefix="N")
    rows[3][EDUCATION] = 'Skærmmontør 24" skærme'  # a literal quote inside an unquoted value
    f = _write_lines(tmp_path / "ledige.csv", CANDIDATE_HEADER, rows)
    assert import_file(con, f, "candidates").accepted == 20


def test_a_quoted_line_break_in_a_note_still_loads(con, tmp_path: Path) -> None:
    rows = [["12345678", "", "101", "Mentor", "", "", "aktiv", "Linje 1\nLinje 2; med semikolon"]]
    f = write_csv(tmp_path / "s.csv", COLLAB_HEADER, rows)
    assert import_file(con, f, "collaborations").accepted == 1
    assert con.execute("SELECT note FROM collaborations").fetchone()[0].endswith("semikolon")


def test_a_cut_off_file_is_refused(con, tmp_path: Path) -> None:
    import_file(con, write_csv(tmp_path / "old.csv", CANDIDATE_HEADER, candidates(5)), "candidates")
    rows = candidates(40, prefix="N")
    rows[-1] = rows[-1][:6]  # the transfer broke off in the middle of the last row
    f = _write_lines(tmp_path / "cut.csv", CANDIDATE_HEADER, rows, end="")
    with pytest.raises(ImportRefused, match="ends in the middle of row 41"):
        import_file(con, f, "candidates")
    assert len(_ids(con)) == 5


# -- an implausible share of rejects ------------------------------------------------------------


def _many_bad(tmp_path: Path) -> Path:
    rows = candidates(20, prefix="N")
    for r in rows[5:10]:
        r[CANDIDATE_HEADER.index("ledig_siden")] = "31-02-2025"
    return write_csv(tmp_path / "bad.csv", CANDIDATE_HEADER, rows)


def test_a_high_share_of_rejects_is_refused_unless_accepted(con, tmp_path: Path) -> None:
    import_file(
        con, write_csv(tmp_path / "old.csv", CANDIDATE_HEADER, candidates(30)), "candidates"
    )
    f = _many_bad(tmp_path)
    with pytest.raises(TooManyRejects) as info:
        import_file(con, f, "candidates")
    exc = info.value
    assert exc.rejected == 5 and exc.share == 0.25 and exc.first_row == 7
    assert "5 of 20 rows" in exc.message and "first bad row 7" in exc.message
    assert len(_ids(con)) == 30
    s = import_file(con, f, "candidates", accept_rejects=True)
    assert s.accepted == 15 and len(_ids(con)) == 15


def test_one_bad_row_in_a_small_file_is_plausible(con, tmp_path: Path) -> None:
    rows = [*candidates(3), candidate("BAD", since="32-01-2025")]
    assert (
        import_file(
            con, write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows), "candidates"
        ).rejected
        == 1
    )


def test_cli_exit_2_names_the_share_and_the_first_bad_row(
    cache_file: Path, tmp_path: Path, capsys
) -> None:
    f = _many_bad(tmp_path)
    rc = main(["import", "candidates", str(f), "--cache", str(cache_file)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "(25%)" in err and "first bad row 7" in err and "--accept-rejects" in err
    rc = main(
        [
            "import",
            "candidates",
            str(f),
            "--cache",
            str(cache_file),
            "--accept-rejects",
            "--format",
            "json",
        ]
    )
    assert rc == 0 and json.loads(capsys.readouterr().out)["accepted"] == 15


# -- duplicated headers -------------------------------------------------------------------------


def test_a_duplicated_header_is_refused_naming_the_column(con, tmp_path: Path) -> None:
    header = [*CANDIDATE_HEADER, "Uddannelse"]
    f = write_csv(tmp_path / "dup.csv", header, [[*r, "Smed"] for r in candidates(3)])
    with pytest.raises(ImportRefused, match="'Uddannelse' twice") as info:
        import_file(con, f, "candidates")
    assert "kolonne 10 og 16" in info.value.message_da


# -- mixed encodings ----------------------------------------------------------------------------


def test_utf8_with_one_cp1252_byte_rejects_that_row_and_garbles_nothing(
    con, tmp_path: Path
) -> None:
    rows = candidates(12)
    rows[0][EDUCATION] = "Pædagog"
    rows[3][EDUCATION] = "Smed@"
    f = write_csv(tmp_path / "mixed.csv", CANDIDATE_HEADER, rows, encoding="utf-8")
    f.write_bytes(f.read_bytes().replace(b"Smed@", "Smedeværksted".encode("cp1252")))
    s = import_file(con, f, "candidates")
    assert s.accepted == 11 and s.rejected == 1 and "utf-8" in s.format
    (reject,) = s.rejects
    assert reject["row"] == 5 and reject["column"] == "uddannelse" and reject["code"] == "encoding"
    assert "0xE6" in reject["reason"] and reject["value"] == "Smedev\ufffdrksted"
    educations = {r[0] for r in con.execute("SELECT education FROM candidates").fetchall()}
    assert "Pædagog" in educations and not any("Ã" in e for e in educations)


def test_cp1252_with_utf8_text_rejects_those_rows(con, tmp_path: Path) -> None:
    rows = candidates(12)
    for r in rows[:6]:
        r[EDUCATION] = "Pædagog"
    rows[7][EDUCATION] = "Smed@"
    f = write_csv(tmp_path / "mixed.csv", CANDIDATE_HEADER, rows, encoding="cp1252")
    f.write_bytes(f.read_bytes().replace(b"Smed@", "Kørelærer".encode()))
    s = import_file(con, f, "candidates")
    assert s.accepted == 11 and "cp1252" in s.format
    assert s.rejects[0]["code"] == "mojibake" and "Kørelærer" in s.rejects[0]["reason"]
    educations = {r[0] for r in con.execute("SELECT education FROM candidates").fetchall()}
    assert "Pædagog" in educations and not any("Ã" in e for e in educations)


# -- CPR numbers in forms the old rule did not know --------------------------------------------

# (day, month, year, serial) -> the forms of the issue, and more.
CPR_FORMS = [
    "{d}{m}{y}\u2013{s}",  # en dash
    "{d}{m}{y}\u00a0{s}",  # no-break space
    "{d}{m}{y}/{s}",
    "{d}.{m}.{y}-{s}",
    "{d} {m} {y} {s}",
    "{d}{m}{y}_{s}",
    "{d}{m}{y}\u2014{s}",  # em dash
    "{d}{m}{y} \u2212 {s}",  # minus sign with spaces
    "{d}{m}\u200b{y}-{s}",  # zero-width space inside
    "{d}{m}{y}\u00ad-{s}",  # soft hyphen
    "{d}{m}{y}{s}",
    "{d}{m}{y}-{s}",
    "{d}/{m}/{y} {s}",
    # found in review: a four-digit year, long or bracketed separators, spreadsheet forms
    "{d}-{m}-19{y}-{s}",
    "{d}.{m}.19{y}-{s}",
    "{d}{m}{y} -- {s}",
    "({d}{m}{y})-{s}",
    "{spaced}",
]
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
# Dates and numbers that resemble CPR numbers but are not: they must survive.
NOT_CPR = [
    "13.03.87",
    "13-03-1987",
    "1987-03-13",
    "2026-03-13T10:15:00",
    "130387",
    "3213871234",  # no day 32
    "1313871234",  # no month 13
    "01-02-2025 1234",  # a date and a number: a four-digit year needs a dash before the serial
    "tlf. 12 34 56 78",
    "ref 12345678901",  # eleven digits
    "Uddannet 14.03.1990, 4 år",
    # a timestamp as a row's text shows it (CI flaked at 14:11:26 with 7041 µs)
    "datetime.datetime(2026, 12, 1, 14, 11, 26, 7041)",
]


def _cpr_corpus() -> list[str]:
    out = []
    for i, form in enumerate(CPR_FORMS):
        d, m, y, s = f"{10 + i:02d}", f"{1 + i % 12:02d}", f"{60 + i:02d}", f"{4000 + i * 37:04d}"
        spaced = " ".join(d + m + y + s)
        out.append(f"Note {form.format(d=d, m=m, y=y, s=s, spaced=spaced)} slut")
    out.append("id " + "140588-4123".translate(FULL_WIDTH))
    out.append("arabisk ٠١٠١٩٠-١٢٣٤")
    out.append("fed 𝟏𝟒𝟎𝟒𝟖𝟖 5674")
    out.append("1,303874563E+09")  # Excel's scientific notation of 1303874563
    out.append("101901234")  # 0101901234 after a number format dropped the leading zero
    out.append("101901234.0")
    return out


def test_the_rule_knows_every_form_and_spares_dates() -> None:
    for value in _cpr_corpus():
        assert looks_like_cpr(value), value
        masked = mask_cpr(value)
        assert masked is not None and "[CPR fjernet]" in masked and not looks_like_cpr(masked)
    for value in NOT_CPR:
        assert not looks_like_cpr(value), value
        assert mask_cpr(value) == value


def _all_text(con) -> str:
    """Every value of every table of the cache, as text."""
    parts = []
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall():
        parts.extend(str(r) for r in con.execute(f'SELECT * FROM "{table}"').fetchall())
    return "\n".join(parts)


def test_no_cpr_form_reaches_cache_summary_rejects_or_logs(
    con, cache_file: Path, tmp_path: Path, capsys, caplog
) -> None:
    corpus = _cpr_corpus()
    n = len(corpus)
    rows = candidates(n * 10 + len(NOT_CPR))  # keeps the rejected share below 10 %
    for i, value in enumerate(corpus):
        rows[i * 10][EDUCATION] = value
    for i, value in enumerate(NOT_CPR):
        rows[n * 10 + i][EDUCATION] = value
    f = write_csv(tmp_path / "ledige_0107996674.csv", CANDIDATE_HEADER, rows)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("workbench.test").warning("reading %s", f)
    rc = main(["import", "candidates", str(f), "--cache", str(cache_file), "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 0
    summary = json.loads(out)
    assert summary["rejected"] == n and summary["accepted"] == len(rows) - n
    from workbench.core import cache

    c = cache.connect(cache_file)
    try:
        stored = {r[0] for r in c.execute("SELECT education FROM candidates").fetchall()}
        everything = _all_text(c)
        rejects_text = stored_text(c, summary["run_id"])  # the encrypted rejects file
    finally:
        c.close()
    assert "[CPR fjernet]" in rejects_text and "[CPR fjernet]" in summary["file"]
    assert set(NOT_CPR) <= stored
    for text in (out, rejects_text, everything, caplog.text, Path(summary["rejects_file"]).name):
        assert not any(looks_like_cpr(line) for line in text.splitlines()), text[:2000]
    assert "[CPR fjernet]" in caplog.text


def test_cpr_in_collaboration_notes_and_a_header(con, tmp_path: Path) -> None:
    rows = [[str(12345600 + i), "", "101", "Mentor", "", "", "", f"note {i}"] for i in range(30)]
    rows[3][7] = "Ring til 130387\u20134563"
    rows[9][7] = "cpr 16.05.90-7896"
    s = import_file(con, write_csv(tmp_path / "s.csv", COLLAB_HEADER, rows), "collaborations")
    assert s.rejected == 2 and all(r["code"] == "cpr" for r in s.rejects)
    assert not any(
        looks_like_cpr(r[0]) for r in con.execute("SELECT note FROM collaborations").fetchall()
    )
    raw = " ".join(
        str(r) for r in con.execute("SELECT raw, value FROM collaborations_rejects").fetchall()
    )
    assert "[CPR fjernet]" in raw and not looks_like_cpr(raw)
    f = write_csv(tmp_path / "h.csv", [*COLLAB_HEADER, "note 300605\u00a07785"], [[*rows[0], "x"]])
    with pytest.raises(ImportRefused) as info:
        import_file(con, f, "collaborations")
    assert not looks_like_cpr(info.value.message) and not looks_like_cpr(info.value.message_da)
    assert (
        con.execute(
            "SELECT count(*) FROM collaborations_rejects WHERE raw LIKE '%7785%'"
        ).fetchone()[0]
        == 0
    )


def test_a_cpr_file_name_stays_out_of_refresh_log(con, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "ledige_010799-6674.csv", CANDIDATE_HEADER, [])
    with pytest.raises(ImportRefused) as info:
        import_file(con, f, "candidates")
    assert "[CPR fjernet]" in info.value.message
    messages = [r[0] for r in con.execute("SELECT message FROM refresh_log").fetchall()]
    assert messages and not any(looks_like_cpr(m) for m in messages)


def test_the_wizard_preview_masks_cpr_and_stray_bytes(tmp_path: Path) -> None:
    from workbench.core.imports import preview

    rows = candidates(3)
    rows[0][EDUCATION] = "Smed 130387\u20134563"
    rows[1][EDUCATION] = "Smed@"
    f = write_csv(tmp_path / "p.csv", CANDIDATE_HEADER, rows, encoding="utf-8")
    f.write_bytes(f.read_bytes().replace(b"Smed@", b"Smed\xe6"))
    _tf, shown = preview(f)
    assert shown[0][EDUCATION] == "Smed [CPR fjernet]" and shown[1][EDUCATION] == "Smed\ufffd"


def test_log_messages_and_tracebacks_are_masked(caplog) -> None:
    import workbench.core.imports  # noqa: F401  (installs the log scrubber)

    log = logging.getLogger("workbench.anywhere")
    caplog.set_level(logging.INFO)
    try:
        raise ValueError("cannot convert 'Smed 16.05.90-7896'")
    except ValueError:
        log.exception("import of %s failed", "ledige_0107996674.csv")
    assert caplog.text.count("[CPR fjernet]") >= 2 and "ValueError" in caplog.text
    assert not any(looks_like_cpr(line) for line in caplog.text.splitlines())
