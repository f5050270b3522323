"""Matching within the user's jobcenter scope (issue #15): ``candidate_base`` narrows the
population to the candidates the user may see, so ``workbench match`` ranks only those
(and its funnel counts only those); a team lead gets no ranked persons."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.privacy.conftest import jobcenters_of, write_user_config
from tests.matching.test_match_cli import order_data, write  # noqa: F401 - the fixture
from workbench.cli import main
from workbench.core.store import Store


def _match(capsys, cache: Path, order: Path) -> tuple[int, dict | str]:
    rc = main(["match", str(order), "--cache", str(cache), "--top", "1000", "--format", "json"])
    out, err = capsys.readouterr()
    return rc, json.loads(out) if rc == 0 else err


def test_match_ranks_only_candidates_in_scope(
    match_store: Store,
    match_cache: Path,
    order_data: dict,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    match_store.close()  # the command opens the cache itself
    path = write(tmp_path, order_data)
    rc, everyone = _match(capsys, match_cache, path)
    assert rc == 0 and everyone["items"]
    ids = [i["candidate_id"] for i in everyone["items"]]
    assert "0101" in jobcenters_of(match_cache, "candidate_id", ids)

    write_user_config('[user]\njobcenter = "0101"\n')
    rc, own = _match(capsys, match_cache, path)
    assert rc == 0 and own["items"]
    own_ids = [i["candidate_id"] for i in own["items"]]
    assert jobcenters_of(match_cache, "candidate_id", own_ids) == {"0101"}

    write_user_config('[user]\njobcenter = "0147"\n')
    rc, other = _match(capsys, match_cache, path)
    assert rc == 0
    other_ids = [i["candidate_id"] for i in other["items"]]
    assert not set(other_ids) & set(own_ids)
    assert jobcenters_of(match_cache, "candidate_id", other_ids) <= {"0147"}
    base = {s["criterion"]: s["remaining"] for s in other["funnel"]}
    total = {s["criterion"]: s["remaining"] for s in everyone["funnel"]}
    assert all(base[k] <= total[k] for k in base) and base != total

    write_user_config('[user]\njobcenter = "0101"\nrole = "teamleder"\n')
    rc, err = _match(capsys, match_cache, path)
    assert rc == 2 and "aggregates only" in err
