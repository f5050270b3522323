"""Rejected rows of imports are kept encrypted beside the cache, also when the import is
refused; no plain copy is written unless asked for (issue #15)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import duckdb
import pytest

from tests.core.imports.conftest import seed_taxonomy
from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, candidates, write_csv
from tests.core.imports.stored_rejects import rejects_beside, stored_rejects
from workbench.cli import main
from workbench.core import cache, paths
from workbench.core.imports import TooManyRejects, import_file, rejects_store

NAME = "Zacharias Quistgaard-Bøgelund"
CPR = "0101901234"  # a CPR-like value (the validator masks it)


def _every_file_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def _bad_file(folder: Path) -> Path:
    """Three of five rows rejected (more than 10 %): the import is refused."""
    rows = [
        *candidates(2),
        candidate("R1", since="32-01-2025", education=NAME),
        candidate("R2", since="bad", education=f"cpr {CPR}"),
        candidate(CPR, years="mange"),
    ]
    folder.mkdir()
    return write_csv(folder / "ledige.csv", CANDIDATE_HEADER, rows)


def test_a_refused_import_keeps_its_rejects_encrypted_and_nothing_in_plain_text(tmp_path):
    source = _bad_file(tmp_path / "in")  # the user's own file: not the workbench's
    cache_dir = tmp_path / "cache"
    path = cache_dir / "c.duckdb"
    con = cache.connect(path)
    try:
        seed_taxonomy(con)
        with pytest.raises(TooManyRejects) as info:
            import_file(con, source, "candidates")
        run_id = con.execute("SELECT run_id FROM refresh_log").fetchone()[0]
        # The rows are kept beside the cache, and the message says how to see them.
        assert f"workbench rejects show {run_id}" in info.value.message
        lines = stored_rejects(con, run_id)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    assert [line[:3] for line in lines[1:]] == [
        ["4", "ledig_siden", "32-01-2025"],
        ["5", "uddannelse", "[CPR fjernet]"],  # a CPR-like value rejects the row alone
        ["6", "borger_id", "[CPR fjernet]"],
    ]
    assert lines[1][4 + CANDIDATE_HEADER.index("uddannelse")] == NAME
    files = _every_file_under(paths.user_data_dir(), cache_dir)
    assert rejects_beside(path) in files
    assert not [f for f in files if f.suffix.lower() == ".csv"]
    for f in files:
        data = f.read_bytes()
        for secret in (NAME, "Quistgaard", CPR, "010190-1234"):
            assert secret.encode() not in data, (f, secret)
            assert secret.encode("utf-16-le") not in data, (f, secret)


def test_a_plain_cache_keeps_plain_rejects_beside_it_and_writes_no_csv(tmp_path):
    source = _bad_file(tmp_path / "in")
    path = tmp_path / "cache" / "plain.duckdb"
    con = cache.connect(path, _unencrypted=True)  # a test or legacy cache: follow it
    try:
        seed_taxonomy(con)
        s = import_file(con, source, "candidates", accept_rejects=True)
    finally:
        con.close()
    assert s.rejected == 3 and Path(s.rejects_file) == rejects_beside(path)
    plain = duckdb.connect(str(rejects_beside(path)), read_only=True)  # no key needed
    try:
        assert plain.execute("SELECT count(*) FROM rejected_rows").fetchone() == (3,)
    finally:
        plain.close()
    assert not list(paths.user_data_dir().rglob("*.csv"))


def test_a_cancelled_write_keeps_no_half_run(tmp_path, monkeypatch):
    from workbench.core.imports.validate import Validator

    source = _bad_file(tmp_path / "in")
    path = tmp_path / "c.duckdb"
    con = cache.connect(path)
    real = Validator.iter_rejects

    def failing(self, lang="en", batch=0):
        yield from real(self, lang, 1)
        raise RuntimeError("disk gone")

    monkeypatch.setattr(Validator, "iter_rejects", failing)
    try:
        seed_taxonomy(con)
        with pytest.raises(Exception, match="disk gone"):
            import_file(con, source, "candidates", accept_rejects=True)
        assert rejects_store.list_runs(rejects_store.location(con)) == []
    finally:
        con.close()


def _legacy_csv(folder: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "ledige-rejects-20261101T101010-run4f3ab1.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(["række", "kolonne", "værdi", "årsag", "borger_id", "uddannelse"])
        w.writerow(["3", "ledig_siden", "bad", "ikke en dato", "L1", NAME])
        w.writerow(["7", "(række)", "", "for mange kolonner", "L2", "'=HYPERLINK(1)"])
    return path


def test_plain_rejects_files_of_earlier_versions_move_into_the_encrypted_store(cache_file, caplog):
    old = _legacy_csv(paths.user_data_dir() / "rejects")
    caplog.set_level("INFO")
    con = cache.connect(cache_file)
    try:
        assert rejects_store.adopt_legacy_files(con) == 1
        assert not old.exists()
        (run,) = rejects_store.list_runs(rejects_store.location(con))
        assert run["origin"] == "legacy_csv" and run["rows"] == 2
        lines = stored_rejects(con, run["run_id"])
    finally:
        con.close()
    assert lines[0] == ["row", "column", "value", "reason", "borger_id", "uddannelse"]
    assert lines[1] == ["3", "ledig_siden", "bad", "ikke en dato", "L1", NAME]
    assert lines[2][:2] == ["7", "(row)"] and lines[2][5] == "=HYPERLINK(1)"
    assert "moved the plain rejects file" in caplog.text
    for f in _every_file_under(paths.user_data_dir(), cache_file.parent):
        assert NAME.encode() not in f.read_bytes(), f


def test_rejects_show_out_needs_a_purpose_and_is_audited(cache_file, tmp_path, capsys):
    rows = [*candidates(9), candidate("X", since="bad", education='=HYPERLINK("x")')]
    f = write_csv(tmp_path / "c.csv", CANDIDATE_HEADER, rows)
    assert (
        main(["import", "candidates", str(f), "--cache", str(cache_file), "--format", "json"]) == 0
    )
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    out = tmp_path / "export" / "r.csv"
    out.parent.mkdir()
    args = ["rejects", "show", run_id, "--cache", str(cache_file), "--out", str(out)]
    assert main(args) == 2 and not out.exists()
    assert "purpose" in capsys.readouterr().err
    assert main([*args, "--purpose", "ret eksporten"]) == 0
    lines = list(csv.reader(out.read_text("utf-8-sig").splitlines(), delimiter=";"))
    assert lines[1][:3] == ["11", "ledig_siden", "bad"]
    assert lines[1][4 + CANDIDATE_HEADER.index("uddannelse")] == '\'=HYPERLINK("x")'
    assert main(["audit", "--cache", str(cache_file), "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["entries"]
    assert entry["action"] == "export" and entry["purpose"] == "ret eksporten"
    assert entry["subject_ids"] == [f"rejects:{run_id}"]
    assert main(["rejects", "list", "--cache", str(cache_file), "--format", "json"]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == [run_id]
    assert main(["rejects", "show", "nope", "--cache", str(cache_file)]) == 2


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_the_legacy_move_overwrites_before_deleting(tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_bytes(NAME.encode() * 10)
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy(self, *a, **k):
        seen.append(self.read_bytes())
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(Path, "unlink", spy)
    rejects_store.shred(path)
    assert not path.exists() and seen == [b"\0" * len(NAME.encode() * 10)]


def test_rejected_rows_older_than_the_retention_period_are_purged_from_the_file(tmp_path):
    from datetime import datetime, timedelta

    from workbench.core import retention

    path = tmp_path / "c.duckdb"
    # plain, so the file's bytes can be searched for the purged row
    con = cache.connect(path, _unencrypted=True)
    try:
        seed_taxonomy(con)
        for n in (1, 2):
            source = _bad_file(tmp_path / f"in{n}")
            with pytest.raises(TooManyRejects):
                import_file(con, source, "candidates")
        runs = [
            r[0] for r in con.execute("SELECT run_id FROM refresh_log ORDER BY started").fetchall()
        ]
        where = rejects_store.location(con)
        # the first run was recorded 40 days ago, the second now
        with rejects_store.open_store(where) as side:
            side.execute(
                "UPDATE reject_runs SET created_at = created_at - INTERVAL 40 DAY WHERE run_id = ?",
                [runs[0]],
            )
            side.execute(
                "UPDATE rejected_rows SET raw = replace(raw, ?, 'Ulrikke Nyborg-Halberg') "
                "WHERE run_id = ?",
                [NAME, runs[0]],
            )
        assert b"Ulrikke Nyborg-Halberg" in where.path.read_bytes()
        retention.purge_expired(con, 30, now=datetime.now() + timedelta(minutes=1))
        assert [r["run_id"] for r in rejects_store.list_runs(where)] == [runs[1]]
        assert rejects_store.read_run(where, runs[0]) is None
    finally:
        con.close()
    assert b"Ulrikke Nyborg-Halberg" not in where.path.read_bytes()
    wal = where.path.with_name(where.path.name + ".wal")
    assert not wal.exists() or b"Ulrikke Nyborg-Halberg" not in wal.read_bytes()
