"""Deterministic synthetic demo data: the embedded default when no source has been refreshed.

Same seed, same scale, same geography and same reference date give the same rows. Everything
the demo writes is marked: ``source = 'demo'`` on every row and ``cache_meta.dataset = 'demo'``.

Plausibility, not realism: people and workplaces are placed inside municipalities in
proportion to their population, clustered around the town centre; DISCO-08 occupations with
Danish titles; qualifications that belong to the occupation; unemployment durations skewed
(most short, a long tail over a year); DB07 industries (``industry_system`` 'DB07' on every
company: the starter list is DB07 only); company sizes from a heavy-tailed
distribution; collaborations of the known kinds with start and end dates.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from . import cache, geo
from .errors import Cancelled, WorkbenchError
from .filters import COLLABORATION_KINDS

SCALES: dict[str, dict[str, int]] = {
    "small": {"candidates": 5_000, "companies": 20_000, "postings": 2_000, "collaborations": 4_000},
    "region": {
        "candidates": 50_000,
        "companies": 200_000,
        "postings": 20_000,
        "collaborations": 40_000,
    },
    "national": {
        "candidates": 250_000,
        "companies": 1_000_000,
        "postings": 100_000,
        "collaborations": 200_000,
    },
}

Progress = Callable[[str, float], None]

EMPLOYEE_BANDS = [
    (0, 0, "0"),
    (1, 1, "1"),
    (2, 4, "2-4"),
    (5, 9, "5-9"),
    (10, 19, "10-19"),
    (20, 49, "20-49"),
    (50, 99, "50-99"),
    (100, 199, "100-199"),
    (200, 499, "200-499"),
    (500, 999, "500-999"),
    (1000, 10**9, "1000+"),
]

_EDUCATIONS = [
    "Grundskole",
    "Gymnasial uddannelse",
    "Erhvervsuddannelse",
    "Kort videregående uddannelse",
    "Mellemlang videregående uddannelse",
    "Lang videregående uddannelse",
]
_TARGET_GROUPS = [
    ("Dagpengemodtager", 0.55),
    ("Jobparat kontanthjælpsmodtager", 0.15),
    ("Aktivitetsparat kontanthjælpsmodtager", 0.12),
    ("Uddannelseshjælpsmodtager", 0.06),
    ("Sygedagpengemodtager", 0.07),
    ("Ledighedsydelsesmodtager", 0.05),
]
# Taxi, bus and lorry drivers and couriers: they all hold a B licence.
_DRIVING_OCCUPATIONS = ["8322", "8331", "8332", "9621"]
_LANGUAGES = [
    ("engelsk", 0.6),
    ("tysk", 0.15),
    ("polsk", 0.04),
    ("arabisk", 0.04),
    ("ukrainsk", 0.03),
    ("tyrkisk", 0.02),
    ("somali", 0.01),
    ("rumænsk", 0.02),
]
_KIND_WEIGHTS = {
    "virksomhedspraktik": 0.30,
    "løntilskud": 0.20,
    "jobrotation": 0.04,
    "voksenlærling": 0.06,
    "ordinær ansættelse": 0.18,
    "fleksjob": 0.10,
    "mentor": 0.05,
    "rekrutteringsaftale": 0.05,
    "partnerskab": 0.02,
}
_NAME_WORDS = [
    "Nord",
    "Syd",
    "Øst",
    "Vest",
    "Fjord",
    "Skov",
    "Bakke",
    "Strand",
    "Eng",
    "Kær",
    "Mølle",
    "Bro",
    "Havn",
    "Dal",
    "Lund",
    "Hede",
    "Å",
    "Sø",
    "Klit",
    "Ager",
    "Kilde",
    "Bøg",
    "Eg",
    "Birk",
    "Lys",
    "Sol",
    "Stjerne",
    "Falk",
    "Ørn",
    "Ravn",
    "Svane",
    "Hjort",
    "Ulv",
    "Løve",
    "Anker",
    "Kompas",
    "Vinge",
    "Tårn",
    "Gård",
    "Torv",
    "Port",
]
_NAME_SUFFIX = ["ApS", "A/S", "I/S", "IVS", "& Søn", "Gruppen", "Danmark", "Service", "Partner"]
_STREETS = [
    "Hovedgaden",
    "Storegade",
    "Vestergade",
    "Østergade",
    "Nørregade",
    "Søndergade",
    "Industrivej",
    "Stationsvej",
    "Skolevej",
    "Kirkevej",
    "Møllevej",
    "Havnevej",
    "Engvej",
    "Skovvej",
    "Bakkevej",
    "Strandvejen",
    "Fabriksvej",
    "Håndværkervej",
    "Erhvervsvej",
    "Teglværksvej",
    "Jernbanegade",
    "Torvet",
    "Åboulevarden",
    "Markvej",
]


@dataclass
class Geography:
    kode: list[str]
    navn: list[str]
    region_kode: list[str]
    population: np.ndarray  # float64
    centre_x: np.ndarray
    centre_y: np.ndarray
    geoms: list[shapely.Geometry | None]
    source: str  # 'boundaries-file', 'cache', 'packaged' or 'centres'

    @property
    def has_areas(self) -> bool:
        return all(g is not None for g in self.geoms)


@dataclass
class DemoSummary:
    scale: str
    seed: int
    today: date
    geography: str
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


# -- reference data shipped in resources/demo ---------------------------------------------------


def _read_resource_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("workbench.resources").joinpath("demo", name).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter=";"))


def municipality_reference() -> list[dict[str, str]]:
    return _read_resource_csv("municipalities.csv")


def occupation_reference() -> list[dict[str, str]]:
    return _read_resource_csv("disco08.csv")


def industry_reference() -> list[dict[str, str]]:
    return _read_resource_csv("db07.csv")


def qualification_reference() -> list[tuple[str, str, str]]:
    """(code, title, occupation_code): each qualification once, numbered stably in order of
    first mention; ``occupation_code`` is the first occupation that lists it. A title listed
    by several occupations (Truckcertifikat, Hygiejnebevis ...) is one qualification: one
    code per title, else the picker lists it twice and a pick misses the other code."""
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for occ in occupation_reference():
        for title in filter(None, occ["qualifications"].split("|")):
            if title.casefold() not in seen:
                seen.add(title.casefold())
                out.append((f"Q{len(out) + 1:04d}", title, occ["code"]))
    return out


def qualifications_by_occupation() -> dict[str, list[str]]:
    """Occupation code -> the codes of the qualifications it lists (in the list's order)."""
    code_of = {title.casefold(): code for code, title, _occ in qualification_reference()}
    return {
        occ["code"]: [code_of[t.casefold()] for t in filter(None, occ["qualifications"].split("|"))]
        for occ in occupation_reference()
    }


def load_taxonomies(con: duckdb.DuckDBPyConnection, *, replace: bool = False) -> None:
    """Fill occupations, qualifications and industries from the starter lists when empty."""
    for table in ("occupations", "qualifications", "industries"):
        n = cache.scalar(con, f"SELECT count(*) FROM {table}")
        if n and not replace:
            continue
        con.execute(f"DELETE FROM {table}")
        if table == "occupations":
            rows = [
                (
                    r["code"],
                    r["title"],
                    r["parent_code"] or None,
                    [a for a in r["aliases"].split("|") if a],
                    int(r["level"]),
                )
                for r in occupation_reference()
            ]
            con.executemany(
                "INSERT INTO occupations (code, title, parent_code, aliases, level) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        elif table == "qualifications":
            con.executemany(
                "INSERT INTO qualifications (code, title, occupation_code) VALUES (?, ?, ?)",
                qualification_reference(),
            )
        else:
            rows = [
                (r["code"], r["title"], int(r["level"]), r["parent_code"] or None)
                for r in industry_reference()
            ]
            con.executemany(
                "INSERT INTO industries (system, code, title, level, parent_code) "
                "VALUES ('DB07', ?, ?, ?, ?)",
                rows,
            )


# -- geography ----------------------------------------------------------------------------------


def packaged_boundaries() -> Path | None:
    """The municipality outlines shipped in ``resources/boundaries`` (None if missing)."""
    res = resources.files("workbench.resources").joinpath("boundaries", "kommuner.geojson")
    return Path(str(res)) if res.is_file() else None


def load_geography(con: duckdb.DuckDBPyConnection, boundaries: Path | None) -> Geography:
    """Municipality areas from a GeoJSON file, else from the cache, else the outlines
    shipped with the workbench (offline first start), else centres only."""
    ref = {r["kode"]: r for r in municipality_reference()}
    if boundaries is not None:
        areas = geo.read_areas_geojson(Path(boundaries))
        source = "boundaries-file"
        rows = [(a.kode, a.navn, a.region_kode, a.geom) for a in areas]
    else:
        cached = con.execute(
            "SELECT kode, navn, region_kode, geom FROM municipalities WHERE geom IS NOT NULL ORDER BY kode"
        ).fetchall()
        shipped = packaged_boundaries()
        if cached:
            source = "cache"
            rows = [(k, n, r, shapely.from_wkb(g)) for k, n, r, g in cached]
        elif shipped is not None:
            source = "packaged"
            areas = geo.read_areas_geojson(shipped, region_property="region_kode")
            rows = [(a.kode, a.navn, a.region_kode, a.geom) for a in areas]
        else:
            source = "centres"
            rows = [(k, r["navn"], r["region_kode"], None) for k, r in sorted(ref.items())]
    kode, navn, region, pop, cx, cy, geoms = [], [], [], [], [], [], []
    for code, name, region_code, geom in rows:
        info = ref.get(code)
        kode.append(code)
        navn.append(name)
        region.append(region_code or (info["region_kode"] if info else None))
        # Unknown areas (not in the reference list) get a population from their size.
        if info:
            pop.append(float(info["population"]))
        else:
            pop.append(max(geom.area / 1e6 * 60.0, 100.0) if geom is not None else 1000.0)
        if geom is not None:
            p = shapely.point_on_surface(geom)
            # Prefer the reference centre (the town) when it lies inside the area.
            if info:
                rx, ry = geo.lonlat_to_utm(float(info["lon"]), float(info["lat"]))
                if shapely.contains_xy(geom, float(rx), float(ry)):
                    p = shapely.Point(float(rx), float(ry))
            cx.append(p.x)
            cy.append(p.y)
        else:
            rx, ry = geo.lonlat_to_utm(float(info["lon"]), float(info["lat"]))
            cx.append(float(rx))
            cy.append(float(ry))
        geoms.append(geom)
    return Geography(kode, navn, region, np.array(pop), np.array(cx), np.array(cy), geoms, source)


def _place(
    rng: np.random.Generator, geog: Geography, muni_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points for rows assigned to municipalities: inside the area, clustered at the centre."""
    n = len(muni_idx)
    x = np.empty(n)
    y = np.empty(n)
    order = np.argsort(muni_idx, kind="stable")
    counts = np.bincount(muni_idx, minlength=len(geog.kode))
    start = 0
    for m, k in enumerate(counts):
        if k == 0:
            continue
        rows = order[start : start + k]
        start += k
        geom = geog.geoms[m]
        cx, cy = geog.centre_x[m], geog.centre_y[m]
        if geom is None:
            sigma = 1500.0 + 6.0 * np.sqrt(geog.population[m])
            x[rows] = cx + rng.normal(0, sigma, k)
            y[rows] = cy + rng.normal(0, sigma, k)
            continue
        xmin, ymin, xmax, ymax = geom.bounds
        sigma = max(np.sqrt(geom.area) / 8.0, 300.0)
        px_list: list[np.ndarray] = []
        py_list: list[np.ndarray] = []
        have = 0
        attempts = 0
        while have < k and attempts < 50:
            attempts += 1
            want = int((k - have) * 1.6) + 16
            town = rng.random(want) < 0.55
            px = np.where(town, cx + rng.normal(0, sigma, want), rng.uniform(xmin, xmax, want))
            py = np.where(town, cy + rng.normal(0, sigma, want), rng.uniform(ymin, ymax, want))
            inside = shapely.contains_xy(geom, px, py)
            px_list.append(px[inside])
            py_list.append(py[inside])
            have += int(inside.sum())
        if have < k:  # a sliver: fall back to points on the surface
            p = shapely.point_on_surface(geom)
            px_list.append(np.full(k - have, p.x))
            py_list.append(np.full(k - have, p.y))
        x[rows] = np.concatenate(px_list)[:k]
        y[rows] = np.concatenate(py_list)[:k]
    return x, y


# -- generation ---------------------------------------------------------------------------------


def _weights(values: list[float]) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def _list_array(offsets: np.ndarray, values: list[str] | np.ndarray) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(values, pa.string()))


def _band(employees: np.ndarray) -> np.ndarray:
    labels = np.array([b[2] for b in EMPLOYEE_BANDS], dtype=object)
    lower = np.array([b[0] for b in EMPLOYEE_BANDS])
    return labels[np.searchsorted(lower, employees, side="right") - 1]


def _candidates(rng: np.random.Generator, n: int, geog: Geography, today: date) -> pa.Table:
    occs = [o for o in occupation_reference() if o["level"] == "4"]
    occ_codes = np.array([o["code"] for o in occs])
    occ_w = _weights([float(o["weight"]) for o in occs])
    quals_by_occ = qualifications_by_occupation()

    muni = rng.choice(len(geog.kode), size=n, p=_weights(list(geog.population)))
    x, y = _place(rng, geog, muni)
    kode = np.array(geog.kode, dtype=object)[muni]

    # Occupations: 1-3 per person, the first is the main one.
    n_occ = rng.choice([1, 2, 3], size=n, p=[0.55, 0.33, 0.12])
    occ_offsets = np.concatenate([[0], np.cumsum(n_occ)])
    occ_idx = rng.choice(len(occ_codes), size=int(n_occ.sum()), p=occ_w)
    occ_vals = occ_codes[occ_idx]
    # Qualifications: each of the person's occupations' qualifications with probability 0.55.
    q_offsets = [0]
    q_vals: list[str] = []
    keep = rng.random(int(n_occ.sum()) * 4) < 0.55
    kp = 0
    for i in range(n):
        seen: list[str] = []
        for code in occ_vals[occ_offsets[i] : occ_offsets[i + 1]]:
            for q in quals_by_occ.get(code, ()):
                if keep[kp % len(keep)] and q not in seen:
                    seen.append(q)
                kp += 1
        q_vals.extend(seen)
        q_offsets.append(len(q_vals))
    main_occ = occ_vals[occ_offsets[:-1]]
    major = np.array([int(c[0]) for c in main_occ])

    # Driving licences: B for most and for everyone who drives for a living (C and D need B);
    # C/CE/D for drivers.
    has_b = (rng.random(n) < 0.72) | np.isin(main_occ, _DRIVING_OCCUPATIONS)
    lic_offsets = [0]
    lic_vals: list[str] = []
    heavy = rng.random(n)
    for i in range(n):
        lic = ["B"] if has_b[i] else []
        if main_occ[i] in ("8332",):
            lic += ["C", "CE"] if heavy[i] < 0.8 else ["C"]
        elif main_occ[i] == "8331":
            lic += ["D"]
        lic_vals.extend(lic)
        lic_offsets.append(len(lic_vals))

    lang_draw = rng.random((n, len(_LANGUAGES)))
    lang_p = np.array([p for _, p in _LANGUAGES])
    lang_has = lang_draw < lang_p
    lang_offsets = [0]
    lang_vals: list[str] = []
    native_other = rng.random(n) < 0.12
    for i in range(n):
        langs = [] if native_other[i] else ["dansk"]
        langs += [_LANGUAGES[j][0] for j in np.flatnonzero(lang_has[i])]
        if not langs:
            langs = ["dansk"]
        lang_vals.extend(langs)
        lang_offsets.append(len(lang_vals))

    # Education follows the skill level of the main occupation's major group.
    edu_level = np.clip(
        np.where(major <= 2, 5, np.where(major == 3, 3, np.where(major >= 7, 2, 1)))
        + rng.integers(-1, 2, n),
        0,
        5,
    )
    education = np.array(_EDUCATIONS, dtype=object)[edu_level]
    experience = np.minimum(rng.geometric(0.12, n) - 1, 40).astype(np.int32)

    # Unemployment: most spells are short, a long tail beyond a year.
    long_tail = rng.random(n) < 0.22
    days = np.where(
        long_tail,
        365 + rng.exponential(300, n),
        rng.gamma(1.3, 70, n),
    ).astype(np.int64)
    days = np.clip(days, 0, 3650)
    since = np.array([today - timedelta(days=int(d)) for d in days], dtype="datetime64[D]")
    cv_age = (rng.random(n) * np.minimum(days + 30, 720)).astype(np.int64)
    cv_updated = np.array([today - timedelta(days=int(d)) for d in cv_age], dtype="datetime64[D]")
    tg_names = [t for t, _ in _TARGET_GROUPS]
    target = np.array(tg_names, dtype=object)[
        rng.choice(len(tg_names), size=n, p=_weights([p for _, p in _TARGET_GROUPS]))
    ]
    searchable = rng.random(n) < 0.86

    return pa.table(
        {
            "candidate_id": pa.array([f"DEMO-{i + 1:07d}" for i in range(n)]),
            "jobcenter": pa.array(kode, pa.string()),
            "kommune_kode": pa.array(kode, pa.string()),
            "x": x,
            "y": y,
            "occupation_codes": _list_array(occ_offsets, occ_vals.tolist()),
            "qualification_codes": _list_array(np.array(q_offsets), q_vals),
            "driving_licences": _list_array(np.array(lic_offsets), lic_vals),
            "languages": _list_array(np.array(lang_offsets), lang_vals),
            "education": pa.array(education, pa.string()),
            "experience_years": pa.array(experience, pa.int32()),
            "unemployed_since": pa.array(since),
            "target_group": pa.array(target, pa.string()),
            "cv_searchable": pa.array(searchable),
            "cv_updated": pa.array(cv_updated),
            "source": pa.array(["demo"] * n),
            "rid": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        }
    )


def _companies(
    rng: np.random.Generator, n: int, geog: Geography, today: date, refreshed: datetime
) -> pa.Table:
    inds = [r for r in industry_reference() if r["level"] == "5"]
    ind_codes = np.array([r["code"] for r in inds])
    ind_text = np.array([r["title"] for r in inds], dtype=object)
    ind_w = _weights([float(r["weight"]) for r in inds])

    # Production units grouped into companies: most companies have one unit, chains many.
    units_per = np.minimum(rng.zipf(2.6, size=n), 400)
    company_of_unit = np.repeat(np.arange(n), units_per)[:n]
    n_comp = int(company_of_unit[-1]) + 1
    cvr_numbers = rng.choice(np.arange(10_000_000, 45_000_000), size=n_comp, replace=False)
    cvr = np.char.mod("%08d", cvr_numbers)[company_of_unit]
    pnr_numbers = rng.choice(np.arange(1_000_000_000, 1_030_000_000), size=n, replace=False)
    pnr = np.char.mod("%010d", pnr_numbers)

    comp_ind = rng.choice(len(ind_codes), size=n_comp, p=ind_w)[company_of_unit]
    comp_size = rng.lognormal(0.9, 1.45, n_comp)
    employees = np.minimum(
        np.floor(comp_size[company_of_unit] * rng.lognormal(0, 0.4, n)), 12_000
    ).astype(np.int32)

    muni = rng.choice(len(geog.kode), size=n, p=_weights(list(geog.population)))
    x, y = _place(rng, geog, muni)
    kode = np.array(geog.kode, dtype=object)[muni]

    w1 = rng.integers(0, len(_NAME_WORDS), n_comp)
    w2 = rng.integers(0, len(_NAME_WORDS), n_comp)
    suf = rng.integers(0, len(_NAME_SUFFIX), n_comp)
    comp_names = np.array(
        [
            f"{_NAME_WORDS[a]}{_NAME_WORDS[b].lower()} {_NAME_SUFFIX[s]}"
            for a, b, s in zip(w1, w2, suf, strict=True)
        ],
        dtype=object,
    )
    names = comp_names[company_of_unit]
    street = rng.integers(0, len(_STREETS), n)
    number = rng.integers(1, 180, n)
    address = [f"{_STREETS[s]} {k}" for s, k in zip(street, number, strict=True)]
    status = np.where(rng.random(n) < 0.97, "NORMAL", "UNDER KONKURS")
    start_days = (rng.exponential(4000, n_comp)).astype(np.int64)[company_of_unit]
    started = np.array(
        [today - timedelta(days=int(min(d, 27000))) for d in start_days], dtype="datetime64[D]"
    )
    protected = rng.random(n) < 0.08

    return pa.table(
        {
            "cvr": pa.array(cvr, pa.string()),
            "pnr": pa.array(pnr, pa.string()),
            "name": pa.array(names, pa.string()),
            "address": pa.array(address, pa.string()),
            "postnr": pa.nulls(n, pa.string()),
            "kommune_kode": pa.array(kode, pa.string()),
            "x": x,
            "y": y,
            "industry_code": pa.array(ind_codes[comp_ind], pa.string()),
            "industry_text": pa.array(ind_text[comp_ind], pa.string()),
            "industry_system": pa.array(["DB07"] * n, pa.string()),  # starter list is DB07
            "employees": pa.array(employees, pa.int32()),
            "employees_band": pa.array(_band(employees), pa.string()),
            "status": pa.array(status, pa.string()),
            "started": pa.array(started),
            "advertising_protected": pa.array(protected),
            "source": pa.array(["demo"] * n),
            "refreshed_at": pa.array([refreshed] * n, pa.timestamp("us")),
            "rid": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        }
    )


def _postings(rng: np.random.Generator, n: int, companies: pa.Table, today: date) -> pa.Table:
    inds = {
        r["code"]: r["occupations"].split("|") for r in industry_reference() if r["level"] == "5"
    }
    titles = {o["code"]: o["title"] for o in occupation_reference()}
    emp = companies.column("employees").to_numpy()
    w = np.log1p(emp.astype(float)) + 0.05
    rows = rng.choice(len(emp), size=n, p=w / w.sum())
    ind = companies.column("industry_code").to_numpy(zero_copy_only=False)[rows]
    pick = rng.random(n)
    occ = np.array([inds[c][int(p * len(inds[c]))] for c, p in zip(ind, pick, strict=True)])
    age = rng.integers(0, 120, n)
    posted = np.array([today - timedelta(days=int(a)) for a in age], dtype="datetime64[D]")
    deadline = posted + rng.integers(14, 45, n).astype("timedelta64[D]")
    take = pa.array(rows)
    return pa.table(
        {
            "posting_id": pa.array([f"DEMO-P{i + 1:07d}" for i in range(n)]),
            "cvr": companies.column("cvr").take(take),
            "pnr": companies.column("pnr").take(take),
            "occupation_code": pa.array(occ, pa.string()),
            "title": pa.array([titles[c] for c in occ], pa.string()),
            "posted": pa.array(posted),
            "deadline": pa.array(deadline),
            "kommune_kode": companies.column("kommune_kode").take(take),
            "x": companies.column("x").take(take),
            "y": companies.column("y").take(take),
            "source": pa.array(["demo"] * n),
            "rid": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        }
    )


def _collaborations(
    rng: np.random.Generator, n: int, companies: pa.Table, geog: Geography, today: date
) -> pa.Table:
    emp = companies.column("employees").to_numpy()
    w = np.log1p(emp.astype(float)) + 0.2
    rows = rng.choice(len(emp), size=n, p=w / w.sum())
    take = pa.array(rows)
    kinds = list(_KIND_WEIGHTS)
    assert set(kinds) == set(COLLABORATION_KINDS)
    kind = np.array(kinds, dtype=object)[
        rng.choice(len(kinds), size=n, p=_weights(list(_KIND_WEIGHTS.values())))
    ]
    own = companies.column("kommune_kode").to_numpy(zero_copy_only=False)[rows]
    other = np.array(geog.kode, dtype=object)[rng.integers(0, len(geog.kode), n)]
    jobcenter = np.where(rng.random(n) < 0.75, own, other)
    start_age = rng.integers(0, 6 * 365, n)
    started = np.array([today - timedelta(days=int(a)) for a in start_age], dtype="datetime64[D]")
    length = rng.integers(14, 365, n)
    ended_days = start_age - length
    ongoing = ended_days < 0
    ended = np.array(
        [today - timedelta(days=int(max(d, 0))) for d in ended_days], dtype="datetime64[D]"
    )
    unit_level = rng.random(n) < 0.7
    pnr = companies.column("pnr").take(take).to_numpy(zero_copy_only=False)
    return pa.table(
        {
            "cvr": companies.column("cvr").take(take),
            "pnr": pa.array(np.where(unit_level, pnr, None), pa.string()),
            "jobcenter": pa.array(jobcenter, pa.string()),
            "kind": pa.array(kind, pa.string()),
            "started": pa.array(started),
            "ended": pa.array(np.where(ongoing, None, ended), pa.date32()),
            "status": pa.array(np.where(ongoing, "aktiv", "afsluttet"), pa.string()),
            "note": pa.nulls(n, pa.string()),
            "source": pa.array(["demo"] * n),
        }
    )


def _store_geography(con: duckdb.DuckDBPyConnection, geog: Geography) -> None:
    """Write the municipalities the demo used, unless refreshed boundaries are already there."""
    if geog.source == "cache":
        return
    con.execute("DELETE FROM municipalities")
    rows = [
        (
            k,
            n,
            r,
            shapely.to_wkb(g) if g is not None else None,
            float(cx),
            float(cy),
            "demo:" + geog.source,
        )
        for k, n, r, g, cx, cy in zip(
            geog.kode,
            geog.navn,
            geog.region_kode,
            geog.geoms,
            geog.centre_x,
            geog.centre_y,
            strict=True,
        )
    ]
    con.executemany(
        "INSERT INTO municipalities (kode, navn, region_kode, geom, cx, cy, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if not cache.scalar(con, "SELECT count(*) FROM regions"):
        con.executemany(
            "INSERT INTO regions (kode, navn, source) VALUES (?, ?, 'demo')",
            [(r["kode"], r["navn"]) for r in _read_resource_csv("regions.csv")],
        )


def real_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in the data tables that are not demo data, per table (empty: safe to build)."""
    out = {}
    for table in ("candidates", "companies", "job_postings", "collaborations"):
        n = cache.scalar(con, f"SELECT count(*) FROM {table} WHERE source IS DISTINCT FROM 'demo'")
        if n:
            out[table] = int(n)
    return out


def build_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    scale: str = "small",
    seed: int = 1,
    boundaries: Path | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    force: bool = False,
) -> DemoSummary:
    """Replace candidates, companies, postings and collaborations with synthetic demo data.

    Runs in one transaction: a cancelled or failed build leaves the cache as it was. A cache
    that holds real (non-demo) rows is refused unless ``force``: the demo would replace them.
    """
    if scale not in SCALES:
        raise WorkbenchError(f"unknown demo scale {scale!r}; use one of: {', '.join(SCALES)}")
    if not force:
        real = real_rows(con)
        if real:
            listed = ", ".join(f"{n:,} {t}" for t, n in real.items())
            raise WorkbenchError(
                f"the cache holds real data ({listed}) that the demo would replace; "
                "use another --cache, or --force to replace it"
            )
    sizes = SCALES[scale]
    today = today or date.today()
    rng = np.random.default_rng(seed)
    report = progress or (lambda _stage, _fraction: None)
    is_cancelled = cancelled or (lambda: False)

    def step(stage: str, fraction: float) -> None:
        if is_cancelled():
            raise Cancelled("demo build cancelled; the cache is unchanged")
        report(stage, fraction)

    step("geography", 0.0)
    geog = load_geography(con, boundaries)
    summary = DemoSummary(scale, seed, today, geog.source)
    if not geog.has_areas:
        msg = "no municipality boundaries (give --boundaries or refresh 'boundaries'): points are placed around municipality centres"
        summary.messages.append(msg)  # the caller shows it (CLI: stderr; window: a message)
    # Rows carry the reference date, not the wall clock, so the same seed gives the same rows.
    refreshed = datetime.combine(today, time())

    step("candidates", 0.1)
    candidates = _candidates(rng, sizes["candidates"], geog, today)
    step("companies", 0.35)
    companies = _companies(rng, sizes["companies"], geog, today, refreshed)
    step("job_postings", 0.6)
    postings = _postings(rng, sizes["postings"], companies, today)
    step("collaborations", 0.7)
    collaborations = _collaborations(rng, sizes["collaborations"], companies, geog, today)

    step("writing", 0.8)
    with cache.transaction(con):
        _store_geography(con, geog)
        load_taxonomies(con)
        for table, data in (
            ("candidates", candidates),
            ("companies", companies),
            ("job_postings", postings),
            ("collaborations", collaborations),
        ):
            con.execute(f"DELETE FROM {table}")
            con.register("_demo_rows", data)
            cols = ", ".join(data.column_names)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _demo_rows")
            con.unregister("_demo_rows")
            summary.counts[table] = data.num_rows
            if is_cancelled():
                raise Cancelled("demo build cancelled; the cache is unchanged")
        cache.rebuild_candidate_index(con)
        cache.rebuild_company_index(con)
        for key, value in (
            ("dataset", "demo"),
            ("demo_scale", scale),
            ("demo_seed", str(seed)),
            ("demo_today", today.isoformat()),
            ("demo_geography", geog.source),
            ("demo_built_at", datetime.now(UTC).replace(microsecond=0).isoformat()),
        ):
            cache.set_meta(con, key, value)
    report("done", 1.0)
    return summary
