"""Injection strings are inert (issue #15, docs/security.md): in every filter option of
the search command, in a saved filter, in ``show candidate``'s id and purpose, and in every
field of an imported file. Each either is refused in one line (exit 2) or is matched as a
plain value; no table changes, no traceback; a saved filter cannot widen the scope."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from tests.core.imports.conftest import seed_taxonomy
from tests.core.imports.import_filegen import CANDIDATE_HEADER, COLLAB_HEADER, write_csv
from tests.core.privacy.conftest import OWN
from tests.faults.hashes import table_hashes
from workbench.cli import main
from workbench.core import audit, cache
from workbench.core.errors import FilterError
from workbench.core.filters import Filter
from workbench.core.imports import ImportRefused, import_file
from workbench.core.store import Store

PAYLOADS = [
    "'; DROP TABLE candidates; --",
    "0101' OR '1'='1",
    '") OR 1=1; DELETE FROM audit_log; --',
]
# (entity, option, extra options it needs)
OPTIONS = [
    ("candidates", "--occupation", []),
    ("candidates", "--qualification", []),
    ("candidates", "--driving-licence", []),
    ("candidates", "--unemployed-days", []),
    ("candidates", "--municipality", []),
    ("candidates", "--near", ["--radius-km", "5"]),
    ("candidates", "--today", []),
    ("candidates", "--purpose", []),
    ("companies", "--industry", []),
    ("companies", "--employees", []),
    ("companies", "--cvr", []),
    ("companies", "--collaboration", []),
    ("companies", "--jobcenter", ["--collaboration", "any", "--collaboration-scope", "own"]),
    ("companies", "--collaboration-since", ["--collaboration", "any"]),
    ("postings", "--posted-within", []),
]


def _content(cache_path: Path) -> dict:
    """The tables' fingerprints without the audit head in cache_meta (an export moves it)."""
    hashes = table_hashes(cache_path)
    hashes.pop("cache_meta")
    return hashes


@pytest.mark.parametrize(("entity", "option", "extra"), OPTIONS)
def test_every_search_option_is_inert(
    real_cache: Path, consultant_0101: Path, capsys, entity: str, option: str, extra: list
) -> None:
    before = _content(real_cache)
    for payload in PAYLOADS:
        rc = main(["search", entity, "--cache", str(real_cache), option, payload, *extra])
        out, err = capsys.readouterr()
        assert rc in (0, 2), err
        assert "Traceback" not in err
        if rc == 2:
            assert len(err.strip().splitlines()) == 1
        else:  # taken as a plain value: it finds nothing, or (a purpose) changes nothing
            total = json.loads(out)["total"]
            assert total == 0 or option == "--purpose"
    assert _content(real_cache) == before


def test_a_saved_filter_cannot_carry_sql_or_widen_the_scope() -> None:
    for payload in PAYLOADS:
        with pytest.raises(FilterError):
            Filter.from_dict({"occupations": [payload]})
        with pytest.raises(FilterError):
            Filter.from_dict({"municipalities": [payload]})
    with pytest.raises(FilterError, match="unknown filter field"):
        Filter.from_dict({"scope": None})
    assert "scope" not in Filter(scope=object()).to_dict()


def test_show_candidate_id_and_purpose_are_inert(
    real_cache: Path, consultant_0101: Path, capsys
) -> None:
    before = _content(real_cache)
    for payload in PAYLOADS:
        rc = main(["show", "candidate", payload, "--purpose", "x", "--cache", str(real_cache)])
        assert rc == 2 and "not found" in capsys.readouterr().err
    with Store.open(real_cache) as store:
        own_id = store.con.execute(
            "SELECT candidate_id FROM candidates WHERE jobcenter = ? LIMIT 1", [OWN]
        ).fetchone()[0]
    for payload in PAYLOADS:
        args = ["show", "candidate", own_id, "--purpose", payload, "--cache", str(real_cache)]
        assert main(args) == 0
    capsys.readouterr()
    assert _content(real_cache) == before
    with Store.open(real_cache, read_only=True) as store:
        assert [e["purpose"] for e in audit.entries(store.con)] == PAYLOADS  # stored verbatim
        assert audit.verify(store.con) == []


def test_every_import_field_is_inert(tmp_path: Path) -> None:
    path = tmp_path / "cache.duckdb"
    con = cache.connect(path)
    seed_taxonomy(con)
    try:
        before = table_hashes(con)
        loaded = 0
        for n, payload in enumerate(PAYLOADS):
            rows = [[payload] * len(CANDIDATE_HEADER)]
            rows.append(["A1", "101", "101", "720000", "6170000", "5120", payload, "B", payload,
                         payload, "3", "01-02-2025", payload, "ja", "2026-01-05"])  # fmt: skip
            f = write_csv(tmp_path / f"c{n}.csv", CANDIDATE_HEADER, rows)
            try:
                summary = import_file(con, f, "candidates", accept_rejects=True)
            except ImportRefused:
                continue  # refused whole: nothing changed
            assert summary.rejected >= 1  # the all-payload row
            loaded += summary.accepted
            stored = con.execute(
                "SELECT education, target_group, languages FROM candidates"
            ).fetchall()
            assert all(payload in str(r) or r[0] is None for r in stored)
            collab = [[payload] * len(COLLAB_HEADER)]
            f = write_csv(tmp_path / f"k{n}.csv", COLLAB_HEADER, collab)
            with contextlib.suppress(ImportRefused):  # refused whole: nothing changed
                import_file(con, f, "collaborations", accept_rejects=True)
        assert loaded >= 1  # payloads in free-text fields load as plain text
        after = table_hashes(con)
        # the taxonomy and every table the imports do not write are untouched
        untouched = {t for t in before if not t.startswith(("candidate", "collaboration"))}
        untouched -= {"company_collaborations", "import_profiles"}
        assert {t: after[t] for t in untouched} == {t: before[t] for t in untouched}
        assert set(after) >= set(before)  # no table dropped
    finally:
        con.close()
