"""Run ids never read as CPR numbers (they appear in refresh_log, rejects and pool changes,
which the CPR rule scans)."""

from __future__ import annotations

from workbench.core.imports.cpr import looks_like_cpr
from workbench.core.run_ids import new_run_id


def test_run_ids_are_unique_and_never_look_like_a_cpr_number() -> None:
    ids = [new_run_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids) and all(len(i) == 16 for i in ids)
    assert not [i for i in ids if looks_like_cpr(i)]
    # what a plain uuid hex could be: 9 digits read as a CPR number without its leading zero
    assert looks_like_cpr("112464344f3b42fb")
