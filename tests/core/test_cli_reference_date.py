"""The CLI and the window count durations to the same reference date (#11): a demo cache's
own date (else today), ``--today`` overriding; so the same filter gives the same totals."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from workbench.cli import main
from workbench.core.filters import Filter, Range
from workbench.core.query import count
from workbench.core.store import Store

from ..conftest import DEMO_TODAY


def _total(capsys, cache: Path, *options: str) -> int:
    rc = main(["search", "candidates", "--cache", str(cache), "--limit", "1", *options])
    out, _err = capsys.readouterr()
    assert rc == 0
    return json.loads(out)["total"]


def test_search_counts_durations_to_the_demo_date(small_demo_cache: Path, capsys) -> None:
    assert date.today() - DEMO_TODAY > timedelta(days=20)  # the two dates differ
    days = Range(0, 60)
    with Store.open(small_demo_cache, read_only=True) as store:
        today = store.reference_date()
        window = count(store.con, "candidates", Filter(unemployed_days=days, today=today))
        at_real_today = count(store.con, "candidates", Filter(unemployed_days=days))
    assert today == DEMO_TODAY and window != at_real_today
    assert _total(capsys, small_demo_cache, "--unemployed-days", "0:60") == window
    override = _total(
        capsys, small_demo_cache, "--unemployed-days", "0:60", "--today", date.today().isoformat()
    )
    assert override == at_real_today
