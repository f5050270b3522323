"""``workbench match JOBORDER.json``: rank the candidates for a job order (issue #14)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.core.config import load_settings
from workbench.core.errors import FilterError
from workbench.core.matching import JobOrder, JobOrderError, MatchResult, Weights, match
from workbench.core.store.scope import ScopeError
from workbench.core.vocabulary import load_vocabulary

from .common import UsageError, add_cache_options, cache_path, print_json, progress
from .options import whole_number
from .user_context import open_as_user

MAX_TOP = 100_000


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "match",
        help="rank the candidates for a job order (JSON file, '-' for stdin)",
        description="Rank the eligible candidates for a job order; see docs/matching.md.",
    )
    p.add_argument("joborder", metavar="JOBORDER.json", help="job order JSON file, or - for stdin")
    add_cache_options(p)
    p.add_argument(
        "--top", type=whole_number("--top", 0, MAX_TOP), default=10, help="items listed (10)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="score weight: occupation, nice, experience, commute, duration (repeatable)",
    )
    p.set_defaults(func=run)


def read_order(source: str) -> JobOrder:
    """The job order from a file (or stdin), one clear line on bad JSON or values."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read job order {source}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"job order {source} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})"
        ) from None
    try:
        return JobOrder.from_json(data)
    except JobOrderError as exc:
        raise UsageError(f"job order {source}: {exc}") from None


def parse_weights(items: list[str]) -> Weights:
    data: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            data[name.strip()] = float(value.replace(",", "."))
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"--weight must be NAME=NUMBER, got {item!r}")
    try:
        return Weights.from_json(data)
    except JobOrderError as exc:
        raise UsageError(f"--weight {exc}") from None


def resolve_occupations(order: JobOrder, con: Any) -> JobOrder:
    """Occupation titles or aliases ("tømrer") to codes, with the search's naming rule."""
    vocabulary = load_vocabulary(con, "occupations")
    if not vocabulary.titles:
        return order
    codes = []
    for i, text in enumerate(order.occupation_codes):
        if text in vocabulary.titles or text.isdigit():
            codes.append(text)  # a code (validate() checks it is known)
            continue
        try:
            codes.append(vocabulary.resolve(text, f"occupation_codes[{i}]"))
        except FilterError as exc:
            raise UsageError(str(exc)) from None
    order.occupation_codes = list(dict.fromkeys(codes))
    return order


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    order = read_order(args.joborder)
    weights = parse_weights(args.weight)
    path = cache_path(args)
    if not path.exists():
        raise UsageError(
            f"cache {path} does not exist (build it with 'workbench demo' or 'workbench refresh')"
        )
    store = open_as_user(path, settings, read_only=True)  # the user's jobcenter scope (#15)
    try:
        order = resolve_occupations(order, store.con)
        if store.is_demo():  # synthetic data must never be mistaken for real citizens
            progress("workbench match: DEMODATA - the cache holds synthetic demo data")
        try:
            result = match(store, order, weights=weights, top=args.top, settings=settings)
        except JobOrderError as exc:
            raise UsageError(f"job order {args.joborder}: {exc}") from None
        except ScopeError as exc:
            raise UsageError(str(exc)) from None
    finally:
        store.close()
    if result.travel.get("source") == "estimate" and "failed" in result.travel.get("note", ""):
        progress(f"workbench match: {result.travel['note']}")
    if args.format == "json":
        print_json(result.to_json())
    else:
        sys.stdout.write(format_text(result))
    return 0


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def format_text(result: MatchResult) -> str:
    """The result for a terminal: funnel, best relaxation, then one line per candidate."""
    lines = [f"Egnede kandidater: {_n(result.total_eligible)}"]
    lines.append("Tragt:")
    width = max(len(s.label) for s in result.funnel)
    for step in result.funnel:
        extra = f"  (+{_n(step.added)} beslægtede)" if step.added else ""
        lines.append(f"  {step.label:<{width}}  {_n(step.remaining):>9}{extra}")
    if result.best_relaxation:
        r = result.best_relaxation
        lines.append(f"Bedste lempelse: {r.label} (+{_n(r.added)})")
    if result.travel.get("source") == "osrm":
        lines.append("Rejsetid: bil fra ruteserveren, kollektiv trafik anslået")
    else:
        lines.append("Rejsetid: anslået ud fra afstand i luftlinje")
    for i, item in enumerate(result.items, 1):
        lines.append(f"{i:>3}. {item.candidate_id}  {item.score:6.2f}  {item.summary}")
    return "\n".join(lines) + "\n"
