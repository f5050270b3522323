"""CPR numbers never enter the cache, nor any message, log line or file name we write.

The rule lives here once, in Python; everything that checks or masks text calls it:
:func:`looks_like_cpr`, :func:`find_cpr` and :func:`mask_cpr` (also for file names, headers,
messages and log records). SQL only pre-selects the few values that could hold ten digits
(:func:`cpr_candidate_sql`); this module decides.

Text is normalised first (:func:`normalise_text`): Unicode NFKC (full-width digits, no-break
spaces), invisible format characters removed (zero-width space, soft hyphen, BOM), digits of
any script as ASCII, any dash as ``-``. After that a value *looks like a CPR number* when it
holds ``dd mm yy xxxx`` with a valid date (day, month, two- or four-digit year), the groups
optionally separated by up to four of ``- . / _ ( )`` or white space, a four-digit year
followed by a dash (``130387-4563``,
``16.05.90-7896``, ``17 06 91 8907``, ``250199_7785``, ``13-03-1987-4563``,
``(130387)-4563``), not part of a longer run of digits. Three forms spreadsheets make count
too: ten digits with a separator between each (``1 3 0 3 8 7 4 5 6 3``), scientific notation
(``1,303874563E+09``) and nine digits whose leading zero a number format dropped
(``101901234`` for 0101901234). The P-number column (ten digits by definition, often starting
with a valid date such as 1003388394) is only checked for the separated forms.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from functools import lru_cache

MASK = "[CPR fjernet]"

# ASCII only, spelled out: the SQL pre-selection below must see the same separators.
_SEP_CHARS = r"-./_() \t\n\r\f\v"  # no comma: "14, 11, 26, 7041" is a time in a tuple
_SEP = rf"[{_SEP_CHARS}]{{0,4}}"
_CPR_RE = re.compile(
    rf"(?<![0-9])([0-3][0-9])({_SEP})([01][0-9])({_SEP})((?:19|20)?[0-9]{{2}})({_SEP})"
    rf"([0-9]{{4}})(?![0-9])"
)
# Spreadsheet forms (see the module docstring): spaced digits, scientific notation, and nine
# digits that lost their leading zero.
_SPACED_RE = re.compile(r"(?<![0-9])[0-9](?:[-._ ][0-9]){9}(?![0-9])")
_SCIENTIFIC_RE = re.compile(r"(?<![0-9])([0-9])[.,]([0-9]{1,9})[eE]\+?0*([89])(?![0-9])")
_NINE_RE = re.compile(r"(?<![0-9])([0-9]{9})(?:[.,]0+)?(?![0-9.,])")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One non-ASCII character after NFKC: invisible -> '', digit -> ASCII, dash -> '-'."""
    cat = unicodedata.category(ch)
    if cat == "Cf":  # zero-width space/joiners, soft hyphen, BOM, direction marks
        return ""
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    if cat == "Pd" or ch == "\u2212":  # en/em dash, non-breaking hyphen, minus sign
        return "-"
    if cat in ("Zs", "Zl", "Zp") or ch == "\x85":
        return " "
    return ch


def normalise_text(value: str) -> str:
    """``value`` as the CPR rule reads it (see the module docstring)."""
    if value.isascii():
        return value
    text = unicodedata.normalize("NFKC", value)
    if text.isascii():
        return text
    return "".join(c if c.isascii() else _fold_char(c) for c in text)


def _valid_date(dd: str, mm: str, yy: str) -> bool:
    try:
        datetime.strptime(dd + mm + yy, "%d%m%y")
    except ValueError:
        return False
    return True


def find_cpr(value: str, *, separated_only: bool = False) -> list[tuple[int, int]]:
    """Spans of CPR-like parts in :func:`normalise_text` of ``value``."""
    text = normalise_text(value)
    out = []
    for m in _CPR_RE.finditer(text):
        if separated_only and not (m.group(2) or m.group(4) or m.group(6)):
            continue
        if len(m.group(5)) == 4 and "-" not in m.group(6):
            continue  # "01-02-2025 1234" is a date and a number; "13-03-1987-4563" a CPR
        if _valid_date(m.group(1), m.group(3), m.group(5)[-2:]):
            out.append(m.span())
    for m in _SPACED_RE.finditer(text):
        digits = re.sub(r"[^0-9]", "", m.group())
        if _valid_date(digits[:2], digits[2:4], digits[4:6]):
            out.append(m.span())
    if not separated_only:
        for m in _SCIENTIFIC_RE.finditer(text):
            exponent = int(m.group(3))
            if len(m.group(2)) <= exponent:
                digits = (m.group(1) + m.group(2)).ljust(exponent + 1, "0").rjust(10, "0")
                if _valid_date(digits[:2], digits[2:4], digits[4:6]):
                    out.append(m.span())
        for m in _NINE_RE.finditer(text):
            digits = "0" + m.group(1)
            if _valid_date(digits[:2], digits[2:4], digits[4:6]):
                out.append(m.span())
    return _merged(out)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping ones joined (the patterns may find one number twice)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def looks_like_cpr(value: object, *, separated_only: bool = False) -> bool:
    """True when ``value`` contains something that looks like a CPR number."""
    if value is None:
        return False
    return bool(find_cpr(str(value), separated_only=separated_only))


def mask_cpr(value: str | None) -> str | None:
    """``value`` unchanged when it holds no CPR-like part; otherwise its normalised text with
    every CPR-like part replaced by ``[CPR fjernet]`` (so no variant survives the mask)."""
    if value is None:
        return None
    hits = find_cpr(value)
    if not hits:
        return value
    text = normalise_text(value)
    out, last = [], 0
    for start, end in hits:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def mask_cpr_in(text: object) -> str:
    """:func:`mask_cpr` for any message (exceptions, paths, numbers)."""
    return mask_cpr(str(text)) or ""


# SQL pre-selection, a superset of find_cpr that RE2 runs fast: the CPR shape in plain ASCII
# (normalisation changes nothing there; the date is not checked), or any character outside
# ASCII that is not a letter or a combining mark (only such characters can become digits,
# separators or nothing under normalisation: full-width digits, dashes, no-break and
# zero-width spaces).
# (nine or more digits with up to four separators between any two, or scientific notation)
_ASCII_SHAPE = rf"[0-9](?:{_SEP}[0-9]){{8,}}|[0-9][.,][0-9]+[eE]"
_UNUSUAL = r"[^[:ascii:]\p{L}\p{M}]"
# Joining a row's values with this keeps digits of neighbouring columns from pairing up.
ROW_JOINER = "\x01" * 4


def cpr_candidate_sql(column: str) -> str:
    """A boolean SQL expression: may the VARCHAR ``column`` (an identifier the caller
    controls, or an expression) hold a CPR number? Values that pass are checked with
    :func:`find_cpr`. ``strlen`` counts bytes, ``length`` characters: unequal means non-ASCII."""
    return (
        f"coalesce(regexp_matches({column}, '{_ASCII_SHAPE}') OR (strlen({column}) <> "
        f"length({column}) AND regexp_matches({column}, '{_UNUSUAL}')), false)"
    )


# -- logging --------------------------------------------------------------------------------


_previous_factory = logging.getLogRecordFactory()


def _scrubbing_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)  # type: ignore[arg-type]
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem, not ours
        return record
    clean = mask_cpr_in(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[0] is not None:
        # Tracebacks carry exception messages (file names, values): format and mask them now.
        record.exc_text = mask_cpr_in(logging.Formatter().formatException(record.exc_info))
    return record


def install_log_scrubber() -> None:
    """Mask CPR-like parts in every log record of the process (idempotent)."""
    if logging.getLogRecordFactory() is not _scrubbing_factory:
        global _previous_factory
        _previous_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_scrubbing_factory)
