"""``workbench export companies|postings|municipalities|candidates OUT.gpkg|.geojson|.shp
[the filters of search]`` and ``workbench areas import FILE | list``: GIS interchange.

One layer per file, named after the entity, in EPSG:25832. Candidates leave only as counts
per municipality (counts under 5 suppressed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.core.config import load_settings
from workbench.core.errors import WorkbenchError
from workbench.core.store import Store

from .common import UsageError, add_cache_options, add_format_option, cache_path, print_json
from .search import add_filter_options, filter_from_args, resolve_names, with_area
from .user_context import open_as_user


def register(subparsers: argparse._SubParsersAction) -> None:
    from workbench.core.export.gis import EXPORT_ENTITIES

    p = subparsers.add_parser(
        "export", help="write a layer to GeoPackage, GeoJSON or Shapefile (EPSG:25832)"
    )
    p.add_argument("entity", choices=EXPORT_ENTITIES)
    p.add_argument("out", type=Path, metavar="OUT.gpkg|.geojson|.shp")
    add_cache_options(p)
    add_filter_options(p)
    add_format_option(p)
    p.set_defaults(func=run_export)

    a = subparsers.add_parser("areas", help="area layers (districts) as overlays and filters")
    actions = a.add_subparsers(dest="action", required=True, parser_class=type(a))
    imp = actions.add_parser("import", help="import polygons from GeoPackage/Shapefile/GeoJSON")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name-field", help="the attribute that names each area (default: navn/name)")
    imp.add_argument("--layer", help="the layer of a GeoPackage (default: the first)")
    imp.add_argument("--prefix", help="name prefix (default: the file name)")
    add_cache_options(imp)
    add_format_option(imp)
    imp.set_defaults(func=run_areas_import)
    lst = actions.add_parser("list", help="saved selections and imported areas")
    add_cache_options(lst)
    add_format_option(lst)
    lst.set_defaults(func=run_areas_list)


def _existing_cache(args: argparse.Namespace) -> Path:
    path = cache_path(args)
    if not path.exists():
        raise UsageError(
            f"cache {path} does not exist (build it with 'workbench demo' or 'workbench refresh')"
        )
    return path


def run_export(args: argparse.Namespace) -> int:
    from workbench.core.export.gis import driver_for, export_layer

    try:
        driver_for(args.out)
    except WorkbenchError as exc:
        raise UsageError(str(exc)) from None
    settings = load_settings(args.config)
    # candidates leave only as counts, and only those in the user's scope are counted
    store = open_as_user(_existing_cache(args), settings, read_only=True)
    try:
        resolve_names(args, store.con)
        if args.today is None:
            args.today = store.reference_date()
        flt = filter_from_args(args, str(settings.get("user.jobcenter") or "") or None)
        flt = with_area(flt.with_(scope=store.scope), store.con, args.area)
        done = export_layer(store.con, args.entity, flt, args.out)
    finally:
        store.close()
    if args.format == "json":
        print_json(
            {"path": str(done.path), "layer": done.layer, "rows": done.rows, "format": done.driver}
        )
    else:
        print(f"{done.rows:,} {done.layer} -> {done.path} ({done.driver}, EPSG:25832)")
    return 0


def run_areas_import(args: argparse.Namespace) -> int:
    from workbench.core.export.gis import import_areas

    load_settings(args.config)
    store = Store.open(cache_path(args), create=False)
    try:
        areas = import_areas(
            store.con, args.file, name_field=args.name_field, layer=args.layer, prefix=args.prefix
        )
    finally:
        store.close()
    if args.format == "json":
        print_json({"areas": [a.__dict__ for a in areas]})
    else:
        for a in areas:
            print(f"{a.name}: {a.candidates} ledige, {a.companies} virksomheder")
    return 0


def run_areas_list(args: argparse.Namespace) -> int:
    from workbench.core.selections import list_selections

    load_settings(args.config)
    store = Store.open(_existing_cache(args), read_only=True, create=False)
    try:
        found = list_selections(store.con)
    finally:
        store.close()
    rows = [{"name": s.name, "candidates": s.candidates, "companies": s.companies} for s in found]
    if args.format == "json":
        print_json({"areas": rows})
    else:
        for r in rows:
            print(f"{r['name']}")
    return 0
