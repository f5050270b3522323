"""The filter value object and its compilation to one parameterised SQL WHERE clause.

A :class:`Filter` is a frozen, serialisable value (``to_dict``/``from_dict``) so it can be
saved as a personal search, sent to a worker thread and compared. ``compile_where`` turns it
into SQL with ``?`` placeholders and a parameter list: user input never becomes SQL text.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, Literal

from workbench.layers.selection import Selection  # a Qt-free geometry value, no core imports

from . import collaboration as collab
from .errors import FilterError
from .industries import industry_condition, normalise_industry_code
from .shortage import check_categories
from .shortage import condition as shortage_condition

Entity = Literal["candidates", "companies", "postings"]
ENTITIES: tuple[Entity, ...] = ("candidates", "companies", "postings")

COLLABORATION_KINDS: dict[str, str] = {
    "virksomhedspraktik": "Virksomhedspraktik",
    "løntilskud": "Løntilskud",
    "jobrotation": "Jobrotation",
    "voksenlærling": "Voksenlærling",
    "ordinær ansættelse": "Ordinær ansættelse",
    "fleksjob": "Fleksjob",
    "mentor": "Mentor",
    "rekrutteringsaftale": "Rekrutteringsaftale",
    "partnerskab": "Partnerskab",
}

# Collaboration values besides kinds; at most one, kinds (OR-ed) narrow it ("any" when only
# kinds are given). active/former/none are the colouring's classes (core.collaboration).
COLLABORATION_STATES: tuple[str, ...] = ("none", "any", "active", "former")

# Danish driving licence categories (kørekortkategorier), in the order the panel shows them.
DRIVING_LICENCES: tuple[str, ...] = (
    "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "T", "TM",
)  # fmt: skip

_CODE_RE = re.compile(r"^[0-9A-Za-z.\-_]{1,16}$")


@dataclass(frozen=True)
class Range:
    """An inclusive integer range; either side may be open (None)."""

    min: int | None = None
    max: int | None = None

    @classmethod
    def parse(cls, text: str, what: str) -> Range:
        """Parse ``MIN:MAX`` (either side may be empty)."""
        if text.count(":") != 1:
            raise FilterError(f"{what} must be MIN:MAX (either side may be empty), got {text!r}")
        lo, hi = (p.strip() for p in text.split(":"))
        try:
            rng = cls(int(lo) if lo else None, int(hi) if hi else None)
        except ValueError:
            raise FilterError(f"{what} must be whole numbers MIN:MAX, got {text!r}") from None
        rng.validate(what)
        return rng

    def validate(self, what: str) -> None:
        for v in (self.min, self.max):
            if v is not None and v < 0:
                raise FilterError(f"{what} cannot be negative, got {v}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise FilterError(f"{what}: MIN ({self.min}) is larger than MAX ({self.max})")

    @property
    def is_open(self) -> bool:
        return self.min is None and self.max is None


@dataclass(frozen=True)
class Filter:
    """What the user asks for. Empty fields do not restrict."""

    occupations: tuple[str, ...] = ()  # DISCO codes; a code matches itself and its children
    qualifications: tuple[str, ...] = ()
    qualification_match: Literal["all", "any"] = "all"
    # Licence categories (B, C, CE, D ...) from the candidates' driving_licences: a licence
    # is not a qualification, so it has its own filter.
    driving_licences: tuple[str, ...] = ()
    driving_licence_match: Literal["all", "any"] = "all"
    unemployed_days: Range | None = None  # days since unemployed_since, inclusive
    municipalities: tuple[str, ...] = ()  # 4-digit kommunekoder
    near: tuple[float, float] | None = None  # EPSG:25832
    radius_km: float | None = None
    collaboration: tuple[str, ...] = ()  # a COLLABORATION_STATES value and/or kinds (OR-ed)
    collaboration_scope: Literal["all", "own", "other"] = "all"
    jobcenter: str | None = None  # the user's own jobcenter, for collaboration_scope
    # Only collaborations still running on or after this day count (the time window).
    collaboration_since: date | None = None
    industries: tuple[str, ...] = ()  # DB07 prefixes; "DB25:62" a DB25 one (core/industries.py)
    employees: Range | None = None
    cvr: str | None = None
    posted_within_days: int | None = None
    # Company overview (issue #16): companies with a job posting posted within N days; new
    # in the municipality (started, or a new address, within N months: company_history);
    # companies that post jobs (last two years) but have no collaboration (in the scope).
    company_posted_within_days: int | None = None
    new_within_months: int | None = None
    postings_without_collaboration: bool = False
    searchable_only: bool = False
    bbox: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax (map view)
    today: date | None = None  # reference date for durations; None means date.today()
    # A spatial selection drawn on the map (workbench.layers.selection.Selection as canonical
    # JSON, so the filter stays hashable); applies to every entity. SQL gets its bounding box,
    # the exact test (boundary inside) runs vectorised on the matches (see query.py).
    selection: str | None = None
    # Who asks, not what: the candidates the user may see (core.store.scope.Scope). Set by
    # the Workspace and the commands from the user's context, never from a saved or typed
    # filter: to_dict leaves it out and from_dict refuses it.
    scope: Any = None
    # Shortage categories (gode, mindre_gode, paradoks, mangel; OR-ed) of the occupations in
    # STAR's Arbejdsmarkedsbalancen, in the row's municipality (core/shortage.py).
    shortage: tuple[str, ...] = ()

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "scope":
                continue
            if value in ((), None, False, "all") and f.name != "qualification_match":
                continue
            if isinstance(value, Range):
                value = asdict(value)
            elif isinstance(value, date):
                value = value.isoformat()
            elif f.name == "selection":
                value = json.loads(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Filter:
        known = {f.name for f in fields(cls)} - {"scope"}
        unknown = set(data) - known
        if unknown:
            raise FilterError(f"unknown filter field(s): {', '.join(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name in ("unemployed_days", "employees") and value is not None:
                value = Range(**value)
            elif name in ("today", "collaboration_since") and value is not None:
                value = date.fromisoformat(value)
            elif name == "selection" and value is not None:
                value = selection_json(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs).normalised()

    def with_(self, **changes: Any) -> Filter:
        return replace(self, **changes)

    def with_selection(self, selection: Any) -> Filter:
        """This filter with a map selection (a Selection, its dict, JSON, or None to clear)."""
        return replace(self, selection=None if selection is None else selection_json(selection))

    def spatial_selection(self) -> Any:
        """The selection as a ``Selection`` object (None when there is none)."""
        return None if self.selection is None else parse_selection(self.selection)

    # -- validation ------------------------------------------------------------------------
    def normalised(self) -> Filter:
        """Validate and canonicalise (municipality codes to 4 digits, CVR digits only)."""
        for what, codes in (
            ("occupation", self.occupations),
            ("qualification", self.qualifications),
        ):
            for code in codes:
                if not _CODE_RE.match(code):
                    raise FilterError(f"invalid {what} code {code!r}")
        for what, match in (
            ("qualification", self.qualification_match),
            ("driving licence", self.driving_licence_match),
        ):
            if match not in ("all", "any"):
                raise FilterError(f"{what} match must be 'all' or 'any', got {match!r}")
        licences = tuple(dict.fromkeys(c.strip().upper() for c in self.driving_licences))
        for cat in licences:
            if cat not in DRIVING_LICENCES:
                raise FilterError(
                    f"unknown driving licence category {cat!r}; valid: "
                    + ", ".join(DRIVING_LICENCES)
                )
        munis = tuple(normalise_kommune_kode(k) for k in self.municipalities)
        for rng, what in ((self.unemployed_days, "unemployed days"), (self.employees, "employees")):
            if rng is not None:
                rng.validate(what)
        if (self.near is None) != (self.radius_km is None):
            raise FilterError("a distance filter needs both a point (--near X,Y) and --radius-km")
        if self.radius_km is not None and not self.radius_km > 0:
            raise FilterError(f"radius must be positive, got {self.radius_km}")
        for kind in self.collaboration:
            if kind not in COLLABORATION_STATES and kind not in COLLABORATION_KINDS:
                raise FilterError(
                    f"unknown collaboration {kind!r}; use none, any, active, former or one of: "
                    + ", ".join(COLLABORATION_KINDS)
                )
        if "none" in self.collaboration and len(self.collaboration) > 1:
            raise FilterError(
                "collaboration 'none' cannot be combined with other collaboration values"
            )
        states = [v for v in self.collaboration if v in COLLABORATION_STATES]
        if len(set(states)) > 1:
            raise FilterError(
                "collaboration takes one of none, any, active, former, got " + ", ".join(states)
            )
        if self.collaboration_scope not in ("all", "own", "other"):
            raise FilterError(
                f"collaboration scope must be all, own or other, got {self.collaboration_scope!r}"
            )
        if self.collaboration_scope != "all" and not self.jobcenter:
            raise FilterError("own/other jobcenter needs the user's jobcenter (--jobcenter CODE)")
        jobcenter = normalise_kommune_kode(self.jobcenter) if self.jobcenter else None
        cvr = self.cvr
        if cvr is not None:
            cvr = cvr.strip()
            if not re.fullmatch(r"\d{8}", cvr):
                raise FilterError(f"CVR must be 8 digits, got {self.cvr!r}")
        if self.posted_within_days is not None and self.posted_within_days < 0:
            raise FilterError("posted within days cannot be negative")
        for value, what in (
            (self.company_posted_within_days, "has postings within days"),
            (self.new_within_months, "new within months"),
        ):
            if value is not None and value < 0:
                raise FilterError(f"{what} cannot be negative")
        sel = self.selection
        if sel is not None:
            sel = selection_json(sel)
            parse_selection(sel)
        industries = tuple(normalise_industry_code(c) for c in self.industries)
        shortage = check_categories(tuple(self.shortage))
        return replace(
            self,
            municipalities=munis,
            cvr=cvr,
            selection=sel,
            jobcenter=jobcenter,
            driving_licences=licences,
            industries=industries,
            shortage=shortage,
        )

    def reference_date(self) -> date:
        return self.today or date.today()


def selection_json(value: Any) -> str:
    """Canonical JSON of a selection given as a Selection, a dict or JSON text."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise FilterError("selection must be JSON") from None
    if not isinstance(value, dict):
        raise FilterError("selection must be an object with 'parts'")
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=32)
def parse_selection(text: str) -> Any:
    """The Selection of canonical JSON (cached: polygons are parsed and prepared once)."""
    try:
        return Selection.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise FilterError(f"invalid selection: {exc}") from None


def normalise_kommune_kode(value: str | int) -> str:
    """'101', 101 and '0101' all become '0101'."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 4:
        raise FilterError(f"municipality code must be up to 4 digits, got {value!r}")
    return text.zfill(4)


# -- compilation -------------------------------------------------------------------------------

_APPLIES: dict[str, set[Entity]] = {
    "occupations": {"candidates", "postings"},
    "qualifications": {"candidates"},
    "driving_licences": {"candidates"},
    "unemployed_days": {"candidates"},
    "searchable_only": {"candidates"},
    "collaboration": {"companies", "postings"},
    "collaboration_since": {"companies", "postings"},
    "industries": {"companies", "postings"},
    "employees": {"companies", "postings"},
    "cvr": {"companies", "postings"},
    "posted_within_days": {"postings"},
    "company_posted_within_days": {"companies"},
    "new_within_months": {"companies"},
    "postings_without_collaboration": {"companies"},
    "shortage": {"candidates", "companies", "postings"},
}

_OPTION_NAMES = {
    "occupations": "--occupation",
    "qualifications": "--qualification",
    "driving_licences": "--driving-licence",
    "unemployed_days": "--unemployed-days",
    "searchable_only": "--searchable-only",
    "collaboration": "--collaboration",
    "collaboration_since": "--collaboration-since",
    "industries": "--industry",
    "employees": "--employees",
    "cvr": "--cvr",
    "posted_within_days": "--posted-within",
    "company_posted_within_days": "--has-postings-within",
    "new_within_months": "--new-within-months",
    "postings_without_collaboration": "--postings-without-collaboration",
    "shortage": "--shortage",
}


def _is_set(value: Any) -> bool:
    return value not in ((), None, False) and not (isinstance(value, Range) and value.is_open)


def check_applicable(entity: Entity, flt: Filter) -> None:
    """Raise FilterError when a set filter field means nothing for ``entity``."""
    for name, entities in _APPLIES.items():
        if _is_set(getattr(flt, name)) and entity not in entities:
            raise FilterError(f"{_OPTION_NAMES[name]} does not apply to {entity}")


@dataclass(frozen=True)
class Clause:
    """One criterion of a compiled filter: ``name`` is the Filter field it comes from
    (``"industries+employees"`` for a posting's employer test that needs both at once)."""

    name: str
    sql: str
    params: list[Any] = field(default_factory=list)


@dataclass
class Compiled:
    """A filter as a WHERE clause; ``clauses`` keeps its criteria apart, named, so each can
    be counted on its own (``query.clause_counts``: why a filter finds nothing)."""

    where: str
    params: list[Any] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)


def occupation_condition(column: str, codes: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL and parameters true for an occupation code ``column`` matching one of ``codes``
    (a code matches itself and its children)."""
    return " OR ".join(f"starts_with({column}, ?)" for _ in codes), list(codes)


def qualification_condition(column: str, codes: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL true for a qualification code ``column`` equal to one of ``codes``, and the
    distinct codes (sorted) it takes as parameters."""
    distinct = sorted(set(codes))
    return f"{column} IN ({', '.join('?' for _ in distinct)})", distinct


def compile_where(
    entity: Entity, flt: Filter, *, alias: str = "t", strict: bool = True
) -> Compiled:
    """Compile ``flt`` for ``entity`` into a WHERE clause over ``<table> AS alias``.

    With ``strict`` a field that does not apply to the entity raises; otherwise it is ignored
    (the window applies one filter to all layers).
    """
    if entity not in ENTITIES:
        raise FilterError(f"unknown entity {entity!r}")
    flt = flt.normalised()
    if strict:
        check_applicable(entity, flt)
    today = flt.reference_date()
    a = alias
    parts: list[str] = []
    params: list[Any] = []
    clauses: list[Clause] = []
    mark = [0, 0]  # parts and params already in a clause

    def clause(name: str) -> None:
        """Close the criteria added since the last call as the clause ``name``."""
        if len(parts) > mark[0]:
            clauses.append(Clause(name, " AND ".join(parts[mark[0] :]), params[mark[1] :]))
        mark[0], mark[1] = len(parts), len(params)

    def applies(name: str) -> bool:
        return _is_set(getattr(flt, name)) and entity in _APPLIES[name]

    if entity == "candidates" and flt.scope is not None:
        # The user's jobcenter scope (core.store.scope): first, so every count and the
        # why-not funnel only ever see candidates the user may see.
        scope_sql, scope_params = flt.scope.candidate_sql(a)
        if scope_sql != "TRUE":
            parts.append(scope_sql)
            params.extend(scope_params)
    clause("scope")

    if applies("occupations"):
        if entity == "candidates":
            cond, values = occupation_condition("o.code", flt.occupations)
            parts.append(f"{a}.rid IN (SELECT o.rid FROM candidate_occupations o WHERE {cond})")
        else:
            cond, values = occupation_condition(f"{a}.occupation_code", flt.occupations)
            parts.append(f"({cond})")
        params.extend(values)
    clause("occupations")

    if applies("qualifications"):
        cond, codes = qualification_condition("q.code", flt.qualifications)
        if flt.qualification_match == "any" or len(codes) == 1:
            parts.append(f"{a}.rid IN (SELECT q.rid FROM candidate_qualifications q WHERE {cond})")
            params.extend(codes)
        else:
            parts.append(
                f"{a}.rid IN (SELECT q.rid FROM candidate_qualifications q WHERE {cond} "
                "GROUP BY q.rid HAVING count(DISTINCT q.code) = ?)"
            )
            params.extend(codes)
            params.append(len(codes))
    clause("qualifications")

    if applies("driving_licences"):
        # A handful of categories per person: one list_contains per category on the row.
        # Measured on 1M rows (C and CE): ~100 ms, list_has_all ~490 ms, a semi-join on a
        # side table like candidate_qualifications ~370 ms.
        op = " OR " if flt.driving_licence_match == "any" else " AND "
        cond = op.join(f"list_contains({a}.driving_licences, ?)" for _ in flt.driving_licences)
        parts.append(f"coalesce(({cond}), FALSE)")
        params.extend(flt.driving_licences)
    clause("driving_licences")

    if applies("unemployed_days"):
        rng = flt.unemployed_days
        assert rng is not None
        # days >= MIN  <=>  since <= today - MIN ;  days <= MAX  <=>  since >= today - MAX
        if rng.min is not None:
            parts.append(f"{a}.unemployed_since <= ?")
            params.append(today - timedelta(days=rng.min))
        if rng.max is not None:
            parts.append(f"{a}.unemployed_since >= ?")
            params.append(today - timedelta(days=rng.max))
    clause("unemployed_days")

    if applies("searchable_only"):
        parts.append(f"{a}.cv_searchable")
    clause("searchable_only")

    if flt.municipalities:
        marks = ", ".join("?" for _ in flt.municipalities)
        parts.append(f"{a}.kommune_kode IN ({marks})")
        params.extend(flt.municipalities)
    clause("municipalities")

    if flt.near is not None and flt.radius_km is not None:
        px, py = flt.near
        r = flt.radius_km * 1000.0
        # The box test lets DuckDB prune row groups by their min/max before the exact test.
        parts.append(
            f"{a}.x BETWEEN ? AND ? AND {a}.y BETWEEN ? AND ? "
            f"AND ({a}.x - ?) * ({a}.x - ?) + ({a}.y - ?) * ({a}.y - ?) <= ?"
        )
        params.extend([px - r, px + r, py - r, py + r, px, px, py, py, r * r])
    clause("near")

    if flt.selection is not None:
        # Only the bounding box here (DuckDB prunes row groups by it); the exact test runs on
        # the matches' coordinates in numpy (query.py), where polygons cost ~1 ms per 10k.
        sb = parse_selection(flt.selection).bounds()
        if sb is not None:
            parts.append(f"{a}.x BETWEEN ? AND ? AND {a}.y BETWEEN ? AND ?")
            params.extend([sb[0], sb[2], sb[1], sb[3]])
        else:  # inverted: everything placed outside
            parts.append(f"{a}.x IS NOT NULL AND {a}.y IS NOT NULL")
    clause("selection")

    if flt.bbox is not None:
        xmin, ymin, xmax, ymax = flt.bbox
        parts.append(f"{a}.x BETWEEN ? AND ? AND {a}.y BETWEEN ? AND ?")
        params.extend([xmin, xmax, ymin, ymax])
    clause("bbox")

    if applies("industries") or applies("employees"):
        # Postings are filtered by their employer's company rows.
        target = a if entity == "companies" else "ci"
        sub: list[tuple[str, str, list[Any]]] = []  # (clause name, condition, params)
        if applies("industries"):
            # by system, and across systems through the DB07<->DB25 key when there is one
            cond, cond_params = industry_condition(target, flt.industries)
            sub.append(("industries", cond, list(cond_params)))
        if applies("employees"):
            rng = flt.employees
            assert rng is not None
            conds, values = [], []
            if rng.min is not None:
                conds.append(f"{target}.employees >= ?")
                values.append(rng.min)
            if rng.max is not None:
                conds.append(f"{target}.employees <= ?")
                values.append(rng.max)
            sub.append(("employees", " AND ".join(conds), values))
        if entity == "companies":
            for name, cond, values in sub:
                parts.append(cond)
                params.extend(values)
                clause(name)
        else:  # one employer test: the same unit must pass both
            cond = " AND ".join(c for _, c, _ in sub)
            parts.append(f"{a}.cvr IN (SELECT ci.cvr FROM companies ci WHERE {cond})")
            params.extend(v for _, _, values in sub for v in values)
            clause("+".join(name for name, _, _ in sub))

    if applies("cvr"):
        parts.append(f"{a}.cvr = ?")
        params.append(flt.cvr)
    clause("cvr")

    if applies("posted_within_days"):
        assert flt.posted_within_days is not None
        parts.append(f"{a}.posted >= ?")
        params.append(today - timedelta(days=flt.posted_within_days))
    clause("posted_within_days")

    if applies("shortage"):
        cond, cond_params = shortage_condition(entity, a, flt.shortage)
        parts.append(cond)
        params.extend(cond_params)
    clause("shortage")

    if applies("collaboration"):
        # One definition with the colouring and the details (core.collaboration): per company,
        # in the scope and the time window, active on the reference date.
        state = next((v for v in flt.collaboration if v in COLLABORATION_STATES), "any")
        kinds = [k for k in flt.collaboration if k not in COLLABORATION_STATES]
        cb_where, cb_params = collab.counting_sql(
            kinds=kinds,
            scope=flt.collaboration_scope,
            jobcenter=flt.jobcenter,
            since=flt.collaboration_since,
        )
        if entity == "companies":
            # company_collaborations lists, per unit (rid), the collaborations that count for
            # it (see cache.rebuild_company_index): an integer semi-join.
            has = f"{a}.rid IN (SELECT cb.rid FROM company_collaborations cb WHERE {{}})"
        else:
            has = f"{a}.cvr IN (SELECT cb.cvr FROM collaborations cb WHERE {{}})"
        active_where = f"{cb_where} AND {collab.active_sql('cb')}"
        # coalesce: a NULL cvr makes IN unknown, and NOT unknown would drop the row.
        if state == "none":
            parts.append(f"NOT coalesce({has.format(cb_where)}, FALSE)")
            params.extend(cb_params)
        elif state == "active":
            parts.append(has.format(active_where))
            params.extend([*cb_params, today])
        elif state == "former":
            parts.append(
                f"{has.format(cb_where)} AND NOT coalesce({has.format(active_where)}, FALSE)"
            )
            params.extend([*cb_params, *cb_params, today])
        else:
            parts.append(has.format(cb_where))
            params.extend(cb_params)

    clause("collaboration")
    _company_overview(flt, applies, clause, a, today, parts, params)
    return Compiled(" AND ".join(parts) if parts else "TRUE", params, clauses)


# Postings "in the last two years" for "posts jobs but no collaboration".
POSTINGS_YEARS_DAYS = 730


def _company_overview(
    flt: Filter,
    applies: Any,
    clause: Any,
    a: str,
    today: date,
    parts: list[str],
    params: list[Any],
) -> None:
    """The company overview criteria (issue #16), per company (CVR) like the collaboration
    status: a posting of any unit counts for every unit of the company."""
    if applies("company_posted_within_days"):
        assert flt.company_posted_within_days is not None
        parts.append(
            f"{a}.cvr IN (SELECT jp.cvr FROM job_postings jp WHERE jp.posted >= ? "
            "AND jp.posted <= ?)"
        )
        params.extend([today - timedelta(days=flt.company_posted_within_days), today])
    clause("company_posted_within_days")
    if applies("new_within_months"):
        assert flt.new_within_months is not None
        cutoff = collab.months_before(today, flt.new_within_months)
        # Started within the window, or moved: a current address of the unit (or of the
        # company) valid from inside the window that replaced an earlier address.
        parts.append(
            f"(({a}.started >= ? AND {a}.started <= ?) OR EXISTS (SELECT 1 FROM company_history h "
            f"WHERE h.cvr = {a}.cvr AND (h.pnr IS NULL OR h.pnr = {a}.pnr) "
            "AND h.field = 'adresse' AND h.valid_to IS NULL "
            "AND h.valid_from >= ? AND h.valid_from <= ? AND EXISTS (SELECT 1 FROM "
            "company_history h0 WHERE h0.cvr = h.cvr AND h0.pnr IS NOT DISTINCT FROM h.pnr "
            "AND h0.field = 'adresse' AND h0.valid_from < h.valid_from)))"
        )
        params.extend([cutoff, today, cutoff, today])
    clause("new_within_months")
    if applies("postings_without_collaboration"):
        cb_where, cb_params = collab.counting_sql(
            scope=flt.collaboration_scope, jobcenter=flt.jobcenter
        )
        parts.append(
            f"{a}.cvr IN (SELECT jp.cvr FROM job_postings jp WHERE jp.posted >= ? "
            f"AND jp.posted <= ?) AND NOT coalesce({a}.rid IN (SELECT cb.rid FROM "
            f"company_collaborations cb WHERE {cb_where}), FALSE)"
        )
        params.extend([today - timedelta(days=POSTINGS_YEARS_DAYS), today, *cb_params])
    clause("postings_without_collaboration")
