"""Taxonomies refresh: classification files -> industries (DB07 and DB25, a ``system``
column), industries_db25, industry_key, occupations, qualifications.

Statistics Denmark's classification files come as ``;``-CSV (``KODE;NIVEAU;TITEL``, UTF-8
with BOM or cp1252) or as the TSV hierarchy form (``ID, Niveau, Section, Hovedgruppe, ...,
Tekst, 2-kode, 3-kode, 4-kode, 6-kode``). Codes are stored without dots; the parent is
the nearest code one level up. Only tables whose source is configured are replaced (for
``industries``: only the rows of the configured system).
DISCO-08 is read from Statistics Denmark's classification export (the "kvaldel" CSV:
``SEKVENS;KODE;NIVEAU;TITEL;...;INKLUDERER;...``): the job titles in ``INKLUDERER`` (comma
separated) become the occupation's aliases, so no separate alias file is needed.
The DB07<->DB25 key (``db07_db25_key``: a CSV of code pairs) fills ``industry_key``; the
industry filter maps between the systems through it.
ESCO (optional) adds Danish labels as aliases to the DISCO-08 unit group (the first four
digits of an ESCO occupation code are its ISCO-08 group) and skills as qualifications.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.core.plugins.api import DB07, DB25, PluginError, RefreshContext

CODE_HEADERS = ("KODE", "CODE", "DISCO", "DISCO-08", "DISCO_KODE", "DISCOKODE")
ALIAS_HEADERS = ("TITEL", "STILLINGSBETEGNELSE", "BETEGNELSE", "ALIAS", "SYNONYM", "TITLE", "TEKST")
INCLUDES_HEADER = "INKLUDERER"  # kvaldel: the job titles a DISCO code includes


SOURCE_KEYS = ("db07_url", "db25_url", "db07_db25_key", "disco_url")


def refresh(ctx: RefreshContext) -> None:
    if not any(ctx.setting(k, "") for k in SOURCE_KEYS) and not _true(ctx.setting("esco", False)):
        raise PluginError(
            "ingen klassifikation er sat op: sæt plugins.taxonomies.disco_url (DISCO-08) "
            "eller db07_url; de hidtidige data er bevaret"
        )
    steps = [("db07_url", "industries", DB07), ("db25_url", "industries_db25", DB25)]
    loaded: dict[str, list[dict[str, Any]]] = {}
    for i, (key, reject_table, system) in enumerate(steps):
        location = ctx.setting(key, "")
        if not location:
            continue
        ctx.check_cancelled()
        ctx.progress(0.05 + 0.15 * i, f"henter {system}")
        rows = parse_classification(ctx, reject_table, read_table(ctx, location))
        if not rows:
            raise PluginError(f"{system}-filen gav ingen koder; de hidtidige data er bevaret")
        loaded[system] = rows
    if loaded:
        # only the configured systems' rows are replaced; the other system's stay
        marks = ", ".join("?" for _ in loaded)
        ctx.staging.table(
            "industries", mode="replace_where", where=f"system IN ({marks})", params=list(loaded)
        )
        for system, rows in loaded.items():
            ctx.staging.insert("industries", ({**r, "system": system} for r in rows))
    if DB25 in loaded:  # the DB25-only table stays for scripts that read it
        ctx.staging.table("industries_db25")
        ctx.staging.insert("industries_db25", loaded[DB25])

    key_location = ctx.setting("db07_db25_key", "")
    if key_location:
        ctx.check_cancelled()
        ctx.progress(0.35, "henter DB07-DB25-nøgle")
        pairs = parse_key(ctx, read_table(ctx, key_location))
        if not pairs:
            raise PluginError("DB07-DB25-nøglen gav ingen kodepar; de hidtidige data er bevaret")
        ctx.staging.table("industry_key")
        ctx.staging.insert("industry_key", pairs)

    occupations: dict[str, dict[str, Any]] | None = None
    disco = ctx.setting("disco_url", "")
    if disco:
        ctx.progress(0.45, "henter DISCO-08")
        table = read_table(ctx, disco)
        rows = parse_classification(ctx, "occupations", table)
        if not rows:
            raise PluginError("DISCO-08-filen gav ingen koder; de hidtidige data er bevaret")
        included = included_titles(table)
        occupations = {r["code"]: {**r, "aliases": included.get(r["code"], [])} for r in rows}
        aliases_location = ctx.setting("disco_aliases_url", "")
        if aliases_location:
            ctx.progress(0.55, "henter stillingsbetegnelser")
            _add_aliases(ctx, occupations, read_table(ctx, aliases_location))

    if _true(ctx.setting("esco", False)):
        if occupations is None:  # keep the live DISCO titles, refresh only their aliases
            occupations = {
                code: {
                    "code": code,
                    "title": title,
                    "parent_code": parent,
                    "aliases": list(aliases or []),
                    "level": level,
                }
                for code, title, parent, aliases, level in ctx.query(
                    "SELECT code, title, parent_code, aliases, level FROM occupations"
                )
            }
        _esco(ctx, occupations)

    if occupations is not None:
        ctx.check_cancelled()
        ctx.staging.table("occupations")
        ctx.staging.insert(
            "occupations",
            (
                {**o, "aliases": sorted(set(o["aliases"]) - {o["title"]})}
                for o in occupations.values()
            ),
        )
    ctx.progress(1.0, "klassifikationer opdateret")


def _true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "ja")


# -- reading files


def _fetch(ctx: RefreshContext, location: str) -> tuple[bytes, str | None]:
    """The file's bytes and the charset its server declared (None for files)."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        response = ctx.session.get(location, timeout=ctx.timeout)
        response.raise_for_status()
        declared = "charset=" in response.headers.get("Content-Type", "").lower()
        return response.content, response.encoding if declared else None
    path = Path(location[7:] if scheme == "file" else location)
    try:
        return path.read_bytes(), None
    except OSError as exc:
        raise PluginError(f"kan ikke læse {path}: {exc.strerror}") from exc


def _decode(body: bytes, declared: str | None = None) -> str:
    """Text in the file's real encoding: a BOM wins; then UTF-8 when the bytes are valid
    UTF-8 (Danish letters in another 8-bit encoding never are), then the charset the server
    declared, then cp1252 (Danish Excel and older dst.dk exports)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body.decode("utf-8-sig")
    for encoding in ("utf-8", declared):
        if encoding:
            try:
                return body.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    return body.decode("cp1252", errors="replace")


def read_table(ctx: RefreshContext, location: str) -> list[list[str]]:
    """Header and rows of a ``;``-CSV, TSV or ``,``-CSV file (delimiter from the header)."""
    text = _decode(*_fetch(ctx, location))
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in ("\t", ";", ",")}
    if counts["\t"] > counts[";"]:
        delimiter = "\t"
    elif counts[";"] or not counts[","]:
        delimiter = ";"
    else:
        delimiter = ","
    rows = [
        r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)
    ]
    if not rows:
        raise PluginError(f"{location.split('?', 1)[0]} er tom")
    return rows


def _clean_code(value: str) -> str:
    return value.strip().replace(".", "").replace(" ", "")


def parse_classification(
    ctx: RefreshContext, table: str, rows: list[list[str]]
) -> list[dict[str, Any]]:
    """Rows ``{code, title, level, parent_code}`` from a classification file (header first)."""
    header = [h.strip().upper() for h in rows[0]]
    out: list[dict[str, Any]] = []
    if "KODE" in header and "TITEL" in header:
        ci, ti = header.index("KODE"), header.index("TITEL")
        li = header.index("NIVEAU") if "NIVEAU" in header else None

        def entries() -> Iterator[tuple[int, str, str, int | None, str | None]]:
            for n, r in enumerate(rows[1:], start=2):
                level = _int(r[li]) if li is not None and li < len(r) else None
                yield n, _cell(r, ci), _cell(r, ti), level, None

    elif {"NIVEAU", "TEKST", "6-KODE"} <= set(header):
        cols = [header.index(c) for c in ("SECTION", "2-KODE", "3-KODE", "4-KODE", "6-KODE")]
        ni, ti = header.index("NIVEAU"), header.index("TEKST")

        def entries() -> Iterator[tuple[int, str, str, int | None, str | None]]:
            for n, r in enumerate(rows[1:], start=2):
                niveau = _int(_cell(r, ni))
                if niveau is None or not 0 <= niveau < len(cols):
                    ctx.staging.reject(table, "ukendt niveau", n, "Niveau", _cell(r, ni), r)
                    continue
                # The row names its own ancestors: the nearest non-empty one is the parent.
                parent = next(
                    (_clean_code(_cell(r, c)) for c in reversed(cols[:niveau]) if _cell(r, c)), ""
                )
                yield n, _cell(r, cols[niveau]), _cell(r, ti), niveau + 1, parent

    else:
        raise PluginError(
            f"ukendt filformat for {table}: kolonner {', '.join(h for h in header if h)}"
        )

    seen: set[str] = set()
    stack: dict[int, str] = {}
    for n, raw_code, title, level, explicit_parent in entries():
        code = _clean_code(raw_code)
        if not code:
            ctx.staging.reject(table, "mangler kode", n, "kode", raw_code, {"title": title})
            continue
        if not title:
            ctx.staging.reject(table, "mangler titel", n, "titel", code, {"code": code})
            continue
        if code in seen:
            ctx.staging.reject(table, "kode findes flere gange", n, "kode", code, {"title": title})
            continue
        seen.add(code)
        if level is None:
            level = len(code) if code.isdigit() else 1
        stack[level] = code
        for deeper in [lv for lv in stack if lv > level]:
            del stack[deeper]
        if explicit_parent is not None:
            parent = explicit_parent if explicit_parent in seen else None
        else:
            parent = next((stack[lv] for lv in range(level - 1, 0, -1) if lv in stack), None)
        out.append({"code": code, "title": title, "level": level, "parent_code": parent})
    return out


def _cell(row: Sequence[str], i: int) -> str:
    return row[i].strip() if i < len(row) else ""


def _int(value: str) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _add_aliases(
    ctx: RefreshContext, occupations: dict[str, dict[str, Any]], rows: list[list[str]]
) -> None:
    header = [h.strip().upper() for h in rows[0]]
    ci = next((header.index(h) for h in CODE_HEADERS if h in header), 0)
    ai = next(
        (header.index(h) for h in ALIAS_HEADERS if h in header and header.index(h) != ci),
        1 if ci == 0 else 0,
    )
    for n, r in enumerate(rows[1:], start=2):
        code, alias = _clean_code(_cell(r, ci)), _cell(r, ai)
        if not code or not alias:
            ctx.staging.reject("occupations", "synonym uden kode eller tekst", n, None, None, r)
            continue
        target = occupations.get(code)
        if target is None:
            ctx.staging.reject("occupations", "synonym til ukendt DISCO-kode", n, "kode", code, r)
            continue
        target["aliases"].append(alias)


def included_titles(rows: list[list[str]]) -> dict[str, list[str]]:
    """Job titles per code from a kvaldel export's ``INKLUDERER`` column (comma separated);
    empty when the file has no such column."""
    header = [h.strip().upper() for h in rows[0]]
    if INCLUDES_HEADER not in header or "KODE" not in header:
        return {}
    ci, ii = header.index("KODE"), header.index(INCLUDES_HEADER)
    out: dict[str, list[str]] = {}
    for r in rows[1:]:
        titles = [t.strip() for t in _cell(r, ii).split(",") if t.strip()]
        if titles:
            out.setdefault(_clean_code(_cell(r, ci)), []).extend(titles)
    return out


def parse_key(ctx: RefreshContext, rows: list[list[str]]) -> list[dict[str, str]]:
    """``{db07_code, db25_code}`` pairs from a key file (header first).

    The DB07 column is the first header naming 07 (``DB07``, ``DB07_KODE``, ...), the DB25
    column the first naming 25; without such headers the first two columns. A code maps to
    several codes where an industry was split or merged: every pair is kept.
    """
    header = [h.strip().upper() for h in rows[0]]
    codes = [not any(w in h for w in ("TITEL", "TEKST", "NAVN", "TITLE")) for h in header]
    i07 = next((i for i, h in enumerate(header) if "07" in h and codes[i]), None)
    i25 = next((i for i, h in enumerate(header) if "25" in h and codes[i]), None)
    if i07 is None or i25 is None:
        i07, i25 = 0, 1
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for n, r in enumerate(rows[1:], start=2):
        db07, db25 = _clean_code(_cell(r, i07)), _clean_code(_cell(r, i25))
        if not db07 or not db25:
            ctx.staging.reject("industry_key", "kodepar mangler en kode", n, None, None, r)
            continue
        if (db07, db25) not in seen:
            seen.add((db07, db25))
            out.append({"db07_code": db07, "db25_code": db25})
    return out


# -- ESCO


def _esco(ctx: RefreshContext, occupations: dict[str, dict[str, Any]]) -> None:
    base = str(ctx.setting("esco_base_url", "https://ec.europa.eu/esco/api")).rstrip("/")
    size = int(ctx.setting("esco_page_size", 100))
    version = ctx.setting("esco_version", "")
    n = 0
    for item in _esco_search(ctx, base, "occupation", size, version, 0.6, 0.8):
        n += 1
        code = str(item.get("code") or "")
        group = code.split(".", 1)[0]
        labels = _labels(item)
        if not group or not labels:
            ctx.staging.reject(
                "occupations",
                "ESCO-stilling uden ISCO-kode eller dansk betegnelse",
                n,
                "code",
                code,
                {"uri": item.get("uri")},
            )
            continue
        target = occupations.get(group)
        if target is None:
            ctx.staging.reject(
                "occupations",
                "ESCO-stilling til ukendt DISCO-gruppe",
                n,
                "code",
                code,
                {"uri": item.get("uri")},
            )
            continue
        target["aliases"].extend(labels)
    if _true(ctx.setting("esco_skills", False)):
        rows = []
        # Each qualification once in the picker: a Danish label already in the list (the
        # starter list or an earlier ESCO skill) would show twice and split the candidates
        # between two codes.
        seen = {
            str(t).casefold()
            for (t,) in ctx.query("SELECT title FROM qualifications WHERE code NOT LIKE 'esco:%'")
        }
        for item in _esco_search(ctx, base, "skill", size, version, 0.8, 0.95):
            uri = str(item.get("uri") or "")
            labels = _labels(item)
            if not uri or not labels or labels[0].casefold() in seen:
                continue
            seen.add(labels[0].casefold())
            rows.append({"code": "esco:" + uri.rsplit("/", 1)[-1], "title": labels[0]})
        ctx.staging.table(
            "qualifications", mode="replace_where", where="code LIKE ?", params=["esco:%"]
        )
        ctx.staging.insert("qualifications", rows)


def _labels(item: dict[str, Any]) -> list[str]:
    pref = (item.get("preferredLabel") or {}).get("da")
    alts = (item.get("alternativeLabel") or {}).get("da") or []
    out = [pref] if pref else []
    out.extend(a for a in alts if isinstance(a, str))
    if not out and item.get("title") and item.get("language", "da") == "da":
        out.append(item["title"])
    return [str(x).strip() for x in out if str(x).strip()]


def _esco_search(
    ctx: RefreshContext, base: str, kind: str, size: int, version: str, p0: float, p1: float
) -> Iterator[dict[str, Any]]:
    offset = 0
    first: Any = None
    while True:
        ctx.check_cancelled()
        params: dict[str, Any] = {
            "type": kind,
            "language": "da",
            "full": "true",
            "limit": size,
            "offset": offset,
        }
        if version:
            params["selectedVersion"] = version
        response = ctx.session.get(f"{base}/search", params=params, timeout=ctx.timeout)
        response.raise_for_status()
        try:
            page = response.json()
        except json.JSONDecodeError as exc:
            raise PluginError(f"ugyldigt JSON fra ESCO: {exc.msg}") from exc
        # Without its total a page cannot tell the end from an answer cut short.
        embedded = page.get("_embedded") if isinstance(page, dict) else None
        results = embedded.get("results") if isinstance(embedded, dict) else []
        total = page.get("total") if isinstance(page, dict) else None
        if not isinstance(total, int) or not isinstance(results, list):
            raise PluginError(f"uventet svar fra ESCO ({kind}, offset {offset}): mangler total")
        if results and offset and results[0] == first:  # offset ignored: the same page again
            raise PluginError(f"ESCO ({kind}) gentager samme side ved offset {offset}")
        first = results[0] if results and not offset else first
        yield from results
        offset += len(results)
        ctx.progress(
            p0 + (p1 - p0) * min(1.0, offset / max(total, 1)), f"ESCO {kind}: {offset}/{total}"
        )
        if not results or offset >= total:
            ctx.received(f"ESCO {kind}", offset, total)
            return
