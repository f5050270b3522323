"""``workbench config show`` (every effective setting: value with secrets redacted, the layer
it comes from, whether IT locked it) and ``workbench config path`` (the machine-wide and the
user's file), for IT and support."""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_cache_options, add_format_option, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("config", help="the effective settings and their files")
    sub = p.add_subparsers(dest="config_command", required=True, metavar="{show,path}")
    show = sub.add_parser("show", help="every setting: value, origin layer, locked")
    add_cache_options(show)
    add_format_option(show)
    show.set_defaults(func=run_show)
    path = sub.add_parser("path", help="the machine-wide and the user's configuration file")
    add_format_option(path)
    path.set_defaults(func=run_path)


def setting_rows(settings: Any) -> list[dict[str, Any]]:
    """One row per effective key; a secret's value is ``***`` (its reference is shown)."""
    from workbench.core.config import env_name, is_secret

    rows = []
    for key in settings.dotted_keys():
        value = settings.get(key)
        if is_secret(key, value) and value:
            value = "***"
        origin = settings.origin(key)
        row = {
            "key": key,
            "value": value,
            "origin": origin,
            "file": settings.origin_path(key) or None,
            "locked": settings.locked(key),
        }
        if origin == "environment":
            row["file"] = env_name(key)
        reference = settings.reference(key)
        if reference:
            row["reference"] = reference
        rows.append(row)
    return rows


def run_show(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings

    settings = load_settings(args.config)
    rows = setting_rows(settings)
    if args.format == "json":
        print_json({"sources": settings.sources, "settings": rows})
        return 0
    print("# layers: " + " < ".join(settings.sources))
    for row in rows:
        notes = [row["origin"] + (f" {row['file']}" if row["origin"] == "environment" else "")]
        if "reference" in row:
            notes.append(f"reference {row['reference']}")
        if row["locked"]:
            notes.append("locked")
        print(f"{row['key']} = {row['value']!r}  ({', '.join(notes)})")
    return 0


def run_path(args: argparse.Namespace) -> int:
    from workbench.core import paths

    files = {"machine": paths.machine_config_file(), "user": paths.user_config_file()}
    if args.format == "json":
        print_json(
            {
                **{name: str(path) for name, path in files.items()},
                **{f"{name}_exists": path.is_file() for name, path in files.items()},
            }
        )
        return 0
    for name, path in files.items():
        missing = "" if path.is_file() else "  (not present)"
        print(f"{name}: {path}{missing}")
    return 0
