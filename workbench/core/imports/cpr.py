"""CPR numbers never enter the cache.

A value *looks like a CPR number* when it contains ``ddmmyy-xxxx``, ``ddmmyy xxxx`` or ten
digits in a row whose first six are a valid date (day, month, two-digit year), not part of a
longer run of digits. The P-number column (ten digits by definition, and often starting with
a valid date such as 1003388394) is only checked for the separated forms.

The same rule exists twice: in Python (:func:`looks_like_cpr`, :func:`mask_cpr`, used for
the few values shown in messages) and as SQL (:func:`cpr_sql`, used to scan every column of
every row in one vectorised pass).
"""

from __future__ import annotations

import re
from datetime import datetime

MASK = "[CPR fjernet]"

_CPR_RE = re.compile(r"(?<![0-9])([0-3][0-9])([01][0-9])([0-9]{2})([- ]?)([0-9]{4})(?![0-9])")

# RE2 (DuckDB) has no look-around: the boundaries are matched as characters instead.
_SQL_PATTERN = r"(?:^|[^0-9])([0-3][0-9][01][0-9][0-9]{2}[- ]?[0-9]{4})(?:[^0-9]|$)"
_SQL_PATTERN_SEPARATED = r"(?:^|[^0-9])([0-3][0-9][01][0-9][0-9]{2}[- ][0-9]{4})(?:[^0-9]|$)"


def _valid_date(dd: str, mm: str, yy: str) -> bool:
    try:
        datetime.strptime(dd + mm + yy, "%d%m%y")
    except ValueError:
        return False
    return True


def _hits(value: str, *, separated_only: bool = False) -> list[re.Match[str]]:
    out = []
    for m in _CPR_RE.finditer(value):
        if separated_only and not m.group(4):
            continue
        if _valid_date(m.group(1), m.group(2), m.group(3)):
            out.append(m)
    return out


def looks_like_cpr(value: object, *, separated_only: bool = False) -> bool:
    """True when ``value`` contains something that looks like a CPR number."""
    if value is None:
        return False
    return bool(_hits(str(value), separated_only=separated_only))


def mask_cpr(value: str | None) -> str | None:
    """``value`` with every CPR-like part replaced by ``[CPR fjernet]``."""
    if value is None:
        return None
    hits = _hits(value)
    if not hits:
        return value
    out, last = [], 0
    for m in hits:
        out.append(value[last : m.start()])
        out.append(MASK)
        last = m.end()
    out.append(value[last:])
    return "".join(out)


def cpr_sql(column: str, *, separated_only: bool = False) -> str:
    """A boolean SQL expression over the VARCHAR ``column`` (an identifier the caller controls).

    A cheap regexp pre-filter keeps the date check off the vast majority of values.
    """
    pattern = _SQL_PATTERN_SEPARATED if separated_only else _SQL_PATTERN
    pre = r"[0-9]{6}[- ][0-9]{4}" if separated_only else r"[0-9]{6}[- ]?[0-9]{4}"
    return (
        f"({column} IS NOT NULL AND regexp_matches({column}, '{pre}') AND "
        f"coalesce(list_bool_or(list_transform(regexp_extract_all({column}, '{pattern}', 1), "
        f"m -> try_strptime(substr(m, 1, 6), '%d%m%y') IS NOT NULL)), false))"
    )


def mask_sql(column: str) -> str:
    """SQL that masks CPR-looking parts of ``column`` (used only on rows already flagged)."""
    return (
        f"regexp_replace({column}, '([0-3][0-9][01][0-9][0-9]{{2}}[- ]?[0-9]{{4}})', '{MASK}', 'g')"
    )
