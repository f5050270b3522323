"""The shortlist a consultant sends to a company: 3-5 candidates, a note each.

Two outputs, both Qt-free:

- a PDF (reportlab): a one-page overview for the company, then one profile sheet per
  candidate (occupations, qualifications, experience, education, languages, driving licence,
  the match summary and the consultant's note). Candidates are citizens: the cache holds no
  names, and the name, address and contact data a consultant types in are printed only when
  the shortlist says so (``include_personal``); the pseudonymous reference always is, so the
  company can answer about "kandidat 2 (ref. C000123)".
- the list as CSV/XLSX through :mod:`workbench.core.export.tabular` (formula-safe cells).

Texts come from the caller's ``text(msg_id)`` (the window passes its ``tr``): the core keeps
no second dictionary beside the UI's translation system.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from ..store import person_rows
from ..vocabulary import load_entries
from .persons import ExportMeta, write_file
from .tabular import write_csv, write_xlsx

MIN_CANDIDATES = 3  # what a company expects (the issue: 3-5); fewer is allowed, with a hint
MAX_CANDIDATES = 5

Text = Callable[[str], str]

# A font with æ, ø, å, "·" and "≈" (the match summary); reportlab's built-in Helvetica lacks
# "≈". DejaVu ships with most Linux desktops; elsewhere Helvetica and a plain "~".
_TTF_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "C:/Windows/Fonts/arial.ttf",
    "/Library/Fonts/Arial.ttf",
)


class ShortlistError(ValueError):
    """A shortlist that cannot be exported; the message is one line for the user."""


@dataclass
class ShortlistEntry:
    """One candidate on the list. ``name``/``address``/``contact`` are what the consultant
    typed (the cache holds none); they leave the workbench only with ``include_personal``."""

    candidate_id: str
    rid: int
    score: float | None = None
    summary: str = ""
    note: str = ""
    name: str = ""
    address: str = ""
    contact: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "rid": self.rid,
            "score": self.score,
            "summary": self.summary,
            "note": self.note,
            "name": self.name,
            "address": self.address,
            "contact": self.contact,
        }


@dataclass
class Shortlist:
    entries: list[ShortlistEntry] = field(default_factory=list)
    title: str = ""  # the job order's title
    company: str = ""  # the company the list goes to
    contact: str = ""  # the company's contact person
    job_order_id: str | None = None
    include_personal: bool = False

    def add(self, entry: ShortlistEntry) -> bool:
        """Add ``entry`` unless it is on the list already or the list is full."""
        if self.has(entry.candidate_id) or len(self.entries) >= MAX_CANDIDATES:
            return False
        self.entries.append(entry)
        return True

    def remove(self, candidate_id: str) -> None:
        self.entries = [e for e in self.entries if e.candidate_id != candidate_id]

    def has(self, candidate_id: str) -> bool:
        return any(e.candidate_id == candidate_id for e in self.entries)


@dataclass(frozen=True)
class CandidateProfile:
    """What a profile sheet shows of one candidate, codes turned into names."""

    candidate_id: str
    occupations: list[str]
    qualifications: list[str]
    experience_years: int | None
    education: str
    languages: list[str]
    driving_licences: list[str]


_PROFILE_COLUMNS = (
    "candidate_id",
    "occupation_codes",
    "qualification_codes",
    "experience_years",
    "education",
    "languages",
    "driving_licences",
)


def load_profiles(cursor: Any, entries: Sequence[ShortlistEntry]) -> list[CandidateProfile]:
    """The profiles of ``entries``, in their order, read through the Store's person read
    (one query) with occupation and qualification names from the cache's vocabularies."""
    rows = person_rows(cursor, "candidates", [e.rid for e in entries], _PROFILE_COLUMNS)
    by_id = {r["candidate_id"]: r for r in rows}
    missing = [e.candidate_id for e in entries if e.candidate_id not in by_id]
    if missing:
        raise ShortlistError(f"candidate {missing[0]} is no longer in the cache")
    occupations = {c: t for c, t, _ in load_entries(cursor, "occupations")}
    qualifications = {c: t for c, t, _ in load_entries(cursor, "qualifications")}
    profiles = []
    for e in entries:
        r = by_id[e.candidate_id]
        profiles.append(
            CandidateProfile(
                candidate_id=e.candidate_id,
                occupations=[occupations.get(c, c) for c in r["occupation_codes"] or []],
                qualifications=[qualifications.get(c, c) for c in r["qualification_codes"] or []],
                experience_years=r["experience_years"],
                education=r["education"] or "",
                languages=list(r["languages"] or []),
                driving_licences=list(r["driving_licences"] or []),
            )
        )
    return profiles


def _check(shortlist: Shortlist, profiles: Sequence[CandidateProfile], text: Text) -> None:
    if not shortlist.entries:
        raise ShortlistError(text("joborder.shortlist.empty"))
    if len(shortlist.entries) > MAX_CANDIDATES:
        raise ShortlistError(text("joborder.shortlist.too_many"))
    if [p.candidate_id for p in profiles] != [e.candidate_id for e in shortlist.entries]:
        raise ValueError("profiles must follow the shortlist's order")


def _fmt_score(score: float | None) -> str:
    return "" if score is None else f"{score:.0f}"


# -- PDF ---------------------------------------------------------------------------------------


def _font() -> tuple[str, str]:
    """(regular, bold) font names, registered once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Shortlist" in pdfmetrics.getRegisteredFontNames():
        return "Shortlist", "Shortlist-Bold"
    for path in _TTF_CANDIDATES:
        bold = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf").replace("arial", "arialbd")
        if os.path.isfile(path):
            pdfmetrics.registerFont(TTFont("Shortlist", path))
            pdfmetrics.registerFont(
                TTFont("Shortlist-Bold", bold if os.path.isfile(bold) else path)
            )
            return "Shortlist", "Shortlist-Bold"
    return "Helvetica", "Helvetica-Bold"


def write_pdf(
    path: str | os.PathLike[str],
    shortlist: Shortlist,
    profiles: Sequence[CandidateProfile],
    *,
    text: Text,
    today: date | None = None,
    meta: ExportMeta | None = None,
) -> int:
    """Write the overview page and one profile sheet per candidate to ``path`` (via a
    temporary file, so a failed export leaves no half file); returns the page count.
    ``meta`` (who, for what, when) goes into the PDF's document properties."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table
    from reportlab.platypus import TableStyle as TS

    _check(shortlist, profiles, text)
    regular, bold = _font()
    ascii_only = regular == "Helvetica"
    today = today or date.today()

    def clean(value: object) -> str:
        s = "" if value is None else str(value)
        if ascii_only:
            s = s.replace("≈", "~")
        return escape(s).replace("\n", "<br/>")

    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor="#555555")
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=12, leading=15, spaceAfter=2)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5)
    head = ParagraphStyle("head", parent=cell, fontName=bold)

    def grid(rows: list[list[str]], widths: list[float], header: bool) -> Table:
        data = [
            [Paragraph(clean(v), head if (header and i == 0) or (not header and j == 0) else cell)
             for j, v in enumerate(row)]
            for i, row in enumerate(rows)
        ]  # fmt: skip
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ccd4")),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")))
        table.setStyle(TS(style))
        return table

    personal = shortlist.include_personal
    story: list[Any] = []
    # The overview: one page for the company.
    heading = text("joborder.pdf.overview_title")
    if shortlist.company:
        heading += f" — {shortlist.company}"
    story += [Paragraph(clean(heading), h1)]
    facts = []
    if shortlist.title:
        facts.append(f"{text('joborder.pdf.job')}: {shortlist.title}")
    if shortlist.contact:
        facts.append(f"{text('joborder.pdf.contact')}: {shortlist.contact}")
    facts.append(f"{text('joborder.pdf.date')}: {today:%d-%m-%Y}")
    story += [Paragraph(clean(f), body) for f in facts] + [Spacer(1, 5 * mm)]
    header = ["#", text("joborder.pdf.reference")]
    if personal:
        header.append(text("joborder.pdf.name"))
    header += [text("joborder.pdf.occupations"), text("joborder.pdf.match"),
               text("joborder.pdf.note")]  # fmt: skip
    rows = [header]
    for i, (e, p) in enumerate(zip(shortlist.entries, profiles, strict=True), start=1):
        row = [str(i), e.candidate_id]
        if personal:
            row.append(e.name)
        row += [", ".join(p.occupations[:2]), e.summary, e.note]
        rows.append(row)
    full = A4[0] - 36 * mm
    widths = [8 * mm, 30 * mm] + ([30 * mm] if personal else [])
    rest = full - sum(widths)
    widths += [rest * 0.28, rest * 0.36, rest * 0.36]
    story += [grid(rows, widths, header=True), Spacer(1, 5 * mm)]
    story.append(Paragraph(clean(text("joborder.pdf.privacy" if not personal else "joborder.pdf.privacy_personal")), small))  # fmt: skip

    # One profile sheet per candidate.
    for i, (e, p) in enumerate(zip(shortlist.entries, profiles, strict=True), start=1):
        story.append(PageBreak())
        story.append(Paragraph(clean(text("joborder.pdf.profile_title").format(n=i)), h1))
        ref = f"{text('joborder.pdf.reference')}: {e.candidate_id}"
        if shortlist.title:  # a sheet printed on its own still says what it is for
            ref += f" · {text('joborder.pdf.job')}: {shortlist.title}"
        story.append(Paragraph(clean(ref), small))
        story.append(Spacer(1, 4 * mm))
        years = "" if p.experience_years is None else str(p.experience_years)
        fields = []
        if personal:
            fields += [
                (text("joborder.pdf.name"), e.name),
                (text("joborder.pdf.address"), e.address),
                (text("joborder.pdf.phone"), e.contact),
            ]
        fields += [
            (text("joborder.pdf.occupations"), ", ".join(p.occupations)),
            (text("joborder.pdf.qualifications"), ", ".join(p.qualifications)),
            (text("joborder.pdf.experience"), years),
            (text("joborder.pdf.education"), p.education),
            (text("joborder.pdf.languages"), ", ".join(p.languages)),
            (text("joborder.pdf.licence"), ", ".join(p.driving_licences)),
            (text("joborder.pdf.match"), e.summary),
        ]
        story.append(grid([[k, v] for k, v in fields], [45 * mm, full - 45 * mm], header=False))
        if e.note:
            story += [Spacer(1, 5 * mm), Paragraph(clean(text("joborder.pdf.note")), h2)]
            story.append(Paragraph(clean(e.note), body))

    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    pages: list[int] = []
    doc = SimpleDocTemplate(
        str(tmp),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=heading,
        author=(meta.user if meta and meta.user else text("app.title")),
        subject=(meta.purpose or "") if meta else "",
        keywords=_meta_keywords(meta),
        creator=text("app.title"),
    )

    def on_page(canvas: Any, doc_: Any) -> None:
        pages.append(doc_.page)
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, str(doc_.page))

    try:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(pages)


# -- CSV / XLSX --------------------------------------------------------------------------------

TABLE_COLUMNS = (
    "rank",
    "candidate_id",
    "score",
    "summary",
    "note",
    "occupations",
    "qualifications",
    "experience_years",
    "education",
    "languages",
    "driving_licences",
)
PERSONAL_COLUMNS = ("name", "address", "contact")


def table_rows(
    shortlist: Shortlist, profiles: Sequence[CandidateProfile]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of the list (the personal columns only with ``include_personal``)."""
    columns = list(TABLE_COLUMNS)
    if shortlist.include_personal:
        columns[2:2] = PERSONAL_COLUMNS
    rows = []
    for i, (e, p) in enumerate(zip(shortlist.entries, profiles, strict=True), start=1):
        row: dict[str, Any] = {
            "rank": i,
            "candidate_id": e.candidate_id,
            "score": None if e.score is None else round(float(e.score), 1),
            "summary": e.summary,
            "note": e.note,
            "occupations": p.occupations,
            "qualifications": p.qualifications,
            "experience_years": p.experience_years,
            "education": p.education,
            "languages": p.languages,
            "driving_licences": p.driving_licences,
        }
        if shortlist.include_personal:
            row.update(name=e.name, address=e.address, contact=e.contact)
        rows.append(row)
    return columns, rows


def _meta_keywords(meta: ExportMeta | None) -> str:
    if meta is None:
        return ""
    info = meta.as_dict()
    return f"user: {info['user']}; jobcenter: {info['jobcenter']}; purpose: {info['purpose']}; date: {info['date']}"


def write_table(
    path: str | os.PathLike[str],
    shortlist: Shortlist,
    profiles: Sequence[CandidateProfile],
    *,
    text: Text,
    fmt: Literal["csv", "xlsx"] | None = None,
    meta: ExportMeta | None = None,
) -> int:
    """The list as CSV (Danish Excel) or XLSX, by ``fmt`` or the file's suffix; returns the
    number of rows."""
    _check(shortlist, profiles, text)
    fmt = fmt or ("xlsx" if str(path).lower().endswith(".xlsx") else "csv")
    columns, rows = table_rows(shortlist, profiles)
    if meta is not None:  # an export of persons: user, purpose and date in the file's metadata
        suffix = ".xlsx" if fmt == "xlsx" else ".csv"
        return write_file(Path(path).with_suffix(suffix), columns, rows, meta, sheet="shortlist")
    if fmt == "xlsx":
        meta = {"job_order": shortlist.title, "company": shortlist.company}
        return write_xlsx(path, columns, rows, metadata=meta, sheet="shortlist")
    return write_csv(path, columns, rows)


def export_shortlist(
    folder: str | os.PathLike[str],
    cursor: Any,
    shortlist: Shortlist,
    *,
    text: Text,
    stem: str = "kandidatforslag",
    table_format: Literal["csv", "xlsx"] = "xlsx",
    today: date | None = None,
    meta: ExportMeta | None = None,
) -> list[Path]:
    """Write ``<stem>.pdf`` and ``<stem>.<table_format>`` into ``folder``; returns the paths."""
    profiles = load_profiles(cursor, shortlist.entries)
    folder = Path(folder)
    pdf = folder / f"{stem}.pdf"
    table = folder / f"{stem}.{table_format}"
    write_pdf(pdf, shortlist, profiles, text=text, today=today, meta=meta)
    write_table(table, shortlist, profiles, text=text, fmt=table_format, meta=meta)
    return [pdf, table]
