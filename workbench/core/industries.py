"""Industry classifications: DB07 (codes valid before 2025) and DB25 (from 1 January 2025).

A company's ``industry_code`` is in the system named by its ``industry_system`` (NULL counts
as DB07: every code written before the column existed was documented as DB07). The two
systems reuse the same code shapes ("620100" exists in both with different meanings), so an
industry filter code carries its system: a plain code is DB07 (the CLI's ``--industry``
contract), ``DB25:62`` is a DB25 prefix. With a DB07<->DB25 key in ``industry_key`` (the
taxonomies plugin loads ``[plugins.taxonomies] db07_db25_key``) a prefix of either system
also finds companies coded in the other one; without a key each system finds only its own.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import FilterError

DB07 = "DB07"
DB25 = "DB25"
SYSTEMS = (DB07, DB25)
DB25_FROM = "2025-01-01"  # CVR periods starting on or after this date carry DB25 codes

_PREFIX_RE = re.compile(r"^[0-9A-Za-z]{1,16}$")


def system_for_period(valid_from: str | None) -> str:
    """The system of a CVR industry entry by its ``gyldigFra`` (ISO date text)."""
    return DB25 if valid_from and str(valid_from)[:10] >= DB25_FROM else DB07


def parse_industry_code(text: str) -> tuple[str, str]:
    """``(system, prefix)`` of a filter code: ``"62.01"`` -> (DB07, "6201"), ``"db25:62"`` ->
    (DB25, "62"). Raises FilterError naming the code when it is not one."""
    raw = str(text).strip()
    system, sep, rest = raw.partition(":")
    if sep:
        system = system.strip().upper()
        if system not in SYSTEMS:
            raise FilterError(f"invalid industry code {text!r}: system must be DB07 or DB25")
    else:
        system, rest = DB07, raw
    prefix = rest.strip().replace(".", "").replace(" ", "")
    if not _PREFIX_RE.match(prefix):
        raise FilterError(f"invalid industry code {text!r}")
    return system, prefix


def format_industry_code(system: str, prefix: str) -> str:
    """The canonical filter code: DB07 plain (as before), DB25 qualified."""
    return prefix if system == DB07 else f"{system}:{prefix}"


def normalise_industry_code(text: str) -> str:
    return format_industry_code(*parse_industry_code(text))


def industry_condition(target: str, codes: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL (OR over ``codes``) and parameters matching ``target``'s industry.

    A code matches companies of its own system by prefix, and companies of the other system
    whose code the key maps to a code with that prefix. The key join is an equality
    semi-join (a hash join over ~1k key rows), not a prefix join over the companies.
    """
    system_sql = f"coalesce({target}.industry_system, '{DB07}')"
    parts: list[str] = []
    params: list[Any] = []
    for code in codes:
        system, prefix = parse_industry_code(code)
        own, other = ("db07_code", "db25_code") if system == DB07 else ("db25_code", "db07_code")
        other_system = DB25 if system == DB07 else DB07
        parts.append(
            f"({system_sql} = ? AND starts_with({target}.industry_code, ?) OR "
            f"{system_sql} = ? AND {target}.industry_code IN "
            f"(SELECT k.{other} FROM industry_key k WHERE starts_with(k.{own}, ?)))"
        )
        params.extend([system, prefix, other_system, prefix])
    return "(" + " OR ".join(parts) + ")", params


def industry_choices(cur: Any) -> list[tuple[str, str, list[str]]]:
    """(filter code, title, aliases) for the industry picker.

    With a key (or only one system loaded) one tree is offered: DB07 codes find DB25
    companies through the key. Without a key both trees are offered side by side, titles
    led by their system ("DB07 · ...", "DB25 · ...") and DB25 codes qualified ``DB25:``.
    """
    # coalesced and sorted here, not bound: the window lists these before its first paint,
    # which binds no parameter (DuckDB imports pandas at the first one, issue #17)
    rows = sorted(
        (system or DB07, code, title)
        for system, code, title in cur.execute(
            "SELECT system, code, title FROM industries"
        ).fetchall()
    )
    has_key = bool(cur.execute("SELECT count(*) FROM industry_key").fetchone()[0])
    systems = {s for s, _, _ in rows}
    if has_key and DB07 in systems:
        return [(c, t, []) for s, c, t in rows if s == DB07]
    if len(systems) <= 1:
        return [(format_industry_code(s, c), t, []) for s, c, t in rows]
    return [(format_industry_code(s, c), f"{s} · {t}", [t]) for s, c, t in rows]
