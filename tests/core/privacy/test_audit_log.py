"""The purpose-bound audit log (issue #15): ``show candidate`` writes it, ``audit verify``
names a changed, deleted or inserted entry, ``audit`` exports it, and nothing but
``audit.append`` writes it."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.core.privacy.conftest import OWN
from workbench.cli import main
from workbench.core import audit
from workbench.core import cache as wb_cache
from workbench.core.store import Store


def _own_id(cache: Path) -> str:
    con = wb_cache.connect(cache, read_only=True)
    try:
        return con.execute(
            "SELECT candidate_id FROM candidates WHERE jobcenter = ? ORDER BY rid LIMIT 1", [OWN]
        ).fetchone()[0]
    finally:
        con.close()


def _chain(cache: Path, n: int = 5) -> None:
    with Store.open(cache) as store:
        for i in range(n):
            audit.append(
                store.con,
                user="kons1",
                jobcenter=OWN,
                action="view_details",
                subject_ids=[f"C{i}"],
                purpose=f"purpose {i}",
                at=datetime(2026, 11, 1 + i, 9, 30, 0, 123456),
            )


def _verify(capsys, cache: Path) -> tuple[int, dict]:
    rc = main(["audit", "verify", "--cache", str(cache), "--format", "json"])
    return rc, json.loads(capsys.readouterr().out)


def test_show_candidate_prints_details_and_writes_the_audit_entry(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    cid = _own_id(real_cache)
    args = ["show", "candidate", cid, "--cache", str(real_cache), "--format", "json"]
    assert main([*args, "--purpose", "Jobordre 17: lagermedarbejder", "--job-order", "17"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["candidate_id"] == cid and shown["jobcenter"] == OWN
    with Store.open(real_cache, read_only=True) as store:
        (entry,) = list(audit.entries(store.con))
    # ids are unique only within a jobcenter: the log names both
    assert entry["action"] == "view_details" and entry["subject_ids"] == [f"{OWN}:{cid}"]
    assert entry["purpose"] == "Jobordre 17: lagermedarbejder" and entry["job_order_id"] == "17"
    assert entry["user"] == "kons1" and entry["jobcenter"] == OWN
    assert entry["prev_hash"] == audit.GENESIS and entry["hash"] == audit.entry_hash(entry)


@pytest.mark.parametrize("purpose", [None, "   "])
def test_show_candidate_without_a_purpose_is_refused(
    real_cache: Path, consultant_0101: Path, capsys, purpose: str | None
) -> None:
    args = ["show", "candidate", _own_id(real_cache), "--cache", str(real_cache)]
    rc = main(args + ([] if purpose is None else ["--purpose", purpose]))
    err = capsys.readouterr().err
    assert rc == 2 and "purpose" in err and len(err.strip().splitlines()) == 1
    with Store.open(real_cache, read_only=True) as store:
        assert list(audit.entries(store.con)) == []


def test_verify_an_intact_chain(real_cache: Path, capsys) -> None:
    _chain(real_cache)
    rc, out = _verify(capsys, real_cache)
    assert rc == 0 and out == {"intact": True, "entries": 5, "problems": []}
    assert main(["audit", "verify", "--cache", str(real_cache)]) == 0
    assert "intact: 5 entries" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 3", [(3, "changed")]),
        ("UPDATE audit_log SET subject_ids = ['C9'] WHERE seq = 1", [(1, "changed")]),
        ("DELETE FROM audit_log WHERE seq = 3", [(4, "deleted")]),
        ("DELETE FROM audit_log WHERE seq = 5", [(5, "deleted")]),  # the tail, via the head
    ],
)
def test_verify_names_a_changed_or_deleted_entry(
    real_cache: Path, capsys, tamper: str, expected: list
) -> None:
    _chain(real_cache)
    con = wb_cache.connect(real_cache)
    con.execute(tamper)
    con.close()
    rc, out = _verify(capsys, real_cache)
    assert rc == 1 and not out["intact"]
    assert [(p["seq"], p["problem"]) for p in out["problems"]] == expected
    main(["audit", "verify", "--cache", str(real_cache)])
    assert expected[0][1] in capsys.readouterr().out


def test_verify_names_an_inserted_entry(real_cache: Path, capsys) -> None:
    _chain(real_cache)
    con = wb_cache.connect(real_cache)
    # a forged entry with a self-consistent hash slipped in between 2 and 3 (seqs shifted)
    con.execute("UPDATE audit_log SET seq = seq + 1 WHERE seq >= 3")
    forged = {
        "seq": 3,
        "at": datetime(2026, 11, 2, 12, 0),
        "user": "x",
        "jobcenter": OWN,
        "action": "view_details",
        "subject_ids": ["C77"],
        "purpose": "forged",
        "job_order_id": None,
        "campaign_id": None,
        "prev_hash": "f" * 64,
    }
    forged["hash"] = audit.entry_hash(forged)
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [forged[c] for c in audit.COLUMNS],
    )
    con.close()
    rc, out = _verify(capsys, real_cache)
    assert rc == 1
    kinds = {(p["seq"], p["problem"]) for p in out["problems"]}
    assert (3, "inserted") in kinds


def test_verify_names_an_inserted_entry_with_its_own_sequence(real_cache: Path, capsys) -> None:
    _chain(real_cache, 3)
    con = wb_cache.connect(real_cache)
    forged = {
        "seq": 2,
        "at": datetime(2026, 11, 2, 12, 0),
        "user": "x",
        "jobcenter": OWN,
        "action": "export",
        "subject_ids": [],
        "purpose": "forged",
        "job_order_id": None,
        "campaign_id": None,
        "prev_hash": audit.GENESIS,
    }
    forged["hash"] = audit.entry_hash(forged)
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [forged[c] for c in audit.COLUMNS],
    )
    con.close()
    rc, out = _verify(capsys, real_cache)
    assert rc == 1 and [p["problem"] for p in out["problems"]] == ["inserted"]


def test_export_json_and_csv_since_a_day(real_cache: Path, capsys) -> None:
    _chain(real_cache)
    assert main(["audit", "--cache", str(real_cache), "--since", "2026-11-03"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert [e["seq"] for e in entries] == [3, 4, 5]
    assert set(entries[0]) == set(audit.COLUMNS)
    assert entries[0]["at"].startswith("2026-11-03T09:30:00")
    rc = main(["audit", "--cache", str(real_cache), "--format", "csv"])
    assert rc == 0
    rows = list(
        csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), delimiter=";")
    )
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["purpose"] == "purpose 0" and rows[0]["subject_ids"] == "C0"


def test_only_audit_append_writes_the_audit_log() -> None:
    """Append-only for the application: no UPDATE or DELETE of audit_log anywhere, and the
    one INSERT is in core/audit.py."""
    writes = re.compile(
        r"(UPDATE\s+audit_log|DELETE\s+FROM\s+audit_log|INSERT\s+INTO\s+audit_log"
        r"|TRUNCATE\s+audit_log|DROP\s+TABLE\s+audit_log)",
        re.IGNORECASE,
    )
    found = []
    for folder in ("workbench", "plugins", "layers"):
        for path in (REPO / folder).rglob("*.py"):
            for match in writes.finditer(path.read_text("utf-8")):
                found.append((path.relative_to(REPO).as_posix(), match.group(1).split()[0]))
    assert found == [("workbench/core/audit.py", "INSERT")]
