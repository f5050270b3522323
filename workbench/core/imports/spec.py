"""What an import expects: the fields of each kind, their generic column names, and mapping.

A *mapping* says which column of the file feeds which field: ``{field: file column header}``.
Without a profile the mapping is automatic: a file column matches a field when their names
are equal after :func:`normalise_header` (case-insensitive; ``ø``/``oe``, ``æ``/``ae``,
``å``/``aa`` are the same; spaces, hyphens and underscores are the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from workbench.core.errors import WorkbenchError

ImportKind = Literal["candidates", "collaborations"]
KINDS: tuple[ImportKind, ...] = ("candidates", "collaborations")


class ImportRefused(WorkbenchError):
    """The file is refused whole (not a table, empty, required columns missing, ...).

    Nothing has been written to the cache. ``message`` is English (CLI), ``message_da`` Danish
    (the wizard).
    """

    def __init__(self, message: str, message_da: str | None = None):
        from .cpr import mask_cpr_in

        # Messages name files, headers and values: CPR-like parts never leave (one rule).
        message = mask_cpr_in(message)
        super().__init__(message)
        self.message = message
        self.message_da = mask_cpr_in(message_da) if message_da else message


class TooManyRejects(ImportRefused):
    """So many rows were rejected that the file is probably broken: refused unless the user
    confirms (``accept_rejects``). ``share`` is rejected / data rows; ``first_row`` the first
    rejected row."""

    def __init__(
        self, message: str, message_da: str, *, share: float, rejected: int, first_row: int
    ):
        super().__init__(message, message_da)
        self.share, self.rejected, self.first_row = share, rejected, first_row


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the generic column name, also the field's id in a mapping
    label_da: str  # shown in the wizard
    required: bool = False
    aliases: tuple[str, ...] = ()  # other header spellings seen in exports


CANDIDATE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("borger_id", "Borger-id (pseudonym)", True, ("borgerid", "candidate_id", "id")),
    FieldSpec("jobcenter", "Jobcenter", True),
    FieldSpec("kommunekode", "Kommunekode", aliases=("kommune_kode", "kommunenr", "kommune")),
    FieldSpec("adresse", "Adresse"),
    FieldSpec("x", "X (EPSG:25832)"),
    FieldSpec("y", "Y (EPSG:25832)"),
    FieldSpec("stillingsbetegnelser", "Stillingsbetegnelser", aliases=("stillinger", "disco")),
    FieldSpec("kvalifikationer", "Kvalifikationer"),
    FieldSpec("koerekort", "Kørekort"),
    FieldSpec("sprog", "Sprog"),
    FieldSpec("uddannelse", "Uddannelse"),
    FieldSpec("erfaring_aar", "Erfaring (år)", aliases=("erfaring",)),
    FieldSpec("ledig_siden", "Ledig siden"),
    FieldSpec("maalgruppe", "Målgruppe"),
    FieldSpec("cv_soegbar", "CV søgbart", aliases=("cv_soegbart",)),
    FieldSpec("cv_opdateret", "CV opdateret"),
)

COLLABORATION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("cvr", "CVR-nummer", True, ("cvr_nr", "cvrnr", "cvr_nummer")),
    FieldSpec("pnr", "P-nummer", aliases=("p_nr", "p_nummer", "pnummer")),
    FieldSpec("jobcenter", "Jobcenter", True),
    FieldSpec("type", "Type (samarbejdsform)", True, ("kind", "samarbejdstype", "ordning")),
    FieldSpec("start", "Start", aliases=("startdato", "start_dato")),
    FieldSpec("slut", "Slut", aliases=("slutdato", "slut_dato")),
    FieldSpec("status", "Status"),
    FieldSpec("note", "Note", aliases=("notat", "bemaerkning")),
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "candidates": CANDIDATE_FIELDS,
    "collaborations": COLLABORATION_FIELDS,
}

TARGET_TABLE: dict[str, str] = {"candidates": "candidates", "collaborations": "collaborations"}

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u", "ö": "oe", "ä": "ae"})


def normalise_header(text: str) -> str:
    """'Kørekort' -> 'koerekort', 'CV Søgbar' -> 'cv_soegbar', 'Erfaring-år' -> 'erfaring_aar'."""
    t = text.replace("\ufeff", "").strip().lower().translate(_FOLD)
    t = re.sub(r"[\s\-./]+", "_", t)
    return re.sub(r"[^0-9a-z_]", "", t).strip("_")


def check_kind(kind: str) -> ImportKind:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; use one of: {', '.join(KINDS)}")
    return kind  # type: ignore[return-value]


def auto_mapping(kind: ImportKind, headers: list[str]) -> dict[str, str]:
    """Map fields to the file's headers by normalised name (first matching header wins)."""
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    mapping: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for name in (spec.name, *spec.aliases):
            header = by_norm.get(name)
            if header is not None:
                mapping[spec.name] = header
                break
    return mapping


def resolve_mapping(
    kind: ImportKind,
    headers: list[str],
    profile_mapping: dict[str, str] | None = None,
    *,
    jobcenter_given: bool = False,
) -> dict[str, int]:
    """The final mapping as ``{field: column index}``; refuses a file lacking required columns.

    ``profile_mapping`` (from a saved profile or the wizard) wins over the automatic mapping
    for the fields it names; a value of ``""`` or ``None`` unmaps a field.
    """
    mapping = auto_mapping(kind, headers)
    known = {s.name for s in FIELDS[kind]}
    if profile_mapping:
        unknown = sorted(set(profile_mapping) - known)
        if unknown:
            raise ImportRefused(
                f"the mapping names unknown field(s) {', '.join(unknown)} for {kind}",
                f"kolonnetilknytningen nævner ukendte felter: {', '.join(unknown)}",
            )
        for name, header in profile_mapping.items():
            if header:
                mapping[name] = header
            else:
                mapping.pop(name, None)
    index: dict[str, int] = {}
    stripped = [h.replace("\ufeff", "").strip() for h in headers]
    missing_cols: list[str] = []
    for name, header in mapping.items():
        h = header.replace("\ufeff", "").strip()
        if h in stripped:
            index[name] = stripped.index(h)
        else:
            ci = [s.lower() for s in stripped]
            if h.lower() in ci:
                index[name] = ci.index(h.lower())
            else:
                missing_cols.append(header)
    if missing_cols:
        raise ImportRefused(
            f"the file has no column(s) {', '.join(repr(c) for c in missing_cols)} named by the "
            f"mapping; found columns: {', '.join(stripped)}",
            f"filen har ikke kolonnen/kolonnerne {', '.join(repr(c) for c in missing_cols)}; "
            f"fundne kolonner: {', '.join(stripped)}",
        )
    required = [s.name for s in FIELDS[kind] if s.required]
    if jobcenter_given:
        required.remove("jobcenter")
    lacking = [r for r in required if r not in index]
    if kind == "candidates" and ("x" in index) != ("y" in index):
        lacking.append("y" if "x" in index else "x")
    if lacking:
        hint = " (or give --jobcenter CODE)" if "jobcenter" in lacking else ""
        raise ImportRefused(
            f"the file lacks required column(s) {', '.join(lacking)}{hint}; found columns: "
            f"{', '.join(stripped) or '(none)'}",
            f"filen mangler de påkrævede kolonner {', '.join(lacking)}; fundne kolonner: "
            f"{', '.join(stripped) or '(ingen)'}",
        )
    return index
