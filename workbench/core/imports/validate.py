# SQL here is built from fixed fragments, generated column names (c0, c1, ...) and DATE
# literals of date objects (date_sql); values from the file and user input (headers,
# --jobcenter) always go in as parameters.
"""Checking and converting the loaded rows, vectorised in DuckDB.

Works on a private in-memory DuckDB connection that holds the raw rows (``raw``), so that
nothing from the file (a CPR number above all) touches the cache file before it is checked.
The result is the table ``clean`` with exactly the target table's columns and the table
``rej(__row, field, value, code, detail)`` with one row per problem found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from workbench.core.filters import COLLABORATION_KINDS, DRIVING_LICENCES

from .cpr import (
    MASK,
    ROW_JOINER,
    cpr_candidate_sql,
    looks_like_cpr,
    mask_cpr,
    mask_cpr_in,
)
from .spec import ImportKind

# Denmark in EPSG:25832 with a margin (Bornholm reaches x ≈ 895 000).
X_RANGE = (400_000.0, 920_000.0)
Y_RANGE = (6_000_000.0, 6_450_000.0)
UNRESOLVED_LIMIT = 1000
# Excel date serials (CSV/TSV of a sheet saved by Excel, or an XLSX cell not formatted as a
# date): days since 1899-12-30 (1900 date system; serials above 60, past the fictitious
# 1900-02-29). Only plausible ones are dates: from EXCEL_SERIAL_FROM to a year after today.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_FROM = date(1950, 1, 1)
SOURCE = "import"

# Common spellings in case systems and CRMs -> the key of COLLABORATION_KINDS.
KIND_SYNONYMS: dict[str, str] = {
    "praktik": "virksomhedspraktik",
    "virksomhedspraktikforloeb": "virksomhedspraktik",
    "loentilskudsjob": "løntilskud",
    "ansaettelse med loentilskud": "løntilskud",
    "lts": "løntilskud",
    "voksenlaerlingeordning": "voksenlærling",
    "voksenlaerlingeordningen": "voksenlærling",
    "ordinaer": "ordinær ansættelse",
    "ordinaert job": "ordinær ansættelse",
    "ordinaer beskaeftigelse": "ordinær ansættelse",
    "ansaettelse": "ordinær ansættelse",
    "flexjob": "fleksjob",
    "mentorordning": "mentor",
    "mentorstoette": "mentor",
    "rekruttering": "rekrutteringsaftale",
    "rekrutteringsaftaler": "rekrutteringsaftale",
    "partnerskabsaftale": "partnerskab",
    "virksomhedspartnerskab": "partnerskab",
}

REASONS: dict[str, tuple[str, str]] = {
    "cpr": (
        "looks like a CPR number; CPR numbers must not be imported (the value is not stored)",
        "ligner et CPR-nummer; CPR-numre må ikke indlæses (værdien gemmes ikke)",
    ),
    "fields": (
        "the row has {d} fields (row/header); a separator or line break outside quotes?",
        "rækken har {d} felter (række/overskrift); et skilletegn eller linjeskift uden citationstegn?",
    ),
    "encoding": (
        "holds byte(s) {d} that are not valid in the file's encoding: the file mixes encodings; "
        "the row is not imported (correct the value or save the file as UTF-8)",
        "indeholder byte(s) {d}, som ikke er gyldige i filens tegnsæt: filen blander tegnsæt; "
        "rækken indlæses ikke (ret værdien eller gem filen som UTF-8)",
    ),
    "mojibake": (
        "holds UTF-8 text ({d}) in a Windows-1252 file: the file mixes encodings; the row is "
        "not imported (it would be stored garbled)",
        "indeholder UTF-8-tekst ({d}) i en Windows-1252-fil: filen blander tegnsæt; rækken "
        "indlæses ikke (den ville blive gemt forvansket)",
    ),
    "excel_error": (
        "the cell holds the Excel error {d}",
        "cellen indeholder Excel-fejlen {d}",
    ),
    "required": ("is empty but required", "er tom, men skal udfyldes"),
    "kommunekode": ("not a municipality code (1-4 digits)", "ikke en kommunekode (1-4 cifre)"),
    "jobcenter": (
        "not a jobcenter (municipality) code of 1-4 digits",
        "ikke en jobcenterkode (kommunekode med 1-4 cifre)",
    ),
    "kommune_unknown": ("unknown municipality code {d}", "ukendt kommunekode {d}"),
    "number": ("not a number", "ikke et tal"),
    "coord_range": (
        "coordinate outside Denmark in EPSG:25832 (x 400000-920000, y 6000000-6450000); "
        "longitude/latitude cannot be imported",
        "koordinat uden for Danmark i EPSG:25832 (x 400000-920000, y 6000000-6450000); "
        "længde-/breddegrad kan ikke indlæses",
    ),
    "xy_pair": ("x and y must be given together", "x og y skal udfyldes sammen"),
    "date": (
        "not a date (dd-mm-yyyy or yyyy-mm-dd)",
        "ikke en dato (dd-mm-åååå eller åååå-mm-dd)",
    ),
    "future_since": (
        "unemployed since {d}, a date in the future; unemployment cannot start after today",
        "ledig siden {d}, en dato i fremtiden; ledighed kan ikke begynde senere end i dag",
    ),
    "future_updated": (
        "CV updated {d}, a date in the future; a CV cannot be updated after today",
        "CV opdateret {d}, en dato i fremtiden; et CV kan ikke opdateres senere end i dag",
    ),
    "years": (
        "not a whole number of years between 0 and 70",
        "ikke et helt antal år mellem 0 og 70",
    ),
    "bool": ("must be ja or nej", "skal være ja eller nej"),
    "licence": (
        "unknown driving licence class(es) {d}; valid: " + ", ".join(DRIVING_LICENCES),
        "ukendt kørekortkategori {d}; gyldige: " + ", ".join(DRIVING_LICENCES),
    ),
    "duplicate": (
        "duplicate borger_id in the same jobcenter (first in row {d}; that row is kept)",
        "borger-id findes allerede for samme jobcenter (første gang i række {d}, som bevares)",
    ),
    "cvr": ("not a CVR number (8 digits)", "ikke et CVR-nummer (8 cifre)"),
    "pnr": ("not a P-number (10 digits)", "ikke et P-nummer (10 cifre)"),
    "kind": (
        "unknown collaboration type; valid: " + ", ".join(COLLABORATION_KINDS),
        "ukendt samarbejdstype; gyldige: " + ", ".join(COLLABORATION_KINDS),
    ),
    "period": ("ends before it starts ({d})", "slutter før den starter ({d})"),
    "duplicate_collab": (
        "duplicate collaboration (same cvr, pnr, type and start as row {d}; that row is kept)",
        "samarbejdet findes allerede (samme cvr, pnr, type og start som række {d}, som bevares)",
    ),
}


def reason_text(code: str, detail: str | None, lang: str = "en") -> str:
    en, da = REASONS[code]
    return (da if lang == "da" else en).replace("{d}", detail or "")


def fold(text: str) -> str:
    """Lower-case, æ/ø/å as ae/oe/aa, runs of space, '-' and '_' as one space."""
    import re

    t = text.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[\s_\-]+", " ", t)


def _fold_sql(v: str) -> str:
    return (
        f"regexp_replace(replace(replace(replace(lower(trim({v})), 'æ', 'ae'), 'ø', 'oe'), "
        f"'å', 'aa'), '[\\s_\\-]+', ' ', 'g')"
    )


def kind_lookup() -> list[tuple[str, str]]:
    pairs = {fold(k): k for k in COLLABORATION_KINDS}
    pairs.update({fold(v): k for v, k in ((v, k) for k, v in COLLABORATION_KINDS.items())})
    pairs.update({fold(s): k for s, k in KIND_SYNONYMS.items()})
    return sorted(pairs.items())


def _kode(v: str) -> str:
    """SQL: a 1-4 digit municipality/jobcenter code padded to 4 digits ('101' -> '0101'), else
    NULL (Excel drops leading zeros; 101 and 0101 must be the same jobcenter)."""
    t = f"trim(CAST({v} AS VARCHAR))"
    return f"CASE WHEN regexp_full_match({t}, '[0-9]{{1,4}}') THEN lpad({t}, 4, '0') END"


def _num(v: str) -> str:
    # Danish decimals: '720.000,5' and '720000,5' -> 720000.5; '720000.5' stays.
    s = f"replace(replace({v}, ' ', ''), chr(160), '')"
    return f"try_cast(CASE WHEN contains({s}, ',') THEN replace(replace({s}, '.', ''), ',', '.') ELSE {s} END AS DOUBLE)"


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _date(v: str, today: date) -> str:
    """SQL: ``dd-mm-yyyy`` (also ``.``/``/``), ``yyyy-mm-dd`` (a time after it is dropped) or
    an Excel date serial (``45123``, ``45123,0``, ``45123.0``) from EXCEL_SERIAL_FROM to a
    year after ``today``; anything else is NULL."""
    latest = _one_year_after(today)
    serial = f"({date_sql(EXCEL_EPOCH)} + try_cast(regexp_extract({v}, '^[0-9]+') AS INTEGER))"
    return (
        f"(CASE WHEN regexp_full_match({v}, '[0-9]{{1,2}}[-./][0-9]{{1,2}}[-./][0-9]{{4}}') "
        f"THEN try_strptime(regexp_replace({v}, '[./]', '-', 'g'), '%d-%m-%Y') "
        f"WHEN regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}([ T][0-9:.]+)?') "
        f"THEN try_strptime(regexp_extract({v}, '^[0-9-]+'), '%Y-%m-%d') "
        f"WHEN regexp_full_match({v}, '[0-9]{{5}}([.,]0+)?') "
        f"AND {serial} BETWEEN {date_sql(EXCEL_SERIAL_FROM)} AND {date_sql(latest)} "
        f"THEN {serial} END)::DATE"
    )


def date_sql(day: date) -> str:
    """A DATE literal; only for ``date`` objects from the code (never text from a file)."""
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {day!r}")
    return f"DATE '{day.isoformat()}'"


def _bool(v: str) -> str:
    return (
        f"(CASE WHEN lower({v}) IN ('ja', 'j', 'yes', 'y', 'true', 'sand', '1', 'x') THEN true "
        f"WHEN lower({v}) IN ('nej', 'n', 'no', 'false', 'falsk', '0') THEN false END)"
    )


def _list(v: str, seps: str, *, upper: bool = False, lower: bool = False) -> str:
    val = f"upper({v})" if upper else f"lower({v})" if lower else v
    return (
        f"list_filter(list_transform(regexp_split_to_array({val}, '[{seps}]'), t -> trim(t)), "
        f"t -> t <> '')"
    )


@dataclass
class Taxonomy:
    """Codes from the live cache that values are checked against."""

    occupations: list[tuple[str, str, list[str] | None]] = field(default_factory=list)
    qualifications: list[tuple[str, str]] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)


@dataclass
class Validated:
    accepted: int
    rejected_rows: int
    jobcenters: list[str]
    unresolved: dict[str, dict[str, int]]
    unplaced: int


class Validator:
    """Runs the checks for one file on the in-memory connection ``mem`` (table ``raw``)."""

    def __init__(
        self,
        mem: duckdb.DuckDBPyConnection,
        kind: ImportKind,
        headers: Sequence[str],
        index: dict[str, int],
        *,
        jobcenter: str | None = None,
        taxonomy: Taxonomy | None = None,
        check_cancel: Callable[[], None] | None = None,
        today: date | None = None,
    ):
        self.mem = mem
        self.kind = kind
        self.headers = list(headers)
        self.index = index
        self.jobcenter = jobcenter
        self.tax = taxonomy or Taxonomy()
        self.check_cancel = check_cancel or (lambda: None)
        # Dates after today are impossible for some fields; tests pass a fixed day.
        self.today = today if today is not None else date.today()
        if isinstance(self.today, datetime):
            self.today = self.today.date()
        self.jobcenters: list[str] = []

    # -- helpers

    def col(self, name: str) -> str:
        i = self.index.get(name)
        return f"c{i}" if i is not None else "NULL::VARCHAR"

    def header(self, name: str) -> str:
        i = self.index.get(name)
        return self.headers[i] if i is not None else name

    def _reject(
        self, name: str, value_sql: str, code: str, cond: str, detail_sql: str = "NULL"
    ) -> None:
        self.mem.execute(
            f"INSERT INTO rej SELECT __row, ?, {value_sql}, ?, {detail_sql} FROM p "
            f"WHERE ({cond}) AND __row NOT IN (SELECT __row FROM cpr_rows)",
            [self.header(name), code],
        )
        self.check_cancel()

    # -- the run

    def run(self) -> Validated:
        m = self.mem
        m.execute(
            "CREATE OR REPLACE TABLE rej (__row BIGINT, field VARCHAR, value VARCHAR, code VARCHAR, detail VARCHAR)"
        )
        self._scan_cpr()
        if self.kind == "candidates":
            self._candidates()
        else:
            self._collaborations()
        accepted = m.execute("SELECT count(*) FROM clean").fetchone()[0]
        rejected = m.execute("SELECT count(DISTINCT __row) FROM rej").fetchone()[0]
        jcs = self.jobcenters
        unplaced = 0
        if self.kind == "candidates":
            unplaced = m.execute("SELECT count(*) FROM clean WHERE x IS NULL").fetchone()[0]
        unresolved = self._unresolved()
        # Keep only what the rejects and the transfer need (raw, rej, cpr_rows, clean).
        for table in (
            "good",
            "occ_items",
            "occ_resolved",
            "occ_codes",
            "qual_items",
            "qual_resolved",
            "qual_codes",
            "cpr_hits",
        ):
            m.execute(f"DROP TABLE IF EXISTS {table}")
        return Validated(int(accepted), int(rejected), jcs, unresolved, int(unplaced))

    def _scan_cpr(self) -> None:
        """Every column of every row; the P-number column only for the separated forms.

        SQL pre-selects the values that could hold ten digits (one pass over each row's
        values joined, then per column on the few rows that pass); :func:`find_cpr` decides,
        so the rule (normalisation included) exists once.
        """
        m = self.mem
        width = len(self.headers)
        m.execute("CREATE OR REPLACE TABLE cpr_hits (__row BIGINT, col INTEGER)")
        pnr = self.index.get("pnr") if self.kind == "collaborations" else None
        cols = [f"c{i}" for i in range(width)]
        joined = f"concat_ws('{ROW_JOINER}', {', '.join(cols)})"
        # A plain 10-digit P-number is exempt from the unseparated form: not worth a look.
        picks = ", ".join(
            f"CASE WHEN {cpr_candidate_sql(c)}"
            + (f" AND NOT regexp_full_match({c}, '[0-9]{{10}}')" if i == pnr else "")
            + f" THEN {{'col': {i}, 'v': {c}}} END"
            for i, c in enumerate(cols)
        )
        cur = m.execute(
            # The joined row is computed once (the test names it three times).
            f"SELECT __row, list_filter([{picks}], x -> x IS NOT NULL) FROM "
            f"(SELECT *, {joined} AS __joined FROM raw) WHERE {cpr_candidate_sql('__joined')}"
        )
        hits: list[tuple[int, int]] = []
        while rows := cur.fetchmany(10_000):
            for row, picked in rows:
                for item in picked:
                    col, value = item["col"], item["v"]
                    if looks_like_cpr(value, separated_only=(col == pnr)):
                        hits.append((row, col))
            self.check_cancel()
        if hits:
            found = pa.table(
                {"r": pa.array([h[0] for h in hits], pa.int64()), "c": [h[1] for h in hits]}
            )
            m.register("_cpr_found", found)
            try:
                m.execute("INSERT INTO cpr_hits SELECT r, c FROM _cpr_found")
            finally:
                m.unregister("_cpr_found")
        m.execute("CREATE OR REPLACE TABLE cpr_rows AS SELECT DISTINCT __row FROM cpr_hits")
        # One reject per (row, column); the value itself is never stored.
        m.execute(
            "INSERT INTO rej SELECT __row, (?::VARCHAR[])[col + 1], ?, 'cpr', NULL FROM cpr_hits",
            [self.headers, MASK],
        )

    def _release(self, *, keep_as_good: bool = False) -> None:
        """The rejects are final: note the jobcenters, then free what is no longer needed
        (``raw`` except the rejected rows, which the rejects output shows, and ``p``, or with
        ``keep_as_good`` its rejected rows: ``p`` becomes ``good`` without a copy)."""
        self.jobcenters = [
            r[0]
            for r in self.mem.execute(
                "SELECT DISTINCT jobcenter FROM p WHERE jobcenter IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        if keep_as_good:
            self.mem.execute("DELETE FROM p WHERE __row IN (SELECT __row FROM rej)")
            self.mem.execute("DROP TABLE IF EXISTS good")
            self.mem.execute("ALTER TABLE p RENAME TO good")
        else:
            self.mem.execute("DROP TABLE p")
        self.mem.execute("DELETE FROM raw WHERE __row NOT IN (SELECT __row FROM rej)")
        self.check_cancel()

    def _candidates(self) -> None:
        m = self.mem
        c = self.col
        jc = "?::VARCHAR" if self.jobcenter else c("jobcenter")
        # jc appears three times below (the raw value, and twice in _kode)
        params = [self.jobcenter] * 3 if self.jobcenter else []
        m.execute(
            f"""
            CREATE OR REPLACE TABLE p AS SELECT __row,
                {c("borger_id")} AS candidate_id,
                {jc} AS jc_raw,
                {_kode(jc)} AS jobcenter,
                {c("kommunekode")} AS kk_raw,
                CASE WHEN regexp_full_match({c("kommunekode")}, '[0-9]{{1,4}}')
                     THEN lpad({c("kommunekode")}, 4, '0') END AS kommune_kode,
                {c("x")} AS x_raw, {_num(c("x"))} AS x,
                {c("y")} AS y_raw, {_num(c("y"))} AS y,
                {c("stillingsbetegnelser")} AS occ_raw,
                {c("kvalifikationer")} AS qual_raw,
                {c("koerekort")} AS lic_raw,
                {_list(c("koerekort"), "|,;/ ", upper=True)} AS driving_licences,
                {_list(c("sprog"), "|,;", lower=True)} AS languages,
                {c("uddannelse")} AS education,
                {c("erfaring_aar")} AS exp_raw, {_num(c("erfaring_aar"))} AS exp_num,
                {c("ledig_siden")} AS since_raw, {_date(c("ledig_siden"), self.today)} AS unemployed_since,
                {c("maalgruppe")} AS target_group,
                {c("cv_soegbar")} AS cv_raw, {_bool(c("cv_soegbar"))} AS cv_searchable,
                {c("cv_opdateret")} AS upd_raw, {_date(c("cv_opdateret"), self.today)} AS cv_updated
            FROM raw WHERE __row NOT IN (SELECT __row FROM cpr_rows)
            """,
            params,
        )
        self.check_cancel()
        r = self._reject
        r("borger_id", "NULL", "required", "candidate_id IS NULL")
        r("jobcenter", "NULL", "required", "jc_raw IS NULL")
        r("jobcenter", "jc_raw", "jobcenter", "jc_raw IS NOT NULL AND jobcenter IS NULL")
        r("kommunekode", "kk_raw", "kommunekode", "kk_raw IS NOT NULL AND kommune_kode IS NULL")
        if self.tax.municipalities:
            m.execute(
                "CREATE OR REPLACE TABLE munis AS SELECT unnest(?::VARCHAR[]) AS kode",
                [self.tax.municipalities],
            )
            r(
                "kommunekode", "kk_raw", "kommune_unknown",
                "kommune_kode IS NOT NULL AND kommune_kode NOT IN (SELECT kode FROM munis)", "kommune_kode",
            )  # fmt: skip
        for axis, (lo, hi) in (("x", X_RANGE), ("y", Y_RANGE)):
            r(axis, f"{axis}_raw", "number", f"{axis}_raw IS NOT NULL AND {axis} IS NULL")
            r(
                axis,
                f"{axis}_raw",
                "coord_range",
                f"{axis} IS NOT NULL AND NOT ({axis} BETWEEN {lo} AND {hi})",
            )
        r("x", "coalesce(x_raw, y_raw)", "xy_pair", "(x_raw IS NULL) <> (y_raw IS NULL)")
        r(
            "koerekort", "lic_raw", "licence",
            f"len(list_filter(driving_licences, t -> NOT list_contains({list(DRIVING_LICENCES)}, t))) > 0",
            f"array_to_string(list_filter(driving_licences, t -> NOT list_contains({list(DRIVING_LICENCES)}, t)), ', ')",
        )  # fmt: skip
        r(
            "erfaring_aar", "exp_raw", "years",
            "exp_raw IS NOT NULL AND (exp_num IS NULL OR exp_num <> floor(exp_num) OR exp_num < 0 OR exp_num > 70)",
        )  # fmt: skip
        r("ledig_siden", "since_raw", "date", "since_raw IS NOT NULL AND unemployed_since IS NULL")
        r("cv_opdateret", "upd_raw", "date", "upd_raw IS NOT NULL AND cv_updated IS NULL")
        # Both record something that has happened: a date after today is an error in the export.
        # (Collaborations' start and slut may lie ahead: planned and agreed periods.)
        today = date_sql(self.today)
        r(
            "ledig_siden", "since_raw", "future_since", f"unemployed_since > {today}",
            "strftime(unemployed_since, '%d-%m-%Y')",
        )  # fmt: skip
        r(
            "cv_opdateret", "upd_raw", "future_updated", f"cv_updated > {today}",
            "strftime(cv_updated, '%d-%m-%Y')",
        )  # fmt: skip
        r("cv_soegbar", "cv_raw", "bool", "cv_raw IS NOT NULL AND cv_searchable IS NULL")
        # Duplicates among otherwise valid rows: the first row wins.
        m.execute(
            """
            INSERT INTO rej SELECT __row, ?, candidate_id, 'duplicate', first::VARCHAR FROM (
                SELECT __row, candidate_id,
                       min(__row) OVER (PARTITION BY jobcenter, candidate_id) AS first
                FROM p WHERE __row NOT IN (SELECT __row FROM rej)
            ) WHERE __row <> first
            """,
            [self.header("borger_id")],
        )
        self.check_cancel()
        self._release(keep_as_good=True)
        self._resolve_occupations()
        self._resolve_qualifications()
        m.execute(
            f"""
            CREATE OR REPLACE TABLE clean AS SELECT
                g.candidate_id, g.jobcenter, g.kommune_kode, g.x, g.y,
                coalesce(o.codes, []::VARCHAR[]) AS occupation_codes,
                coalesce(q.codes, []::VARCHAR[]) AS qualification_codes,
                coalesce(g.driving_licences, []::VARCHAR[]) AS driving_licences,
                coalesce(g.languages, []::VARCHAR[]) AS languages,
                g.education, g.exp_num::INTEGER AS experience_years, g.unemployed_since,
                g.target_group, g.cv_searchable, g.cv_updated, '{SOURCE}' AS source
            FROM good g
            LEFT JOIN occ_codes o USING (__row)
            LEFT JOIN qual_codes q USING (__row)
            ORDER BY g.__row
            """
        )

    def _items(self, raw_col: str, target: str) -> None:
        self.mem.execute(
            f"""
            CREATE OR REPLACE TABLE {target} AS
            SELECT __row, unnest(items) AS item, generate_subscripts(items, 1) AS pos FROM (
                SELECT __row, {_list(raw_col, "|")} AS items FROM good WHERE {raw_col} IS NOT NULL
            )
            """
        )

    def _resolve_occupations(self) -> None:
        m = self.mem
        m.execute("CREATE OR REPLACE TABLE tax_occ (k VARCHAR, code VARCHAR, prio INTEGER)")
        rows: list[tuple[str, str, int]] = []
        for code, title, aliases in self.tax.occupations:
            rows.append((code.lower(), code, 0))
            if title:
                rows.append((title.strip().lower(), code, 1))
            for a in aliases or ():
                if a:
                    rows.append((a.strip().lower(), code, 2))
        if rows:
            m.executemany("INSERT INTO tax_occ VALUES (?, ?, ?)", rows)
        empty = not rows
        self._items("occ_raw", "occ_items")
        lookup = "(SELECT k, arg_min(code, prio) AS code FROM tax_occ GROUP BY k)"
        fallback = (
            "CASE WHEN regexp_full_match(i.item, '[0-9]{1,6}') THEN i.item END" if empty else "NULL"
        )
        m.execute(
            f"""
            CREATE OR REPLACE TABLE occ_resolved AS
            SELECT i.__row, i.pos, i.item, coalesce(t.code, {fallback}) AS code
            FROM occ_items i LEFT JOIN {lookup} t ON t.k = lower(i.item)
            """
        )
        m.execute(
            # First occurrences in the file's order (list_distinct does not keep the order).
            "CREATE OR REPLACE TABLE occ_codes AS SELECT __row, "
            "list_filter(l, (x, i) -> list_position(l, x) = i) AS codes FROM ("
            "SELECT __row, list(code ORDER BY pos) AS l FROM occ_resolved WHERE code IS NOT NULL "
            "GROUP BY __row)"
        )
        self.check_cancel()

    def _resolve_qualifications(self) -> None:
        m = self.mem
        m.execute("CREATE OR REPLACE TABLE tax_qual (k VARCHAR, code VARCHAR, prio INTEGER)")
        rows = [(code.lower(), code, 0) for code, _ in self.tax.qualifications]
        rows += [(t.strip().lower(), code, 1) for code, t in self.tax.qualifications if t]
        if rows:
            m.executemany("INSERT INTO tax_qual VALUES (?, ?, ?)", rows)
        self._items("qual_raw", "qual_items")
        # Without a qualification taxonomy in the cache the values are kept as given.
        code = "t.code" if rows else "i.item"
        m.execute(
            f"""
            CREATE OR REPLACE TABLE qual_resolved AS
            SELECT i.__row, i.pos, i.item, {code} AS code FROM qual_items i
            LEFT JOIN (SELECT k, arg_min(code, prio) AS code FROM tax_qual GROUP BY k) t
              ON t.k = lower(i.item)
            """
        )
        m.execute(
            # First occurrences in the file's order (list_distinct does not keep the order).
            "CREATE OR REPLACE TABLE qual_codes AS SELECT __row, "
            "list_filter(l, (x, i) -> list_position(l, x) = i) AS codes FROM ("
            "SELECT __row, list(code ORDER BY pos) AS l FROM qual_resolved WHERE code IS NOT NULL "
            "GROUP BY __row)"
        )
        self.check_cancel()

    def _unresolved(self) -> dict[str, dict[str, int]]:
        if self.kind != "candidates":
            return {}
        out: dict[str, dict[str, int]] = {}
        for name, table in (
            ("stillingsbetegnelser", "occ_resolved"),
            ("kvalifikationer", "qual_resolved"),
        ):
            rows = self.mem.execute(
                f"SELECT item, count(*) AS n FROM {table} WHERE code IS NULL "
                "GROUP BY item ORDER BY n DESC, item LIMIT ?",
                [UNRESOLVED_LIMIT],
            ).fetchall()
            if rows:
                out[name] = {item: int(n) for item, n in rows}
        return out

    def _collaborations(self) -> None:
        m = self.mem
        c = self.col
        jc = "?::VARCHAR" if self.jobcenter else c("jobcenter")
        # jc appears three times below (the raw value, and twice in _kode)
        params: list[Any] = [self.jobcenter] * 3 if self.jobcenter else []
        m.execute("CREATE OR REPLACE TABLE kinds (k VARCHAR, kind VARCHAR)")
        m.executemany("INSERT INTO kinds VALUES (?, ?)", kind_lookup())
        cvr = f"regexp_replace(upper({c('cvr')}), '^ *DK|[ .-]', '', 'g')"
        pnr = f"regexp_replace({c('pnr')}, '[ .-]', '', 'g')"
        m.execute(
            f"""
            CREATE OR REPLACE TABLE p AS SELECT __row,
                {c("cvr")} AS cvr_raw,
                CASE WHEN regexp_full_match({cvr}, '[0-9]{{8}}') THEN {cvr} END AS cvr,
                {c("pnr")} AS pnr_raw,
                CASE WHEN regexp_full_match({pnr}, '[0-9]{{10}}') THEN {pnr} END AS pnr,
                {jc} AS jc_raw,
                {_kode(jc)} AS jobcenter,
                {c("type")} AS kind_raw,
                (SELECT kind FROM kinds WHERE k = {_fold_sql(c("type"))}) AS kind,
                {c("start")} AS start_raw, {_date(c("start"), self.today)} AS started,
                {c("slut")} AS end_raw, {_date(c("slut"), self.today)} AS ended,
                {c("status")} AS status,
                {c("note")} AS note
            FROM raw WHERE __row NOT IN (SELECT __row FROM cpr_rows)
            """,
            params,
        )
        self.check_cancel()
        r = self._reject
        r("cvr", "NULL", "required", "cvr_raw IS NULL")
        r("cvr", "cvr_raw", "cvr", "cvr_raw IS NOT NULL AND cvr IS NULL")
        r("pnr", "pnr_raw", "pnr", "pnr_raw IS NOT NULL AND pnr IS NULL")
        r("jobcenter", "NULL", "required", "jc_raw IS NULL")
        r("jobcenter", "jc_raw", "jobcenter", "jc_raw IS NOT NULL AND jobcenter IS NULL")
        r("type", "NULL", "required", "kind_raw IS NULL")
        r("type", "kind_raw", "kind", "kind_raw IS NOT NULL AND kind IS NULL")
        r("start", "start_raw", "date", "start_raw IS NOT NULL AND started IS NULL")
        r("slut", "end_raw", "date", "end_raw IS NOT NULL AND ended IS NULL")
        r(
            "slut", "end_raw", "period", "ended < started",
            "strftime(started, '%d-%m-%Y') || ' > ' || strftime(ended, '%d-%m-%Y')",
        )  # fmt: skip
        m.execute(
            """
            INSERT INTO rej SELECT __row, ?, cvr_raw, 'duplicate_collab', first::VARCHAR FROM (
                SELECT __row, cvr_raw, min(__row) OVER (
                    PARTITION BY jobcenter, cvr, pnr, kind, started) AS first
                FROM p WHERE __row NOT IN (SELECT __row FROM rej)
            ) WHERE __row <> first
            """,
            [self.header("cvr")],
        )
        m.execute(
            f"""
            CREATE OR REPLACE TABLE clean AS SELECT cvr, pnr, jobcenter, kind, started, ended,
                status, note, '{SOURCE}' AS source
            FROM p WHERE __row NOT IN (SELECT __row FROM rej) ORDER BY __row
            """
        )
        self._release()

    # -- rejects for output

    def rejects(self, lang: str = "en", limit: int | None = None) -> list[dict[str, Any]]:
        """Reject records in row order with the row's values (CPR-like parts masked)."""
        out: list[dict[str, Any]] = []
        for batch in self.iter_rejects(lang):
            out.extend(batch)
            if limit is not None and len(out) >= limit:
                return out[:limit]
        return out

    def iter_rejects(self, lang: str = "en", batch: int = 20_000) -> Iterator[list[dict[str, Any]]]:
        """:meth:`rejects` in batches, so that a file with many bad rows stays in bounded memory."""
        # On ``mem`` itself (the TEMP tables are per connection); the caller runs nothing else
        # on it while iterating.
        values = ", ".join(f"w.c{i}" for i in range(len(self.headers)))
        cur = self.mem
        cur.execute(
            f"""
            SELECT f.__row, f.field, f.value, f.code, f.detail, [{values}]
            FROM rej f LEFT JOIN raw w USING (__row)
            ORDER BY f.__row, f.field
            """
        )
        while rows := cur.fetchmany(batch):
            yield [
                {
                    "row": int(row),
                    "column": "(række)" if fld == "(row)" and lang == "da" else fld,
                    # Every text that leaves the check is masked with the one rule.
                    "value": mask_cpr(value),
                    "reason": reason_text(code, detail, lang),
                    "code": code,
                    "detail": mask_cpr(detail),
                    "values": {
                        mask_cpr_in(h): mask_cpr(v)
                        for h, v in zip(self.headers, values or [], strict=False)
                    },
                }
                for row, fld, value, code, detail, values in rows
            ]
