"""The job order: what a company asks for, as a plain value with its JSON form.

The JSON keys are a contract (issue #14): ``workbench match JOBORDER.json`` reads them, the
``job_orders`` table stores them. :meth:`JobOrder.from_json` rejects malformed values and
unknown keys with a :class:`JobOrderError` naming the field; :func:`validate` checks the order
against the cache (known occupation codes, a workplace that can be placed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from ..errors import FilterError, WorkbenchError

CLARIFY_WITHIN = timedelta(hours=24)  # the order is clarified with the company
DELIVER_WITHIN = timedelta(hours=72)  # the jobcenter delivers 3-5 candidates


class JobOrderError(WorkbenchError, ValueError):
    """A job order value is invalid; ``field`` names it (``workplace.cvr``), the message
    is one line that starts with the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass
class Workplace:
    """Where the job is: an EPSG:25832 point, a company from the cache (cvr, optionally
    the production unit pnr) or an address in the cache's address register."""

    x: float | None = None
    y: float | None = None
    cvr: str | None = None
    pnr: str | None = None
    address: str | None = None

    @property
    def xy(self) -> tuple[float, float] | None:
        if self.x is None or self.y is None:
            return None
        return (float(self.x), float(self.y))

    def to_json(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("x", self.x),
                ("y", self.y),
                ("cvr", self.cvr),
                ("pnr", self.pnr),
                ("address", self.address),
            )
            if v is not None
        }

    @classmethod
    def from_json(cls, data: Any) -> Workplace | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise JobOrderError(
                "workplace", 'expected an object like {"x": .., "y": ..} or {"cvr": ..}'
            )
        unknown = sorted(set(data) - {"x", "y", "cvr", "pnr", "address"})
        if unknown:
            raise JobOrderError(f"workplace.{unknown[0]}", "unknown key")
        x = _number(data.get("x"), "workplace.x")
        y = _number(data.get("y"), "workplace.y")
        if (x is None) != (y is None):
            raise JobOrderError("workplace", "give both x and y (EPSG:25832)")
        wp = cls(
            x=x,
            y=y,
            cvr=_code(data.get("cvr"), "workplace.cvr"),
            pnr=_code(data.get("pnr"), "workplace.pnr"),
            address=_text(data.get("address"), "workplace.address") or None,
        )
        if wp.xy is None and not wp.cvr and not wp.pnr and not wp.address:
            raise JobOrderError("workplace", "give x and y (EPSG:25832), a cvr or an address")
        return wp


@dataclass
class JobOrder:
    """A job order. Lists hold codes (DISCO-08 occupations, qualification codes, licence
    classes such as "B", language codes such as "da")."""

    occupation_codes: list[str]
    id: str | None = None
    title: str = ""
    tasks: str = ""
    include_related: bool = False  # widen to the same DISCO minor group (first 3 digits)
    required_qualifications: list[str] = field(default_factory=list)  # all of them
    nice_qualifications: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)  # all of them
    education: str | None = None
    min_experience_years: int | None = None
    driving_licence: list[str] = field(default_factory=list)  # all of them
    languages: list[str] = field(default_factory=list)  # all of them
    employment: dict[str, Any] = field(default_factory=dict)  # permanent, hours, shifts, start_date
    positions: int = 1
    workplace: Workplace | None = None
    max_commute_km: float | None = None  # straight line from the workplace, EPSG:25832
    contact: str = ""
    cvr: str | None = None  # the ordering company (the workplace may be one of its units)
    pnr: str | None = None
    source_posting_id: str | None = None
    received_at: datetime | None = None
    clarify_by: datetime | None = None
    deliver_by: datetime | None = None
    prioritise_long_term: bool = False

    # -- JSON ---------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Any) -> JobOrder:
        """The order from its JSON object; :class:`JobOrderError` naming the first bad
        field. ``driving_licence`` may be one class ("B") or a list."""
        if not isinstance(data, dict):
            raise JobOrderError("job order", "expected a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise JobOrderError(unknown[0], f"unknown key (known: {', '.join(sorted(known))})")
        if "occupation_codes" not in data:
            raise JobOrderError("occupation_codes", "missing (give at least one DISCO-08 code)")
        codes = _codes(data.get("occupation_codes"), "occupation_codes")  # [] in a draft
        min_exp = _number(data.get("min_experience_years"), "min_experience_years")
        if min_exp is not None and min_exp < 0:
            raise JobOrderError("min_experience_years", f"must not be negative, got {min_exp:g}")
        commute = _number(data.get("max_commute_km"), "max_commute_km")
        if commute is not None and commute < 0:
            raise JobOrderError("max_commute_km", f"must not be negative, got {commute:g}")
        positions = _number(data.get("positions", 1), "positions")
        if positions is None or positions < 1 or positions != int(positions):
            raise JobOrderError("positions", "must be a whole number of at least 1")
        employment = data.get("employment") or {}
        if not isinstance(employment, dict):
            raise JobOrderError(
                "employment", "expected an object (permanent, hours, shifts, start_date)"
            )
        return cls(
            occupation_codes=codes,
            id=_text(data.get("id"), "id") or None,
            title=_text(data.get("title"), "title"),
            tasks=_text(data.get("tasks"), "tasks"),
            include_related=_bool(data.get("include_related"), "include_related"),
            required_qualifications=_codes(
                data.get("required_qualifications"), "required_qualifications"
            ),
            nice_qualifications=_codes(data.get("nice_qualifications"), "nice_qualifications"),
            certificates=_codes(data.get("certificates"), "certificates"),
            education=_text(data.get("education"), "education") or None,
            min_experience_years=None
            if min_exp is None
            else _whole(min_exp, "min_experience_years"),
            driving_licence=_licences(data.get("driving_licence")),
            languages=[c.lower() for c in _codes(data.get("languages"), "languages")],
            employment=dict(employment),
            positions=int(positions),
            workplace=Workplace.from_json(data.get("workplace")),
            max_commute_km=commute,
            contact=_text(data.get("contact"), "contact"),
            cvr=_code(data.get("cvr"), "cvr"),
            pnr=_code(data.get("pnr"), "pnr"),
            source_posting_id=_code(data.get("source_posting_id"), "source_posting_id"),
            received_at=_time(data.get("received_at"), "received_at"),
            clarify_by=_time(data.get("clarify_by"), "clarify_by"),
            deliver_by=_time(data.get("deliver_by"), "deliver_by"),
            prioritise_long_term=_bool(data.get("prioritise_long_term"), "prioritise_long_term"),
        )

    def to_json(self) -> dict[str, Any]:
        """Every field; ``from_json(to_json())`` gives the order back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Workplace):
                value = value.to_json()
            elif isinstance(value, datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, list):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    # -- helpers ------------------------------------------------------------------------

    def with_deadlines(self, received_at: datetime | None = None) -> JobOrder:
        """The order with received_at (default now) and the 24 h / 72 h deadlines set
        where missing."""
        received = self.received_at or received_at or datetime.now().replace(microsecond=0)
        return replace(
            self,
            received_at=received,
            clarify_by=self.clarify_by or received + CLARIFY_WITHIN,
            deliver_by=self.deliver_by or received + DELIVER_WITHIN,
        )

    @property
    def workplace_xy(self) -> tuple[float, float] | None:
        return self.workplace.xy if self.workplace is not None else None


# -- validation against the cache ---------------------------------------------------------


def validate(store: Any, order: JobOrder, *, cursor: Any = None) -> JobOrder:
    """The order checked against the cache, with the workplace's x/y filled in from the
    company (cvr, pnr) or the address. :class:`JobOrderError` for an unknown occupation
    code, a workplace CVR not in the cache or without coordinates, a commute limit
    without a workplace. ``store`` is a :class:`Store` or a DuckDB connection."""
    con = cursor if cursor is not None else getattr(store, "con", store)
    if not order.occupation_codes:
        raise JobOrderError("occupation_codes", "give at least one DISCO-08 code")
    _check_occupations(con, order.occupation_codes)
    if order.max_commute_km is not None and order.max_commute_km < 0:
        raise JobOrderError("max_commute_km", f"must not be negative, got {order.max_commute_km:g}")
    workplace = order.workplace
    if workplace is not None:
        workplace = validate_workplace(store, workplace, cursor=con)
    if order.max_commute_km is not None and (workplace is None or workplace.xy is None):
        raise JobOrderError("max_commute_km", "needs a workplace (x/y, cvr or address)")
    if workplace is not order.workplace:
        order = replace(order, workplace=workplace)
    return order


def validate_workplace(store: Any, workplace: Workplace, *, cursor: Any = None) -> Workplace:
    """``workplace`` with x/y filled in from its company or address (unchanged when it
    has x/y); :class:`JobOrderError` when it cannot be placed."""
    if workplace.xy is not None:
        return workplace
    con = cursor if cursor is not None else getattr(store, "con", store)
    return _place_workplace(con, workplace)


def _check_occupations(con: Any, codes: list[str]) -> None:
    """Every code is in the occupations taxonomy; a cache without one accepts a code that
    some candidate or posting has (the code itself or one below it)."""
    known = {r[0] for r in con.execute("SELECT code FROM occupations").fetchall()}
    for code in codes:
        if known:
            if code in known:
                continue
        elif con.execute(
            "SELECT EXISTS (SELECT 1 FROM candidate_occupations WHERE starts_with(code, ?))"
            " OR EXISTS (SELECT 1 FROM job_postings WHERE starts_with(occupation_code, ?))",
            [code, code],
        ).fetchone()[0]:
            continue
        raise JobOrderError("occupation_codes", f"unknown occupation code {code!r}")


def _place_workplace(con: Any, wp: Workplace) -> Workplace:
    """x/y of the company (a production unit when pnr is given; without it the company's
    own row if placed, else its first placed unit by pnr) or of an address."""
    if wp.cvr or wp.pnr:
        key, value = ("pnr", wp.pnr) if wp.pnr else ("cvr", wp.cvr)
        cond = "pnr = ?" if wp.pnr else "cvr = ?"
        params = [wp.pnr] if wp.pnr else [wp.cvr]
        if wp.pnr and wp.cvr:
            cond += " AND cvr = ?"
            params.append(wp.cvr)
        rows = con.execute(
            f"SELECT cvr, pnr, x, y FROM companies WHERE {cond} "  # cond: fixed text
            "ORDER BY pnr IS NOT NULL, x IS NULL, pnr",
            params,
        ).fetchall()
        label = f"workplace.{key}"
        what = "CVR" if key == "cvr" else "P-number"
        if not rows:
            raise JobOrderError(label, f"{what} {value} is not in the cache")
        placed = [r for r in rows if r[2] is not None and r[3] is not None]
        if not placed:
            raise JobOrderError(label, f"{what} {value} has no coordinates in the cache")
        cvr, _pnr, x, y = placed[0]
        return replace(wp, x=float(x), y=float(y), cvr=wp.cvr or cvr)
    if wp.address:
        from ..places import lookup_address

        try:
            x, y = lookup_address(con, wp.address, "workplace.address")
        except FilterError as exc:
            text = str(exc).removeprefix("workplace.address").lstrip(": ")
            raise JobOrderError("workplace.address", text) from None
        return replace(wp, x=float(x), y=float(y))
    return wp


# -- JSON value checks --------------------------------------------------------------------


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JobOrderError(name, f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise JobOrderError(name, f"expected a finite number, got {value!r}")
    return float(value)


def _whole(value: float, name: str) -> int:
    if value != int(value):
        raise JobOrderError(name, f"expected a whole number, got {value:g}")
    return int(value)


def _bool(value: Any, name: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise JobOrderError(name, f"expected true or false, got {value!r}")
    return value


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise JobOrderError(name, f"expected a text, got {value!r}")
    return value.strip()


def _code(value: Any, name: str) -> str | None:
    """A code given as text or a number (CVR 12345678); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise JobOrderError(name, f"expected a code, got {value!r}")
    return str(value).strip() or None


def _codes(value: Any, name: str) -> list[str]:
    """A list of codes; one code alone stands for a list of one. Duplicates dropped.
    ``occupation_codes`` may be empty here (a draft); :func:`validate` requires one."""
    if value is None:
        return []
    items = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    if not isinstance(items, list):
        raise JobOrderError(name, f"expected a list of codes, got {value!r}")
    out: list[str] = []
    for i, item in enumerate(items):
        code = _code(item, f"{name}[{i}]")
        if code is None:
            raise JobOrderError(f"{name}[{i}]", "empty code")
        if code not in out:
            out.append(code)
    return out


def _licences(value: Any) -> list[str]:
    """Licence categories as the search filter knows them (B, C, CE ...)."""
    from ..filters import DRIVING_LICENCES

    out = [c.upper() for c in _codes(value, "driving_licence")]
    for i, cat in enumerate(out):
        if cat not in DRIVING_LICENCES:
            raise JobOrderError(
                f"driving_licence[{i}]",
                f"unknown category {cat!r} (valid: {', '.join(DRIVING_LICENCES)})",
            )
    return out


def _time(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise JobOrderError(name, f"expected an ISO date and time, got {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise JobOrderError(name, f"expected an ISO date and time, got {value!r}") from None
