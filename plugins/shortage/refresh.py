"""Arbejdsmarkedsbalancen refresh: the published file -> ``shortage`` (one row per
occupation x municipality x period).

The file (``[plugins.shortage] url``: http(s) or a local path) is read by ``layout.py``. Each
row's area (RAR area, region, municipality or the whole country) becomes the municipalities
it covers (``areas.py``); its occupation becomes a DISCO-08 code: the published code when it
is a DISCO code the taxonomy knows (by its 4-digit unit group), else the title or an alias of
an occupation in the taxonomy. Rows that cannot be used go to ``shortage_rejects`` with the
reason. The live table is replaced only when at least one row was usable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from workbench.core.plugins.api import PluginError, RefreshContext, source_status_error

from .areas import MUNICIPALITIES, fold, municipalities_of
from .layout import LayoutError, Table, category_of, period_of, read_table

SOURCE = "star:arbejdsmarkedsbalancen"
TABLE = "shortage"
_DISCO = re.compile(r"^\d{4}(\d{2})?$")


def refresh(ctx: RefreshContext) -> None:
    url = str(ctx.setting("url", required=True))
    ctx.progress(None, "henter Arbejdsmarkedsbalancen")
    content = download(ctx, url)
    ctx.check_cancelled()
    try:
        table = read_table(content, sheet=ctx.setting("sheet") or None)
    except LayoutError as exc:
        raise PluginError(f"Arbejdsmarkedsbalancen: {exc}") from exc
    fallback_period = (
        period_of(ctx.setting("period") or "")
        or period_of(Path(urlsplit(url).path).name)
        or current_half_year(date.today())
    )
    if ctx.setting("period") and not period_of(ctx.setting("period")):
        raise PluginError(
            f"[plugins.shortage] period: ukendt periode {ctx.setting('period')!r}; skriv fx 2026H2"
        )
    taxonomy = Taxonomy.load(ctx)
    ctx.staging.table(TABLE)
    written = ctx.staging.insert(TABLE, records(ctx, table, taxonomy, fallback_period))
    if written == 0:
        raise PluginError(
            "Arbejdsmarkedsbalancen gav ingen brugbare rækker (se shortage_rejects); "
            "de hidtidige data er bevaret"
        )
    if "period" not in table.columns:
        ctx.note(f"periode {fallback_period} (filen har ingen periodekolonne)")
    ctx.progress(1.0, f"{written} rækker (stilling x kommune)")


def download(ctx: RefreshContext, url: str) -> bytes:
    """The file's bytes from an http(s) URL or a local path (``file://`` allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        path = Path(unquote(parts.path) if parts.scheme == "file" else url)
        if not path.is_file():
            raise PluginError(f"[plugins.shortage] url: filen {path} findes ikke")
        return path.read_bytes()
    response = ctx.session.get(url, timeout=ctx.timeout)
    error = source_status_error(
        response, source="Arbejdsmarkedsbalancen", setting="[plugins.shortage] url"
    )
    if error is not None:
        raise error
    if response.status_code >= 400:
        raise PluginError(f"Arbejdsmarkedsbalancen svarede HTTP {response.status_code}")
    return bytes(response.content)


def current_half_year(today: date) -> str:
    return f"{today.year}H{1 if today.month <= 6 else 2}"


def disco_code(value: Any) -> str | None:
    """A 4- or 6-digit DISCO code from a cell (``2512``, ``2512.0``, ``"2512.10"``), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().replace(".", "").replace(" ", "")
    return text if _DISCO.match(text) else None


class Taxonomy:
    """The cache's occupations (DISCO-08): known codes and titles/aliases -> code."""

    def __init__(self, codes: set[str], by_title: Mapping[str, str]):
        self.codes = codes
        self.by_title = dict(by_title)

    @classmethod
    def load(cls, ctx: RefreshContext) -> Taxonomy:
        rows = ctx.query("SELECT code, title, aliases, level FROM occupations")
        codes = {str(r[0]) for r in rows}
        by_title: dict[str, str] = {}
        # The most specific level wins a shared title (a 6-digit title over its 4-digit group).
        for code, title, aliases, _level in sorted(rows, key=lambda r: -(r[3] or 0)):
            for name in [title, *(aliases or [])]:
                if name:
                    by_title.setdefault(fold(name), str(code))
        return cls(codes, by_title)

    @property
    def empty(self) -> bool:
        return not self.codes

    def resolve(self, code: Any, title: Any) -> tuple[str | None, str]:
        """(DISCO code, '') or (None, reason)."""
        disco = disco_code(code)
        if disco is not None and (self.empty or disco[:4] in self.codes or disco in self.codes):
            return disco, ""
        if title not in (None, "") and not self.empty:
            found = self.by_title.get(fold(str(title)))
            if found is not None:
                return found, ""
        if self.empty:
            return None, "ingen DISCO-kode, og DISCO-08-taksonomien er tom: opdatér 'taxonomies'"
        if code in (None, "") and title in (None, ""):
            return None, "mangler stilling (kode og betegnelse)"
        return None, "stillingen findes ikke i DISCO-08-taksonomien (kode eller betegnelse)"


def _cell(row: list[Any], columns: Mapping[str, int], field: str) -> Any:
    i = columns.get(field)
    if i is None or i >= len(row):
        return None
    value = row[i]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def records(
    ctx: RefreshContext, table: Table, taxonomy: Taxonomy, fallback_period: str
) -> Iterator[dict[str, Any]]:
    """The rows for ``shortage``; unusable rows go to ``shortage_rejects``."""
    cols = table.columns
    seen: set[tuple[str, str, str, str, str]] = set()
    for i, (n, row) in enumerate(table.rows):
        if i % 2000 == 0:
            ctx.check_cancelled()
        raw = dict(zip(table.header, (None if v is None else str(v) for v in row), strict=False))

        def reject(reason: str, field: str | None, value: Any, n: int = n, raw: Any = raw) -> None:
            ctx.staging.reject(TABLE, reason, n, field, value, raw)

        area = _cell(row, cols, "area")
        if area is None:
            reject("mangler område", table.header[cols["area"]], None)
            continue
        kommuner = municipalities_of(str(area))
        if kommuner is None:
            reject("ukendt område (ikke et RAR-område, en region eller en kommune)",
                   table.header[cols["area"]], area)  # fmt: skip
            continue
        label = _cell(row, cols, "category")
        category = category_of(label)
        if category is None:
            reason = "mangler kategori" if label is None else "ukendt kategori"
            if label is not None and "rigtig gode" in fold(str(label)):
                reason = "tvetydig kategori (rigtig gode = mangel eller paradoks)"
            reject(reason, table.header[cols["category"]], label)
            continue
        code = _cell(row, cols, "code")
        title = _cell(row, cols, "title")
        disco, why = taxonomy.resolve(code, title)
        if disco is None:
            field = table.header[cols["code"] if "code" in cols else cols["title"]]
            reject(why, field, code if code is not None else title)
            continue
        period = fallback_period
        if "period" in cols:
            published = _cell(row, cols, "period")
            period = period_of(published) if published is not None else fallback_period
            if period is None:
                reject("ukendt periode (fx 2. halvår 2026)", table.header[cols["period"]],
                       published)  # fmt: skip
                continue
        for kode in kommuner:
            key = (disco, kode, category, period, str(title or ""))
            if key in seen:  # the same row twice (e.g. a region and its RAR areas)
                continue
            seen.add(key)
            yield {
                "occupation_code": disco,
                "area_code": kode,
                "area_name": MUNICIPALITIES[kode],
                "category": category,
                "period": period,
                "source": SOURCE,
                "published_area": str(area),
                "occupation_title": None if title is None else str(title),
                "source_code": None if code is None else str(code).strip(),
                "category_label": str(label),
            }
