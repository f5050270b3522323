"""``workbench import candidates|collaborations FILE``: load a case-system or CRM export.

Exit 0 when the import completed (also with rejected rows: the output says how many), 1
when the file is refused whole (the cache's data is unchanged), 2 for bad usage (unknown
profile, malformed ``--map``) and for a file with an implausibly high share of rejected rows
unless ``--accept-rejects`` confirms it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.core.store import Store

from .common import UsageError, add_cache_options, add_format_option, cache_path, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="import candidates or collaborations from a CSV/TSV/XLSX export",
        description="Import a case-system or CRM export. Re-importing replaces the previous "
        "rows of the jobcenter(s) in the file (a snapshot).",
    )
    p.add_argument("kind", choices=("candidates", "collaborations"), help="what the file holds")
    p.add_argument("file", type=Path, help="CSV/TSV (';', cp1252 or UTF-8) or XLSX file")
    p.add_argument("--profile", default=None, help="use the saved column mapping NAME")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="map a field to a column of the file (repeatable; overrides the profile)",
    )
    p.add_argument(
        "--save-profile", default=None, metavar="NAME", help="save the mapping used as NAME"
    )
    p.add_argument(
        "--jobcenter", default=None, metavar="CODE", help="fill/override the jobcenter column"
    )
    p.add_argument(
        "--rejects",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the rejected rows to this CSV (a plain copy of personal data, "
        "audited with --purpose; they are always kept encrypted: 'workbench rejects show')",
    )
    p.add_argument(
        "--purpose",
        help="why you write the --rejects file (in the audit log; default: checking the "
        "import's rejected rows)",
    )
    p.add_argument(
        "--accept-rejects",
        action="store_true",
        help="import even when more than 10 %% of the rows are rejected (those rows' "
        "candidates or collaborations then disappear from the jobcenter's data)",
    )
    add_cache_options(p)
    add_format_option(p)
    p.set_defaults(func=run)


def _parse_map(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            raise UsageError(f"--map needs FIELD=COLUMN, got {item!r}")
        out[field.strip()] = column.strip()
    return out


def _write_rejects(con: object, settings: object, run_id: str, out: Path, purpose: str) -> None:
    """The plain rejects file the user asked for with ``--rejects`` (audited)."""
    from workbench.core.export.persons import ExportMeta
    from workbench.core.imports.rejects_store import export_file
    from workbench.core.session.workspace import UserContext

    user = UserContext.from_settings(settings, con)
    # --rejects existed before the audit: a script without --purpose keeps working.
    purpose = purpose or f"checking the rejected rows of import {run_id} (--rejects)"
    try:
        export_file(con, run_id, out, ExportMeta(user.user, user.jobcenter, purpose))
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    from workbench.core import cache
    from workbench.core.config import load_settings
    from workbench.core.imports import (
        FIELDS,
        ProfileError,
        TooManyRejects,
        import_file,
        load_profile,
        save_profile,
    )

    mapping = _parse_map(args.map)
    known = {f.name for f in FIELDS[args.kind]}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise UsageError(
            f"unknown field(s) for {args.kind}: {', '.join(unknown)}; fields: {', '.join(sorted(known))}"
        )
    if args.jobcenter is not None and not args.jobcenter.strip():
        raise UsageError("--jobcenter needs a code")
    purpose = (args.purpose or "").strip()
    settings = load_settings(args.config)
    path = cache_path(args)
    con = Store.open(path).con
    try:
        if cache.is_demo(con):
            from workbench.core.import_target import demo_refusal

            raise UsageError(demo_refusal(path))
        try:
            base = load_profile(con, args.profile, args.kind).mapping if args.profile else {}
            summary = import_file(
                con,
                args.file,
                args.kind,
                mapping=mapping or None,
                profile=args.profile,
                jobcenter=args.jobcenter,
                lang="en",
                settings=settings,
                accept_rejects=args.accept_rejects,
            )
            if args.save_profile:  # only a mapping that worked is saved
                save_profile(con, args.save_profile, args.kind, {**base, **mapping})
            if args.rejects is not None and summary.rejects_file:
                _write_rejects(con, settings, summary.run_id, args.rejects, purpose)
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        except TooManyRejects as exc:  # the user must confirm: a usage decision, exit 2
            raise UsageError(exc.message) from None
    finally:
        con.close()
    if args.format == "json":
        print_json(summary.to_json())
    else:
        print(
            f"{summary.accepted} {args.kind} imported for {', '.join(summary.jobcenters)}; {summary.rejected} rows rejected"
        )
        if summary.rejects_file:
            print(
                f"rejects: kept encrypted in {summary.rejects_file}; see them with "
                f"'workbench rejects show {summary.run_id} --cache {path}'"
            )
        for name, values in summary.unresolved.items():
            shown = ", ".join(f"{v} ({n})" for v, n in list(values.items())[:10])
            print(f"unresolved {name}: {shown}")
        if summary.unplaced:
            print(
                f"{summary.unplaced} candidates without coordinates (not on the map until geocoded)"
            )
    return 0
