"""The transparent score of a campaign target (a production unit) and its components.

score = supply + shortage + postings + contact points (weights in :class:`ScoreWeights`):

- **supply**: distinct candidates within the commute radius (default 25 km, straight line
  between 1 km grid cells, see supply.py) holding at least one of the company's typical
  occupations (the occupation codes of its
  postings in the last two years; a candidate code matches a typical code it starts with).
  Only candidates of the campaign's jobcenter count when the campaign names one.
- **shortage**: the best category in the ``shortage`` table (STAR's Arbejdsmarkedsbalance)
  of a typical occupation in the unit's municipality, its region or the whole country
  (``mangel`` 1, ``paradoks`` 0.75, ``gode`` 0.5, ``mindre_gode`` 0). Without the table the
  component is 0 and the components say ``shortage_available: false``.
- **postings**: the company's job postings posted in the last two years.
- **contact**: days since the last collaboration (of the campaign's jobcenter, else of any)
  was running; an active collaboration is contact today (0 points), never contacted is the
  full component.

Each count gives ``weight * min(value / cap, 1)``; the score is rounded to 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np

from workbench.core.preload import LazyModule

from .. import collaboration as collab
from ..company_detail import two_years_before
from .model import DEFAULT_RADIUS_KM, DEFAULT_WEIGHTS, SHORTAGE_POINTS, ScoreWeights
from .supply import CandidateCodes, supply_by_group

# pyarrow on first use: the window imports this before its first paint (issue #17)
pa = LazyModule("pyarrow")
pc = LazyModule("pyarrow.compute")

NATIONAL_AREAS = ("DK", "0", "000", "HELE LANDET")


@dataclass(frozen=True)
class RankOptions:
    today: date
    jobcenter: str | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    weights: ScoreWeights = DEFAULT_WEIGHTS


def has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()[0]
    )


def load_candidates(cur: duckdb.DuckDBPyConnection, jobcenter: str | None) -> CandidateCodes:
    """The placed candidates (of ``jobcenter`` when given) with their occupation codes."""
    where = "c.x IS NOT NULL AND c.y IS NOT NULL"
    params: list[Any] = []
    if jobcenter:
        where += " AND c.jobcenter = ?"
        params.append(jobcenter)
    cand = cur.execute(
        f"SELECT c.rid, c.x, c.y FROM candidates c WHERE {where} ORDER BY c.rid", params
    ).fetchnumpy()
    rid = np.asarray(cand["rid"], np.int64)
    pairs = cur.execute(
        f"SELECT o.rid, o.code FROM candidate_occupations o JOIN candidates c ON c.rid = o.rid "
        f"WHERE {where}",
        params,
    ).fetchnumpy()
    pair_rid = np.asarray(pairs["rid"], np.int64)
    pair_cand = np.searchsorted(rid, pair_rid)  # rid is sorted: index of each pair's candidate
    return CandidateCodes(cand["x"], cand["y"], pair_cand, list(pairs["code"]))


def _postings_cte() -> str:
    """Per company (CVR) with postings in the window (two ``?``: from, to): their number,
    the typical occupation codes as one sorted comma-joined ``sig``, and ``grp``, a dense
    number per distinct ``sig`` (companies with the same codes share their supply work)."""
    return """
        p0 AS (
            SELECT cvr, count(*) AS n,
                   string_agg(DISTINCT occupation_code, ',' ORDER BY occupation_code)
                       FILTER (WHERE occupation_code IS NOT NULL) AS sig
            FROM job_postings WHERE posted >= ? AND posted <= ? AND cvr IS NOT NULL
            GROUP BY cvr
        ), p AS (
            SELECT cvr, n, sig,
                   CASE WHEN sig IS NULL THEN -1
                        ELSE dense_rank() OVER (ORDER BY sig NULLS LAST) - 1 END AS grp
            FROM p0
        )"""


def target_facts(
    cur: duckdb.DuckDBPyConnection, rids: np.ndarray, opts: RankOptions
) -> tuple[pa.Table, list[list[str]]]:
    """Per target rid: the unit's facts, its company's postings (count, codes, group) and
    last contact; and the code list of each group."""
    since = two_years_before(opts.today)
    scope, scope_params = collab.counting_sql(
        scope="own" if opts.jobcenter else "all", jobcenter=opts.jobcenter
    )
    sql = f"""
        WITH {_postings_cte()}, lc AS (
            SELECT cb.cvr,
                   max(CASE WHEN {collab.active_sql("cb")} THEN ?::DATE ELSE cb.ended END) AS last
            FROM collaborations cb WHERE {scope} AND (cb.started IS NULL OR cb.started <= ?)
            GROUP BY cb.cvr
        )
        SELECT c.rid, c.cvr, c.pnr, c.kommune_kode, m.region_kode,
               coalesce(c.x, 'NaN'::DOUBLE) AS x, coalesce(c.y, 'NaN'::DOUBLE) AS y,
               coalesce(c.advertising_protected, FALSE) AS protected,
               coalesce(p.n, 0) AS postings, p.sig, coalesce(p.grp, -1) AS grp, lc.last
        FROM _campaign_rids r JOIN companies c ON c.rid = r.rid
        LEFT JOIN p ON p.cvr = c.cvr
        LEFT JOIN lc ON lc.cvr = c.cvr
        LEFT JOIN municipalities m ON m.kode = c.kommune_kode
    """
    params = [since, opts.today, opts.today, opts.today, *scope_params, opts.today]
    cur.register("_campaign_rids", pa.table({"rid": pa.array(rids, pa.int64())}))
    try:
        facts = cur.execute(sql, params).to_arrow_table()
    finally:
        cur.unregister("_campaign_rids")
    groups = cur.execute(
        f"WITH {_postings_cte()} SELECT DISTINCT grp, sig FROM p WHERE grp >= 0 ORDER BY grp",
        [since, opts.today],
    ).fetchall()
    signatures = [[] for _ in range(len(groups))]
    for grp, sig in groups:
        signatures[int(grp)] = sig.split(",")
    return facts, signatures


def shortage_points(
    cur: duckdb.DuckDBPyConnection,
    group: np.ndarray,
    signatures: list[list[str]],
    kommune: pa.ChunkedArray,
    region: pa.ChunkedArray,
) -> tuple[np.ndarray, list[str | None], bool]:
    """Per target: the shortage fraction, the category it came from, and whether the cache
    has a ``shortage`` table at all. A shortage code matches a typical code it prefixes."""
    n = int(group.shape[0])
    points = np.zeros(n, np.float64)
    cats: list[str | None] = [None] * n
    # the table exists in every cache since the shortage plugin: available means loaded
    if (
        not has_table(cur, "shortage")
        or not cur.execute("SELECT count(*) FROM shortage").fetchone()[0]
    ):
        return points, cats, False
    columns = {r[0] for r in cur.execute("DESCRIBE shortage").fetchall()}
    # only the latest balance counts (the plugin keeps its periods side by side)
    latest = (
        " AND (period IS NULL OR period = (SELECT max(period) FROM shortage))"
        if "period" in columns
        else ""
    )
    best: dict[tuple[str, str], str] = {}
    for occ, area, cat in cur.execute(
        "SELECT occupation_code, upper(coalesce(area_code, 'DK')), category FROM shortage "
        "WHERE occupation_code IS NOT NULL AND category IS NOT NULL" + latest
    ).fetchall():
        key = (str(occ), str(area))
        if SHORTAGE_POINTS.get(cat, -1) > SHORTAGE_POINTS.get(best.get(key, ""), -1):
            best[key] = cat
    if not best:
        return points, cats, True
    occ_lengths = sorted({len(k[0]) for k in best})
    with_codes = np.flatnonzero(group >= 0)
    kommune_of = kommune.take(pa.array(with_codes)).to_pylist()
    region_of = region.take(pa.array(with_codes)).to_pylist()
    memo: dict[tuple[int, str, str], str | None] = {}
    for k, i in enumerate(with_codes):
        key = (int(group[i]), str(kommune_of[k] or ""), str(region_of[k] or "").upper())
        if key not in memo:
            areas = [key[1], key[2], *NATIONAL_AREAS]
            top: str | None = None
            for code in signatures[key[0]]:
                for length in occ_lengths:
                    if length > len(code):
                        break
                    for area in areas:
                        cat = best.get((code[:length], area))
                        if cat is not None and (
                            top is None or SHORTAGE_POINTS[cat] > SHORTAGE_POINTS[top]
                        ):
                            top = cat
            memo[key] = top
        top = memo[key]
        if top is not None:
            cats[i] = top
            points[i] = SHORTAGE_POINTS[top]
    return points, cats, True


def rank(
    cur: duckdb.DuckDBPyConnection,
    rids: np.ndarray,
    opts: RankOptions,
    candidates: CandidateCodes | None = None,
) -> pa.Table:
    """The targets ``rids`` with every component and the score, as an Arrow table
    (``sig``: the typical occupation codes, comma-joined)."""
    facts, signatures = target_facts(cur, np.asarray(rids, np.int64), opts)
    n = facts.num_rows
    group = facts.column("grp").to_numpy().astype(np.int64)
    x = facts.column("x").to_numpy()
    y = facts.column("y").to_numpy()
    if candidates is None:
        candidates = load_candidates(cur, opts.jobcenter)
    supply = supply_by_group(group, signatures, x, y, candidates, opts.radius_km * 1000)
    short, short_cat, short_ok = shortage_points(
        cur, group, signatures, facts.column("kommune_kode"), facts.column("region_kode")
    )
    postings = facts.column("postings").to_numpy().astype(np.int64)
    last = facts.column("last")
    contacted = np.asarray(last.is_valid().to_numpy(zero_copy_only=False), bool)
    last_days = np.full(n, -1, np.int64)
    if n:
        days = pc.days_between(last, pa.scalar(opts.today, pa.date32()))
        filled = days.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        last_days = np.where(contacted, np.maximum(filled, 0), -1)
    w = opts.weights
    p_supply = w.supply * np.minimum(supply / w.supply_cap, 1.0)
    p_short = w.shortage * short
    p_post = w.postings * np.minimum(postings / w.postings_cap, 1.0)
    p_contact = w.contact * np.where(
        contacted, np.minimum(np.maximum(last_days, 0) / w.contact_cap_days, 1.0), 1.0
    )
    score = np.round(p_supply + p_short + p_post + p_contact, 1)
    return pa.table(
        {
            "rid": facts.column("rid"),
            "cvr": facts.column("cvr"),
            "pnr": facts.column("pnr"),
            "protected": facts.column("protected"),
            "supply": pa.array(supply, pa.int64()),
            "sig": facts.column("sig"),
            "shortage": pa.array(short_cat, pa.string()),
            "postings": pa.array(postings, pa.int64()),
            "last_contact": last.cast(pa.date32()),
            "days_since_contact": pa.array(last_days, pa.int64(), mask=~contacted),
            "p_supply": pa.array(np.round(p_supply, 2)),
            "p_shortage": pa.array(np.round(p_short, 2)),
            "p_postings": pa.array(np.round(p_post, 2)),
            "p_contact": pa.array(np.round(p_contact, 2)),
            "score": pa.array(score),
            "shortage_available": pa.array(np.full(n, short_ok)),
        }
    )
