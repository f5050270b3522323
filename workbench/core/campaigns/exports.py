"""Campaign exports: the call list (CSV/XLSX through core.export.tabular), a day's visits
as iCalendar, and the targets as a GeoPackage layer (EPSG:25832) for QGIS."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..export.tabular import write_csv, write_xlsx
from ..store import Store
from .model import ADVERTISING_NOTE, STATUSES
from .records import load_campaign, targets

CALL_LIST_COLUMNS = (
    "rank",
    "cvr",
    "pnr",
    "name",
    "address",
    "postnr",
    "kommune_kode",
    "score",
    "supply",
    "shortage",
    "postings",
    "days_since_contact",
    "status",
    "assigned_to",
    "status_at",
    "note",
    "advertising",
)
TIMEZONE = ZoneInfo("Europe/Copenhagen")


def call_list(store: Store, name: str, *, assigned_to: str | None = None) -> list[dict[str, Any]]:
    """One row per target by score: contact facts, the components and the status (its
    Danish label), with the advertising note on protected units."""
    rows = []
    for t in targets(store, name, assigned_to=assigned_to):
        comp = t["components"]
        rows.append(
            {k: t.get(k) for k in CALL_LIST_COLUMNS}
            | {
                "supply": comp.get("supply"),
                "shortage": comp.get("shortage"),
                "postings": comp.get("postings"),
                "days_since_contact": comp.get("days_since_contact"),
                "status": STATUSES.get(t["status"], t["status"]),
                "advertising": ADVERTISING_NOTE if t["advertising_protected"] else None,
            }
        )
    return rows


def write_call_list(
    store: Store,
    name: str,
    path: str | os.PathLike[str],
    *,
    assigned_to: str | None = None,
    dialect: str = "excel-da",
) -> int:
    """The call list as CSV or XLSX (by the file's suffix)."""
    rows = call_list(store, name, assigned_to=assigned_to)
    if Path(path).suffix.lower() == ".xlsx":
        meta = {"campaign": name, "assigned_to": assigned_to or "", "rows": len(rows)}
        if store.is_demo():
            meta["dataset"] = "demo"
        return write_xlsx(path, CALL_LIST_COLUMNS, rows, metadata=meta, sheet="ringeliste")
    return write_csv(path, CALL_LIST_COLUMNS, rows, dialect=dialect)


def write_ical(
    path: str | os.PathLike[str],
    campaign: str,
    visits: Sequence[dict[str, Any]],
    *,
    day: date,
    first: time = time(9, 0),
    minutes: int = 45,
    travel_minutes: int = 15,
) -> int:
    """The visits (in visiting order) as VEVENTs on ``day``: ``minutes`` each with
    ``travel_minutes`` between, from ``first`` (Danish time)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Jobkort workbench//campaign visits//DA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Besøg: {campaign}")
    start = datetime.combine(day, first, tzinfo=TIMEZONE)
    stamp = datetime.now(tz=TIMEZONE).replace(microsecond=0)
    for i, v in enumerate(visits):
        ev = Event()
        unit = v.get("pnr") or ""
        ev.add("uid", f"{campaign}-{v['cvr']}-{unit}-{day.isoformat()}@jobkort".replace(" ", "_"))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", start + timedelta(minutes=minutes))
        ev.add("summary", f"Virksomhedsbesøg: {v.get('name') or v['cvr']}")
        where = ", ".join(str(p) for p in (v.get("address"), v.get("postnr")) if p)
        if where:
            ev.add("location", where)
        lines = [f"Kampagne: {campaign}", f"CVR: {v['cvr']}", f"Besøg nr. {i + 1}"]
        if unit:
            lines.append(f"P-nr: {unit}")
        if v.get("score") is not None:
            lines.append(f"Score: {v['score']}")
        if v.get("advertising_protected"):
            lines.append(ADVERTISING_NOTE)
        ev.add("description", "\n".join(lines))
        cal.add_component(ev)
        start += timedelta(minutes=minutes + travel_minutes)
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    try:
        tmp.write_bytes(cal.to_ical())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(visits)


GPKG_LAYER = "campaign_targets"


def write_geopackage(
    store: Store,
    name: str,
    path: str | os.PathLike[str],
    *,
    assigned_to: str | None = None,
) -> int:
    """The placed targets as a point layer ``campaign_targets`` (EPSG:25832) with the
    score, its components and the status; unplaced targets are left out."""
    import geopandas as gpd
    import shapely

    load_campaign(store, name)
    rows = [r for r in call_list(store, name, assigned_to=assigned_to) if r.get("cvr") is not None]
    placed = {
        (t["cvr"], t["pnr"]): (t["x"], t["y"])
        for t in targets(store, name, assigned_to=assigned_to)
        if t["x"] is not None and t["y"] is not None
    }
    keep = [r for r in rows if (r["cvr"], r["pnr"]) in placed]
    xy = [placed[(r["cvr"], r["pnr"])] for r in keep]
    columns = {c: [r.get(c) for r in keep] for c in CALL_LIST_COLUMNS}
    columns["status_at"] = [None if v is None else v.isoformat() for v in columns["status_at"]]
    columns["campaign"] = [name] * len(keep)
    geometry = shapely.points([p[0] for p in xy], [p[1] for p in xy]) if xy else []
    frame = gpd.GeoDataFrame(columns, geometry=list(geometry), crs="EPSG:25832")
    target = Path(path)
    tmp = target.with_name(target.stem + ".part.gpkg")
    try:
        frame.to_file(tmp, layer=GPKG_LAYER, driver="GPKG", engine="pyogrio")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(keep)
