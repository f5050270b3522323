"""Checked numeric and date option values: each bad value is one line and exit 2.

The argparse ``type`` callables here raise :class:`~.common.UsageError`, which argparse lets
through (it catches only ValueError/TypeError/ArgumentTypeError); ``workbench.cli.main``
reports it like every other usage error: ``workbench CMD: error: --opt ...``, exit 2.

Python's ints are unbounded and DuckDB's and ``datetime``'s are not: without these bounds
``--limit 99999999999999999999999`` or ``--today 0001-01-01`` end in a traceback far away
from the option that caused it.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import date

from workbench.core.filters import Range

from .common import UsageError

# Durations in days: a century is more than any duration the data can hold, and keeps
# ``today - days`` far inside the dates Python and DuckDB can represent.
MAX_DAYS = 36_500
MAX_COUNT = 10**12  # rows (--limit, --offset): far above any cache, far below BIGINT
MAX_EMPLOYEES = 10**7
MAX_RADIUS_KM = 2_000.0
MAX_SEED = 2**32 - 1
# Reference dates: the data holds dates since 1900; the day arithmetic needs headroom.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)
VALUE_SHOWN = 80  # an option value is cut to this many characters in an error line


def shown(text: object) -> str:
    """``repr`` of an option value for an error line, cut to :data:`VALUE_SHOWN` characters."""
    text = str(text)
    if len(text) > VALUE_SHOWN:
        text = text[: VALUE_SHOWN - 1] + "…"
    return repr(text)


def whole_number(option: str, lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None:
            problem = f"must be a whole number from {lo:,} to {hi:,}"
        elif value < 0 <= lo:
            problem = "cannot be negative"
        elif not lo <= value <= hi:
            problem = f"must be from {lo:,} to {hi:,}"
        else:
            return value
        raise UsageError(f"{option} {problem}, got {shown(text)}")

    parse.__name__ = option  # argparse names the type in some of its messages
    return parse


def decimal_number(option: str, hi: float) -> Callable[[str], float]:
    """An argparse ``type``: a number above 0 and at most ``hi`` (``,`` or ``.`` decimal)."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            value = math.nan
        if not 0 < value <= hi:  # also false for NaN
            raise UsageError(
                f"{option} must be a number above 0 and at most {hi:,g}, got {shown(text)}"
            )
        return value

    parse.__name__ = option
    return parse


def iso_date(option: str) -> Callable[[str], date]:
    """An argparse ``type``: a date YYYY-MM-DD from 1900 to 2999."""

    def parse(text: str) -> date:
        try:
            value = date.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(f"{option} must be a date YYYY-MM-DD, got {shown(text)}") from None
        if not FIRST_DATE <= value <= LAST_DATE:
            raise UsageError(
                f"{option} must be a date from {FIRST_DATE} to {LAST_DATE}, got {shown(text)}"
            )
        return value

    parse.__name__ = option
    return parse


def bounded_range(text: str, option: str, hi: int) -> Range:
    """``MIN:MAX`` (either side may be empty) with both sides from 0 to ``hi``."""
    rng = Range.parse(text, option)
    for value in (rng.min, rng.max):
        if value is not None and value > hi:
            raise UsageError(f"{option} must be at most {hi:,}, got {shown(text)}")
    return rng


# A quoted value: not an apostrophe inside a word ("the map's readout").
_QUOTED = re.compile(r"(?<!\w)(?:'[^'\n]*'|\"[^\"\n]*\")(?!\w)")


def _clip_quoted(message: str) -> str:
    """Every quoted value in ``message`` cut to :data:`VALUE_SHOWN` characters."""

    def cut(m: re.Match[str]) -> str:
        inner = m.group(0)[1:-1]
        return shown(inner) if len(inner) > VALUE_SHOWN else m.group(0)

    return _QUOTED.sub(cut, message)


def one_line(message: str) -> str:
    """An error message as one line with long quoted values cut (a pasted file stays short)."""
    return _clip_quoted(" ".join(str(message).split()))


def value_options(parser: argparse.ArgumentParser) -> set[str]:
    """The option strings of ``parser`` and its subcommands that take exactly one value."""
    found: set[str] = set()
    for action in parser._actions:  # argparse offers no public walk over its actions
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= value_options(sub)
        elif action.option_strings and action.nargs is None:
            found.update(s for s in action.option_strings if s.startswith("--"))
    return found


_NEGATIVE_VALUE = re.compile(r"-[\d.,:]")


def glue_negative_values(argv: list[str], options: set[str]) -> list[str]:
    """``--opt -5:`` as ``--opt=-5:``: argparse takes a value starting with ``-`` for an
    option unless it is a plain negative number, and says 'expected one argument' instead of
    letting the option's own check name the problem."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in options and i + 1 < len(argv) and _NEGATIVE_VALUE.match(argv[i + 1]):
            out.append(f"{token}={argv[i + 1]}")
            i += 2
            continue
        if token == "--":
            out.extend(argv[i:])
            break
        out.append(token)
        i += 1
    return out
