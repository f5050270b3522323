"""An import confirms its jobcenters' candidates and then runs the retention (issue #15):
another jobcenter whose last import is older than the period is purged."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.core.imports.import_filegen import CANDIDATE_HEADER, candidate, write_csv
from workbench.core import retention
from workbench.core.imports import import_file


def _by_jobcenter(con) -> dict[str, int]:
    return dict(con.execute("SELECT jobcenter, count(*) FROM candidates GROUP BY 1").fetchall())


def test_an_import_confirms_its_jobcenter_and_purges_expired_ones(con, tmp_path: Path) -> None:
    old = write_csv(tmp_path / "old.csv", CANDIDATE_HEADER, [candidate("B1", jobcenter="0147")])
    import_file(con, old, "candidates")
    assert _by_jobcenter(con) == {"0147": 1}
    retention.confirm(con, ["0147"], datetime.now() - timedelta(days=40))
    new = write_csv(tmp_path / "new.csv", CANDIDATE_HEADER, [candidate("A1")])
    summary = import_file(con, new, "candidates")
    assert summary.jobcenters == ["0101"]
    assert _by_jobcenter(con) == {"0101": 1}  # 0147 was not confirmed within 30 days
    confirmed = con.execute(
        "SELECT confirmed_at FROM candidate_confirmations WHERE jobcenter = '0101'"
    ).fetchone()[0]
    assert datetime.now() - confirmed < timedelta(minutes=5)
