"""Names for codes: occupations, qualifications, industries and municipalities.

One matching rule for the window's type-ahead and the command line (``--occupation tømrer``):
a text stands for the code of an entry when it is the entry's label as the type-ahead lists it,
its code, its title or one of its aliases (case-insensitive); otherwise for every entry whose
label contains the text. The window takes the first of those (the top suggestion); the command
line refuses more than one and lists them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import FilterError

Entry = tuple[str, str, Sequence[str]]  # code, title, aliases

# What each kind is called in messages, and how its entries are read from the cache.
KINDS: dict[str, tuple[str, str]] = {
    "occupations": (
        "occupation",
        "SELECT code, title, coalesce(aliases, []) FROM occupations ORDER BY code",
    ),
    "qualifications": (
        "qualification",
        "SELECT code, title, [] FROM qualifications ORDER BY title",
    ),
    "industries": ("industry", ""),  # read by core.industries.industry_choices
    "municipalities": ("municipality", "SELECT kode, navn, [] FROM municipalities ORDER BY navn"),
}


class AmbiguousName(FilterError):
    """A name that matches more than one entry; the message lists them."""


class UnknownName(FilterError):
    """A name that matches no entry."""


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o", "ä": "ae"})


def _fold(text: str) -> str:
    """Casefolded, Danish letters as people type them without a Danish keyboard."""
    return text.casefold().replace("aa", "a").replace("oe", "o").translate(_FOLD).strip()


class Vocabulary:
    """The entries of one kind with the labels the type-ahead shows."""

    def __init__(self, entries: Sequence[Entry], what: str = "entry") -> None:
        self.what = what
        self.titles: dict[str, str] = {}
        self.labels: list[str] = []  # what the type-ahead lists, in order
        self._lookup: dict[str, str] = {}  # casefolded label -> code
        for code, title, aliases in entries:
            self.titles[code] = title
            label = f"{title} ({code})"
            self._lookup[label.casefold()] = code
            self.labels.append(label)
            for alias in aliases or ():
                if alias and alias.casefold() != title.casefold():
                    a_label = f"{alias} → {title} ({code})"
                    self._lookup[a_label.casefold()] = code
                    self.labels.append(a_label)
        self._aliases = {
            alias.casefold(): code
            for code, _title, aliases in entries
            for alias in aliases or ()
            if alias
        }

    def title(self, code: str) -> str:
        return self.titles.get(code, code)

    def matches(self, text: str) -> list[str]:
        """The codes ``text`` stands for: one for an exact label, code, title or alias, else
        every code with a label containing the text (in the type-ahead's order)."""
        key = text.strip().casefold()
        if not key:
            return []
        if key in self._lookup:
            return [self._lookup[key]]
        exact = [
            code
            for code, title in self.titles.items()
            if key in (code.casefold(), title.casefold())
        ]
        if exact:
            return exact
        if key in self._aliases:
            return [self._aliases[key]]
        found = list(dict.fromkeys(code for label, code in self._lookup.items() if key in label))
        return found or self._folded_matches(key)

    def _folded_matches(self, key: str) -> list[str]:
        """A second try for spellings people type: without æ/ø/å ("Kobenhavn"), the old
        double a ("Århus" for Aarhus) and, for municipalities, a trailing "Kommune"."""
        keys = [key]
        if self.what == "municipality" and re.search(r"\s+kommunes?$", key):
            bare = re.sub(r"\s+kommunes?$", "", key)
            keys = [bare, bare[:-1]] if bare.endswith("s") else [bare]  # "Københavns Kommune"
        names = [(code, _fold(title)) for code, title in self.titles.items()]
        names += [(code, _fold(alias)) for alias, code in self._aliases.items()]
        for folded in filter(None, map(_fold, keys)):
            exact = [code for code, name in names if name == folded]
            found = exact or [code for code, name in names if folded in name]
            if found:
                return list(dict.fromkeys(found))
        return []

    def code_for(self, text: str) -> str | None:
        """The window's pick: the first code ``text`` stands for, or None."""
        found = self.matches(text)
        return found[0] if found else None

    def resolve(self, text: str, option: str, shown: int = 10) -> str:
        """The one code ``text`` stands for; :class:`UnknownName` or :class:`AmbiguousName`
        (listing up to ``shown`` candidates) otherwise."""
        found = self.matches(text)
        if not found:
            raise UnknownName(f"{option}: no {self.what} code or name matches {text.strip()!r}")
        if len(found) > 1:
            listed = "; ".join(f"{self.title(c)} ({c})" for c in found[:shown])
            more = f"; ... {len(found) - shown} more" if len(found) > shown else ""
            raise AmbiguousName(
                f"{option}: {text.strip()!r} matches {len(found)} {self.what} names, "
                f"give one of: {listed}{more}"
            )
        return found[0]


def load_entries(con: Any, kind: str) -> list[Entry]:
    """The entries of ``kind`` (a key of :data:`KINDS`) from the cache, [] when the table
    is missing or empty (a cache that was never refreshed)."""
    import duckdb

    from .industries import industry_choices

    try:
        if kind == "industries":  # DB07 and DB25 as two trees unless a key maps them
            return industry_choices(con)
        rows = con.execute(KINDS[kind][1]).fetchall()
    except duckdb.CatalogException:
        return []
    return [(str(c), str(t), list(a or ())) for c, t, a in rows]


def load_vocabulary(con: Any, kind: str) -> Vocabulary:
    return Vocabulary(load_entries(con, kind), KINDS[kind][0])
